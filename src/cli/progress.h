// Progress of a long transfer (`push`, `restore`): bytes, rate and ETA. On a terminal one line that
// updates in place (at most five times a second); otherwise a plain line every few seconds, so a log
// collector gets a readable history instead of carriage returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace dsync::cli {

class ProgressReporter {
 public:
  using Sink = std::function<void(std::string_view)>;

  ProgressReporter(Sink sink, bool terminal, Clock& clock, std::string label);

  // Thread-safe; may be called from upload or download worker threads.
  void set_total(std::uint64_t bytes);
  void add(std::uint64_t bytes);
  // Redraws if it is time to (called by add, and by a waiting caller so a stalled transfer still shows).
  void tick();
  // The last line, with the average rate; ends the updating line on a terminal.
  void finish(std::string_view outcome);

  // "123 MiB / 1.00 GiB  12%  45.6 MiB/s  ETA 0:19" (exposed for tests).
  std::string line() const;

 private:
  std::string line_locked(std::chrono::steady_clock::time_point now) const;
  void draw_locked(std::chrono::steady_clock::time_point now);

  Sink sink_;
  bool terminal_;
  Clock& clock_;
  std::string label_;
  mutable std::mutex mu_;
  std::uint64_t total_ = 0;
  std::uint64_t done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::optional<std::chrono::steady_clock::time_point> last_draw_;
  // (time, bytes done) over the last few seconds: the rate shown is the recent one, so a transfer that
  // stalls or speeds up shows it, and the ETA follows.
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> samples_;
  bool finished_ = false;
};

// A reporter for the operator running a transfer: the updating line on stderr when it is a terminal,
// otherwise log lines (so `--log-format json` output stays JSON lines).
ProgressReporter make_progress_reporter(Clock& clock, std::string label);

}  // namespace dsync::cli
