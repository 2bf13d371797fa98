#!/usr/bin/env bash
# System packages the tests need beyond Node: Debian's chromium for the report's browser test
# (test/report-browser.test.ts drives it with playwright-core) and redis-server for the queue
# runner's tests (test/queue-runner.test.ts). Installs only what is missing.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
