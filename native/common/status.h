// Status codes returned by the core. The core never aborts and never throws across its API on
// bad input: it returns one of these, and the addon maps it to a typed JS error with a stable code.
#pragma once
#include <string>

namespace de {

enum class Status {
  Ok = 0,
  InvalidArgument,   // a size, pointer or value the caller should have rejected
  OutOfMemory,       // an allocation failed or a size product overflowed
  Cancelled,         // an abort flag was raised
  Unsupported,       // asked for a backend or feature that is not built or not usable here
  Corrupt,           // a file or buffer failed validation
  Internal,          // a bug: should never be seen
};

const char* status_code(Status s);  // stable string, e.g. "ERR_INVALID_ARGUMENT"

// A status with a message; cheap to return by value.
struct Result {
  Status status = Status::Ok;
  std::string message;
  bool ok() const { return status == Status::Ok; }
  static Result success() { return {}; }
  static Result error(Status s, std::string m) { return {s, std::move(m)}; }
};

}  // namespace de
