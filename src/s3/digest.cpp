#include "s3/digest.h"

#include <algorithm>
#include <climits>
#include <new>

#include <isa-l/crc.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace dsync::s3 {

StreamingDigest::StreamingDigest(Kind kind) : kind_(kind), ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw std::bad_alloc();
  EVP_DigestInit_ex(ctx_, kind_ == Kind::sha256 ? EVP_sha256() : EVP_md5(), nullptr);
}

StreamingDigest::~StreamingDigest() {
  EVP_MD_CTX_free(ctx_);
}

void StreamingDigest::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(ctx_, data, size);
}

std::string StreamingDigest::finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_, out, &n);
  EVP_DigestInit_ex(ctx_, kind_ == Kind::sha256 ? EVP_sha256() : EVP_md5(), nullptr);
  return std::string(reinterpret_cast<const char*>(out), n);
}

Sha256Digest sha256(std::string_view data) {
  Sha256Digest out{};
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sha256(), nullptr);
  return out;
}

Md5Digest md5(std::string_view data) {
  Md5Digest out{};
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_md5(), nullptr);
  return out;
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
  Sha256Digest out{};
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &n);
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]);
    int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

std::string to_base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> from_base64(std::string_view b64) {
  if (b64.empty()) return std::string();
  if (b64.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (b64.back() == '=') ++padding;
  if (b64.size() >= 2 && b64[b64.size() - 2] == '=') ++padding;
  for (std::size_t i = 0; i < b64.size() - padding; ++i) {
    if (!is_base64_char(b64[i])) return std::nullopt;
  }
  std::string out(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size) {
  // ISA-L's crc32_iscsi keeps the register un-inverted and takes an int length.
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
  std::uint32_t state = ~crc;
  while (size > 0) {
    auto n = std::min<std::size_t>(size, INT_MAX & ~std::size_t{4095});
    state = crc32_iscsi(p, static_cast<int>(n), state);
    p += n;
    size -= n;
  }
  return ~state;
}

std::string crc32c_base64(std::uint32_t crc) {
  const char be[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16), static_cast<char>(crc >> 8),
                      static_cast<char>(crc)};
  return to_base64(std::string_view(be, 4));
}

}  // namespace dsync::s3
