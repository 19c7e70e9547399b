// ExportJob, continued: moving the files of a claimed directory into the bucket and proving they are there.
#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "sync/export_job.h"

namespace dsync::sync {
namespace {

// An object that still does not verify after this many fresh uploads is a server problem, not bad luck.
constexpr unsigned kMaxVerifyMismatches = 3;

}  // namespace

// Journals multipart progress as the engine reports it (from its worker threads).
class ExportJob::FileObserver final : public s3::UploadObserver {
 public:
  FileObserver(ExportJob& job, const JobRecord& record, const FileRecord& file)
      : job_(job), task_(task_of(record)), file_id_(file.id), key_(file.object_key) {}

  void on_multipart_started(const std::string& upload_id, std::uint64_t part_size) override {
    job_.ctx_.journal.set_upload(file_id_, upload_id, part_size);
    spdlog::info("task={} object={} multipart upload started, part size {}", task_, key_, part_size);
  }
  void on_part_stored(const s3::CompletedPart& part) override { job_.ctx_.journal.add_part(file_id_, part); }
  void on_bytes_sent(std::uint64_t n) override { job_.note_bytes_sent(n); }
  void on_retry(const s3::Error& e, unsigned attempt) override {
    ++job_.progress_.retries;
    job_.ctx_.journal.add_retry(job_.id_);
    auto reason = fmt::format("{} {}: HTTP {} {} {}", e.operation, key_, e.http_status, e.code, e.message);
    spdlog::warn("task={} object={} retry {} after {}", task_, key_, attempt, reason);
    if (job_.ctx_.observer) job_.ctx_.observer->on_retry(reason);
  }
  void on_multipart_abandoned(const std::string& upload_id) override {
    job_.ctx_.journal.forget_upload(file_id_);
    spdlog::info("task={} object={} multipart upload {} abandoned; starting a new one", task_, key_,
                 upload_id);
  }

