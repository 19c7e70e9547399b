#include "sync/journal.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sync/sqlite.h"

namespace dsync::sync {
namespace {

constexpr int kSchemaVersion = 1;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  origin TEXT NOT NULL,
  task_id TEXT NOT NULL DEFAULT '',
  upstream TEXT NOT NULL DEFAULT '',
  auth_token TEXT NOT NULL DEFAULT '',
  access_token TEXT NOT NULL DEFAULT '',
  format TEXT NOT NULL DEFAULT '',
  base_dir TEXT NOT NULL,
  dir_name TEXT NOT NULL DEFAULT '',
  dir_inode INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  accepted_ms INTEGER NOT NULL,
  success_ms INTEGER,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  retries INTEGER NOT NULL DEFAULT 0,
  bytes_total INTEGER NOT NULL DEFAULT 0,
  bytes_done INTEGER NOT NULL DEFAULT 0,
  files_total INTEGER NOT NULL DEFAULT 0,
  files_verified INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state);
CREATE INDEX IF NOT EXISTS jobs_by_dir ON jobs(base_dir, dir_name);
CREATE TABLE IF NOT EXISTS job_events (
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  at_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS job_events_by_job ON job_events(job_id);
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  name TEXT NOT NULL,
  object_key TEXT NOT NULL,
  size INTEGER NOT NULL,
  inode INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  claimed_size INTEGER NOT NULL,
  claimed_inode INTEGER NOT NULL,
  claimed_mtime_ns INTEGER NOT NULL,
  state TEXT NOT NULL,
  upload_id TEXT NOT NULL DEFAULT '',
  part_size INTEGER NOT NULL DEFAULT 0,
  UNIQUE (job_id, name));
CREATE TABLE IF NOT EXISTS parts (
  file_id INTEGER NOT NULL REFERENCES files(id),
  number INTEGER NOT NULL,
  etag TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (file_id, number));
)sql";

std::int64_t to_ms(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
WallTime from_ms(std::int64_t ms) {
  return WallTime(std::chrono::milliseconds(ms));
}

std::string_view to_string(JobOrigin o) {
  switch (o) {
    case JobOrigin::task:
      return "task";
    case JobOrigin::sync_export:
      return "sync";
    case JobOrigin::push:
      break;
  }
  return "push";
}
JobOrigin origin_from(std::string_view s) {
  if (s == "sync") return JobOrigin::sync_export;
  if (s == "push") return JobOrigin::push;
  return JobOrigin::task;
}

std::string_view to_string(FileState s) {
  switch (s) {
    case FileState::pending:
      return "pending";
    case FileState::uploaded:
      return "uploaded";
    case FileState::verified:
      break;
  }
  return "verified";
}
FileState file_state_from(std::string_view s) {
  if (s == "uploaded") return FileState::uploaded;
  if (s == "verified") return FileState::verified;
  return FileState::pending;
}

// The state dir holds credentials (auth tokens): owner-only, created so from the start.
void prepare_state_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  bool created = std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(ec.message());
  if (created && ::chmod(dir.c_str(), 0700) != 0) throw std::runtime_error(std::strerror(errno));
  const auto db = dir / "dsync.db";
  int fd = ::open(db.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw std::runtime_error(db.string() + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);  // an older file may have been created with a looser umask
  ::close(fd);
}

constexpr std::string_view kJobColumns =
    "id, origin, task_id, upstream, auth_token, access_token, format, base_dir, dir_name, dir_inode, state, "
    "error, accepted_ms, success_ms, created_ms, updated_ms, retries, bytes_total, bytes_done, files_total, "
    "files_verified";

JobRecord read_job(const sqlite::Statement& s) {
  JobRecord j;
  j.id = s.int64(0);
  j.origin = origin_from(s.text(1));
  j.task_id = s.text(2);
  j.upstream = s.text(3);
  j.auth_token = s.text(4);
  j.access_token = s.text(5);
  j.format = s.text(6);
  j.base_dir = s.text(7);
  j.dir_name = s.text(8);
  j.dir_inode = static_cast<std::uint64_t>(s.int64(9));
  j.state = job_state_from_string(s.text(10)).value_or(JobState::failed);
  j.error = s.text(11);
  j.accepted_at = from_ms(s.int64(12));
  if (!s.is_null(13)) j.success_at = from_ms(s.int64(13));
  j.created = from_ms(s.int64(14));
  j.updated = from_ms(s.int64(15));
  j.retries = static_cast<unsigned>(s.int64(16));
  j.bytes_total = static_cast<std::uint64_t>(s.int64(17));
  j.bytes_done = static_cast<std::uint64_t>(s.int64(18));
  j.files_total = static_cast<unsigned>(s.int64(19));
  j.files_verified = static_cast<unsigned>(s.int64(20));
  return j;
}

// One process per state directory: two daemons working the same journal would run the same jobs twice.
// flock() is released by the kernel when the process dies, kill -9 included.
int lock_state_dir(const std::filesystem::path& dir) {
  const auto file = dir / "dsync.lock";
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw std::runtime_error(file.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw std::runtime_error("in use by another dsync process (it holds " + file.string() + ")");
  }
  return fd;
}

}  // namespace

