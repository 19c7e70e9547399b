// Settings for the S3 engine, passed down as one struct (no long parameter lists).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace dsync::s3 {

enum class PayloadSigning {
  // x-amz-content-sha256 = SHA-256 of each request body: every SigV4 server checks it
  // (XAmzContentSHA256Mismatch), so it doubles as per-part integrity. Default.
  signed_sha256,
  // UNSIGNED-PAYLOAD: cheaper; allowed only over TLS. Integrity then rests on Content-MD5 if enabled.
  unsigned_payload,
};

struct ClientSettings {
  // "host[:port]" means https://host[:port] (as the original tool), or a full http(s):// URL.
  std::string endpoint;
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // optional (x-amz-security-token)
  std::string bucket;
  bool path_style = true;  // false: virtual-host style (bucket.host)
  std::string ca_file;     // custom CA bundle; empty: system store
  bool verify_tls = true;
  PayloadSigning payload_signing = PayloadSigning::signed_sha256;
  bool content_md5 = false;  // also send Content-MD5 on parts and puts
  std::chrono::seconds connect_timeout{10};
  // From the last byte of the request to the first byte of the response (S3 servers may think long
  // about a CompleteMultipartUpload of a large object).
  std::chrono::seconds response_header_timeout{15 * 60};
  // A pooled connection idle for longer is not reused (servers and middleboxes drop idle connections).
  std::chrono::seconds idle_connection_timeout{90};
  // No byte moved in either direction while sending a body or receiving one: the transfer is abandoned
  // (and retried by the uploader) instead of hanging on a dead peer.
  std::chrono::seconds stall_timeout{120};
  // Page size of ListObjectsV2 / ListParts / ListMultipartUploads (servers cap it at 1000).
  unsigned list_page_size = 1000;
};

// A problem with the settings, for the CLI to print ("endpoint: ..."); nullopt when they are usable.
// Never mentions the secret key.
std::optional<std::string> settings_problem(const ClientSettings& settings);

struct UploadSettings {
  std::uint64_t part_size = 16ull << 20;            // raised automatically so a file fits in 10,000 parts
  std::uint64_t multipart_threshold = 16ull << 20;  // files smaller than this go in one PutObject
  unsigned parallelism = 4;                         // parts in flight
  unsigned max_attempts = 8;                        // per request, for transient errors
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_max{20'000};
  std::string content_type = "application/gzip";
  // Store the whole file's CRC32C as x-amz-meta-dsync-crc32c (computed before the object is created), so
  // verification and `restore` can check the bytes end to end; the ETag of an SSE-C object is no MD5.
  bool store_crc32c = true;
};

// The metadata name (without x-amz-meta-) under which upload_file stores the file's CRC32C.
inline constexpr const char* kCrc32cMetadata = "dsync-crc32c";

}  // namespace dsync::s3
