#include "s3/multipart_upload.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace dsync::s3 {
namespace {

Error local(const std::string& key, std::string_view operation, std::string_view code, std::string message) {
  return Error::local(code, std::move(message), std::string(operation), key);
}

}  // namespace

MultipartUpload::MultipartUpload(Client& client, MultipartJob job, const UploadSettings& settings,
                                 UploadObserver& observer, Retrier& retrier, std::stop_token stop)
    : client_(client),
      job_(std::move(job)),
      settings_(settings),
      observer_(observer),
      retrier_(retrier),
      stop_(std::move(stop)) {}

UploadOutcome MultipartUpload::run(const UploadCheckpoint& resume) {
  if (!resume.upload_id.empty()) {
    switch (resume_upload(resume)) {
      case Step::failed:
        return outcome();
      case Step::done:
        if (completed_) return outcome();
        break;
      case Step::start_over:
        break;
    }
  }
  if (upload_id_.empty() && !(plan_new_upload() && create_multipart_upload())) return outcome();
  if (!write_parts()) {
    if (!stop_.stop_requested() && classify(failure_) == ErrorClass::permanent)
      abort_multipart_upload(failure_.describe());
    return outcome();
  }
  if (!complete_multipart_upload() && classify(failure_) == ErrorClass::permanent &&
      !is_upload_gone(failure_)) {
    abort_multipart_upload(failure_.describe());
  }
  return outcome();
}

// A checkpointed upload continues with the part size it started with, sending only the parts S3 does
// not list (with the right size). If the upload id is gone, an earlier run may have completed it: then
// the object is already there and nothing is sent.
MultipartUpload::Step MultipartUpload::resume_upload(const UploadCheckpoint& resume) {
  std::string why;
  plan_ = PartPlan::with_part_size(job_.expected.size, resume.part_size, &why);
  if (!plan_) {
    spdlog::warn("s3 cannot resume upload object={}: {}; starting over", job_.key, why);
    upload_id_ = resume.upload_id;
    abort_multipart_upload("its part size does not fit the file: " + why);
    upload_id_.clear();
    return Step::start_over;
  }
  auto listed = retrier_.run<std::vector<CompletedPart>>(
      stop_, [&] { return client_.list_parts(job_.key, resume.upload_id); });
  if (!listed.ok() && is_upload_gone(listed.error)) {
    observer_.on_multipart_abandoned(resume.upload_id);
    auto head = retrier_.run<ObjectInfo>(stop_, [&] { return client_.head_object(job_.key); });
    if (judge_stored_object(head, job_.expected) == StoredState::matches) {
      spdlog::info("s3 upload object={} was completed by an earlier run", job_.key);
      etag_ = head.value->etag;
      completed_ = confirmed_by_head_ = true;
      return Step::done;
    }
    return Step::start_over;
  }
  if (!listed.ok()) {
    record_failure(listed.error);
    return Step::failed;
  }
  upload_id_ = resume.upload_id;
  for (int n = 1; n <= plan_->part_count(); ++n) {
    const PartRange range = plan_->part(n);
    auto it = std::find_if(listed.value->begin(), listed.value->end(),
                           [&](const auto& p) { return p.number == n; });
    if (it != listed.value->end() && it->size == range.length) {
      stored_.push_back(*it);
    } else {
      pending_.push_back(range);
    }
  }
  spdlog::info("s3 resuming upload object={} parts_stored={} parts_to_send={}", job_.key, stored_.size(),
               pending_.size());
  return Step::done;
}

bool MultipartUpload::plan_new_upload() {
  std::string why;
  plan_ = PartPlan::for_new_upload(job_.expected.size, settings_.part_size, &why);
  if (!plan_) {
    record_failure(local(job_.key, "CreateMultipartUpload", codes::kInvalidRequest, why));
    return false;
  }
  pending_.clear();
  stored_.clear();
  for (int n = 1; n <= plan_->part_count(); ++n) pending_.push_back(plan_->part(n));
  return true;
}

bool MultipartUpload::create_multipart_upload() {
  auto created = retrier_.run<std::string>(
      stop_, [&] { return client_.create_multipart_upload(job_.key, job_.metadata); });
  if (!created.ok()) {
    record_failure(created.error);
    return false;
  }
  upload_id_ = *created.value;
  observer_.on_multipart_started(upload_id_, plan_->part_size());
  return true;
}