Journal::Journal(const std::filesystem::path& state_dir) {
  try {
    prepare_state_dir(state_dir);
    lock_fd_ = lock_state_dir(state_dir);
    db_ = std::make_unique<sqlite::Database>(state_dir / "dsync.db");
    // WAL + FULL: each commit is fsynced, so what the proxy was told is recorded survives power loss.
    db_->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    migrate();
  } catch (const std::exception& e) {
    db_.reset();
    if (lock_fd_ >= 0) ::close(lock_fd_);
    throw std::runtime_error("state dir " + state_dir.string() + ": " + e.what());
  }
}

Journal::~Journal() {
  db_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void Journal::migrate() {
  sqlite::Transaction tx(*db_);
  db_->exec(kSchema);
  sqlite::Statement version(*db_, "PRAGMA user_version");
  version.step();
  auto found = version.int64(0);
  if (found > kSchemaVersion) {
    throw std::runtime_error("journal schema version " + std::to_string(found) +
                             " is newer than this dsync (" + std::to_string(kSchemaVersion) + ")");
  }
  db_->exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  tx.commit();
}

std::int64_t Journal::add_job(const NewJob& job, WallTime now) {
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(*db_);
  sqlite::Statement(
      *db_,
      "INSERT INTO jobs (origin, task_id, upstream, auth_token, access_token, format, base_dir, "
      "dir_name, state, accepted_ms, created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind(to_string(job.origin))
      .bind(job.task_id)
      .bind(job.upstream)
      .bind(job.auth_token)
      .bind(job.access_token)
      .bind(job.format)
      .bind(job.base_dir.string())
      .bind(job.dir_name)
      .bind(to_string(JobState::accepted))
      .bind(to_ms(job.accepted_at))
      .bind(to_ms(now))
      .bind(to_ms(now))
      .run();
  auto id = db_->last_insert_id();
  sqlite::Statement(*db_, "INSERT INTO job_events (job_id, at_ms, state) VALUES (?,?,?)")
      .bind(id)
      .bind(to_ms(now))
      .bind(to_string(JobState::accepted))
      .run();
  tx.commit();
  return id;
}

void Journal::set_state(std::int64_t job, JobState state, const std::string& note, WallTime now) {
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(*db_);
  // The error column describes the current state: a failure keeps its reason, any other state clears
  // a stale retry message unless a note explains it.
  sqlite::Statement(*db_, "UPDATE jobs SET state = ?, error = ?, updated_ms = ? WHERE id = ?")
      .bind(to_string(state))
      .bind(note)
      .bind(to_ms(now))
      .bind(job)
      .run();
  sqlite::Statement(*db_, "INSERT INTO job_events (job_id, at_ms, state, note) VALUES (?,?,?,?)")
      .bind(job)
      .bind(to_ms(now))
      .bind(to_string(state))
      .bind(note)
      .run();
  tx.commit();
}

void Journal::set_error(std::int64_t job, const std::string& error, WallTime now) {
  std::lock_guard lock(mu_);
  sqlite::Statement(*db_, "UPDATE jobs SET error = ?, updated_ms = ? WHERE id = ?")
      .bind(error)
      .bind(to_ms(now))
      .bind(job)
      .run();
}

void Journal::record_success(std::int64_t job, WallTime success_at) {
  std::lock_guard lock(mu_);
  sqlite::Statement(*db_, "UPDATE jobs SET success_ms = ? WHERE id = ?")
      .bind(to_ms(success_at))
      .bind(job)
      .run();
}

void Journal::claim(std::int64_t job, const std::string& dir_name, std::uint64_t dir_inode,
                    const std::vector<std::pair<ExportFile, std::string>>& files_and_keys, WallTime now) {
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(*db_);
  sqlite::Statement(*db_, "DELETE FROM parts WHERE file_id IN (SELECT id FROM files WHERE job_id = ?)")
      .bind(job)
      .run();
  sqlite::Statement(*db_, "DELETE FROM files WHERE job_id = ?").bind(job).run();
  std::uint64_t total = 0;
  for (const auto& [f, key] : files_and_keys) {
    sqlite::Statement(*db_,
                      "INSERT INTO files (job_id, name, object_key, size, inode, mtime_ns, claimed_size, "
                      "claimed_inode, claimed_mtime_ns, state) VALUES (?,?,?,?,?,?,?,?,?,?)")
        .bind(job)
        .bind(f.name.text)
        .bind(key)
        .bind(f.identity.size)
        .bind(f.identity.inode)
        .bind(f.identity.mtime_ns)
        .bind(f.identity.size)
        .bind(f.identity.inode)
        .bind(f.identity.mtime_ns)
        .bind(to_string(FileState::pending))
        .run();
    total += f.identity.size;
  }
  sqlite::Statement(
      *db_,
      "UPDATE jobs SET dir_name = ?, dir_inode = ?, bytes_total = ?, bytes_done = 0, files_total = ?, "
      "files_verified = 0, updated_ms = ? WHERE id = ?")
      .bind(dir_name)
      .bind(dir_inode)
      .bind(total)
      .bind(static_cast<std::int64_t>(files_and_keys.size()))
      .bind(to_ms(now))
      .bind(job)
      .run();
  tx.commit();
}

void Journal::set_upload(std::int64_t file, const std::string& upload_id, std::uint64_t part_size) {
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(*db_);
  sqlite::Statement(*db_, "DELETE FROM parts WHERE file_id = ?").bind(file).run();
  sqlite::Statement(*db_, "UPDATE files SET upload_id = ?, part_size = ? WHERE id = ?")
      .bind(upload_id)
      .bind(part_size)
      .bind(file)
      .run();
  tx.commit();
}

void Journal::add_part(std::int64_t file, const s3::CompletedPart& part) {
  std::lock_guard lock(mu_);
  sqlite::Statement(*db_, "INSERT OR REPLACE INTO parts (file_id, number, etag, size) VALUES (?,?,?,?)")
      .bind(file)
      .bind(part.number)
      .bind(part.etag)
      .bind(part.size)
      .run();
}

void Journal::forget_upload(std::int64_t file) {
  set_upload(file, "", 0);
}

void Journal::set_file_state(std::int64_t file, FileState state, const FileIdentity& identity) {
  std::lock_guard lock(mu_);
  sqlite::Statement(*db_, "UPDATE files SET state = ?, size = ?, inode = ?, mtime_ns = ? WHERE id = ?")
      .bind(to_string(state))
      .bind(identity.size)
      .bind(identity.inode)
      .bind(identity.mtime_ns)
      .bind(file)
      .run();
}

void Journal::add_retry(std::int64_t job) {
  std::lock_guard lock(mu_);
  sqlite::Statement(*db_, "UPDATE jobs SET retries = retries + 1 WHERE id = ?").bind(job).run();
}

void Journal::set_progress(std::int64_t job, std::uint64_t bytes_done, unsigned files_verified) {
  std::lock_guard lock(mu_);
  sqlite::Statement(*db_, "UPDATE jobs SET bytes_done = ?, files_verified = ? WHERE id = ?")
      .bind(bytes_done)
      .bind(files_verified)
      .bind(job)
      .run();
}

std::vector<JobRecord> Journal::select_jobs(const std::string& where_and_order,
                                            std::optional<std::int64_t> arg) const {
  std::lock_guard lock(mu_);
  sqlite::Statement s(*db_, "SELECT " + std::string(kJobColumns) + " FROM jobs " + where_and_order);
  if (arg) s.bind(*arg);
  std::vector<JobRecord> out;
  while (s.step()) out.push_back(read_job(s));
  return out;
}

std::optional<JobRecord> Journal::job(std::int64_t id) const {
  auto rows = select_jobs("WHERE id = ?", id);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<JobRecord> Journal::unfinished_jobs() const {
  return select_jobs("WHERE state NOT IN ('done', 'failed') ORDER BY id", std::nullopt);
}

std::vector<JobRecord> Journal::recent_jobs(std::size_t limit) const {
  return select_jobs("ORDER BY id DESC LIMIT ?", static_cast<std::int64_t>(limit));
}

std::vector<FileRecord> Journal::files(std::int64_t job) const {
  std::lock_guard lock(mu_);
  std::vector<FileRecord> out;
  sqlite::Statement s(
      *db_,
      "SELECT id, name, object_key, size, inode, mtime_ns, state, upload_id, part_size, "
      "claimed_size, claimed_inode, claimed_mtime_ns FROM files WHERE job_id = ? ORDER BY name");
  s.bind(job);
  while (s.step()) {
    FileRecord f;
    f.id = s.int64(0);
    f.job_id = job;
    f.file.name = parse_export_file_name(s.text(1)).value_or(ExportFileName{s.text(1), 0, FileKind::rdf});
    f.object_key = s.text(2);
    f.file.identity = {static_cast<std::uint64_t>(s.int64(3)), static_cast<std::uint64_t>(s.int64(4)),
                       s.int64(5)};
    f.state = file_state_from(s.text(6));
    f.checkpoint.upload_id = s.text(7);
    f.checkpoint.part_size = static_cast<std::uint64_t>(s.int64(8));
    f.claimed = {static_cast<std::uint64_t>(s.int64(9)), static_cast<std::uint64_t>(s.int64(10)),
                 s.int64(11)};
    out.push_back(std::move(f));
  }
  for (auto& f : out) {
    sqlite::Statement p(*db_, "SELECT number, etag, size FROM parts WHERE file_id = ? ORDER BY number");
    p.bind(f.id);
    while (p.step()) {
      f.checkpoint.parts.push_back(
          {static_cast<int>(p.int64(0)), p.text(1), static_cast<std::uint64_t>(p.int64(2))});
    }
  }
  return out;
}

std::vector<DirectoryClaim> Journal::claims_in(const std::filesystem::path& base_dir,
                                               const std::vector<std::string>& dir_names) const {
  std::vector<DirectoryClaim> claims;
  {
    std::lock_guard lock(mu_);
    // The latest claim of each name describes what is there now (older ones were cleaned up or reused).
    sqlite::Statement s(*db_,
                        "SELECT id, dir_name, dir_inode, state FROM jobs WHERE base_dir = ? AND dir_name = ? "
                        "AND dir_inode != 0 ORDER BY id DESC LIMIT 1");
    for (const auto& name : dir_names) {
      s.reset();
      s.bind(base_dir.string()).bind(name);
      if (!s.step()) continue;
      claims.push_back({s.int64(0),
                        s.text(1),
                        static_cast<std::uint64_t>(s.int64(2)),
                        job_state_from_string(s.text(3)).value_or(JobState::failed),
                        {}});
    }
  }
  for (auto& c : claims) {
    for (auto& f : files(c.job_id)) c.files.push_back({std::move(f.file.name), f.claimed});
  }
  return claims;
}

std::vector<JobEvent> Journal::events(std::int64_t job) const {
  std::lock_guard lock(mu_);
  std::vector<JobEvent> out;
  sqlite::Statement s(*db_, "SELECT at_ms, state, note FROM job_events WHERE job_id = ? ORDER BY rowid");
  s.bind(job);
  while (s.step()) {
    out.push_back(
        {from_ms(s.int64(0)), job_state_from_string(s.text(1)).value_or(JobState::failed), s.text(2)});
  }
  return out;
}

std::optional<WallTime> Journal::last_verified_export() const {
  std::lock_guard lock(mu_);
  sqlite::Statement s(*db_, "SELECT MAX(updated_ms) FROM jobs WHERE state = 'done'");
  if (!s.step() || s.is_null(0)) return std::nullopt;
  return from_ms(s.int64(0));
}

}  // namespace dsync::sync
