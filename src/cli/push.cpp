// `dsync push DIR`: one existing export directory through the same pipeline the daemon uses (journal,
// upload, verify, and removal unless --keep-local), with a progress bar.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/module_settings.h"
#include "cli/progress.h"
#include "cli/shutdown_signals.h"
#include "cli/units.h"
#include "s3/client.h"
#include "sync/sync_service.h"

namespace dsync::cli {
namespace {

// Sync events of the pushed job → the progress bar.
class PushProgress final : public sync::SyncObserver {
 public:
  explicit PushProgress(ProgressReporter& progress) : progress_(progress) {}
  void on_job_state(const sync::JobView& job) override {
    if (job.bytes_total > 0) progress_.set_total(job.bytes_total);
  }
  void on_bytes_uploaded(std::uint64_t n) override { progress_.add(n); }

 private:
  ProgressReporter& progress_;
};

}  // namespace

int run_push(const Config& config) {
  ShutdownSignals signals;
  ProgressReporter progress = make_progress_reporter(SystemClock::instance(), "push");
  PushProgress observer(progress);
  s3::Client client(config.s3, config.key);
  std::unique_ptr<sync::SyncService> sync;
  std::int64_t id = 0;
  try {
    sync = std::make_unique<sync::SyncService>(sync_settings(config), client, SystemClock::instance(),
                                               &observer);
    sync->start();
    id = sync->push_directory(config.push_dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dsync: push: %s\n", e.what());
    if (sync) sync->shutdown();
    return 1;
  }
  spdlog::info("push: job={} dir={} bucket={}", id, config.push_dir.string(), config.s3.bucket);
  std::optional<sync::JobView> view;
  for (;;) {
    view = sync->wait_job(id, std::chrono::milliseconds(250));
    if (!view || sync::is_terminal(view->state)) break;
    progress.tick();
    if (auto sig = signals.wait_for(std::chrono::milliseconds(0))) {
      progress.finish("interrupted");
      sync->shutdown();
      std::fprintf(stderr,
                   "dsync: push: interrupted; job %lld is in the journal and resumes with the next `dsync "
                   "serve` or `dsync push` using --state-dir %s\n",
                   static_cast<long long>(id), config.state_dir.c_str());
      return 128 + *sig;
    }
  }
  sync->shutdown();
  if (!view || view->state != sync::JobState::done) {
    progress.finish("failed");
    std::fprintf(stderr, "dsync: push: %s: %s\n", config.push_dir.c_str(),
                 view ? view->error.c_str() : "the job disappeared from the journal");
    return 1;
  }
  progress.finish("done");
  std::printf("pushed %u files (%s) of %s to bucket %s; every object verified; local directory %s\n",
              view->files_total, format_bytes(static_cast<double>(view->bytes_total)).c_str(),
              config.push_dir.c_str(), config.s3.bucket.c_str(),
              config.keep_local ? "kept (--keep-local)" : "removed");
  return 0;
}

}  // namespace dsync::cli
