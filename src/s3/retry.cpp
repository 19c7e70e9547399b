#include "s3/retry.h"

#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

namespace dsync::s3 {

Retrier::Retrier(const UploadSettings& settings, Clock& clock, UploadObserver* observer)
    : max_attempts_(std::max(1u, settings.max_attempts)),
      base_(settings.backoff_base),
      max_(settings.backoff_max),
      clock_(clock),
      observer_(observer) {}

Clock::duration Retrier::backoff(unsigned attempt) const {
  Clock::duration d = base_;
  for (unsigned i = 1; i < attempt && d < max_; ++i) d *= 2;
  d = std::min(d, max_);
  thread_local std::minstd_rand rng{std::random_device{}()};
  std::uniform_int_distribution<Clock::duration::rep> half(0, d.count() / 2);
  return d - Clock::duration(half(rng));
}

bool Retrier::wait_before_retry(const Error& e, unsigned attempt, const std::stop_token& stop) {
  if (stop.stop_requested() || attempt >= max_attempts_) return false;
  retries_.fetch_add(1);
  if (observer_ != nullptr) observer_->on_retry(e, attempt);
  const Clock::duration delay = backoff(attempt);
  spdlog::warn("s3 retry op={} object={} attempt={}/{} delay_ms={} error=\"{}\"", e.operation, e.key,
               attempt + 1, max_attempts_,
               std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(), e.describe());
  return clock_.sleep_for(delay, stop);
}

}  // namespace dsync::s3
