#include "addon/shutdown.h"

namespace de_addon {

void Shutdown::enter(std::atomic<bool>* abort) {
  std::lock_guard<std::mutex> lk(m_);
  running_.insert(abort);
  if (stopping()) abort->store(true);
}

void Shutdown::leave(std::atomic<bool>* abort) {
  std::lock_guard<std::mutex> lk(m_);
  running_.erase(abort);
}

void Shutdown::stop() {
  std::lock_guard<std::mutex> lk(m_);
  stopping_.store(true, std::memory_order_release);
  for (std::atomic<bool>* a : running_) a->store(true);
}

}  // namespace de_addon
