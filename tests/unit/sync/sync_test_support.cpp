#include "sync_test_support.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "s3/digest.h"

namespace dsync::sync::testing {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void set_mtime(const std::filesystem::path& p, std::chrono::system_clock::time_point mtime) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
  timespec times[2];
  times[0].tv_sec = ns / 1'000'000'000;
  times[0].tv_nsec = ns % 1'000'000'000;
  times[1] = times[0];
  if (::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
    throw std::runtime_error("utimensat");
}

void write_file(const std::filesystem::path& p, const std::string& content,
                std::chrono::system_clock::time_point mtime) {
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
  }
  set_mtime(p, mtime);
}

std::string export_dir_name(std::uint64_t read_ts, std::chrono::system_clock::time_point t) {
  return fmt::format("dgraph.r{}.u{:%m%d.%H%M}", read_ts, std::chrono::floor<std::chrono::seconds>(t));
}

std::filesystem::path make_export(const std::filesystem::path& root, const std::string& name,
                                  const std::string& tag, std::chrono::system_clock::time_point mtime,
                                  const std::string& format, unsigned group) {
  auto dir = root / name;
  std::filesystem::create_directories(dir);
  auto g = fmt::format("g{:02}", group);
  write_file(dir / (g + "." + format + ".gz"),
             "data of " + tag + " " + g + std::string(100 + tag.size(), 'd'), mtime);
  write_file(dir / (g + ".schema.gz"), "schema of " + tag + " " + g, mtime);
  write_file(dir / (g + ".gql_schema.gz"), "graphql schema of " + tag + " " + g, mtime);
  set_mtime(dir, mtime);
  return dir;
}

// ---- InMemoryStore ----------------------------------------------------------------------------------

StoreResult InMemoryStore::upload(const std::string& key, const std::filesystem::path& file,
                                  const s3::UploadCheckpoint& resume, s3::UploadObserver& observer,
                                  std::stop_token stop) {
  unsigned call = 0;
  {
    std::unique_lock lock(mu_);
    calls_.push_back({key, resume, clock_.now()});
    call = static_cast<unsigned>(calls_.size());
    if (blocked_key_ == key) {
      holding_ = true;
      unblocked_.notify_all();
    }
    const bool released = unblocked_.wait(lock, stop, [&] { return blocked_key_ != key; });
    holding_ = false;
    if (!released) return {StoreOutcome::stopped, {}, 0};
    if (upload_failure_ && upload_failure_->times > 0) {
      --upload_failure_->times;
      return {upload_failure_->how, upload_failure_->problem, 0};
    }
  }
  std::string bytes = read_file(file);
  if (hook_) hook_(key, call);
  if (part_bytes_ != 0 && bytes.size() >= part_bytes_) return upload_parts(key, bytes, resume, observer);
  observer.on_bytes_sent(bytes.size());
  std::lock_guard lock(mu_);
  objects_[key] = std::move(bytes);
  return {};
}

StoreResult InMemoryStore::upload_parts(const std::string& key, const std::string& bytes,
                                        const s3::UploadCheckpoint& resume, s3::UploadObserver& observer) {
  std::string id = resume.upload_id;
  {
    std::lock_guard lock(mu_);
    if (id.empty() || !parts_.contains(id)) {
      id = "upload-" + std::to_string(next_upload_id_++);
      parts_[id];
    }
  }
  if (id != resume.upload_id) observer.on_multipart_started(id, part_bytes_);
  const int total = static_cast<int>((bytes.size() + part_bytes_ - 1) / part_bytes_);
  int sent_now = 0;
  for (int n = 1; n <= total; ++n) {
    {
      std::lock_guard lock(mu_);
      if (parts_[id].contains(n)) continue;  // ListParts: already stored
      if (stop_after_parts_ > 0 && sent_now == stop_after_parts_) return {StoreOutcome::stopped, {}, 0};
      parts_[id][n] = bytes.substr(static_cast<std::size_t>(n - 1) * part_bytes_, part_bytes_);
    }
    ++sent_now;
    auto size =
        std::min<std::uint64_t>(part_bytes_, bytes.size() - static_cast<std::size_t>(n - 1) * part_bytes_);
    observer.on_part_stored({n, "etag-" + std::to_string(n), size});
    observer.on_bytes_sent(size);
  }
  std::lock_guard lock(mu_);
  std::string assembled;
  for (auto& [n, p] : parts_[id]) assembled += p;
  parts_.erase(id);
  objects_[key] = std::move(assembled);
  return {};
}

StoreResult InMemoryStore::verify(const std::string& key, std::uint64_t size,
                                  std::optional<std::uint32_t> crc32c) {
  std::lock_guard lock(mu_);
  if (verify_failure_ && verify_failure_->times > 0) {
    --verify_failure_->times;
    return {verify_failure_->how, verify_failure_->problem, 0};
  }
  auto it = objects_.find(key);
  if (it == objects_.end()) return {StoreOutcome::mismatch, "object not found", 0};
  if (it->second.size() != size) return {StoreOutcome::mismatch, "size differs", 0};
  if (crc32c && s3::crc32c_extend(0, it->second.data(), it->second.size()) != *crc32c) {
    return {StoreOutcome::mismatch, "checksum differs", 0};
  }
  return {};
}

