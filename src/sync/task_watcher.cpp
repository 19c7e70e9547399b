#include "sync/task_watcher.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace dsync::sync {
namespace {

using dgraph::TaskReply;
using dgraph::TaskStatus;

TaskOutcome failed(std::string why, std::string last_updated = {}) {
  return {TaskOutcome::Kind::failed, std::move(why), std::move(last_updated)};
}

std::string seconds_text(Clock::duration d) {
  return fmt::format("{}s", std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

}  // namespace

TaskWatcher::TaskWatcher(dgraph::TaskStatusSource& source, Clock& clock, TaskWatchSettings settings)
    : source_(source), clock_(clock), settings_(settings) {}

TaskOutcome TaskWatcher::wait(const dgraph::TaskQuery& q, Clock::duration timeout,
                              const std::stop_token& stop, const std::function<void(TaskStatus)>& on_status) {
  const auto deadline = clock_.now() + timeout;
  Clock::duration delay = settings_.poll_initial;
  std::optional<TaskStatus> last_status;
  std::string last_problem;
  for (;;) {
    TaskReply reply = source_.query(q);
    switch (reply.kind) {
      case TaskReply::Kind::status:
        if (reply.status != last_status && on_status) on_status(reply.status);
        last_status = reply.status;
        last_problem.clear();
        if (reply.status == TaskStatus::success) return {TaskOutcome::Kind::success, {}, reply.last_updated};
        if (reply.status == TaskStatus::failed) {
          return failed(
              fmt::format("Dgraph reports export task {} Failed (Dgraph logs the reason only on the alpha: "
                          "look for \"task {}: failed\"); its partial files are left in place",
                          q.task_id, q.task_id),
              reply.last_updated);
        }
        break;
      case TaskReply::Kind::not_found:
        return failed(
            fmt::format("alpha {} no longer knows task {} ({}): it restarted while the export was pending "
                        "or running, so the export did not finish; request a new export",
                        q.upstream, q.task_id, reply.error));
      case TaskReply::Kind::rejected:
        return failed(
            fmt::format("alpha {} refused the task query for {} ({}); check the auth token (--auth-token "
                        "or the X-Dgraph-AuthToken of the export request)",
                        q.upstream, q.task_id, reply.error));
      case TaskReply::Kind::transient:
        if (last_problem.empty())
          spdlog::warn("task={} cannot ask alpha {}: {}; still trying", q.task_id, q.upstream, reply.error);
        last_problem = reply.error;
        break;
    }
    const auto now = clock_.now();
    if (now >= deadline) {
      return failed(fmt::format(
          "task {} did not finish within {} (last: {}); raise --task-timeout if exports take "
          "that long",
          q.task_id, seconds_text(timeout),
          last_problem.empty() ? std::string(dgraph::to_string(last_status.value_or(TaskStatus::unknown)))
                               : last_problem));
    }
    if (!pause(std::min(delay, deadline - now), stop)) return {TaskOutcome::Kind::stopped, {}, {}};
    if (schedule_restarted()) {
      delay = settings_.poll_initial;
    } else {
      delay = std::min<Clock::duration>(std::chrono::duration_cast<Clock::duration>(delay * 3 / 2),
                                        settings_.poll_max);
    }
  }
}

bool TaskWatcher::schedule_restarted() {
  std::lock_guard lock(mu_);
  return std::exchange(restart_schedule_, false);
}

void TaskWatcher::nudge() {
  std::lock_guard lock(mu_);
  restart_schedule_ = true;
  if (wake_) {
    wake_->request_stop();
  } else {
    nudged_ = true;
  }
}

bool TaskWatcher::pause(Clock::duration d, const std::stop_token& stop) {
  std::stop_source wake;
  {
    std::lock_guard lock(mu_);
    if (std::exchange(nudged_, false)) return !stop.stop_requested();
    wake_ = &wake;
  }
  {
    std::stop_callback forward(stop, [&] { wake.request_stop(); });
    clock_.sleep_for(d, wake.get_token());
  }
  std::lock_guard lock(mu_);
  wake_ = nullptr;
  return !stop.stop_requested();
}

}  // namespace dsync::sync
