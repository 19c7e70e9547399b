// AWS Signature Version 4, header-signed variant, as S3 servers verify it. Each stage is a function so
// it can be checked against the published test vectors: canonical request -> string to sign -> signing
// key -> signature -> Authorization header.
//
// S3 differs from other services in two ways that matter here: the path is encoded once and never
// normalised ("a/../b" and "a//b" are distinct object keys), and x-amz-content-sha256 is a signed header
// carrying the payload hash or UNSIGNED-PAYLOAD.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3/digest.h"

namespace dsync::s3::sigv4 {

using Pairs = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty: none
};

struct Scope {
  std::string region;
  std::string service = "s3";
};

// What is signed. `query` holds decoded names and values; `headers` holds every header that is sent
// and signed, including Host.
struct Request {
  std::string method;
  std::string canonical_uri;  // the path, already URI-encoded (see uri_encode)
  Pairs query;
  Pairs headers;
  std::string payload_hash;  // lower-case hex SHA-256 of the body, or kUnsignedPayload
};

// RFC 3986 encoding as SigV4 wants it: every byte except A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case);
// '/' is kept when `keep_slash` (paths) and encoded otherwise (query names and values).
std::string uri_encode(std::string_view s, bool keep_slash);

// name=value pairs encoded, sorted by name then value, joined with '&'; empty values give "name=".
std::string canonical_query(const Pairs& query);

struct CanonicalHeaders {
  std::string block;         // "name:value\n" per header: lower-case names, sorted, values trimmed with
                             // inner whitespace runs collapsed, repeated names joined with ','
  std::string signed_names;  // "host;x-amz-date"
};
CanonicalHeaders canonical_headers(const Pairs& headers);

std::string canonical_request(const Request& request);

std::string amz_date(std::chrono::system_clock::time_point t);  // 20150830T123600Z
std::string credential_scope(std::string_view date8, const Scope& scope);
std::string string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                           std::string_view canonical_request);
Sha256Digest signing_key(std::string_view secret_key, std::string_view date8, const Scope& scope);
std::string signature(const Sha256Digest& signing_key, std::string_view string_to_sign);

struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string authorization;  // the Authorization header value
};

// Adds x-amz-date (and x-amz-security-token when the credentials carry one) to request.headers, signs,
// and returns the stages. x-amz-content-sha256 is added too unless `content_sha256_header` is false
// (non-S3 services; kept for the test vectors).
Signed sign(Request& request, const Credentials& credentials, const Scope& scope,
            std::chrono::system_clock::time_point now, bool content_sha256_header = true);

}  // namespace dsync::s3::sigv4
