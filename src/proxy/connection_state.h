// State the proxy's connections share across threads, kept outside the Beast translation unit: the count
// of requests in flight (for draining at shutdown) and a short-lived name resolution cache.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace dsync::proxy {

// Requests being served right now, so shutdown can wait for them (idle keep-alive connections do not
// count). Begin/end are lock-free; only the drain wait takes the mutex.
class InFlightRequests {
 public:
  void begin() { count_.fetch_add(1, std::memory_order_relaxed); }
  void end();
  void start_draining() { draining_.store(true); }
  bool draining() const { return draining_.load(std::memory_order_relaxed); }
  bool wait_idle(std::chrono::milliseconds grace);

 private:
  std::atomic<std::uint64_t> count_{0};
  std::atomic<bool> draining_{false};
  std::mutex mu_;
  std::condition_variable idle_;
};

// Name resolution results, kept briefly: alpha closes most connections after each answer
// (`Connection: close` on every CORS-decorated response), so dsync reconnects often.
class ResolverCache {
 public:
  using Results = boost::asio::ip::tcp::resolver::results_type;
  std::optional<Results> find(const std::string& authority);
  void store(const std::string& authority, Results results);

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<Results, std::chrono::steady_clock::time_point>> entries_;
};

}  // namespace dsync::proxy
