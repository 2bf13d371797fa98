#include "common/status.h"

namespace de {

const char* status_code(Status s) {
  switch (s) {
    case Status::Ok: return "OK";
    case Status::InvalidArgument: return "ERR_INVALID_ARGUMENT";
    case Status::OutOfMemory: return "ERR_OUT_OF_MEMORY";
    case Status::Cancelled: return "ERR_ABORTED";
    case Status::Unsupported: return "ERR_UNSUPPORTED";
    case Status::Corrupt: return "ERR_CORRUPT";
    case Status::Internal: return "ERR_INTERNAL";
  }
  return "ERR_INTERNAL";
}

}  // namespace de
