// The durable record of every job: an embedded SQLite database (<state dir>/dsync.db) in WAL mode with
// synchronous=FULL, so a committed change survives kill -9 and power loss. Every state change is one
// transaction. Holds what a restart needs to carry on: the task to re-check, the claimed directory and
// the identity of each file, object keys, multipart upload ids and the parts already stored.
//
// The database holds the Dgraph auth token an export was requested with (the task must be polled again
// after a restart), so the state directory is created 0700 and the database files 0600.
// One connection behind a mutex: journal writes are small and rare next to the uploads they describe.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "s3/file_upload.h"
#include "sync/export_directory.h"
#include "sync/job.h"

namespace dsync::sync {

namespace sqlite {
class Database;
}

using WallTime = std::chrono::system_clock::time_point;

enum class JobOrigin {
  task,         // Dgraph v23+: follow the task, then find the directory
  sync_export,  // Dgraph ≤ v22: the files were complete when the answer came
  push,         // `dsync push DIR`: an operator named the directory
};

struct NewJob {
  JobOrigin origin = JobOrigin::task;
  std::string task_id;
  std::string upstream;
  std::string auth_token;
  std::string access_token;
  std::string format;              // "rdf", "json" or "" (either)
  std::filesystem::path base_dir;  // where the dgraph.r… directory is (or will be)
  std::string dir_name;            // known up front for push and for sync exports that listed files
  WallTime accepted_at;
};

struct JobRecord : NewJob {
  std::int64_t id = 0;
  std::uint64_t dir_inode = 0;  // with dir_name: the claimed directory (0 = not claimed yet)
  JobState state = JobState::accepted;
  std::string error;
  std::optional<WallTime> success_at;  // when the task was seen to succeed (or the files were complete)
  WallTime created, updated;
  unsigned retries = 0;
  std::uint64_t bytes_total = 0, bytes_done = 0;
  unsigned files_total = 0, files_verified = 0;
  bool claimed() const { return dir_inode != 0; }
};

enum class FileState { pending, uploaded, verified };

struct FileRecord {
  std::int64_t id = 0;
  std::int64_t job_id = 0;
  ExportFile file;       // name and the identity it is being uploaded with (re-read after a change)
  FileIdentity claimed;  // the identity it had when the directory was claimed (never updated)
  std::string object_key;
  FileState state = FileState::pending;
  s3::UploadCheckpoint checkpoint;
};

// A directory some job claimed, with its files as they were at the claim (to tell a reused name from the
// same export).
struct DirectoryClaim {
  std::int64_t job_id = 0;
  std::string dir_name;
  std::uint64_t dir_inode = 0;
  JobState state = JobState::accepted;
  std::vector<ExportFile> files;
};

struct JobEvent {
  WallTime at;
  JobState state;
  std::string note;
};

class Journal {
 public:
  // Throws std::runtime_error("state dir <path>: <why>") if the database cannot be opened or created, or
  // another process has it open (one dsync per state directory).
  explicit Journal(const std::filesystem::path& state_dir);
  ~Journal();

  std::int64_t add_job(const NewJob& job, WallTime now);
  void set_state(std::int64_t job, JobState state, const std::string& note, WallTime now);
  void set_error(std::int64_t job, const std::string& error, WallTime now);  // state unchanged
  void record_success(std::int64_t job, WallTime success_at);
  // Records the directory a job takes and its files (with their object keys), replacing any earlier claim.
  void claim(std::int64_t job, const std::string& dir_name, std::uint64_t dir_inode,
             const std::vector<std::pair<ExportFile, std::string>>& files_and_keys, WallTime now);
  void set_upload(std::int64_t file, const std::string& upload_id, std::uint64_t part_size);
  void add_part(std::int64_t file, const s3::CompletedPart& part);
  void forget_upload(std::int64_t file);
  void set_file_state(std::int64_t file, FileState state, const FileIdentity& identity);
  void add_retry(std::int64_t job);
  void set_progress(std::int64_t job, std::uint64_t bytes_done, unsigned files_verified);

  std::optional<JobRecord> job(std::int64_t id) const;
  std::vector<JobRecord> unfinished_jobs() const;
  std::vector<JobRecord> recent_jobs(std::size_t limit) const;
  std::vector<FileRecord> files(std::int64_t job) const;
  // The latest claim on each of `dir_names` in `base_dir` (names nobody claimed are left out).
  std::vector<DirectoryClaim> claims_in(const std::filesystem::path& base_dir,
                                        const std::vector<std::string>& dir_names) const;
  std::vector<JobEvent> events(std::int64_t job) const;
  std::optional<WallTime> last_verified_export() const;

 private:
  void migrate();
  std::vector<JobRecord> select_jobs(const std::string& where_and_order,
                                     std::optional<std::int64_t> arg) const;

  int lock_fd_ = -1;  // flock on <state dir>/dsync.lock, held while the journal is open
  mutable std::mutex mu_;
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace dsync::sync
