// The one clock abstraction. Production code asks a Clock for the time and for waits; tests inject a
// ManualClock instead of sleeping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace dsync {

class Clock {
 public:
  using duration = std::chrono::steady_clock::duration;
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point now() const = 0;
  virtual std::chrono::system_clock::time_point wall_now() const = 0;
  // Waits `d` or until `stop` is requested. Returns false if stopped early.
  virtual bool sleep_for(duration d, std::stop_token stop) = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point wall_now() const override { return std::chrono::system_clock::now(); }
  bool sleep_for(duration d, std::stop_token stop) override;
  static SystemClock& instance();
};

// Test clock: time only moves when a test (or a sleeping caller) advances it.
class ManualClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override;
  std::chrono::system_clock::time_point wall_now() const override;
  // Sleeping advances the clock by `d` immediately, so code under test runs without real waits.
  bool sleep_for(duration d, std::stop_token stop) override;
  void advance(duration d);
  duration total_slept() const;

 private:
  mutable std::mutex mu_;
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
  std::chrono::system_clock::time_point wall_{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};
  duration slept_{};
};

}  // namespace dsync
