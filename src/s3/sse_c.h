// The customer-provided key for SSE-C. Holds the key only in base64 form for headers; the MD5 is
// computed once. Nothing here ever prints the key.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dsync::s3 {

class SseCustomerKey {
 public:
  enum class Encoding { automatic, raw, base64, hex };

  // Parses a key: raw = exactly 32 bytes; base64 = 44 chars decoding to 32 bytes; hex = 64 hex digits.
  // automatic tries raw (if 32 bytes), then hex (64), then base64 (44). On failure returns nullopt and
  // sets *why to a reason that does not contain the key.
  static std::optional<SseCustomerKey> parse(std::string_view text, Encoding enc, std::string* why);

  const std::string& key_base64() const { return key_b64_; }
  const std::string& key_md5_base64() const { return md5_b64_; }
  static constexpr std::string_view algorithm() { return "AES256"; }

 private:
  std::string key_b64_;
  std::string md5_b64_;
};

}  // namespace dsync::s3
