#!/usr/bin/env bash
# System packages the tests need beyond Node: Debian's chromium for the report's browser test
# (test/report-browser.test.ts drives it with playwright-core). Installs only what is missing.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
