// CPU seconds of the whole process (all threads), for the C++ benchmarks: on a shared,
// oversubscribed machine this tracks the work done far better than the wall clock.
#pragma once
#include <sys/resource.h>

inline double cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}
