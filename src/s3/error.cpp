#include "s3/error.h"

#include <array>

#include <fmt/format.h>

namespace dsync::s3 {
namespace {

// S3 codes that mean "try again later" even though some of them come with a 4xx status.
// BadDigest and XAmzContentSHA256Mismatch: the body was damaged on the way (it did not hash to what was
// declared); the next attempt reads it from the file again.
constexpr std::array<std::string_view, 12> kTransientCodes = {
    "SlowDown",         "RequestTimeout",      "InternalError",    "ServiceUnavailable",
    "Throttling",       "ThrottlingException", "RequestThrottled", "TooManyRequests",
    "OperationAborted", "IncompleteBody",      "BadDigest",        "XAmzContentSHA256Mismatch"};

// Transport failures that retrying cannot fix.
constexpr std::array<std::string_view, 6> kPermanentTransportCodes = {
    codes::kTlsVerifyFailed, codes::kStopped,          codes::kFileError,
    codes::kInvalidRequest,  codes::kResponseTooLarge, codes::kCompletionUnconfirmed};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view code) {
  for (auto c : list) {
    if (c == code) return true;
  }
  return false;
}

}  // namespace

std::string Error::describe() const {
  std::string out = operation.empty() ? std::string("S3") : operation;
  if (!key.empty()) out += fmt::format(" object={}", key);
  out += ": ";
  if (http_status != 0) out += fmt::format("HTTP {} ", http_status);
  out += code.empty() ? std::string("error") : code;
  if (!message.empty()) out += fmt::format(": {}", message);
  if (!request_id.empty()) out += fmt::format(" (request id {})", request_id);
  return out;
}

ErrorClass classify(const Error& e) {
  // Ceph RGW (seen on 16.2) answers a second Complete, or a Complete for an upload that is gone because
  // it completed, with this 500. Whether the object exists can only be learned by looking at it.
  if (e.operation == "CompleteMultipartUpload" && e.http_status == 500 &&
      e.message.find("multipart completion is already in progress") != std::string::npos) {
    return ErrorClass::ambiguous_completion;
  }
  if (e.http_status == 0) {
    return contains(kPermanentTransportCodes, e.code) ? ErrorClass::permanent : ErrorClass::transient;
  }
  if (contains(kTransientCodes, e.code)) return ErrorClass::transient;
  if (e.http_status == 501) return ErrorClass::permanent;  // NotImplemented will not start working
  if (e.http_status >= 500 || e.http_status == 408 || e.http_status == 429) return ErrorClass::transient;
  return ErrorClass::permanent;
}

}  // namespace dsync::s3
