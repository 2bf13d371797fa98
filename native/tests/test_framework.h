// A tiny test registry for the core (no dependencies, so it runs under sanitizers and on a GPU
// machine without Node). TEST(name) { ... } with CHECK / CHECK_NEAR / SKIP.
#pragma once
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace detest {

struct Case {
  const char* name;
  std::function<void()> fn;
};
std::vector<Case>& registry();
struct Registrar {
  Registrar(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct Skip : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace detest

#define DE_CAT2(a, b) a##b
#define DE_CAT(a, b) DE_CAT2(a, b)
#define TEST(name)                                                              \
  static void DE_CAT(test_, name)();                                            \
  static ::detest::Registrar DE_CAT(reg_, name)(#name, &DE_CAT(test_, name)); \
  static void DE_CAT(test_, name)()

#define CHECK(cond)                                                                        \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::ostringstream os_;                                                              \
      os_ << __FILE__ << ":" << __LINE__ << ": CHECK(" #cond ") failed";                   \
      throw ::detest::Failure(os_.str());                                                  \
    }                                                                                      \
  } while (0)

#define CHECK_MSG(cond, msg)                                                               \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::ostringstream os_;                                                              \
      os_ << __FILE__ << ":" << __LINE__ << ": CHECK(" #cond ") failed: " << msg;          \
      throw ::detest::Failure(os_.str());                                                  \
    }                                                                                      \
  } while (0)

// |a − b| <= tol · max(1, |b|)
#define CHECK_NEAR(a, b, tol)                                                              \
  do {                                                                                     \
    double a_ = (a), b_ = (b), t_ = (tol);                                                 \
    if (!(std::fabs(a_ - b_) <= t_ * std::fmax(1.0, std::fabs(b_)))) {                     \
      std::ostringstream os_;                                                              \
      os_.precision(17);                                                                   \
      os_ << __FILE__ << ":" << __LINE__ << ": " #a " = " << a_ << " vs " #b " = " << b_   \
          << " (tol " << t_ << ")";                                                        \
      throw ::detest::Failure(os_.str());                                                  \
    }                                                                                      \
  } while (0)

#define SKIP(why) throw ::detest::Skip(why)
