#include "common/clock.h"

namespace dsync {

bool SystemClock::sleep_for(duration d, std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  return !cv.wait_for(lock, stop, d, [] { return false; }) && !stop.stop_requested();
}

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

std::chrono::steady_clock::time_point ManualClock::now() const {
  std::lock_guard lock(mu_);
  return now_;
}

std::chrono::system_clock::time_point ManualClock::wall_now() const {
  std::lock_guard lock(mu_);
  return wall_;
}

bool ManualClock::sleep_for(duration d, std::stop_token stop) {
  if (stop.stop_requested()) return false;
  std::lock_guard lock(mu_);
  now_ += d;
  wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
  slept_ += d;
  return true;
}

void ManualClock::advance(duration d) {
  std::lock_guard lock(mu_);
  now_ += d;
  wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
}

Clock::duration ManualClock::total_slept() const {
  std::lock_guard lock(mu_);
  return slept_;
}

}  // namespace dsync