 private:
  ExportJob& job_;
  std::string task_;
  std::int64_t file_id_;
  std::string key_;
};

ExportJob::Outcome ExportJob::transfer_once(JobRecord& job, const std::stop_token& stop) {
  UploadSlot slot(ctx_.board, stop);
  if (!slot.held()) return Outcome::of(Step::stopped);
  auto files = ctx_.journal.files(id_);
  auto any = [&](FileState s) {
    return std::any_of(files.begin(), files.end(), [&](const FileRecord& f) { return f.state == s; });
  };
  if (any(FileState::pending) && job.state != JobState::uploading) set_state(job, JobState::uploading);
  for (auto& f : files) {
    if (f.state != FileState::pending) continue;
    if (auto o = upload_one(job, f, stop); o.step != Step::ok) return o;
  }
  if (any(FileState::uploaded) && job.state != JobState::verifying) set_state(job, JobState::verifying);
  for (auto& f : files) {
    if (f.state != FileState::uploaded) continue;
    if (auto o = verify_one(job, f); o.step != Step::ok) return o;
  }
  slot.release();  // the stability wait needs no slot
  return settle(job, files, stop);
}

ExportJob::Outcome ExportJob::upload_one(JobRecord& job, FileRecord& f, const std::stop_token& stop) {
  const auto path = export_path(job) / f.file.name.text;
  auto before = identify_file(job.base_dir, job.dir_name, f.file.name.text);
  if (!before) {
    fail(job,
         fmt::format("{} disappeared before it was uploaded, so this export is incomplete in the bucket; the "
                     "remaining local files are kept",
                     path.string()));
    return Outcome::of(Step::failed);
  }
  if (!(*before == f.file.identity)) return changed(f);
  if (resumed_ && checked_stored_.insert(f.id).second && already_stored(job, f)) return {};

  FileObserver observer(*this, job, f);
  auto r = ctx_.store.upload(f.object_key, path, f.checkpoint, observer, stop);
  switch (r.outcome) {
    case StoreOutcome::ok:
      break;
    case StoreOutcome::stopped:
      return Outcome::of(Step::stopped);
    case StoreOutcome::transient:
    case StoreOutcome::mismatch:
      return Outcome::transient(r.problem);
    case StoreOutcome::permanent:
      fail(job, fmt::format(
                    "upload of {} as {} failed: {}; the local files are kept in {}; fix the cause, then run "
                    "`dsync push {}`",
                    f.file.name.text, f.object_key, r.problem, export_path(job).string(),
                    export_path(job).string()));
      return Outcome::of(Step::failed);
  }
  // Read again after the last byte left: a file rewritten meanwhile (a second export reusing this
  // directory name truncates it) is not what the object holds.
  auto after = identify_file(job.base_dir, job.dir_name, f.file.name.text);
  if (!after || !(*after == f.file.identity)) {
    spdlog::warn("task={} object={} {} changed while it was uploaded; the upload does not count",
                 task_of(job), f.object_key, path.string());
    return changed(f);
  }
  retry_delay_ = {};
  ctx_.journal.forget_upload(f.id);
  f.checkpoint = {};
  ctx_.journal.set_file_state(f.id, FileState::uploaded, f.file.identity);
  f.state = FileState::uploaded;
  spdlog::info("task={} object={} uploaded {} bytes", task_of(job), f.object_key, f.file.identity.size);
  return {};
}

ExportJob::Outcome ExportJob::verify_one(JobRecord& job, FileRecord& f) {
  auto r = ctx_.store.verify(f.object_key, f.file.identity.size, std::nullopt);
  switch (r.outcome) {
    case StoreOutcome::ok:
      break;
    case StoreOutcome::stopped:
      return Outcome::of(Step::stopped);
    case StoreOutcome::transient:
      return Outcome::transient(r.problem);
    case StoreOutcome::mismatch:
      if (++mismatches_ > kMaxVerifyMismatches) {
        fail(job, fmt::format(
                      "object {} still does not verify after {} uploads ({}); the local files are kept in {}",
                      f.object_key, kMaxVerifyMismatches, r.problem, export_path(job).string()));
        return Outcome::of(Step::failed);
      }
      spdlog::warn("task={} object={} does not verify ({}); uploading it again", task_of(job), f.object_key,
                   r.problem);
      ctx_.journal.set_file_state(f.id, FileState::pending, f.file.identity);
      return Outcome::of(Step::again);
    case StoreOutcome::permanent:
      fail(job, fmt::format("cannot verify object {}: {}; the local files are kept in {}", f.object_key,
                            r.problem, export_path(job).string()));
      return Outcome::of(Step::failed);
  }
  auto now = identify_file(job.base_dir, job.dir_name, f.file.name.text);
  if (!now || !(*now == f.file.identity)) return changed(f);
  mark_verified(job, f);
  return {};
}

ExportJob::Outcome ExportJob::settle(JobRecord& job, std::vector<FileRecord>& files,
                                     const std::stop_token& stop) {
  // Deleting is the one step that cannot be undone: only files unchanged for stable_wait go.
  const auto stable_since = claimed_at_.value_or(ctx_.clock.now());
  const auto ready_at = stable_since + std::chrono::duration_cast<Clock::duration>(ctx_.settings.stable_wait);
  if (auto now = ctx_.clock.now(); now < ready_at && !ctx_.clock.sleep_for(ready_at - now, stop)) {
    return Outcome::of(Step::stopped);
  }
  for (auto& f : files) {
    auto now = identify_file(job.base_dir, job.dir_name, f.file.name.text);
    if (now && !(*now == f.file.identity)) return changed(f);
  }
  return {};
}

bool ExportJob::already_stored(JobRecord& job, FileRecord& f) {
  // After a restart the object may be complete although the journal did not learn it (killed between
  // the last byte and the commit). Only a checksum tells it from an older export under the same key.
  auto crc = crc32c_of_file(job.base_dir, job.dir_name, f.file.name.text);
  if (!crc) return false;
  auto r = ctx_.store.verify(f.object_key, f.file.identity.size, *crc);
  if (r.outcome != StoreOutcome::ok) return false;
  if (!f.checkpoint.upload_id.empty()) {
    ctx_.store.abandon(f.object_key, f.checkpoint.upload_id);
    ctx_.journal.forget_upload(f.id);
    f.checkpoint = {};
  }
  spdlog::info("task={} object={} is already stored and verifies; not uploaded again", task_of(job),
               f.object_key);
  mark_verified(job, f);
  return true;
}

void ExportJob::mark_verified(JobRecord& job, FileRecord& f) {
  ctx_.journal.set_file_state(f.id, FileState::verified, f.file.identity);
  f.state = FileState::verified;
  ++progress_.files_verified;
  job.files_verified = std::max(job.files_verified, progress_.files_verified.load());
  job.bytes_done = std::min(job.bytes_total, job.bytes_done + f.file.identity.size);
  ctx_.journal.set_progress(id_, job.bytes_done, job.files_verified);
  spdlog::info("task={} object={} verified ({} bytes, SSE-C)", task_of(job), f.object_key,
               f.file.identity.size);
  if (ctx_.observer) ctx_.observer->on_object_verified(f.object_key, f.file.identity.size);
}

bool ExportJob::restart_changed_file(JobRecord& job, FileRecord& f, const std::stop_token& stop) {
  const auto path = export_path(job) / f.file.name.text;
  spdlog::warn(
      "task={} object={} {} changed since it was read (a later export reusing the directory name?); "
      "waiting until it is stable to upload it again",
      task_of(job), f.object_key, path.string());
  reuse_detected_ = true;
  // The journal, not `f`, knows whether the engine started a multipart upload for the old content.
  for (const auto& now : ctx_.journal.files(id_)) {
    if (now.id != f.id || now.checkpoint.upload_id.empty()) continue;
    ctx_.store.abandon(f.object_key, now.checkpoint.upload_id);
    ctx_.journal.forget_upload(f.id);
  }
  // A later export of this alpha that has not finished may be the one rewriting the directory: its
  // files are only complete once its task succeeds.
  if (!ctx_.board.wait_for_later_tasks(job, stop)) return false;
  auto stable = wait_until_stable(job, f.file.name.text, stop);
  if (!stable) {
    if (stop.stop_requested()) return false;
    fail(job, fmt::format(
                  "{} disappeared while it was being rewritten; the export in the bucket is incomplete and "
                  "the remaining local files are kept",
                  path.string()));
    return false;
  }
  ctx_.journal.set_file_state(f.id, FileState::pending, *stable);
  claimed_at_ = ctx_.clock.now();
  ctx_.board.changed();
  return true;
}

std::optional<FileIdentity> ExportJob::wait_until_stable(const JobRecord& job, const std::string& name,
                                                         const std::stop_token& stop) {
  auto last = identify_file(job.base_dir, job.dir_name, name);
  while (last) {
    if (!ctx_.clock.sleep_for(std::chrono::duration_cast<Clock::duration>(ctx_.settings.stable_wait), stop)) {
      return std::nullopt;
    }
    auto now = identify_file(job.base_dir, job.dir_name, name);
    if (now && *now == *last) return now;
    last = now;
  }
  return std::nullopt;
}

}  // namespace dsync::sync
