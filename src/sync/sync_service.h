// sync: the pipeline that turns an export Dgraph accepted into verified, SSE-C encrypted objects in the
// bucket — the one place where Dgraph (task polling, export files) and S3 meet. Per export:
//   record (journal) → follow the task → find this export's directory → upload each file → verify each
//   object → remove the local directory.
// Every step is recorded in the journal, so a restart (even after kill -9) carries on where it stopped.
//
// Threads: each unfinished job runs on its own thread (most of its life is waiting for Dgraph); at most
// `max_parallel_jobs` of them upload at a time. on_export_accepted() only inserts a journal row.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "dgraph/export_event.h"
#include "dgraph/task_client.h"
#include "s3/settings.h"
#include "sync/export_locator.h"
#include "sync/job.h"
#include "sync/object_store.h"

namespace dsync::s3 {
class Client;
}

namespace dsync::sync {

struct SyncSettings {
  std::filesystem::path export_dir = "/dgraph/export";  // --towatch: nothing outside it is ever touched
  std::filesystem::path state_dir;                      // the journal lives here (dsync.db)
  std::string object_prefix;                            // prepended to every object key
  std::string name_template;                            // empty = the original tool's names (object_namer.h)
  std::string default_upstream =
      "http://localhost:8080";  // alpha base URL for task polling when the event has none
  std::string auth_token;       // X-Dgraph-AuthToken when the export request carried none
  std::chrono::milliseconds poll_initial{200};
  std::chrono::milliseconds poll_max{2000};
  std::chrono::seconds task_timeout{6 * 3600};
  // A file must keep its size and mtime this long before its local copy may be deleted (safety net on top
  // of Dgraph's Success; uploads start at once and are redone if a file changes).
  std::chrono::seconds stable_wait{2};
  unsigned max_parallel_jobs =
      2;  // jobs uploading at once (each uploads s3::UploadSettings::parallelism parts)
  s3::UploadSettings upload;
  bool delete_after_verify = true;  // also applies to push_directory()
  // Waiting after a transient S3 failure (after the engine's own retries): doubles from initial to max,
  // then stays; a job keeps trying until it succeeds, fails permanently or dsync stops.
  std::chrono::seconds retry_initial{5};
  std::chrono::seconds retry_max{120};
  // How long to keep looking for the directory of an export Dgraph reported finished (a shared volume
  // may show it late) before the job fails.
  std::chrono::seconds locate_grace{10};
  LocatorSettings locator;
  std::size_t status_jobs = 50;  // jobs listed by status()
};

// Implemented by the ops module (metrics); every method has an empty default body; called from worker
// threads.
struct SyncObserver {
  virtual ~SyncObserver() = default;
  virtual void on_job_state(const JobView&) {}
  virtual void on_bytes_uploaded(std::uint64_t) {}
  virtual void on_object_verified(const std::string& /*key*/, std::uint64_t /*size*/) {}
  virtual void on_retry(const std::string& /*reason*/) {}
  virtual void on_job_failed(const JobView&, const std::string& /*reason*/) {}
  // total: from accepted to done; success_to_first_byte: from the moment dsync saw the task succeed to the
  // first byte sent (0 when not measured in this process, e.g. after a restart or for push).
  virtual void on_export_synced(const JobView&, std::chrono::milliseconds /*total*/,
                                std::chrono::milliseconds /*success_to_first_byte*/) {}
};

struct StatusSnapshot {
  std::vector<JobView> recent_jobs;  // newest first
  std::optional<std::chrono::system_clock::time_point> last_verified_export;
};

class SyncService final : public dgraph::ExportSink {
 public:
  // The daemon: uploads through the S3 engine, follows tasks over HTTP with libcurl.
  SyncService(SyncSettings settings, s3::Client& s3, Clock& clock, SyncObserver* observer = nullptr);
  // Any store and task source (tests inject in-memory ones). Both must outlive the service.
  SyncService(SyncSettings settings, ObjectStore& store, dgraph::TaskStatusSource& tasks, Clock& clock,
              SyncObserver* observer = nullptr);
  // Both throw std::runtime_error("state dir <path>: <why>") if the journal cannot be opened, and
  // std::invalid_argument("name template: <why>") for a template problem_with() would report.
  ~SyncService() override;
  SyncService(const SyncService&) = delete;
  SyncService& operator=(const SyncService&) = delete;

  // A configuration problem ("name template: ..."), or nullopt; for the CLI to check before starting.
  static std::optional<std::string> problem_with(const SyncSettings& settings);

  void start();  // starts workers; resumes unfinished jobs
  void on_export_accepted(dgraph::ExportEvent event) override;
  // `dsync push DIR`: a job for an existing export directory, without a task. Throws std::invalid_argument
  // if DIR is not named like an export directory (dgraph.r<readTs>.u<MMDD>.<HHMM>) or is not a directory.
  std::int64_t push_directory(const std::filesystem::path& dir);
  // Until the job is done or failed (nullopt: unknown job; a view in another state: timed out).
  std::optional<JobView> wait_job(std::int64_t id, std::chrono::milliseconds timeout);
  void shutdown();  // stop, checkpoint, join (idempotent)
  StatusSnapshot status() const;

 private:
  struct Core;
  std::unique_ptr<Core> core_;
};

}  // namespace dsync::sync
