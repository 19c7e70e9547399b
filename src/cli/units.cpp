#include "cli/units.h"

#include <array>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

namespace dsync::cli {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Reads "123" or "1.25" from the front of `text`; advances it. nullopt if no digits.
std::optional<double> take_number(std::string_view& text) {
  std::size_t i = 0;
  bool digits = false;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, digits = true;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, digits = true;
  }
  if (!digits || i > 30) return std::nullopt;
  double value = 0;
  double scale = 0;  // 0: integer part; then 0.1, 0.01, ...
  for (std::size_t j = 0; j < i; ++j) {
    if (text[j] == '.') {
      scale = 0.1;
    } else if (scale == 0) {
      value = value * 10 + (text[j] - '0');
    } else {
      value += (text[j] - '0') * scale;
      scale /= 10;
    }
  }
  text.remove_prefix(i);
  return value;
}

// "", "b" → 1; "k", "ki", "kib" → 1024; "kb" → 1000; likewise m, g, t.
std::optional<double> size_multiplier(std::string_view suffix) {
  const std::string s = lower(suffix);
  if (s.empty() || s == "b") return 1.0;
  static constexpr std::string_view kLetters = "kmgt";
  const auto power = kLetters.find(s.front());
  if (power == std::string_view::npos) return std::nullopt;
  const std::string_view rest = std::string_view(s).substr(1);
  double base = 0;
  if (rest.empty() || rest == "i" || rest == "ib") {
    base = 1024;  // binary, as most operators mean "16M" for a part size
  } else if (rest == "b") {
    base = 1000;
  } else {
    return std::nullopt;
  }
  return std::pow(base, static_cast<double>(power + 1));
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  auto number = take_number(text);
  if (!number) return std::nullopt;
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  auto factor = size_multiplier(text);
  if (!factor) return std::nullopt;
  const double bytes = std::floor(*number * *factor);
  // 2^64 is exactly representable; anything at or above it does not fit.
  if (!(bytes < 18446744073709551616.0)) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty()) return std::nullopt;
  double total_ms = 0;
  while (!text.empty()) {
    auto number = take_number(text);
    if (!number) return std::nullopt;
    double unit_ms = 0;
    if (text.substr(0, 2) == "ms") {
      unit_ms = 1, text.remove_prefix(2);
    } else if (!text.empty() && text.front() == 's') {
      unit_ms = 1000, text.remove_prefix(1);
    } else if (!text.empty() && text.front() == 'm') {
      unit_ms = 60'000, text.remove_prefix(1);
    } else if (!text.empty() && text.front() == 'h') {
      unit_ms = 3'600'000, text.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    total_ms += *number * unit_ms;
    // Ten years is far beyond any timeout dsync has; refusing more keeps the arithmetic exact.
    if (total_ms > 315'360'000'000.0) return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(total_ms)));
}

std::string format_bytes(double bytes) {
  static constexpr std::array<std::string_view, 5> units{"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t u = 0;
  while (bytes >= 1024 && u + 1 < units.size()) bytes /= 1024, ++u;
  if (u == 0) return fmt::format("{:.0f} B", bytes);
  if (bytes < 10) return fmt::format("{:.2f} {}", bytes, units[u]);
  return fmt::format("{:.1f} {}", bytes, units[u]);
}

std::string format_clock(std::chrono::seconds s) {
  const auto total = s.count() < 0 ? 0 : s.count();
  const auto h = total / 3600, m = total / 60 % 60, sec = total % 60;
  if (h > 0) return fmt::format("{}:{:02}:{:02}", h, m, sec);
  return fmt::format("{}:{:02}", m, sec);
}

std::string format_duration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms == 0) return "0s";
  if (ms % 1000 != 0) return fmt::format("{}ms", ms);
  std::string out;
  auto s = ms / 1000;
  if (s >= 3600) out += fmt::format("{}h", s / 3600), s %= 3600;
  if (s >= 60) out += fmt::format("{}m", s / 60), s %= 60;
  if (s > 0) out += fmt::format("{}s", s);
  return out;
}

}  // namespace dsync::cli
