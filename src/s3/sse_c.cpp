#include "s3/sse_c.h"

#include <fmt/format.h>

#include "s3/digest.h"

namespace dsync::s3 {
namespace {

constexpr std::size_t kKeyBytes = 32;

std::string_view trim_whitespace(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

void set_why(std::string* why, std::string text) {
  if (why != nullptr) *why = std::move(text);
}

std::optional<std::string> decode_raw(std::string_view text, std::string* why) {
  // A key file written by an editor ends with a newline; a 32-byte key plus that newline is still the key.
  if (text.size() == kKeyBytes + 1 && text.back() == '\n') text.remove_suffix(1);
  if (text.size() == kKeyBytes + 2 && text.substr(kKeyBytes) == "\r\n") text.remove_suffix(2);
  if (text.size() != kKeyBytes) {
    set_why(why, fmt::format("a raw key must be exactly 32 bytes, got {}", text.size()));
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::string> decode_hex(std::string_view text, std::string* why) {
  text = trim_whitespace(text);
  auto bytes = from_hex(text);
  if (!bytes) {
    set_why(why, fmt::format("a hex key must be 64 hex digits, got {} characters that are not all hex",
                             text.size()));
    return std::nullopt;
  }
  if (bytes->size() != kKeyBytes) {
    set_why(why, fmt::format("a hex key must be 64 hex digits (32 bytes), got {} digits", text.size()));
    return std::nullopt;
  }
  return bytes;
}

std::optional<std::string> decode_base64(std::string_view text, std::string* why) {
  text = trim_whitespace(text);
  auto bytes = from_base64(text);
  if (!bytes) {
    set_why(why, fmt::format("a base64 key must be 44 characters of standard base64, got {} characters",
                             text.size()));
    return std::nullopt;
  }
  if (bytes->size() != kKeyBytes) {
    set_why(why, fmt::format("a base64 key must decode to 32 bytes, got {}", bytes->size()));
    return std::nullopt;
  }
  return bytes;
}

std::optional<std::string> decode_automatic(std::string_view text, std::string* why) {
  if (text.size() == kKeyBytes) return std::string(text);
  std::string_view trimmed = trim_whitespace(text);
  if (trimmed.size() == kKeyBytes) return std::string(trimmed);
  if (trimmed.size() == 64 && from_hex(trimmed)) return decode_hex(trimmed, why);
  if (trimmed.size() == 44) return decode_base64(trimmed, why);
  set_why(why,
          fmt::format("the key must be 32 raw bytes, 64 hex digits or 44 base64 characters; got {} bytes",
                      text.size()));
  return std::nullopt;
}

}  // namespace

std::optional<SseCustomerKey> SseCustomerKey::parse(std::string_view text, Encoding enc, std::string* why) {
  std::optional<std::string> raw;
  switch (enc) {
    case Encoding::raw:
      raw = decode_raw(text, why);
      break;
    case Encoding::hex:
      raw = decode_hex(text, why);
      break;
    case Encoding::base64:
      raw = decode_base64(text, why);
      break;
    case Encoding::automatic:
      raw = decode_automatic(text, why);
      break;
  }
  if (!raw) return std::nullopt;
  SseCustomerKey key;
  key.key_b64_ = to_base64(*raw);
  key.md5_b64_ = to_base64(md5(*raw));
  // Overwrite the decoded copy so the raw key does not linger in freed heap memory.
  std::fill(raw->begin(), raw->end(), '\0');
  return key;
}

}  // namespace dsync::s3
