#include "sync/sync_service.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include "sync/export_job.h"
#include "sync/job_board.h"
#include "sync/journal.h"
#include "sync/object_namer.h"

namespace dsync::sync {
namespace {

ObjectNamer make_namer(const SyncSettings& s) {
  std::string why;
  auto namer = ObjectNamer::create(s.object_prefix, s.name_template, &why);
  if (!namer) throw std::invalid_argument("name template: " + why);
  return std::move(*namer);
}

SyncSettings normalized(SyncSettings s) {
  s.export_dir = normalized_dir(s.export_dir);
  return s;
}

// The directory a synchronous export (Dgraph ≤ v22) reported: "dgraph.r…/g01.rdf.gz" → "dgraph.r…".
std::string directory_of(const std::vector<std::string>& exported_files) {
  for (const auto& f : exported_files) {
    auto name = f.substr(0, f.find('/'));
    if (parse_export_dir_name(name)) return name;
  }
  return {};
}

}  // namespace

struct SyncService::Core {
  Core(SyncSettings s, ObjectStore& store, dgraph::TaskStatusSource& tasks, Clock& clock,
       SyncObserver* observer)
      : settings(normalized(std::move(s))),
        namer(make_namer(settings)),
        journal(settings.state_dir),
        board(journal, settings.max_parallel_jobs),
        dir_watcher([this](const std::filesystem::path& base) { board.nudge_waiting_in(base); }),
        ctx{settings, journal, store, tasks, clock, observer, namer, board, &dir_watcher} {}

  // A job and the thread running it. `finished` is set as the thread's last act, so joining it never waits.
  struct Running {
    std::unique_ptr<ExportJob> job;
    std::jthread thread;
    std::atomic<bool> finished{false};
  };

  void launch(std::int64_t id);
  std::vector<std::unique_ptr<Running>> take_finished();

  std::unique_ptr<ObjectStore> own_store;               // when built from an s3::Client
  std::unique_ptr<dgraph::TaskStatusSource> own_tasks;  // idem
  SyncSettings settings;
  ObjectNamer namer;
  Journal journal;
  JobBoard board;
  ExportDirWatcher dir_watcher;
  SyncContext ctx;

