// Hashes and encodings the S3 engine needs: SHA-256 and HMAC-SHA256 (SigV4, signed payloads), MD5
// (Content-MD5, the SSE-C key MD5), CRC32C (whole-object checksum, ISA-L), hex and base64.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace dsync::s3 {

using Sha256Digest = std::array<unsigned char, 32>;
using Md5Digest = std::array<unsigned char, 16>;

// Incremental SHA-256 or MD5 through OpenSSL's EVP interface (uses SHA-NI where the CPU has it).
class StreamingDigest {
 public:
  enum class Kind { sha256, md5 };
  explicit StreamingDigest(Kind kind);
  ~StreamingDigest();
  StreamingDigest(const StreamingDigest&) = delete;
  StreamingDigest& operator=(const StreamingDigest&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Returns the digest bytes (32 for SHA-256, 16 for MD5) and resets for reuse.
  std::string finish();

 private:
  Kind kind_;
  EVP_MD_CTX* ctx_;
};

Sha256Digest sha256(std::string_view data);
Md5Digest md5(std::string_view data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);

std::string to_hex(std::string_view bytes);
template <std::size_t N>
std::string to_hex(const std::array<unsigned char, N>& a) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(a.data()), N));
}
std::optional<std::string> from_hex(std::string_view hex);

std::string to_base64(std::string_view bytes);
template <std::size_t N>
std::string to_base64(const std::array<unsigned char, N>& a) {
  return to_base64(std::string_view(reinterpret_cast<const char*>(a.data()), N));
}
// Strict: standard alphabet, padded, no whitespace.
std::optional<std::string> from_base64(std::string_view b64);

// CRC32C (Castagnoli) as S3 uses it. Chain calls: crc = crc32c_extend(crc, next_bytes), starting at 0.
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size);
// The form of x-amz-checksum-crc32c: base64 of the four big-endian bytes.
std::string crc32c_base64(std::uint32_t crc);

}  // namespace dsync::s3
