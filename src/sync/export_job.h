// The life of one job, start to finish, on its own thread:
//   await_export()  follow the task until Dgraph says Success (v23+), or fail
//   claim()         find this export's directory and record it with its files and object keys
//   transfer()      upload every file, verify every object, wait until the files proved stable
//   clean_up()      remove the local files that were uploaded and verified, then the directory
// Each step starts from what the journal says, so a job resumed after a restart enters at the step it
// had reached: a recorded Success is not asked again, a claimed directory is not searched again, a
// verified file is not uploaded again and a multipart upload continues from its recorded parts.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "sync/export_dir_watcher.h"
#include "sync/job_board.h"
#include "sync/journal.h"
#include "sync/object_namer.h"
#include "sync/object_store.h"
#include "sync/sync_service.h"
#include "sync/task_watcher.h"

namespace dsync::sync {

// Everything a job works with; owned by the service, shared by all jobs.
struct SyncContext {
  const SyncSettings& settings;
  Journal& journal;
  ObjectStore& store;
  dgraph::TaskStatusSource& tasks;
  Clock& clock;
  SyncObserver* observer;  // may be null
  const ObjectNamer& namer;
  JobBoard& board;
  ExportDirWatcher* dir_watcher;  // may be null (no inotify)
};

// Live numbers of a running job (journal rows are updated per file, these per byte).
struct JobProgress {
  std::atomic<std::uint64_t> bytes_done{0};
  std::atomic<unsigned> files_verified{0};
  std::atomic<unsigned> retries{0};
};

JobView make_view(const JobRecord& job, const JobProgress* live);

// The `task=` field of log lines: the task id, or what the job was made from.
std::string task_of(const NewJob& job);

class ExportJob {
 public:
  ExportJob(SyncContext& ctx, std::int64_t id);
  void run(const std::stop_token& stop);
  const JobProgress& progress() const { return progress_; }

 private:
  class FileObserver;
  // How a step ended. `again`: an object did not verify, start over from the journal; `changed`: a local
  // file was rewritten, wait until it is stable, then start over; `transient`: wait, then start over.
  // The waits happen without an upload slot, so other jobs upload meanwhile.
  enum class Step { ok, stopped, failed, again, changed, transient };
  struct Outcome {
    Step step = Step::ok;
    std::string problem;                // transient: what went wrong
    std::optional<FileRecord> changed;  // changed: the file
    static Outcome of(Step s) {
      Outcome o;
      o.step = s;
      return o;
    }
    static Outcome transient(std::string why) {
      Outcome o = of(Step::transient);
      o.problem = std::move(why);
      return o;
    }
  };

  // export_job.cpp: the job's life
  bool await_export(JobRecord& job, const std::stop_token& stop);
  bool claim(JobRecord& job, const std::stop_token& stop);
  std::vector<DirectoryClaim> claims_near(const JobRecord& job) const;
  bool record_claim(JobRecord& job, const Located& found);
  bool transfer(JobRecord& job, const std::stop_token& stop);
  bool in_scope(JobRecord& job);
  bool back_off(JobRecord& job, const std::string& problem, const std::stop_token& stop);
  void clean_up(JobRecord& job);

  // export_transfer.cpp: files and objects
  Outcome transfer_once(JobRecord& job, const std::stop_token& stop);
  Outcome upload_one(JobRecord& job, FileRecord& f, const std::stop_token& stop);
  Outcome verify_one(JobRecord& job, FileRecord& f);
  Outcome settle(JobRecord& job, std::vector<FileRecord>& files, const std::stop_token& stop);
  bool already_stored(JobRecord& job, FileRecord& f);
  static Outcome changed(const FileRecord& f) {
    Outcome o = Outcome::of(Step::changed);
    o.changed = f;
    return o;
  }
  bool restart_changed_file(JobRecord& job, FileRecord& f, const std::stop_token& stop);
  std::optional<FileIdentity> wait_until_stable(const JobRecord& job, const std::string& name,
                                                const std::stop_token& stop);
  void mark_verified(JobRecord& job, FileRecord& f);

  void set_state(JobRecord& job, JobState state, const std::string& note = {});
  void fail(JobRecord& job, const std::string& why);
  void finish(JobRecord& job, const std::string& note);
  JobView view(const JobRecord& job) const;
  std::filesystem::path export_path(const JobRecord& job) const { return job.base_dir / job.dir_name; }
  void note_bytes_sent(std::uint64_t n);

  SyncContext& ctx_;
  const std::int64_t id_;
  JobProgress progress_;
  bool resumed_ = false;         // the directory was claimed before this process took the job
  bool reuse_detected_ = false;  // a file changed after the claim: a later export rewrote the directory
  Clock::duration retry_delay_{};
  unsigned mismatches_ = 0;
  std::set<std::int64_t> checked_stored_;  // files already HEADed for a copy stored before a restart
  std::optional<std::chrono::steady_clock::time_point> claimed_at_;
  std::optional<std::chrono::steady_clock::time_point> success_seen_;
  std::atomic<std::int64_t> first_byte_ns_{0};  // steady clock, 0 = nothing sent yet
};

}  // namespace dsync::sync
