#include "sync/export_job.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "sync/export_locator.h"

namespace dsync::sync {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

}  // namespace

std::string task_of(const NewJob& job) {
  if (!job.task_id.empty()) return job.task_id;
  return job.origin == JobOrigin::push ? "push" : "sync-export";
}

JobView make_view(const JobRecord& job, const JobProgress* live) {
  JobView v;
  v.id = job.id;
  v.task_id = job.task_id;
  v.state = job.state;
  v.export_dir = job.dir_name.empty() ? std::string() : (job.base_dir / job.dir_name).string();
  v.error = job.error;
  v.bytes_total = job.bytes_total;
  v.bytes_done = job.bytes_done;
  v.files_total = job.files_total;
  v.files_verified = job.files_verified;
  v.retries = job.retries;
  if (live) {
    v.bytes_done = std::max<std::uint64_t>(v.bytes_done, live->bytes_done.load());
    v.files_verified = std::max(v.files_verified, live->files_verified.load());
    v.retries = std::max(v.retries, live->retries.load());
  }
  if (job.state == JobState::done) v.bytes_done = v.bytes_total;
  v.bytes_done = std::min(v.bytes_done, v.bytes_total);
  v.created = job.created;
  v.updated = job.updated;
  return v;
}

ExportJob::ExportJob(SyncContext& ctx, std::int64_t id) : ctx_(ctx), id_(id) {}

void ExportJob::run(const std::stop_token& stop) {
  std::optional<JobRecord> job;
  try {
    job = ctx_.journal.job(id_);
    if (!job || is_terminal(job->state)) return;
    progress_.retries = job->retries;
    resumed_ = job->claimed();
    if (resumed_) {
      claimed_at_ = ctx_.clock.now();  // the stability wait restarts with this process
      spdlog::info("task={} job={} resuming in {} ({})", task_of(*job), id_, export_path(*job).string(),
                   to_string(job->state));
    } else if (!in_scope(*job) || !await_export(*job, stop) || !claim(*job, stop)) {
      return;
    }
    if (transfer(*job, stop)) clean_up(*job);
  } catch (const std::exception& e) {
    // The journal itself failed (disk full, I/O error): say so once; the files stay where they are.
    spdlog::error("job={} stopped by an internal error: {}; local files are kept", id_, e.what());
    try {
      if (job) fail(*job, std::string("internal error: ") + e.what() + "; local files are kept");
    } catch (const std::exception&) {
    }
  }
}

bool ExportJob::await_export(JobRecord& job, const std::stop_token& stop) {
  if (job.success_at) return true;
  if (job.origin != JobOrigin::task) {
    // Dgraph ≤ v22 answered only when the files were complete; a push names a finished directory.
    job.success_at = job.accepted_at;
    ctx_.journal.record_success(id_, job.accepted_at);
    success_seen_ = ctx_.clock.now();
    return true;
  }
  set_state(job, JobState::waiting_task);
  TaskWatcher watcher(ctx_.tasks, ctx_.clock, {ctx_.settings.poll_initial, ctx_.settings.poll_max});
  ctx_.board.set_nudge(id_, job.base_dir, [&watcher] { watcher.nudge(); });
  struct ClearNudge {
    JobBoard& board;
    std::int64_t id;
    ~ClearNudge() { board.clear_nudge(id); }
  } clear_nudge{ctx_.board, id_};
  if (ctx_.dir_watcher) ctx_.dir_watcher->watch(job.base_dir);
  // The timeout runs from when Dgraph accepted the export, across restarts.
  const auto waited =
      std::max(ctx_.clock.wall_now() - job.accepted_at, std::chrono::system_clock::duration{});
  const auto timeout = std::max(
      duration_cast<Clock::duration>(ctx_.settings.task_timeout) - duration_cast<Clock::duration>(waited),
      Clock::duration{});
  auto outcome =
      watcher.wait({job.upstream, job.task_id, job.auth_token, job.access_token}, timeout, stop,
                   [&](dgraph::TaskStatus s) {
                     spdlog::info("task={} job={} Dgraph reports {}", job.task_id, id_, to_string(s));
                   });
  switch (outcome.kind) {
    case TaskOutcome::Kind::stopped:
      return false;
    case TaskOutcome::Kind::failed:
      fail(job, outcome.why + "; nothing was uploaded");
      return false;
    case TaskOutcome::Kind::success:
      break;
  }
  success_seen_ = ctx_.clock.now();
  job.success_at = ctx_.clock.wall_now();
  ctx_.journal.record_success(id_, *job.success_at);
  ctx_.board.changed();
  return true;
}