void InMemoryStore::abandon(const std::string&, const std::string& upload_id) {
  std::lock_guard lock(mu_);
  parts_.erase(upload_id);
  abandoned_.push_back(upload_id);
}

void InMemoryStore::fail_uploads(StoreOutcome how, unsigned times, std::string problem) {
  std::lock_guard lock(mu_);
  upload_failure_ = Failure{how, times, std::move(problem)};
}

void InMemoryStore::fail_verifies(StoreOutcome how, unsigned times, std::string problem) {
  std::lock_guard lock(mu_);
  verify_failure_ = Failure{how, times, std::move(problem)};
}

void InMemoryStore::on_upload(std::function<void(const std::string&, unsigned)> hook) {
  hook_ = std::move(hook);
}

void InMemoryStore::block(const std::string& key) {
  std::lock_guard lock(mu_);
  blocked_key_ = key;
}

bool InMemoryStore::wait_until_blocked(std::chrono::milliseconds limit) {
  std::unique_lock lock(mu_);
  return unblocked_.wait_for(lock, limit, [&] { return holding_; });
}

void InMemoryStore::release() {
  {
    std::lock_guard lock(mu_);
    blocked_key_.clear();
  }
  unblocked_.notify_all();
}

void InMemoryStore::put(const std::string& key, const std::string& bytes) {
  std::lock_guard lock(mu_);
  objects_[key] = bytes;
}

bool InMemoryStore::has(const std::string& key) const {
  std::lock_guard lock(mu_);
  return objects_.contains(key);
}

std::string InMemoryStore::object(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? std::string() : it->second;
}

std::vector<std::string> InMemoryStore::keys() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, v] : objects_) out.push_back(k);
  return out;
}

std::vector<InMemoryStore::UploadCall> InMemoryStore::uploads() const {
  std::lock_guard lock(mu_);
  return calls_;
}

unsigned InMemoryStore::uploads_of(const std::string& key) const {
  std::lock_guard lock(mu_);
  unsigned n = 0;
  for (const auto& c : calls_) n += c.key == key ? 1 : 0;
  return n;
}

std::vector<std::string> InMemoryStore::abandoned() const {
  std::lock_guard lock(mu_);
  return abandoned_;
}

// ---- ScriptedTasks ----------------------------------------------------------------------------------

dgraph::TaskReply ScriptedTasks::status(dgraph::TaskStatus s) {
  dgraph::TaskReply r;
  r.kind = dgraph::TaskReply::Kind::status;
  r.status = s;
  return r;
}

dgraph::TaskReply ScriptedTasks::reply(dgraph::TaskReply::Kind kind, std::string error) {
  dgraph::TaskReply r;
  r.kind = kind;
  r.error = std::move(error);
  return r;
}

dgraph::TaskReply ScriptedTasks::query(const dgraph::TaskQuery& q) {
  std::function<void()> first_success;
  dgraph::TaskReply out;
  {
    std::unique_lock lock(mu_);
    released_.wait(lock, [&] { return held_ != q.task_id; });
    queries_.push_back(q);
    times_[q.task_id].push_back(clock_.now());
    if (auto t = timed_.find(q.task_id); t != timed_.end()) {
      if (clock_.now() < t->second.at) return status(dgraph::TaskStatus::running);
      first_success = std::exchange(t->second.on_success, {});
      out = status(dgraph::TaskStatus::success);
    } else {
      auto& s = scripts_[q.task_id];
      if (s.empty()) return reply(dgraph::TaskReply::Kind::not_found, "task does not exist or has expired");
      out = s.front();
      if (s.size() > 1) s.pop_front();
    }
  }
  if (first_success) first_success();
  return out;
}

void ScriptedTasks::script(const std::string& task, std::vector<dgraph::TaskReply> replies) {
  std::lock_guard lock(mu_);
  scripts_[task] = std::deque<dgraph::TaskReply>(replies.begin(), replies.end());
}

void ScriptedTasks::succeed_at(const std::string& task, std::chrono::steady_clock::time_point at,
                               std::function<void()> on_success) {
  std::lock_guard lock(mu_);
  timed_[task] = {at, std::move(on_success)};
}

void ScriptedTasks::hold(const std::string& task) {
  std::lock_guard lock(mu_);
  held_ = task;
}

void ScriptedTasks::release_hold() {
  {
    std::lock_guard lock(mu_);
    held_.clear();
  }
  released_.notify_all();
}

std::vector<std::chrono::steady_clock::time_point> ScriptedTasks::query_times(const std::string& task) const {
  std::lock_guard lock(mu_);
  auto it = times_.find(task);
  return it == times_.end() ? std::vector<std::chrono::steady_clock::time_point>{} : it->second;
}

std::vector<dgraph::TaskQuery> ScriptedTasks::queries() const {
  std::lock_guard lock(mu_);
  return queries_;
}

}  // namespace dsync::sync::testing
