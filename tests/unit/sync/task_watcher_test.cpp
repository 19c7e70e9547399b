#include "sync/task_watcher.h"

#include <thread>

#include <gtest/gtest.h>

#include "sync_test_support.h"

namespace dsync::sync {
namespace {

using namespace std::chrono;
using dgraph::TaskReply;
using dgraph::TaskStatus;
using testing::ScriptedTasks;

const dgraph::TaskQuery kQuery{"http://127.0.0.1:8080", "0x1a3f2c9d0", "", ""};

class TaskWatcherTest : public ::testing::Test {
 protected:
  TaskOutcome wait(Clock::duration timeout = hours(6), std::stop_token stop = {}) {
    TaskWatcher w(tasks, clock, {});
    return w.wait(kQuery, timeout, stop);
  }
  std::vector<milliseconds> intervals() const {
    auto t = tasks.query_times(kQuery.task_id);
    std::vector<milliseconds> out;
    for (std::size_t i = 1; i < t.size(); ++i) out.push_back(duration_cast<milliseconds>(t[i] - t[i - 1]));
    return out;
  }
  ManualClock clock;
  ScriptedTasks tasks{clock};
};

TEST_F(TaskWatcherTest, PollsFastFirstThenBacksOffToTwoSeconds) {
  tasks.succeed_at(kQuery.task_id, clock.now() + seconds(12));
  auto out = wait();
  EXPECT_EQ(out.kind, TaskOutcome::Kind::success);
  auto iv = intervals();
  ASSERT_GE(iv.size(), 8u);
  EXPECT_EQ(iv[0], milliseconds(200));
  EXPECT_EQ(iv[1], milliseconds(300));
  EXPECT_EQ(iv[2], milliseconds(450));
  EXPECT_EQ(iv[3], milliseconds(675));
  for (auto d : iv) EXPECT_LE(d, milliseconds(2000));
  EXPECT_EQ(iv.back(), milliseconds(2000));
}

TEST_F(TaskWatcherTest, NoticesAQuickExportWithinASecond) {
  const auto success = clock.now() + milliseconds(2500);
  tasks.succeed_at(kQuery.task_id, success);
  ASSERT_EQ(wait().kind, TaskOutcome::Kind::success);
  EXPECT_LT(clock.now() - success, seconds(1));
}

TEST_F(TaskWatcherTest, AFailedTaskIsReportedWithWhereToFindTheReason) {
  tasks.script(kQuery.task_id,
               {ScriptedTasks::status(TaskStatus::queued), ScriptedTasks::status(TaskStatus::running),
                ScriptedTasks::status(TaskStatus::failed)});
  auto out = wait();
  ASSERT_EQ(out.kind, TaskOutcome::Kind::failed);
  EXPECT_NE(out.why.find("Failed"), std::string::npos);
  EXPECT_NE(out.why.find("task 0x1a3f2c9d0: failed"), std::string::npos) << out.why;
}

TEST_F(TaskWatcherTest, AForgottenTaskMeansTheAlphaRestarted) {
  tasks.script(kQuery.task_id,
               {ScriptedTasks::status(TaskStatus::running),
                ScriptedTasks::reply(TaskReply::Kind::not_found,
                                     "resolving task failed because task does not exist or has expired")});
  auto out = wait();
  ASSERT_EQ(out.kind, TaskOutcome::Kind::failed);
  EXPECT_NE(out.why.find("restarted"), std::string::npos) << out.why;
}

TEST_F(TaskWatcherTest, ARefusedQueryNamesTheTokenToFix) {
  tasks.script(kQuery.task_id,
               {ScriptedTasks::reply(TaskReply::Kind::rejected, "Invalid X-Dgraph-AuthToken")});
  auto out = wait();
  ASSERT_EQ(out.kind, TaskOutcome::Kind::failed);
  EXPECT_NE(out.why.find("--auth-token"), std::string::npos) << out.why;
  EXPECT_EQ(tasks.query_times(kQuery.task_id).size(), 1u);
}

TEST_F(TaskWatcherTest, KeepsPollingWhileTheAlphaIsDown) {
  tasks.script(kQuery.task_id, {ScriptedTasks::reply(TaskReply::Kind::transient, "connection refused"),
                                ScriptedTasks::reply(TaskReply::Kind::transient, "connection refused"),
                                ScriptedTasks::reply(TaskReply::Kind::transient, "connection refused"),
                                ScriptedTasks::status(TaskStatus::success)});
  EXPECT_EQ(wait().kind, TaskOutcome::Kind::success);
  EXPECT_EQ(tasks.query_times(kQuery.task_id).size(), 4u);
}

TEST_F(TaskWatcherTest, GivesUpAtTheTimeoutAndSaysWhatItLastSaw) {
  tasks.script(kQuery.task_id, {ScriptedTasks::status(TaskStatus::running)});
  const auto start = clock.now();
  auto out = wait(minutes(1));
  ASSERT_EQ(out.kind, TaskOutcome::Kind::failed);
  EXPECT_NE(out.why.find("within 60s"), std::string::npos) << out.why;
  EXPECT_NE(out.why.find("Running"), std::string::npos) << out.why;
  EXPECT_GE(clock.now() - start, minutes(1));
  EXPECT_LT(clock.now() - start, minutes(1) + seconds(1));
}

TEST_F(TaskWatcherTest, StopsWhenAskedToStop) {
  tasks.script(kQuery.task_id, {ScriptedTasks::status(TaskStatus::running)});
  std::stop_source stop;
  stop.request_stop();
  EXPECT_EQ(wait(hours(6), stop.get_token()).kind, TaskOutcome::Kind::stopped);
}

TEST_F(TaskWatcherTest, ANudgeCutsTheNextPauseShort) {
  tasks.script(kQuery.task_id,
               {ScriptedTasks::status(TaskStatus::running), ScriptedTasks::status(TaskStatus::success)});
  TaskWatcher w(tasks, clock, {milliseconds(5000), milliseconds(5000)});
  w.nudge();  // before the first pause: remembered
  EXPECT_EQ(w.wait(kQuery, hours(1), {}).kind, TaskOutcome::Kind::success);
  EXPECT_EQ(clock.total_slept(), Clock::duration{});
}

// An alpha whose export finishes (files closed: the directory watcher nudges) at the 10th poll.
struct NudgedAtTheTenthPoll final : dgraph::TaskStatusSource {
  explicit NudgedAtTheTenthPoll(ManualClock& c) : clock(c) {}
  TaskReply query(const dgraph::TaskQuery&) override {
    times.push_back(clock.now());
    if (times.size() == 10) watcher->nudge();
    return ScriptedTasks::status(times.size() < 13 ? TaskStatus::running : TaskStatus::success);
  }
  ManualClock& clock;
  TaskWatcher* watcher = nullptr;
  std::vector<steady_clock::time_point> times;
};

TEST(TaskWatcherNudge, PollsAtOnceAndRestartsTheFastSchedule) {
  ManualClock clock;
  NudgedAtTheTenthPoll alpha(clock);
  TaskWatcher w(alpha, clock, {});
  alpha.watcher = &w;
  ASSERT_EQ(w.wait(kQuery, hours(1), {}).kind, TaskOutcome::Kind::success);
  ASSERT_EQ(alpha.times.size(), 13u);
  auto gap = [&](std::size_t i) { return duration_cast<milliseconds>(alpha.times[i + 1] - alpha.times[i]); };
  EXPECT_EQ(gap(8), milliseconds(2000));  // the schedule had reached its cap
  EXPECT_EQ(gap(9), milliseconds(0));     // nudged: polls at once
  EXPECT_EQ(gap(10), milliseconds(200));  // and starts over fast
  EXPECT_EQ(gap(11), milliseconds(300));
}

}  // namespace
}  // namespace dsync::sync
