// dsync's front door: an HTTP/1.1 proxy in front of a Dgraph alpha. Clients cannot tell it is there,
// except that the exports Dgraph accepts get synced. Reverse mode sends origin-form requests to the
// configured alpha; forward mode takes absolute-form targets but only for configured upstreams.
// Bodies stream both ways through a fixed buffer per connection; only answers to export requests are
// buffered (up to a cap) and inspected. Admin paths are allowed only from the admin allowlist.
//
// Threads: `threads` event loops, each owning its connections (no locks on the relay path).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "dgraph/export_event.h"

namespace dsync::proxy {

struct ProxySettings {
  std::string listen = ":10080";                   // host:port; ":port" = all interfaces; port 0 = ephemeral
  std::string upstream = "http://localhost:8080";  // reverse mode target (the alpha)
  std::vector<std::string> forward_upstreams;  // extra "host:port" reachable in forward mode (absolute-form
                                               // targets); the reverse upstream is always allowed
  std::vector<std::string> admin_allow = {"127.0.0.0/8",
                                          "::1/128"};  // CIDRs allowed on /admin*, /alter, /login
  std::size_t max_header_bytes = std::size_t{64} * 1024;
  std::size_t max_inspect_bytes = 1 << 20;  // cap for buffering an export request/response
  std::chrono::seconds header_timeout{30};  // slow clients (slowloris); also the client body progress timeout
  std::chrono::seconds idle_timeout{120};   // keep-alive idle; also the client write progress timeout
  std::chrono::seconds upstream_connect_timeout{5};
  std::chrono::seconds upstream_timeout{600};  // response timeout for ordinary requests
  std::chrono::seconds admin_timeout{660};     // /admin: a sync export on Dgraph <= v22 can take 10 minutes
  std::chrono::seconds tunnel_idle_timeout{3600};  // WebSocket tunnels with no traffic either way
  unsigned threads = 0;                            // 0 = std::thread::hardware_concurrency()
};

struct ProxyStats {
  std::uint64_t requests = 0;
  std::uint64_t active_connections = 0;
  std::uint64_t exports_recognised = 0;
  std::uint64_t inspect_failures = 0;
  std::uint64_t upstream_errors = 0;
  std::uint64_t admin_denied = 0;
};

class ProxyServer {
 public:
  // `sink` is called from proxy threads (possibly several at once) and must outlive the server.
  ProxyServer(ProxySettings settings, dgraph::ExportSink& sink, Clock& clock = SystemClock::instance());
  ~ProxyServer();
  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  // Validates the settings and binds; throws std::runtime_error("listen <addr>: <why>") if it cannot
  // listen, std::invalid_argument naming the setting if a setting is invalid.
  void start();
  std::uint16_t port() const;  // bound port
  void stop_accepting();
  // Waits for in-flight requests (idle keep-alive connections do not count); true if all finished in
  // time. Responses finished while draining close their connection.
  bool drain(std::chrono::milliseconds grace);
  void stop();  // closes everything and joins threads
  ProxyStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dsync::proxy
