#include "common/log.h"

#include <mutex>
#include <vector>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace dsync::log {
namespace {

std::mutex secrets_mu;
std::vector<std::string>& secrets() {
  static std::vector<std::string> list;
  return list;
}

void append_json_string(spdlog::memory_buf_t& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out.append(std::string_view("\\\""));
        break;
      case '\\':
        out.append(std::string_view("\\\\"));
        break;
      case '\n':
        out.append(std::string_view("\\n"));
        break;
      case '\r':
        out.append(std::string_view("\\r"));
        break;
      case '\t':
        out.append(std::string_view("\\t"));
        break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

// Formats one record as text or JSON after scrubbing secrets from the message.
class ScrubbingFormatter final : public spdlog::formatter {
 public:
  explicit ScrubbingFormatter(Format format) : format_(format), text_("%Y-%m-%dT%H:%M:%S.%e%z %l %v") {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string payload = scrub(std::string(msg.payload.data(), msg.payload.size()));
    if (format_ == Format::text) {
      spdlog::details::log_msg copy = msg;
      copy.payload = payload;
      text_.format(copy, dest);
      return;
    }
    auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    fmt::format_to(std::back_inserter(dest), "{{\"ts_ms\":{},\"level\":", secs);
    auto level = spdlog::level::to_string_view(msg.level);
    append_json_string(dest, std::string_view(level.data(), level.size()));
    dest.append(std::string_view(",\"msg\":"));
    append_json_string(dest, payload);
    dest.append(std::string_view("}\n"));
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<ScrubbingFormatter>(format_);
  }

 private:
  Format format_;
  spdlog::pattern_formatter text_;
};

}  // namespace

bool init(Format format, std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") return false;
  auto logger = std::make_shared<spdlog::logger>("dsync", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(std::make_unique<ScrubbingFormatter>(format));
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return true;
}

void redact(std::string secret) {
  if (secret.size() < 8) return;
  std::lock_guard lock(secrets_mu);
  secrets().push_back(std::move(secret));
}

std::string scrub(std::string text) {
  std::lock_guard lock(secrets_mu);
  for (const auto& s : secrets()) {
    for (auto pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos)) {
      text.replace(pos, s.size(), "***");
      pos += 3;
    }
  }
  return text;
}

}  // namespace dsync::log