  mutable std::mutex mu;
  std::condition_variable job_ended;  // for wait_job
  std::map<std::int64_t, std::unique_ptr<Running>> running;
  bool started = false;
  bool stopping = false;
};

void SyncService::Core::launch(std::int64_t id) {
  std::vector<std::unique_ptr<Running>> finished;
  std::lock_guard lock(mu);
  if (!started || stopping || running.contains(id)) return;
  finished = take_finished();
  auto r = std::make_unique<Running>();
  r->job = std::make_unique<ExportJob>(ctx, id);
  Running* raw = r.get();
  r->thread = std::jthread([this, raw](const std::stop_token& stop) {
    raw->job->run(stop);
    { std::lock_guard l(mu); }
    job_ended.notify_all();
    raw->finished = true;
  });
  running.emplace(id, std::move(r));
}  // `finished` threads are joined here, after the lock is released

std::vector<std::unique_ptr<SyncService::Core::Running>> SyncService::Core::take_finished() {
  std::vector<std::unique_ptr<Running>> out;
  for (auto it = running.begin(); it != running.end();) {
    if (it->second->finished) {
      out.push_back(std::move(it->second));
      it = running.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

SyncService::SyncService(SyncSettings settings, s3::Client& s3, Clock& clock, SyncObserver* observer) {
  auto store = make_s3_object_store(s3, settings.upload, clock);
  auto tasks = std::make_unique<dgraph::TaskClient>();
  core_ = std::make_unique<Core>(std::move(settings), *store, *tasks, clock, observer);
  core_->own_store = std::move(store);
  core_->own_tasks = std::move(tasks);
}

SyncService::SyncService(SyncSettings settings, ObjectStore& store, dgraph::TaskStatusSource& tasks,
                         Clock& clock, SyncObserver* observer)
    : core_(std::make_unique<Core>(std::move(settings), store, tasks, clock, observer)) {}

SyncService::~SyncService() {
  shutdown();
}

std::optional<std::string> SyncService::problem_with(const SyncSettings& s) {
  std::string why;
  if (!ObjectNamer::create(s.object_prefix, s.name_template, &why)) return "name template: " + why;
  if (s.state_dir.empty()) return "state dir: not set";
  if (s.export_dir.empty()) return "export dir: not set";
  if (s.poll_initial.count() <= 0 || s.poll_max < s.poll_initial) {
    return "poll interval: the first poll interval must be positive and not above the longest";
  }
  if (s.max_parallel_jobs == 0) return "parallel jobs: must be at least 1";
  return std::nullopt;
}

void SyncService::start() {
  auto& c = *core_;
  {
    std::lock_guard lock(c.mu);
    if (c.started || c.stopping) return;
    c.started = true;
  }
  c.dir_watcher.watch(c.settings.export_dir);
  auto unfinished = c.journal.unfinished_jobs();
  for (const auto& j : unfinished) c.launch(j.id);
  spdlog::info("sync started: export dir {}, journal {}, {} unfinished jobs resumed",
               c.settings.export_dir.string(), (c.settings.state_dir / "dsync.db").string(),
               unfinished.size());
}

void SyncService::on_export_accepted(dgraph::ExportEvent event) {
  auto& c = *core_;
  std::int64_t id = 0;
  try {
    NewJob j;
    j.origin = event.synchronous ? JobOrigin::sync_export : JobOrigin::task;
    j.task_id = event.task_id;
    j.upstream = event.upstream.empty() ? c.settings.default_upstream : event.upstream;
    j.auth_token = event.auth_token.empty() ? c.settings.auth_token : event.auth_token;
    j.access_token = event.access_token;
    j.format = event.format;
    // Dgraph writes to --export unless the destination is an absolute path (anything else falls back).
    const std::filesystem::path destination = event.local_destination;
    j.base_dir = destination.is_absolute() ? normalized_dir(destination) : c.settings.export_dir;
    j.dir_name = directory_of(event.exported_files);
    j.accepted_at = event.accepted_at == WallTime{} ? c.ctx.clock.wall_now() : event.accepted_at;
    id = c.journal.add_job(j, c.ctx.clock.wall_now());
  } catch (const std::exception& e) {
    // Nothing may escape to the proxy; losing the record is the worst case and is logged as such.
    spdlog::error("task={} export accepted by Dgraph but NOT recorded: {}; it will not be synced",
                  event.task_id, e.what());
    return;
  }
  spdlog::info("task={} job={} export accepted by {}", event.task_id.empty() ? "sync-export" : event.task_id,
               id, event.upstream.empty() ? c.settings.default_upstream : event.upstream);
  try {
    c.board.changed();
    c.launch(id);
  } catch (const std::exception& e) {
    spdlog::error("task={} job={} recorded but not started ({}); it runs at the next start", event.task_id,
                  id, e.what());
  }
}

std::int64_t SyncService::push_directory(const std::filesystem::path& dir) {
  auto& c = *core_;
  auto path = std::filesystem::absolute(dir).lexically_normal();
  if (path.filename().empty()) path = path.parent_path();  // "…/dgraph.r1.u0101.0000/"
  const auto name = path.filename().string();
  if (!parse_export_dir_name(name)) {
    throw std::invalid_argument(path.string() +
                                " is not an export directory (dgraph.r<readTs>.u<MMDD>.<HHMM>)");
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw std::invalid_argument(path.string() + " is not a directory (symlinks are not followed)");
  }
  NewJob j;
  j.origin = JobOrigin::push;
  j.base_dir = path.parent_path();
  j.dir_name = name;
  j.accepted_at = c.ctx.clock.wall_now();
  auto id = c.journal.add_job(j, j.accepted_at);
  spdlog::info("task=push job={} push of {}", id, path.string());
  c.board.changed();
  c.launch(id);
  return id;
}

std::optional<JobView> SyncService::wait_job(std::int64_t id, std::chrono::milliseconds timeout) {
  auto& c = *core_;
  // The caller's own patience, in real time (not pipeline time: tests inject a manual clock for that).
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(c.mu);
  for (;;) {
    auto job = c.journal.job(id);
    if (!job) return std::nullopt;
    auto it = c.running.find(id);
    auto view = make_view(*job, it == c.running.end() ? nullptr : &it->second->job->progress());
    if (is_terminal(job->state)) return view;
    if (c.job_ended.wait_until(lock, deadline) == std::cv_status::timeout) return view;
  }
}

void SyncService::shutdown() {
  auto& c = *core_;
  std::map<std::int64_t, std::unique_ptr<Core::Running>> jobs;
  {
    std::lock_guard lock(c.mu);
    c.stopping = true;
    jobs.swap(c.running);
  }
  for (auto& [id, r] : jobs) r->thread.request_stop();
  c.board.changed();
  std::size_t unfinished = 0;
  for (auto& [id, r] : jobs) {
    r->thread.join();
    auto job = c.journal.job(id);
    if (job && !is_terminal(job->state)) ++unfinished;
  }
  if (!jobs.empty()) spdlog::info("sync stopped; {} unfinished jobs continue at the next start", unfinished);
}

StatusSnapshot SyncService::status() const {
  auto& c = *core_;
  StatusSnapshot s;
  auto jobs = c.journal.recent_jobs(c.settings.status_jobs);
  {
    std::lock_guard lock(c.mu);
    for (const auto& j : jobs) {
      auto it = c.running.find(j.id);
      s.recent_jobs.push_back(make_view(j, it == c.running.end() ? nullptr : &it->second->job->progress()));
    }
  }
  s.last_verified_export = c.journal.last_verified_export();
  return s;
}

}  // namespace dsync::sync