bool ExportJob::in_scope(JobRecord& job) {
  // An export with an absolute local `destination` outside --towatch: not dsync's to touch.
  if (job.origin == JobOrigin::push || is_within(ctx_.settings.export_dir, job.base_dir)) return true;
  fail(job,
       fmt::format("the export goes to {}, outside the watched directory {}; dsync leaves it alone (upload "
                   "it with `dsync push <its dgraph.r… directory>` once Dgraph is done)",
                   job.base_dir.string(), ctx_.settings.export_dir.string()));
  return false;
}

bool ExportJob::claim(JobRecord& job, const std::stop_token& stop) {
  if (!ctx_.board.wait_for_earlier_claims(job, stop)) return false;
  const auto give_up = ctx_.clock.now() + ctx_.settings.locate_grace;
  for (;;) {
    Located found;
    {
      auto lock = ctx_.board.claim_lock();
      LocateRequest req{id_,        job.accepted_at, job.success_at.value_or(job.accepted_at),
                        job.format, job.dir_name,    job.origin == JobOrigin::sync_export};
      found = locate_export_dir(job.base_dir, req, claims_near(job), ctx_.settings.locator);
      if (found.kind == Located::Kind::found) return record_claim(job, found);
    }
    if (found.kind == Located::Kind::wait_for_job) {
      spdlog::info(
          "task={} job={} directory {} was reused by this export; waiting for job {} to finish with it",
          task_of(job), id_, found.dir.text, found.blocking_job);
      if (!ctx_.board.wait_until_finished(found.blocking_job, stop)) return false;
      continue;
    }
    if (ctx_.clock.now() >= give_up) {
      fail(job, found.why + "; nothing was uploaded");
      return false;
    }
    if (!ctx_.clock.sleep_for(std::chrono::seconds(1), stop)) return false;
  }
}

std::vector<DirectoryClaim> ExportJob::claims_near(const JobRecord& job) const {
  std::vector<std::string> names;
  if (!job.dir_name.empty()) {
    names.push_back(job.dir_name);
  } else {
    std::string why;
    for (auto& d : list_export_dirs(job.base_dir, &why)) names.push_back(std::move(d.name.text));
  }
  return ctx_.journal.claims_in(job.base_dir, names);
}

bool ExportJob::record_claim(JobRecord& job, const Located& found) {
  ExportIdentity identity{found.dir, job.task_id, job.accepted_at};
  std::vector<std::pair<ExportFile, std::string>> files;
  std::uint64_t bytes = 0;
  for (const auto& f : found.snapshot.files) {
    files.emplace_back(f, ctx_.namer.key(identity, f.name));
    bytes += f.identity.size;
  }
  ctx_.journal.claim(id_, found.dir.text, found.snapshot.inode, files, ctx_.clock.wall_now());
  job.dir_name = found.dir.text;
  job.dir_inode = found.snapshot.inode;
  job.bytes_total = bytes;
  job.files_total = static_cast<unsigned>(files.size());
  claimed_at_ = ctx_.clock.now();
  ctx_.board.changed();
  spdlog::info("task={} job={} export directory {}: {} files, {} bytes", task_of(job), id_,
               export_path(job).string(), files.size(), bytes);
  if (!found.snapshot.other_entries.empty()) {
    spdlog::warn("task={} job={} {} also holds {}, which is not Dgraph's and stays", task_of(job), id_,
                 export_path(job).string(), fmt::join(found.snapshot.other_entries, ", "));
  }
  return true;
}

bool ExportJob::transfer(JobRecord& job, const std::stop_token& stop) {
  for (;;) {
    Outcome o = transfer_once(job, stop);
    switch (o.step) {
      case Step::ok:
        return true;
      case Step::again:
        continue;
      case Step::changed:
        if (!restart_changed_file(job, *o.changed, stop)) return false;
        continue;
      case Step::transient:
        if (!back_off(job, o.problem, stop)) return false;
        continue;
      case Step::stopped:
      case Step::failed:
        return false;
    }
  }
}

