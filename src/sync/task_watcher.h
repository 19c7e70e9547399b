// Following one asynchronous export (Dgraph v23+) until the alpha says it is over.
//
// Polls the task quickly at first and backs off (poll_initial ×1.5 up to poll_max; with the defaults
// 200 ms → 2 s, so a finished export is noticed within about a second at first and within 2 s at
// worst — the original tool slept 5 s). An alpha that does not answer is polled on with the same
// backoff until the deadline: it may be restarting. Outcomes:
//   Success                          → success
//   Failed                           → failed (Dgraph keeps the reason in its log only: "task 0x…: failed")
//   "does not exist or has expired"  → failed: the alpha restarted (it forgets or fails running tasks)
//   a refused query (bad token)      → failed, naming the token setting to fix
//   the deadline passes              → failed (timed out)
// nudge() makes it poll at once and restart the fast schedule: Dgraph just closed export files (see
// export_dir_watcher.h), or another job needs this one to decide first.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>

#include "common/clock.h"
#include "dgraph/task_client.h"

namespace dsync::sync {

struct TaskWatchSettings {
  std::chrono::milliseconds poll_initial{200};
  std::chrono::milliseconds poll_max{2000};
};

struct TaskOutcome {
  enum class Kind { success, failed, stopped } kind = Kind::stopped;
  std::string why;           // for failed: one line for operators
  std::string last_updated;  // Dgraph's lastUpdated of the final status
};

class TaskWatcher {
 public:
  TaskWatcher(dgraph::TaskStatusSource& source, Clock& clock, TaskWatchSettings settings);

  // Polls until an outcome, `timeout` (measured on `clock`) or `stop`. `on_status` hears each status
  // change (e.g. Queued → Running) for the job's log.
  TaskOutcome wait(const dgraph::TaskQuery& query, Clock::duration timeout, const std::stop_token& stop,
                   const std::function<void(dgraph::TaskStatus)>& on_status = {});

  // Cuts the current (or the next) wait between two polls short and restarts the schedule at
  // poll_initial. Thread-safe.
  void nudge();

 private:
  bool pause(Clock::duration d, const std::stop_token& stop);
  bool schedule_restarted();

  dgraph::TaskStatusSource& source_;
  Clock& clock_;
  TaskWatchSettings settings_;
  std::mutex mu_;
  std::stop_source* wake_ = nullptr;  // the current pause's wake-up, while one is in progress
  bool nudged_ = false;               // a nudge that came between two pauses
  bool restart_schedule_ = false;     // a nudge arrived since the last poll
};

}  // namespace dsync::sync
