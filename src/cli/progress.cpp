#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/units.h"

namespace dsync::cli {
namespace {

constexpr auto kTerminalEvery = std::chrono::milliseconds(200);
constexpr auto kPlainEvery = std::chrono::seconds(5);
constexpr auto kRateWindow = std::chrono::seconds(5);

double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

ProgressReporter::ProgressReporter(Sink sink, bool terminal, Clock& clock, std::string label)
    : sink_(std::move(sink)),
      terminal_(terminal),
      clock_(clock),
      label_(std::move(label)),
      start_(clock.now()) {
  samples_.emplace_back(start_, 0);
}

void ProgressReporter::set_total(std::uint64_t bytes) {
  std::lock_guard lock(mu_);
  total_ = bytes;
}

void ProgressReporter::add(std::uint64_t bytes) {
  std::lock_guard lock(mu_);
  done_ += bytes;
  const auto now = clock_.now();
  samples_.emplace_back(now, done_);
  while (samples_.size() > 2 && samples_[1].first <= now - kRateWindow) samples_.pop_front();
  draw_locked(now);
}

void ProgressReporter::tick() {
  std::lock_guard lock(mu_);
  draw_locked(clock_.now());
}

std::string ProgressReporter::line() const {
  std::lock_guard lock(mu_);
  return line_locked(clock_.now());
}

std::string ProgressReporter::line_locked(std::chrono::steady_clock::time_point now) const {
  const double window = seconds_between(samples_.front().first, now);
  const double rate = window > 0 ? static_cast<double>(done_ - samples_.front().second) / window : 0;
  std::string out = format_bytes(static_cast<double>(done_));
  if (total_ > 0) {
    const double pct = 100.0 * static_cast<double>(done_) / static_cast<double>(total_);
    out += fmt::format(" / {}  {:3.0f}%", format_bytes(static_cast<double>(total_)), pct > 100 ? 100 : pct);
  }
  out += fmt::format("  {}/s", format_bytes(rate));
  if (total_ > done_ && rate > 0) {
    const auto eta =
        std::chrono::seconds(static_cast<std::int64_t>(static_cast<double>(total_ - done_) / rate));
    out += "  ETA " + format_clock(eta);
  }
  return out;
}

void ProgressReporter::draw_locked(std::chrono::steady_clock::time_point now) {
  if (finished_) return;
  const auto every = terminal_
                         ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(kTerminalEvery)
                         : std::chrono::duration_cast<std::chrono::steady_clock::duration>(kPlainEvery);
  // The first plain line waits a full period too: short transfers then print only their final line.
  const auto since = last_draw_ ? now - *last_draw_ : now - start_;
  if (since < every && !(terminal_ && !last_draw_)) return;
  last_draw_ = now;
  if (terminal_) {
    sink_(fmt::format("\r{}: {}\x1b[K", label_, line_locked(now)));
  } else {
    sink_(fmt::format("{}: {}\n", label_, line_locked(now)));
  }
}

void ProgressReporter::finish(std::string_view outcome) {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  const auto now = clock_.now();
  const double elapsed = seconds_between(start_, now);
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  sink_(fmt::format("{}{}: {}: {} in {}s ({}/s)\n", terminal_ ? "\r\x1b[K" : "", label_, outcome,
                    format_bytes(static_cast<double>(done_)), fmt::format("{:.1f}", elapsed),
                    format_bytes(rate)));
}

ProgressReporter make_progress_reporter(Clock& clock, std::string label) {
  if (::isatty(STDERR_FILENO) == 1) {
    auto to_terminal = [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stderr);
      std::fflush(stderr);
    };
    return ProgressReporter(to_terminal, true, clock, std::move(label));
  }
  auto to_log = [](std::string_view text) {
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    spdlog::info("{}", text);
  };
  return ProgressReporter(to_log, false, clock, std::move(label));
}

}  // namespace dsync::cli
