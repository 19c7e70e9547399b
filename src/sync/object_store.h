// What the sync pipeline needs from the bucket, as three verbs with outcomes it can act on. The real
// implementation (S3ObjectStore) drives the S3 engine (s3::upload_file, s3::verify_object) and sorts
// S3 errors with the engine's one classifier; unit tests substitute an in-memory store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "common/clock.h"
#include "s3/file_upload.h"

namespace dsync::s3 {
class Client;
}

namespace dsync::sync {

enum class StoreOutcome {
  ok,
  stopped,    // shutdown asked for it; the checkpoint is still valid
  transient,  // try again later (server down, 5xx, timeouts after the engine's own retries)
  permanent,  // retrying will not help (credentials, bucket, key) — an operator must act
  mismatch,   // verify only: the object is missing or is not this file
};

struct StoreResult {
  StoreOutcome outcome = StoreOutcome::ok;
  std::string problem;  // one line for operators; never contains the key
  unsigned retries = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Uploads `file` (SSE-C), continuing `resume` when it names a multipart upload.
  virtual StoreResult upload(const std::string& key, const std::filesystem::path& file,
                             const s3::UploadCheckpoint& resume, s3::UploadObserver& observer,
                             std::stop_token stop) = 0;
  // HEAD with the key: exists, `size` bytes, stored with SSE-C under our key, and — when `crc32c` is
  // given — carries that checksum of the whole file. mismatch when it does not.
  virtual StoreResult verify(const std::string& key, std::uint64_t size,
                             std::optional<std::uint32_t> crc32c) = 0;
  // Best effort: abort a multipart upload that will not be continued (its parts cost money).
  virtual void abandon(const std::string& key, const std::string& upload_id) = 0;
};

// `clock` paces the engine's retry backoff.
std::unique_ptr<ObjectStore> make_s3_object_store(s3::Client& client, s3::UploadSettings settings,
                                                  Clock& clock);

}  // namespace dsync::sync
