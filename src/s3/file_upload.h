// Uploading one local file as one object, and verifying it afterwards.
//
// Below UploadSettings::multipart_threshold the file goes in a single PutObject. Above it, a multipart
// upload: the part size is raised so any file fits in 10,000 parts; parts are read from the file with
// pread and streamed (memory is bounded by parts in flight, never by file size); several parts are in
// flight; each part is retried with exponential backoff and jitter on transient errors; a permanent
// error aborts the upload so no parts stay billed. Completion is never trusted blindly: on an
// ambiguous answer (RGW's "already in progress", an empty ETag, a lost response) the object is
// HEADed with the key and judged by its size and the CRC32C stored in its metadata (completion.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "common/clock.h"
#include "s3/client.h"

namespace dsync::s3 {

// Where a multipart upload stands. The caller persists it (the sync journal) and passes it back after
// a restart so finished parts are not sent again.
// On resume, ListParts is the truth: parts S3 lists with the planned size are skipped, all others sent.
// An upload id that is gone means an earlier run completed it (the object is there and right: done) or
// it was aborted (a new upload starts; on_multipart_abandoned tells the caller).
struct UploadCheckpoint {
  std::string upload_id;             // empty: nothing started yet
  std::uint64_t part_size = 0;       // the part size the upload was started with (must not change)
  std::vector<CompletedPart> parts;  // parts known to be stored (informational; ListParts decides)
};

// Callbacks from upload_file. Called from worker threads; implementations must be thread-safe and fast.
struct UploadObserver {
  virtual ~UploadObserver() = default;
  virtual void on_multipart_started(const std::string& /*upload_id*/, std::uint64_t /*part_size*/) {}
  virtual void on_part_stored(const CompletedPart& /*part*/) {}
  virtual void on_bytes_sent(std::uint64_t /*n*/) {}
  virtual void on_retry(const Error& /*e*/, unsigned /*attempt*/) {}
  // The upload was aborted (permanent failure) or the stored upload id is gone: forget the checkpoint.
  virtual void on_multipart_abandoned(const std::string& /*upload_id*/) {}
};

struct UploadOutcome {
  bool ok = false;
  bool stopped = false;  // stop was requested; the checkpoint is still valid
  // When !ok && !stopped. If classify(error) is permanent the multipart upload was aborted (and
  // on_multipart_abandoned called); otherwise (retries used up on transient errors, a completion that
  // could not be confirmed) it was left in place so the checkpoint can resume it later.
  Error error;
  std::uint64_t size = 0;  // bytes of the object
  std::string etag;
  unsigned retries = 0;
  std::string crc32c_base64;  // the file's CRC32C as stored in metadata ("" if store_crc32c is off)
  bool completion_confirmed_by_head = false;  // an ambiguous completion was settled by a HEAD
};

// Observer calls: on_multipart_started after CreateMultipartUpload, on_part_stored and on_bytes_sent
// (the part's length) per part stored by this call (parts found already stored on resume are not
// reported), on_retry per retry of any step.
UploadOutcome upload_file(Client& client, const std::string& key, const std::filesystem::path& file,
                          const UploadSettings& settings, const UploadCheckpoint& resume,
                          UploadObserver& observer, std::stop_token stop);
// The same with an injected clock for backoff waits (tests pass a ManualClock).
UploadOutcome upload_file(Client& client, const std::string& key, const std::filesystem::path& file,
                          const UploadSettings& settings, const UploadCheckpoint& resume,
                          UploadObserver& observer, std::stop_token stop, Clock& clock);

struct VerifyOutcome {
  bool ok = false;
  std::string problem;  // why not: "size 10 != 12", "stored without SSE-C", "key MD5 mismatch", HEAD error
  ObjectInfo info;
};

// HEAD with the key: the size must match and the SSE-C algorithm and key MD5 must be echoed (RGW ignores
// a key sent for a plain object, so an object stored unencrypted fails here). A checksum the server
// returns is compared when `expected_crc32c_base64` is given.
VerifyOutcome verify_object(Client& client, const std::string& key, std::uint64_t expected_size,
                            const std::string& expected_crc32c_base64 = {});

}  // namespace dsync::s3
