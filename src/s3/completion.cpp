#include "s3/completion.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace dsync::s3 {
namespace {

std::string metadata_value(const ObjectInfo& info, std::string_view name) {
  for (const auto& [n, v] : info.metadata) {
    if (n == name) return v;
  }
  return {};
}

// Why the last round did not settle, for the final error if none ever does.
Error unconfirmed(const std::string& key, const std::string& why) {
  Error e;
  e.code = std::string(codes::kCompletionUnconfirmed);
  e.operation = "CompleteMultipartUpload";
  e.key = key;
  e.message = why;
  return e;
}

}  // namespace

StoredState judge_stored_object(const Result<ObjectInfo>& head, const ExpectedObject& expected) {
  if (!head.ok()) {
    if (head.error.http_status == 404) return StoredState::absent;
    // 400 on a HEAD with a key: the object exists but was stored with another key or none.
    if (head.error.http_status == 400) return StoredState::different;
    return StoredState::unknown;
  }
  if (head.value->size != expected.size) return StoredState::different;
  if (!expected.crc32c_base64.empty() &&
      metadata_value(*head.value, kCrc32cMetadata) != expected.crc32c_base64) {
    return StoredState::different;
  }
  return StoredState::matches;
}

CompletionResult complete_and_confirm(Client& client, const std::string& key, const std::string& upload_id,
                                      const std::vector<CompletedPart>& parts, const ExpectedObject& expected,
                                      Retrier& retrier, const std::stop_token& stop) {
  Error last;
  for (unsigned attempt = 1;; ++attempt) {
    Result<std::string> answer = client.complete_multipart_upload(key, upload_id, parts);
    if (answer.ok() && !answer.value->empty()) return {true, {}, *answer.value, false};
    if (!answer.ok() && classify(answer.error) == ErrorClass::permanent && !is_upload_gone(answer.error)) {
      return {false, answer.error, {}, false};  // InvalidPart, EntityTooSmall, AccessDenied: a real failure
    }
    last = answer.ok()
               ? unconfirmed(key, "200 with an empty ETag (Ceph RGW) and the object is not visible yet")
               : answer.error;

    auto head = retrier.run<ObjectInfo>(stop, [&] { return client.head_object(key); });
    StoredState state = judge_stored_object(head, expected);
    if (state == StoredState::matches) {
      spdlog::info("s3 completion confirmed by HEAD object={} size={} after=\"{}\"", key, expected.size,
                   answer.ok() ? std::string("empty ETag") : answer.error.describe());
      return {true, {}, head.value->etag, true};
    }
    if (!retrier.wait_before_retry(last, attempt, stop)) break;
  }
  if (is_upload_gone(last)) return {false, last, {}, false};
  return {false,
          unconfirmed(key, fmt::format("could not confirm the object after: {}", last.describe())),
          {},
          false};
}

}  // namespace dsync::s3
