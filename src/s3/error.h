// S3 failures as values. One classifier decides what is transient (retry with backoff) and what is
// permanent (fail fast, abort multipart uploads).
#pragma once

#include <string>

namespace dsync::s3 {

struct Error {
  int http_status = 0;       // 0: no HTTP response (connect/TLS/timeout/reset)
  std::string code;          // S3 <Code>, or a transport code such as "ConnectionReset", "Timeout"
  std::string message;       // S3 <Message> or the transport's text; never contains the SSE-C key
  std::string request_id;    // x-amz-request-id / <RequestId>
  std::string operation;     // "UploadPart", "CompleteMultipartUpload", ...
  std::string key;           // object key, if any

  bool ok() const { return http_status == 0 && code.empty(); }
  std::string describe() const;  // one line for operators: operation, key, status, code, message, request id
};

enum class ErrorClass { transient, permanent, ambiguous_completion };

// 5xx, SlowDown, RequestTimeout, connection reset/refused, timeouts → transient.
// 4xx (AccessDenied, NoSuchBucket, InvalidArgument for SSE-C, ...) → permanent.
// RGW's 500 InternalError "This multipart completion is already in progress" on Complete → ambiguous.
ErrorClass classify(const Error& e);

}  // namespace dsync::s3