bool ExportJob::back_off(JobRecord& job, const std::string& problem, const std::stop_token& stop) {
  const auto initial = duration_cast<Clock::duration>(ctx_.settings.retry_initial);
  const auto max = duration_cast<Clock::duration>(ctx_.settings.retry_max);
  retry_delay_ = retry_delay_ == Clock::duration{} ? initial : std::min(retry_delay_ * 2, max);
  const auto secs = duration_cast<std::chrono::seconds>(retry_delay_).count();
  ++progress_.retries;
  ctx_.journal.add_retry(id_);
  job.error = fmt::format("{}; local files kept, retrying in {}s", problem, secs);
  ctx_.journal.set_error(id_, job.error, ctx_.clock.wall_now());
  spdlog::warn("task={} job={} {}", task_of(job), id_, job.error);
  if (ctx_.observer) ctx_.observer->on_retry(problem);
  return ctx_.clock.sleep_for(retry_delay_, stop);
}

void ExportJob::clean_up(JobRecord& job) {
  set_state(job, JobState::cleaning);
  if (!ctx_.settings.delete_after_verify)
    return finish(job, "local files kept (deleting after verification is off)");
  if (reuse_detected_ && ctx_.board.has_later_unfinished(job)) {
    return finish(job, "local directory left for a later export that reused its name");
  }
  std::vector<ExportFile> uploaded;
  for (auto& f : ctx_.journal.files(id_)) uploaded.push_back(f.file);
  auto kept = remove_export_files(job.base_dir, job.dir_name, uploaded);
  if (!kept.empty()) {
    spdlog::warn("task={} job={} uploaded and verified, but left in {}: {}", task_of(job), id_,
                 export_path(job).string(), fmt::join(kept, "; "));
  }
  finish(job,
         kept.empty() ? std::string() : fmt::format("verified; left in place: {}", fmt::join(kept, "; ")));
}

void ExportJob::set_state(JobRecord& job, JobState state, const std::string& note) {
  ctx_.journal.set_state(id_, state, note, ctx_.clock.wall_now());
  job.state = state;
  job.error = note;
  job.updated = ctx_.clock.wall_now();
  ctx_.board.changed();
  spdlog::debug("task={} job={} state {}", task_of(job), id_, to_string(state));
  if (ctx_.observer) ctx_.observer->on_job_state(view(job));
}

void ExportJob::fail(JobRecord& job, const std::string& why) {
  spdlog::error("task={} job={} failed: {}", task_of(job), id_, why);
  set_state(job, JobState::failed, why);
  if (ctx_.observer) ctx_.observer->on_job_failed(view(job), why);
}

void ExportJob::finish(JobRecord& job, const std::string& note) {
  job.bytes_done = job.bytes_total;
  job.files_verified = job.files_total;
  ctx_.journal.set_progress(id_, job.bytes_done, job.files_verified);
  set_state(job, JobState::done, note);
  const auto total = duration_cast<milliseconds>(ctx_.clock.wall_now() - job.accepted_at);
  milliseconds reaction{0};
  if (success_seen_ && first_byte_ns_ != 0) {
    auto first = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(first_byte_ns_.load()));
    reaction = std::max(milliseconds{0}, duration_cast<milliseconds>(first - *success_seen_));
  }
  spdlog::info(
      "task={} job={} synced {}: {} files, {} bytes, {} ms after acceptance, first byte {} ms after "
      "Success",
      task_of(job), id_, export_path(job).string(), job.files_total, job.bytes_total, total.count(),
      reaction.count());
  if (ctx_.observer) ctx_.observer->on_export_synced(view(job), total, reaction);
}

JobView ExportJob::view(const JobRecord& job) const {
  return make_view(job, &progress_);
}

void ExportJob::note_bytes_sent(std::uint64_t n) {
  std::int64_t expected = 0;
  const auto now = ctx_.clock.now().time_since_epoch();
  first_byte_ns_.compare_exchange_strong(expected, duration_cast<std::chrono::nanoseconds>(now).count());
  progress_.bytes_done += n;
  if (ctx_.observer) ctx_.observer->on_bytes_uploaded(n);
}

}  // namespace dsync::sync
