// ObjectStore over the S3 engine: upload_file/verify_object do the work, s3::classify() decides what a
// failure means for the job (wait and retry, or stop and tell the operator).
#include <spdlog/spdlog.h>

#include "s3/client.h"
#include "s3/digest.h"
#include "s3/file_upload.h"
#include "sync/object_store.h"

namespace dsync::sync {
namespace {

StoreResult from_error(const s3::Error& e, unsigned retries) {
  StoreResult r;
  r.problem = e.describe();
  r.retries = retries;
  if (s3::is_stopped(e)) {
    r.outcome = StoreOutcome::stopped;
  } else if (e.code == s3::codes::kCompletionUnconfirmed) {
    // The engine could not tell whether the object was completed and left the upload in place: a
    // later attempt HEADs first and either finds the object or continues the upload.
    r.outcome = StoreOutcome::transient;
  } else {
    r.outcome =
        s3::classify(e) == s3::ErrorClass::permanent ? StoreOutcome::permanent : StoreOutcome::transient;
  }
  return r;
}

class S3ObjectStore final : public ObjectStore {
 public:
  S3ObjectStore(s3::Client& client, s3::UploadSettings settings, Clock& clock)
      : client_(client), settings_(std::move(settings)), clock_(clock) {}

  StoreResult upload(const std::string& key, const std::filesystem::path& file,
                     const s3::UploadCheckpoint& resume, s3::UploadObserver& observer,
                     std::stop_token stop) override {
    auto out = s3::upload_file(client_, key, file, settings_, resume, observer, stop, clock_);
    if (out.ok) return {StoreOutcome::ok, {}, out.retries};
    if (out.stopped) return {StoreOutcome::stopped, {}, out.retries};
    return from_error(out.error, out.retries);
  }

  StoreResult verify(const std::string& key, std::uint64_t size,
                     std::optional<std::uint32_t> crc32c) override {
    // One HEAD first to sort errors (missing, unreachable, refused); verify_object judges what it finds.
    auto head = client_.head_object(key);
    if (!head.ok()) {
      if (head.error.http_status == 404) return {StoreOutcome::mismatch, "object not found", 0};
      return from_error(head.error, 0);
    }
    auto v = s3::verify_object(client_, key, size, crc32c ? s3::crc32c_base64(*crc32c) : std::string());
    if (v.ok) return {};
    return {StoreOutcome::mismatch, v.problem, 0};
  }

  void abandon(const std::string& key, const std::string& upload_id) override {
    auto r = client_.abort_multipart_upload(key, upload_id);
    if (!r.ok() && r.error.http_status != 404) {
      spdlog::warn("object={} could not abort multipart upload {}: {} (ListMultipartUploads shows it)", key,
                   upload_id, r.error.describe());
    }
  }

 private:
  s3::Client& client_;
  s3::UploadSettings settings_;
  Clock& clock_;
};

}  // namespace

std::unique_ptr<ObjectStore> make_s3_object_store(s3::Client& client, s3::UploadSettings settings,
                                                  Clock& clock) {
  return std::make_unique<S3ObjectStore>(client, std::move(settings), clock);
}

}  // namespace dsync::sync
