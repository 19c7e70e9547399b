// SIGTERM and SIGINT as events the main thread waits for, instead of handlers that run at random
// points. Construct before starting any thread: the blocked mask is inherited, so only the waiting
// thread ever receives them.
#pragma once

#include <chrono>
#include <optional>

namespace dsync::cli {

class ShutdownSignals {
 public:
  ShutdownSignals();  // blocks SIGTERM, SIGINT (and ignores SIGPIPE) for this thread and later threads
  // The signal number once one arrives; nullopt if `timeout` passed first.
  std::optional<int> wait_for(std::chrono::milliseconds timeout) const;
  int wait() const;
};

}  // namespace dsync::cli
