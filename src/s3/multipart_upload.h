// The life of one multipart upload, as the steps of the protocol:
//
//   resume_upload            ListParts on a checkpointed upload id; keep the parts already stored
//   create_multipart_upload  or start a new upload (SSE-C, metadata with the file's CRC32C)
//   write_parts              `parallelism` workers take the missing parts in order; each part is read
//                            from the file with pread, hashed, and streamed (write_part), retried alone
//   complete_multipart_upload  complete_and_confirm (completion.h): HEAD settles ambiguous answers
//   abort_multipart_upload   on a permanent failure, so no parts stay stored and billed
//
// Memory is bounded by the parts in flight (each holds a 512 KiB hashing buffer and libcurl's 1 MiB
// upload buffer), never by the part or file size. The first permanent failure of any part cancels the
// parts in flight. A stop request leaves the upload in place for the checkpoint to resume.
#pragma once

#include <filesystem>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "s3/client.h"
#include "s3/completion.h"
#include "s3/file_upload.h"
#include "s3/part_plan.h"
#include "s3/retry.h"

namespace dsync::s3 {

struct MultipartJob {
  std::string key;
  std::filesystem::path file;
  std::vector<std::pair<std::string, std::string>> metadata;  // for CreateMultipartUpload
  ExpectedObject expected;
};

class MultipartUpload {
 public:
  MultipartUpload(Client& client, MultipartJob job, const UploadSettings& settings, UploadObserver& observer,
                  Retrier& retrier, std::stop_token stop);

  UploadOutcome run(const UploadCheckpoint& resume);

 private:
  enum class Step { done, start_over, failed };

  Step resume_upload(const UploadCheckpoint& resume);
  bool create_multipart_upload();
  bool write_parts();
  void part_worker(const std::stop_token& cancel);
  bool write_part(const PartRange& part, const std::stop_token& cancel);
  bool complete_multipart_upload();
  void abort_multipart_upload(const std::string& why);

  bool plan_new_upload();
  void record_failure(const Error& e);
  UploadOutcome outcome();

  Client& client_;
  MultipartJob job_;
  const UploadSettings& settings_;
  UploadObserver& observer_;
  Retrier& retrier_;
  std::stop_token stop_;

  std::optional<PartPlan> plan_;
  std::string upload_id_;
  std::vector<PartRange> pending_;  // parts still to write, in order

  std::mutex mu_;  // guards the members below while workers run
  std::size_t next_pending_ = 0;
  std::vector<CompletedPart> stored_;
  Error failure_;
  std::string etag_;
  bool completed_ = false;
  bool confirmed_by_head_ = false;
};

}  // namespace dsync::s3
