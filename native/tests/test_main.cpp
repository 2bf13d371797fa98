// Runs every registered test (or those whose name contains argv[1]); prints a summary line.
#include <cstring>

#include "tests/test_framework.h"

namespace detest {
std::vector<Case>& registry() {
  static std::vector<Case> r;
  return r;
}
}  // namespace detest

int main(int argc, char** argv) {
  int passed = 0, failed = 0, skipped = 0;
  for (auto& c : detest::registry()) {
    if (argc > 1 && !std::strstr(c.name, argv[1])) continue;
    try {
      c.fn();
      ++passed;
      std::printf("ok      %s\n", c.name);
    } catch (const detest::Skip& s) {
      ++skipped;
      std::printf("skipped %s: %s\n", c.name, s.what());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAILED  %s: %s\n", c.name, e.what());
    }
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed == 0 ? 0 : 1;
}
