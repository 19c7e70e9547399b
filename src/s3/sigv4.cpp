#include "s3/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <fmt/format.h>

namespace dsync::s3::sigv4 {
namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Trims both ends and collapses every run of whitespace inside to one space.
std::string canonical_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string_view date8_of(std::string_view amz_date) {
  return amz_date.substr(0, 8);
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (unsigned char c : s) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string canonical_query(const Pairs& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query)
    encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

CanonicalHeaders canonical_headers(const Pairs& headers) {
  // Stable sort keeps repeated headers in the order they were given, which is the order they join in.
  std::vector<std::pair<std::string, std::string>> items;
  items.reserve(headers.size());
  for (const auto& [name, value] : headers) items.emplace_back(lower(name), canonical_value(value));
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  CanonicalHeaders out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0 && items[i].first == items[i - 1].first) {
      out.block.back() = ',';
      out.block += items[i].second;
      out.block.push_back('\n');
      continue;
    }
    if (!out.signed_names.empty()) out.signed_names.push_back(';');
    out.signed_names += items[i].first;
    out.block += items[i].first;
    out.block.push_back(':');
    out.block += items[i].second;
    out.block.push_back('\n');
  }
  return out;
}

namespace {

std::string canonical_request_with(const Request& request, const CanonicalHeaders& headers) {
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, request.canonical_uri,
                     canonical_query(request.query), headers.block, headers.signed_names,
                     request.payload_hash);
}

}  // namespace

std::string canonical_request(const Request& request) {
  return canonical_request_with(request, canonical_headers(request.headers));
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[17];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string credential_scope(std::string_view date8, const Scope& scope) {
  return fmt::format("{}/{}/{}/aws4_request", date8, scope.region, scope.service);
}

std::string string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                           std::string_view canonical_request) {
  return fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, credential_scope,
                     to_hex(sha256(canonical_request)));
}

Sha256Digest signing_key(std::string_view secret_key, std::string_view date8, const Scope& scope) {
  auto as_view = [](const Sha256Digest& d) {
    return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
  };
  std::string k_secret = "AWS4" + std::string(secret_key);
  Sha256Digest k_date = hmac_sha256(k_secret, date8);
  std::fill(k_secret.begin(), k_secret.end(), '\0');
  Sha256Digest k_region = hmac_sha256(as_view(k_date), scope.region);
  Sha256Digest k_service = hmac_sha256(as_view(k_region), scope.service);
  return hmac_sha256(as_view(k_service), "aws4_request");
}

std::string signature(const Sha256Digest& signing_key, std::string_view string_to_sign) {
  return to_hex(
      hmac_sha256(std::string_view(reinterpret_cast<const char*>(signing_key.data()), signing_key.size()),
                  string_to_sign));
}

Signed sign(Request& request, const Credentials& credentials, const Scope& scope,
            std::chrono::system_clock::time_point now, bool content_sha256_header) {
  const std::string date = amz_date(now);
  request.headers.emplace_back("x-amz-date", date);
  if (content_sha256_header) request.headers.emplace_back("x-amz-content-sha256", request.payload_hash);
  if (!credentials.session_token.empty())
    request.headers.emplace_back("x-amz-security-token", credentials.session_token);

  const CanonicalHeaders headers = canonical_headers(request.headers);
  Signed out;
  out.canonical_request = canonical_request_with(request, headers);
  const std::string scope_text = credential_scope(date8_of(date), scope);
  out.string_to_sign = string_to_sign(date, scope_text, out.canonical_request);
  out.signature = signature(signing_key(credentials.secret_key, date8_of(date), scope), out.string_to_sign);
  out.authorization = fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
                                  credentials.access_key, scope_text, headers.signed_names, out.signature);
  return out;
}

}  // namespace dsync::s3::sigv4