bool MultipartUpload::write_parts() {
  // Workers watch `cancel`: the caller's stop request or the first permanent failure of any part.
  std::stop_source cancel;
  std::stop_callback forward_stop(stop_, [&] { cancel.request_stop(); });
  const auto workers = std::min<std::size_t>(std::max(1u, settings_.parallelism), pending_.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < workers; ++i) {
      threads.emplace_back([this, token = cancel.get_token()] { part_worker(token); });
    }
  }  // the workers join here
  std::lock_guard lock(mu_);
  return failure_.ok() && !stop_.stop_requested() &&
         stored_.size() == static_cast<std::size_t>(plan_->part_count());
}

void MultipartUpload::part_worker(const std::stop_token& cancel) {
  for (;;) {
    PartRange part;
    {
      std::lock_guard lock(mu_);
      if (cancel.stop_requested() || next_pending_ >= pending_.size()) return;
      part = pending_[next_pending_++];
    }
    if (!write_part(part, cancel)) return;
  }
}

bool MultipartUpload::write_part(const PartRange& part, const std::stop_token& cancel) {
  const Body body{.file = job_.file, .offset = part.offset, .length = part.length};
  auto etag = retrier_.run<std::string>(
      cancel, [&] { return client_.upload_part(job_.key, upload_id_, part.number, body, cancel); });
  if (!etag.ok()) {
    record_failure(etag.error);
    return false;
  }
  const CompletedPart stored{part.number, *etag.value, part.length};
  {
    std::lock_guard lock(mu_);
    stored_.push_back(stored);
  }
  observer_.on_part_stored(stored);
  observer_.on_bytes_sent(part.length);
  return true;
}

bool MultipartUpload::complete_multipart_upload() {
  std::sort(stored_.begin(), stored_.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  CompletionResult done =
      complete_and_confirm(client_, job_.key, upload_id_, stored_, job_.expected, retrier_, stop_);
  if (!done.ok) {
    if (is_upload_gone(done.error)) observer_.on_multipart_abandoned(upload_id_);
    record_failure(done.error);
    return false;
  }
  etag_ = done.etag;
  completed_ = true;
  confirmed_by_head_ = done.confirmed_by_head;
  return true;
}

void MultipartUpload::abort_multipart_upload(const std::string& why) {
  // Runs even when stop was requested: a permanent failure must not leave parts billed.
  auto aborted =
      retrier_.run<Empty>({}, [&] { return client_.abort_multipart_upload(job_.key, upload_id_); });
  if (aborted.ok() || is_upload_gone(aborted.error)) {
    spdlog::warn("s3 aborted multipart upload object={} because {}", job_.key, why);
    observer_.on_multipart_abandoned(upload_id_);
    return;
  }
  // Keep the checkpoint (no on_multipart_abandoned): a later run can resume or abort this upload id.
  spdlog::error("s3 could not abort multipart upload object={}: {}", job_.key, aborted.error.describe());
  std::lock_guard lock(mu_);
  failure_.message += fmt::format(" (and aborting the upload failed: {})", aborted.error.describe());
}

void MultipartUpload::record_failure(const Error& e) {
  std::lock_guard lock(mu_);
  // The first real failure wins; parts cancelled because of it report "Stopped" and are not the cause.
  if (failure_.ok() || (is_stopped(failure_) && !is_stopped(e))) failure_ = e;
}

UploadOutcome MultipartUpload::outcome() {
  UploadOutcome out;
  out.size = job_.expected.size;
  out.retries = retrier_.retries();
  out.crc32c_base64 = job_.expected.crc32c_base64;
  if (completed_) {
    out.ok = true;
    out.etag = etag_;
    out.completion_confirmed_by_head = confirmed_by_head_;
    return out;
  }
  if (stop_.stop_requested()) {
    out.stopped = true;
    return out;
  }
  out.error = failure_;
  if (out.error.ok()) out.error = local(job_.key, "UploadFile", codes::kStopped, "upload did not finish");
  return out;
}

}  // namespace dsync::s3
