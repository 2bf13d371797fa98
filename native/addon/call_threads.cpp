#include "addon/call_threads.h"

#include <system_error>

#include "addon/common.h"

namespace de_addon {

CallThreads::CallThreads(Napi::Env env, std::shared_ptr<Shutdown> shutdown) : env_(env), shutdown_(std::move(shutdown)) {
  // No JS function: on_complete settles the calls itself. The data pointer of each call is null;
  // the completed calls are in completed_, so that a teardown can free them while the environment
  // can still release their references (the function's own teardown may come after that).
  napi_status s = napi_create_threadsafe_function(env, nullptr, nullptr, Napi::String::New(env, "dropout-ensemble call"), 0, 1,
                                                  nullptr, nullptr, this, &CallThreads::on_complete, &done_);
  if (s != napi_ok) throw make_error(env, "ERR_INTERNAL", "could not create the completion of asynchronous calls");
  napi_unref_threadsafe_function(env, done_);  // idle: the event loop may end
  if (napi_add_env_cleanup_hook(env, &CallThreads::on_teardown, this) != napi_ok) {
    throw make_error(env, "ERR_INTERNAL", "could not register asynchronous calls for the environment's teardown");
  }
}

CallThreads::~CallThreads() {
  // Reached from the environment's instance data, after teardown() has joined every thread.
  teardown();
}

void CallThreads::run(PromiseWorker* w) {
  {
    std::lock_guard<std::mutex> lk(m_);
    if (static_cast<int64_t>(queued_.size()) >= idle_) {
      try {
        threads_.emplace_back([this] { loop(); });
      } catch (const std::system_error&) {
        if (threads_.empty()) throw make_error(env_, "ERR_OUT_OF_MEMORY", "could not start a thread for an asynchronous call");
        // the threads there are will take the call when one is free
      }
    }
    queued_.push_back(w);
  }
  wake_.notify_one();
  if (inflight_++ == 0) napi_ref_threadsafe_function(env_, done_);
}

void CallThreads::loop() {
  for (;;) {
    PromiseWorker* w = nullptr;
    {
      std::unique_lock<std::mutex> lk(m_);
      ++idle_;
      wake_.wait(lk, [&] { return stopping_ || !queued_.empty(); });
      --idle_;
      if (stopping_) return;
      w = queued_.front();
      queued_.pop_front();
    }
    w->Execute();
    {
      std::lock_guard<std::mutex> lk(m_);
      completed_.push_back(w);
    }
    napi_call_threadsafe_function(done_, nullptr, napi_tsfn_nonblocking);
  }
}

void CallThreads::on_complete(napi_env env, napi_value, void* self, void*) {
  // env is null when the function itself is torn down: the calls were freed by teardown() then,
  // and self may be gone.
  if (env == nullptr) return;
  static_cast<CallThreads*>(self)->settle_completed(Napi::Env(env));
}

void CallThreads::settle_completed(Napi::Env env) {
  std::vector<PromiseWorker*> done;
  {
    std::lock_guard<std::mutex> lk(m_);
    done.swap(completed_);
  }
  for (PromiseWorker* w : done) {
    w->Settle(env);
    delete w;
    if (--inflight_ == 0) napi_unref_threadsafe_function(env, done_);
  }
}

void CallThreads::on_teardown(void* self) { static_cast<CallThreads*>(self)->teardown(); }

void CallThreads::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  shutdown_->stop();  // every running operation of this environment stops at its next poll
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lk(m_);
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (std::thread& t : threads) t.join();
  // The Promises can no longer be settled; the calls are freed while their references can still
  // be released.
  std::vector<PromiseWorker*> left;
  {
    std::lock_guard<std::mutex> lk(m_);
    left.swap(completed_);
    left.insert(left.end(), queued_.begin(), queued_.end());
    queued_.clear();
  }
  for (PromiseWorker* w : left) delete w;
  inflight_ = 0;
}

}  // namespace de_addon
