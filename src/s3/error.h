// S3 failures as values. One classifier decides what is transient (retry with backoff) and what is
// permanent (fail fast, abort multipart uploads).
#pragma once

#include <string>
#include <string_view>

namespace dsync::s3 {

// Codes for failures without an S3 error body (Error::code when http_status is 0, or HEAD answers).
namespace codes {
inline constexpr std::string_view kConnectFailed = "ConnectFailed";
inline constexpr std::string_view kConnectionReset = "ConnectionReset";
inline constexpr std::string_view kTimeout = "Timeout";
inline constexpr std::string_view kResponseHeaderTimeout = "ResponseHeaderTimeout";
inline constexpr std::string_view kStalled = "TransferStalled";
inline constexpr std::string_view kDnsFailed = "DnsFailed";
inline constexpr std::string_view kTlsFailed = "TlsFailed";
inline constexpr std::string_view kTlsVerifyFailed = "TlsVerifyFailed";
inline constexpr std::string_view kStopped = "Stopped";
inline constexpr std::string_view kFileError = "FileError";
inline constexpr std::string_view kBadResponse = "BadResponse";
inline constexpr std::string_view kResponseTooLarge = "ResponseTooLarge";
inline constexpr std::string_view kInvalidRequest = "InvalidLocalRequest";
inline constexpr std::string_view kTransportError = "TransportError";
// The completion of a multipart upload could not be confirmed either way (see completion.h).
inline constexpr std::string_view kCompletionUnconfirmed = "CompletionUnconfirmed";
}  // namespace codes

struct Error {
  int http_status = 0;     // 0: no HTTP response (connect/TLS/timeout/reset)
  std::string code;        // S3 <Code>, or a transport code such as "ConnectionReset", "Timeout"
  std::string message;     // S3 <Message> or the transport's text; never contains the SSE-C key
  std::string request_id;  // x-amz-request-id / <RequestId>
  std::string operation;   // "UploadPart", "CompleteMultipartUpload", ...
  std::string key;         // object key, if any

  bool ok() const { return http_status == 0 && code.empty(); }
  // An error dsync itself raises (no HTTP response): a transport or file failure.
  static Error local(std::string_view code, std::string message, std::string operation = {},
                     std::string key = {}) {
    Error e;
    e.code = std::string(code);
    e.message = std::move(message);
    e.operation = std::move(operation);
    e.key = std::move(key);
    return e;
  }
  std::string describe() const;  // one line for operators: operation, key, status, code, message, request id
};

enum class ErrorClass { transient, permanent, ambiguous_completion };

// 5xx, SlowDown, RequestTimeout, connection reset/refused, timeouts → transient.
// 4xx (AccessDenied, NoSuchBucket, InvalidArgument for SSE-C, ...) → permanent.
// RGW's 500 InternalError "This multipart completion is already in progress" on Complete → ambiguous.
ErrorClass classify(const Error& e);

// The multipart upload id no longer exists (completed or aborted). AWS and MinIO say NoSuchUpload; Ceph
// RGW 16 says NoSuchUpload to UploadPart/Abort but 404 NoSuchKey to ListParts.
inline bool is_upload_gone(const Error& e) {
  return e.http_status == 404 && (e.code == "NoSuchUpload" || e.code == "NoSuchKey");
}

// The error a cancelled request carries (stop requested): neither retried nor a failure of the server.
inline bool is_stopped(const Error& e) {
  return e.code == codes::kStopped;
}

}  // namespace dsync::s3
