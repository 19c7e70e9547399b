// The ops HTTP server: GET /metrics, /healthz, /readyz and /status on an address of their own.
// One Beast coroutine per connection on one dedicated thread; the handlers it calls must be quick
// (they read counters and snapshots, never wait on uploads).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace dsync::ops {

struct OpsSettings {
  std::string listen = "127.0.0.1:10081";  // "[host]:port"; an empty host means every IPv4 interface
};

struct OpsHandlers {
  std::function<std::string()> metrics;             // Prometheus text
  std::function<bool(std::string* why_not)> ready;  // /readyz: 200 when true, else 503 with why_not
  std::function<std::string()> status_json;         // /status
};

class OpsServer {
 public:
  OpsServer(OpsSettings settings, OpsHandlers handlers);
  ~OpsServer();
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

  // Binds and starts serving on a thread of its own. Throws std::runtime_error naming the address if
  // it cannot be bound (in use, not local, permission).
  void start();
  std::uint16_t port() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dsync::ops
