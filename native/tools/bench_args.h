// Command-line pieces the benchmark tools share.
#pragma once
#include <algorithm>
#include <cstdlib>
#include <vector>

namespace de {
namespace tools {

// "1,2,4" → {1, 2, 4}; every count at least 1.
inline std::vector<int> parse_thread_list(const char* s) {
  std::vector<int> list;
  while (*s) {
    list.push_back(std::max(1, std::atoi(s)));
    while (*s && *s != ',') ++s;
    if (*s == ',') ++s;
  }
  return list;
}

}  // namespace tools
}  // namespace de
