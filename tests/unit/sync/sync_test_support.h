// Test doubles for the sync pipeline's two outside dependencies, plus helpers that lay out export
// directories with chosen mtimes (the pipeline compares them with the injected clock's wall time).
//   InMemoryStore  an ObjectStore keeping objects in memory, with scripted failures and hooks
//   ScriptedTasks  a TaskStatusSource answering from a per-task script
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "dgraph/task_client.h"
#include "sync/object_store.h"

namespace dsync::sync::testing {

// ---- files ----------------------------------------------------------------------------------------

std::string read_file(const std::filesystem::path& p);
// Writes `content` and sets the file's mtime to `mtime` (wall time of the test's clock).
void write_file(const std::filesystem::path& p, const std::string& content,
                std::chrono::system_clock::time_point mtime);
void set_mtime(const std::filesystem::path& p, std::chrono::system_clock::time_point mtime);
// "dgraph.r<ts>.u<MMDD>.<HHMM>" for the UTC minute of `t`.
std::string export_dir_name(std::uint64_t read_ts, std::chrono::system_clock::time_point t);
// A complete one-group export (g01 data, schema, gql_schema) with distinct contents tagged by `tag`.
std::filesystem::path make_export(const std::filesystem::path& root, const std::string& name,
                                  const std::string& tag, std::chrono::system_clock::time_point mtime,
                                  const std::string& format = "rdf", unsigned group = 1);

// ---- the bucket -------------------------------------------------------------------------------------

class InMemoryStore final : public ObjectStore {
 public:
  struct UploadCall {
    std::string key;
    s3::UploadCheckpoint resume;
    std::chrono::steady_clock::time_point at;
  };

  explicit InMemoryStore(Clock& clock) : clock_(clock) {}

  StoreResult upload(const std::string& key, const std::filesystem::path& file,
                     const s3::UploadCheckpoint& resume, s3::UploadObserver& observer,
                     std::stop_token stop) override;
  StoreResult verify(const std::string& key, std::uint64_t size,
                     std::optional<std::uint32_t> crc32c) override;
  void abandon(const std::string& key, const std::string& upload_id) override;

  // Scripting (call before the service runs, or from hooks).
  void fail_uploads(StoreOutcome how, unsigned times, std::string problem = "scripted failure");
  void fail_verifies(StoreOutcome how, unsigned times, std::string problem = "scripted failure");
  // Runs inside upload() after the file was read, before the object is stored (e.g. rewrite the file).
  void on_upload(std::function<void(const std::string& key, unsigned call)> hook);
  // Files of at least this size are "multipart": reported to the observer part by part (part_bytes each).
  void simulate_multipart(std::uint64_t part_bytes) { part_bytes_ = part_bytes; }
  // Multipart uploads stop (as on shutdown) after storing this many parts in one call, until cleared.
  void stop_after_parts(int parts) { stop_after_parts_ = parts; }
  // Blocks uploads of `key` until release() (to hold a job in the middle of its transfer).
  void block(const std::string& key);
  // Waits (up to `limit` of real time) until an upload is held by block(); false if none came.
  bool wait_until_blocked(std::chrono::milliseconds limit = std::chrono::seconds(10));
  void release();
  void put(const std::string& key, const std::string& bytes);  // an object that is already there

  bool has(const std::string& key) const;
  std::string object(const std::string& key) const;
  std::vector<std::string> keys() const;
  std::vector<UploadCall> uploads() const;
  unsigned uploads_of(const std::string& key) const;
  std::vector<std::string> abandoned() const;

 private:
  struct Failure {
    StoreOutcome how;
    unsigned times;
    std::string problem;
  };
  StoreResult upload_parts(const std::string& key, const std::string& bytes,
                           const s3::UploadCheckpoint& resume, s3::UploadObserver& observer);

  Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable_any unblocked_;
  std::map<std::string, std::string> objects_;
  std::vector<UploadCall> calls_;
  std::vector<std::string> abandoned_;
  std::optional<Failure> upload_failure_, verify_failure_;
  std::function<void(const std::string&, unsigned)> hook_;
  std::uint64_t part_bytes_ = 0;
  int stop_after_parts_ = 0;
  std::string blocked_key_;
  bool holding_ = false;
  std::map<std::string, std::map<int, std::string>> parts_;  // upload id → stored parts
  unsigned next_upload_id_ = 1;
};

// ---- the alpha --------------------------------------------------------------------------------------

class ScriptedTasks final : public dgraph::TaskStatusSource {
 public:
  explicit ScriptedTasks(Clock& clock) : clock_(clock) {}

  dgraph::TaskReply query(const dgraph::TaskQuery& q) override;

  // Replies for `task` in order; the last one repeats.
  void script(const std::string& task, std::vector<dgraph::TaskReply> replies);
  // `task` is Running until the test's clock reaches `at`, then Success (calls `on_success` once, first).
  void succeed_at(const std::string& task, std::chrono::steady_clock::time_point at,
                  std::function<void()> on_success = {});
  // Queries for `task` block until release_hold() (an alpha that does not answer).
  void hold(const std::string& task);
  void release_hold();

  std::vector<std::chrono::steady_clock::time_point> query_times(const std::string& task) const;
  std::vector<dgraph::TaskQuery> queries() const;

  static dgraph::TaskReply status(dgraph::TaskStatus s);
  static dgraph::TaskReply reply(dgraph::TaskReply::Kind kind, std::string error);

 private:
  struct Timed {
    std::chrono::steady_clock::time_point at;
    std::function<void()> on_success;
  };
  Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable_any released_;
  std::map<std::string, std::deque<dgraph::TaskReply>> scripts_;
  std::map<std::string, Timed> timed_;
  std::string held_;
  std::map<std::string, std::vector<std::chrono::steady_clock::time_point>> times_;
  std::vector<dgraph::TaskQuery> queries_;
};

}  // namespace dsync::sync::testing
