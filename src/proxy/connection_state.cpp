#include "proxy/connection_state.h"

namespace dsync::proxy {
namespace {

constexpr auto kResolveCacheTtl = std::chrono::seconds(10);

}  // namespace

void InFlightRequests::end() {
  if (count_.fetch_sub(1, std::memory_order_acq_rel) == 1 && draining()) {
    std::lock_guard lock(mu_);
    idle_.notify_all();
  }
}

bool InFlightRequests::wait_idle(std::chrono::milliseconds grace) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, grace, [&] { return count_.load() == 0; });
}

std::optional<ResolverCache::Results> ResolverCache::find(const std::string& authority) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(authority);
  if (it == entries_.end() || std::chrono::steady_clock::now() - it->second.second > kResolveCacheTtl) {
    return std::nullopt;
  }
  return it->second.first;
}

void ResolverCache::store(const std::string& authority, Results results) {
  std::lock_guard lock(mu_);
  entries_[authority] = {std::move(results), std::chrono::steady_clock::now()};
}

}  // namespace dsync::proxy
