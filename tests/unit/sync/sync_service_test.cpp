// The whole pipeline with an in-memory bucket, a scripted alpha and a manual clock: what happens to an
// export from the moment Dgraph accepted it until its directory is gone.
#include "sync/sync_service.h"

#include <thread>

#include <gtest/gtest.h>

#include "support/tempdir.h"
#include "sync_test_support.h"

namespace dsync::sync {
namespace {

using namespace std::chrono;
using dgraph::TaskStatus;
using testing::export_dir_name;
using testing::InMemoryStore;
using testing::make_export;
using testing::read_file;
using testing::ScriptedTasks;

struct RecordingObserver final : SyncObserver {
  void on_job_state(const JobView& v) override {
    std::lock_guard l(mu);
    states.push_back(v.state);
  }
  void on_bytes_uploaded(std::uint64_t n) override { bytes += n; }
  void on_object_verified(const std::string& key, std::uint64_t) override {
    std::lock_guard l(mu);
    verified.push_back(key);
  }
  void on_retry(const std::string&) override { ++retries; }
  void on_job_failed(const JobView&, const std::string& reason) override {
    std::lock_guard l(mu);
    failures.push_back(reason);
  }
  void on_export_synced(const JobView&, milliseconds, milliseconds reaction) override {
    std::lock_guard l(mu);
    reactions.push_back(reaction);
  }
  std::mutex mu;
  std::vector<JobState> states;
  std::vector<std::string> verified, failures;
  std::vector<milliseconds> reactions;
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<unsigned> retries{0};
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    export_dir = tmp.path() / "export";
    std::filesystem::create_directories(export_dir);
    settings.export_dir = export_dir;
    settings.state_dir = tmp.path() / "state";
  }
  void TearDown() override {
    store.release();
    tasks.release_hold();
    if (svc) svc->shutdown();
  }

  SyncService& service() {
    if (!svc) {
      svc = std::make_unique<SyncService>(settings, store, tasks, clock, &observer);
      svc->start();
    }
    return *svc;
  }
  void restart() {
    svc->shutdown();
    svc.reset();
    service();
  }
  dgraph::ExportEvent event(const std::string& task, const std::string& upstream = "http://alpha:8080") {
    dgraph::ExportEvent e;
    e.task_id = task;
    e.format = "rdf";
    e.accepted_at = clock.wall_now();
    e.upstream = upstream;
    e.auth_token = "token-of-the-request";
    return e;
  }
  std::int64_t accept(const dgraph::ExportEvent& e) {
    service().on_export_accepted(e);
    return service().status().recent_jobs.front().id;
  }
  JobView finished(std::int64_t id) {
    auto v = service().wait_job(id, seconds(20));
    EXPECT_TRUE(v.has_value());
    if (!v) return {};
    EXPECT_TRUE(is_terminal(v->state))
        << "job " << id << " still " << to_string(v->state) << ": " << v->error;
    return *v;
  }
  // Waits for a job thread to get somewhere (bounded in real time; nothing here sleeps).
  template <typename Pred>
  void spin_until(Pred done) {
    const auto limit = steady_clock::now() + seconds(10);
    while (!done()) {
      ASSERT_LT(steady_clock::now(), limit) << "condition not reached";
      std::this_thread::yield();
    }
  }
  std::filesystem::path export_now(std::uint64_t read_ts, const std::string& tag) {
    return make_export(export_dir, export_dir_name(read_ts, clock.wall_now()), tag, clock.wall_now());
  }

  testenv::TempDir tmp;
  std::filesystem::path export_dir;
  ManualClock clock;
  InMemoryStore store{clock};
  ScriptedTasks tasks{clock};
  RecordingObserver observer;
  SyncSettings settings;
  std::unique_ptr<SyncService> svc;
};

TEST_F(PipelineTest, UploadsOnlyTheExportDirectoryOfThisTask) {
  auto old_dir = make_export(export_dir, export_dir_name(50, clock.wall_now() - hours(26)), "yesterday",
                             clock.wall_now() - hours(26));
  auto dir = export_now(100, "today");
  const auto rdf = read_file(dir / "g01.rdf.gz");
  tasks.succeed_at("0x1", clock.now() + milliseconds(1500));

  auto v = finished(accept(event("0x1")));

  EXPECT_EQ(v.state, JobState::done) << v.error;
  EXPECT_EQ(store.keys(), (std::vector<std::string>{"transformer.gql_schema.gz", "transformer.rdf.gz",
                                                    "transformer.schema.gz"}));
  EXPECT_EQ(store.object("transformer.rdf.gz"), rdf);
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_TRUE(std::filesystem::exists(old_dir / "g01.rdf.gz"));
  EXPECT_EQ(v.files_verified, 3u);
  EXPECT_EQ(v.bytes_done, v.bytes_total);
  EXPECT_EQ(v.export_dir, dir.string());
  EXPECT_TRUE(service().status().last_verified_export.has_value());
  ASSERT_FALSE(tasks.queries().empty());
  EXPECT_EQ(tasks.queries().front().auth_token, "token-of-the-request");
  EXPECT_EQ(tasks.queries().front().upstream, "http://alpha:8080");
}

TEST_F(PipelineTest, AFailedExportUploadsNothingAndExplainsItself) {
  auto dir = export_now(100, "partial");
  tasks.script("0x2",
               {ScriptedTasks::status(TaskStatus::running), ScriptedTasks::status(TaskStatus::failed)});
  auto v = finished(accept(event("0x2")));
  EXPECT_EQ(v.state, JobState::failed);
  EXPECT_NE(v.error.find("Failed"), std::string::npos) << v.error;
  EXPECT_NE(v.error.find("nothing was uploaded"), std::string::npos) << v.error;
  EXPECT_TRUE(store.keys().empty());
  EXPECT_TRUE(std::filesystem::exists(dir / "g01.rdf.gz"));
  ASSERT_EQ(observer.failures.size(), 1u);
}

TEST_F(PipelineTest, StartsUploadingWithinASecondOfAQuickSuccess) {
  export_now(100, "quick");
  // Polls at 0, 0.2, 0.5, 0.95, 1.625, 2.6375 s: a task done at 1.7 s is seen at 2.6375 s.
  const auto success = clock.now() + milliseconds(1700);
  tasks.succeed_at("0x3", success);
  ASSERT_EQ(finished(accept(event("0x3"))).state, JobState::done);
  auto uploads = store.uploads();
  ASSERT_FALSE(uploads.empty());
  EXPECT_GE(uploads.front().at, success);
  EXPECT_LT(uploads.front().at - success, seconds(1));
  ASSERT_EQ(observer.reactions.size(), 1u);
  EXPECT_LT(observer.reactions[0], seconds(1));
}

TEST_F(PipelineTest, WaitsOutAnUnreachableBucketAndKeepsTheFilesUntilDone) {
  auto dir = export_now(100, "x");
  tasks.script("0x4", {ScriptedTasks::status(TaskStatus::success)});
  store.fail_uploads(StoreOutcome::transient, 3, "ConnectFailed: connection refused");
  bool files_there_when_it_worked = false;
  store.on_upload([&](const std::string&, unsigned) {
    files_there_when_it_worked = std::filesystem::exists(dir / "g01.rdf.gz");
  });
  auto v = finished(accept(event("0x4")));
  EXPECT_EQ(v.state, JobState::done) << v.error;
  EXPECT_EQ(v.retries, 3u);
  EXPECT_EQ(observer.retries, 3u);
  EXPECT_TRUE(files_there_when_it_worked);
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_GE(clock.total_slept(), seconds(5 + 10 + 20));  // backoff 5 s, 10 s, 20 s
}

TEST_F(PipelineTest, APermanentFailureKeepsTheFilesAndSaysWhatToDo) {
  auto dir = export_now(100, "x");
  tasks.script("0x5", {ScriptedTasks::status(TaskStatus::success)});
  store.fail_uploads(StoreOutcome::permanent, 1, "PutObject: HTTP 403 AccessDenied");
  auto v = finished(accept(event("0x5")));
  EXPECT_EQ(v.state, JobState::failed);
  EXPECT_NE(v.error.find("AccessDenied"), std::string::npos) << v.error;
  EXPECT_NE(v.error.find("dsync push " + dir.string()), std::string::npos) << v.error;
  EXPECT_TRUE(std::filesystem::exists(dir / "g01.rdf.gz"));
}

TEST_F(PipelineTest, ResumesAfterRestartWithoutUploadingVerifiedFilesAgain) {
  export_now(100, "x");
  tasks.script("0x6", {ScriptedTasks::status(TaskStatus::success)});
  store.block("transformer.schema.gz");  // files go in name order: gql_schema, rdf, schema
  auto id = accept(event("0x6"));
  ASSERT_TRUE(store.wait_until_blocked());
  restart();  // shutdown stops the held upload; the new service resumes the job
  store.release();
  EXPECT_EQ(finished(id).state, JobState::done);
  EXPECT_EQ(store.uploads_of("transformer.gql_schema.gz"), 1u);
  EXPECT_EQ(store.uploads_of("transformer.rdf.gz"), 1u);
  EXPECT_EQ(store.uploads_of("transformer.schema.gz"), 2u);
  EXPECT_EQ(tasks.queries().size(), 1u);  // a recorded Success is not asked again
}

TEST_F(PipelineTest, AResumedJobAsksTheTaskAgainAndCarriesOn) {
  settings.task_timeout = hours(24 * 365);  // a Running task keeps polling through (manual) time
  export_now(100, "x");
  tasks.script("0x7", {ScriptedTasks::status(TaskStatus::running)});
  auto id = accept(event("0x7"));
  spin_until([&] { return !tasks.queries().empty(); });
  svc->shutdown();  // while the job waits for the alpha
  svc.reset();
  const auto asked_before = tasks.queries().size();
  tasks.script("0x7", {ScriptedTasks::status(TaskStatus::success)});
  EXPECT_EQ(finished(id).state, JobState::done);
  EXPECT_GT(tasks.queries().size(), asked_before);
}

TEST_F(PipelineTest, ContinuesAMultipartUploadFromItsRecordedParts) {
  auto dir = export_dir / export_dir_name(100, clock.wall_now());
  make_export(export_dir, dir.filename(), "x", clock.wall_now());
  std::string big;
  for (int i = 0; i < 1000; ++i) big += static_cast<char>('a' + i % 26);
  testing::write_file(dir / "g01.rdf.gz", big, clock.wall_now());
  store.simulate_multipart(64);  // 16 parts
  store.stop_after_parts(5);     // as if dsync were stopped after 5 parts
  tasks.script("0x8", {ScriptedTasks::status(TaskStatus::success)});
  auto id = accept(event("0x8"));
  spin_until([&] { return service().status().recent_jobs.front().bytes_done >= 5 * 64; });
  store.stop_after_parts(0);
  restart();
  EXPECT_EQ(finished(id).state, JobState::done);
  std::vector<InMemoryStore::UploadCall> rdf;
  for (auto& c : store.uploads()) {
    if (c.key == "transformer.rdf.gz") rdf.push_back(c);
  }
  ASSERT_EQ(rdf.size(), 2u);
  EXPECT_EQ(rdf[1].resume.upload_id, "upload-1");
  EXPECT_EQ(rdf[1].resume.part_size, 64u);
  EXPECT_EQ(rdf[1].resume.parts.size(), 5u);
  EXPECT_EQ(store.object("transformer.rdf.gz"), big);
}

TEST_F(PipelineTest, AnObjectStoredBeforeACrashIsNotUploadedAgain) {
  auto dir = export_now(100, "x");
  const auto schema = read_file(dir / "g01.schema.gz");
  tasks.script("0x9", {ScriptedTasks::status(TaskStatus::success)});
  store.block("transformer.schema.gz");
  auto id = accept(event("0x9"));
  ASSERT_TRUE(store.wait_until_blocked());
  store.put("transformer.schema.gz", schema);  // it got there, but the journal never heard
  restart();
  store.release();
  EXPECT_EQ(finished(id).state, JobState::done);
  EXPECT_EQ(store.uploads_of("transformer.schema.gz"), 1u);
}

TEST_F(PipelineTest, AnOlderObjectUnderTheSameKeyIsReplacedAfterARestart) {
  auto dir = export_now(100, "x");
  const auto schema = read_file(dir / "g01.schema.gz");
  tasks.script("0xa", {ScriptedTasks::status(TaskStatus::success)});
  store.block("transformer.schema.gz");
  auto id = accept(event("0xa"));
  ASSERT_TRUE(store.wait_until_blocked());
  store.put("transformer.schema.gz", std::string(schema.size(), '#'));  // last week's export, same size
  restart();
  store.release();
  EXPECT_EQ(finished(id).state, JobState::done);
  EXPECT_EQ(store.uploads_of("transformer.schema.gz"), 2u);
  EXPECT_EQ(store.object("transformer.schema.gz"), schema);
}

TEST_F(PipelineTest, RefusesAFileThatChangesWhileItIsUploaded) {
  auto dir = export_now(100, "x");
  tasks.script("0xb", {ScriptedTasks::status(TaskStatus::success)});
  const std::string rewritten = "rewritten while it was being uploaded";
  store.on_upload([&](const std::string& key, unsigned) {
    if (key == "transformer.rdf.gz" && store.uploads_of(key) == 1) {
      testing::write_file(dir / "g01.rdf.gz", rewritten, clock.wall_now() + seconds(1));
    }
  });
  auto v = finished(accept(event("0xb")));
  EXPECT_EQ(v.state, JobState::done) << v.error;
  EXPECT_EQ(store.uploads_of("transformer.rdf.gz"), 2u);
  EXPECT_EQ(store.object("transformer.rdf.gz"), rewritten);
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST_F(PipelineTest, ARewrittenFileLeavesNoMultipartUploadBehind) {
  auto dir = export_now(100, "x");
  std::string big(1000, 'x');
  testing::write_file(dir / "g01.rdf.gz", big, clock.wall_now());
  store.simulate_multipart(64);
  store.on_upload([&](const std::string& key, unsigned) {
    if (key == "transformer.rdf.gz" && store.uploads_of(key) == 1) {
      testing::write_file(dir / "g01.rdf.gz", std::string(900, 'y'), clock.wall_now() + seconds(1));
    }
  });
  tasks.script("0xb2", {ScriptedTasks::status(TaskStatus::success)});
  EXPECT_EQ(finished(accept(event("0xb2"))).state, JobState::done);
  EXPECT_EQ(store.abandoned(), std::vector<std::string>{"upload-1"});
  EXPECT_EQ(store.object("transformer.rdf.gz"), std::string(900, 'y'));
}

TEST_F(PipelineTest, TwoExportsBackToBackStayApart) {
  settings.name_template = "{dir}/{group}.{ext}";
  auto first = export_now(100, "first");
  auto second = export_now(110, "second");
  const auto first_rdf = read_file(first / "g01.rdf.gz");
  const auto second_rdf = read_file(second / "g01.rdf.gz");
  tasks.succeed_at("0xc1", clock.now() + seconds(2));
  tasks.succeed_at("0xc2", clock.now() + seconds(2) + milliseconds(100));
  auto a = accept(event("0xc1"));
  auto b = accept(event("0xc2"));
  EXPECT_EQ(finished(a).state, JobState::done);
  EXPECT_EQ(finished(b).state, JobState::done);
  EXPECT_EQ(store.object(first.filename().string() + "/g01.rdf.gz"), first_rdf);
  EXPECT_EQ(store.object(second.filename().string() + "/g01.rdf.gz"), second_rdf);
  EXPECT_EQ(store.keys().size(), 6u);
  EXPECT_EQ(finished(a).export_dir, first.string());
  EXPECT_EQ(finished(b).export_dir, second.string());
}

TEST_F(PipelineTest, ADirectoryNameReusedInTheSameMinuteServesBothExports) {
  auto dir = export_now(100, "first");
  tasks.script("0xd1", {ScriptedTasks::status(TaskStatus::success)});
  tasks.script("0xd2", {ScriptedTasks::status(TaskStatus::success)});
  tasks.hold("0xd2");  // the second export runs until the first job is uploading
  // While the first job uploads, the second export (same readTs, same minute) truncates and rewrites
  // the files, then its task succeeds.
  store.on_upload([&](const std::string&, unsigned call) {
    if (call != 1) return;
    make_export(export_dir, dir.filename().string(), "second", clock.wall_now() + seconds(5));
    tasks.release_hold();
  });
  const auto expected_rdf = [&] {
    testenv::TempDir scratch;
    return read_file(make_export(scratch.path(), "d", "second", clock.wall_now()) / "g01.rdf.gz");
  }();
  auto a = accept(event("0xd1"));
  auto b = accept(event("0xd2"));
  auto va = finished(a);
  auto vb = finished(b);
  EXPECT_EQ(va.state, JobState::done) << va.error;
  EXPECT_EQ(vb.state, JobState::done) << vb.error;
  EXPECT_EQ(va.export_dir, dir.string());
  EXPECT_EQ(vb.export_dir, dir.string());
  EXPECT_NE(va.error.find("later export"), std::string::npos) << va.error;
  EXPECT_EQ(store.object("transformer.rdf.gz"), expected_rdf);
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST_F(PipelineTest, NeverTouchesAnExportWrittenOutsideTheWatchedDirectory) {
  auto outside = tmp.path() / "elsewhere";
  auto dir = make_export(outside, export_dir_name(100, clock.wall_now()), "x", clock.wall_now());
  tasks.script("0xe", {ScriptedTasks::status(TaskStatus::success)});
  auto e = event("0xe");
  e.local_destination = outside.string();
  auto v = finished(accept(e));
  EXPECT_EQ(v.state, JobState::failed);
  EXPECT_NE(v.error.find("outside the watched directory"), std::string::npos) << v.error;
  EXPECT_TRUE(store.keys().empty());
  EXPECT_TRUE(std::filesystem::exists(dir / "g01.rdf.gz"));
}

TEST_F(PipelineTest, LeavesSymlinksAndForeignFilesWhereTheyAre) {
  auto dir = export_now(100, "x");
  testing::write_file(tmp.path() / "secret", "outside the export", clock.wall_now());
  std::filesystem::create_symlink(tmp.path() / "secret", dir / "g02.rdf.gz");
  testing::write_file(dir / "README", "operator notes", clock.wall_now());
  tasks.script("0xf", {ScriptedTasks::status(TaskStatus::success)});
  auto v = finished(accept(event("0xf")));
  EXPECT_EQ(v.state, JobState::done) << v.error;
  EXPECT_EQ(store.keys().size(), 3u);
  EXPECT_FALSE(store.has("transformer.g02.rdf.gz"));
  EXPECT_EQ(read_file(tmp.path() / "secret"), "outside the export");
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "g02.rdf.gz"));
  EXPECT_TRUE(std::filesystem::exists(dir / "README"));
  EXPECT_FALSE(std::filesystem::exists(dir / "g01.rdf.gz"));
  EXPECT_NE(v.error.find("README"), std::string::npos) << v.error;
}

TEST_F(PipelineTest, UploadsEveryGroupOfASharedExportDirectory) {
  auto dir = export_now(100, "group one");
  make_export(export_dir, dir.filename().string(), "group two", clock.wall_now(), "rdf", 2);
  tasks.script("0x10", {ScriptedTasks::status(TaskStatus::success)});
  EXPECT_EQ(finished(accept(event("0x10"))).state, JobState::done);
  EXPECT_EQ(store.keys(), (std::vector<std::string>{"transformer.g02.gql_schema.gz", "transformer.g02.rdf.gz",
                                                    "transformer.g02.schema.gz", "transformer.gql_schema.gz",
                                                    "transformer.rdf.gz", "transformer.schema.gz"}));
}

TEST_F(PipelineTest, AnExportFromDgraph22NeedsNoTaskPolling) {
  auto dir = export_now(100, "sync export");
  dgraph::ExportEvent e = event("");
  e.synchronous = true;
  e.exported_files = {dir.filename().string() + "/g01.rdf.gz", dir.filename().string() + "/g01.schema.gz"};
  EXPECT_EQ(finished(accept(e)).state, JobState::done);
  EXPECT_TRUE(tasks.queries().empty());
  EXPECT_EQ(store.keys().size(), 3u);
}

TEST_F(PipelineTest, PushUploadsTheNamedDirectory) {
  auto dir = make_export(export_dir, export_dir_name(7, clock.wall_now() - hours(48)), "old",
                         clock.wall_now() - hours(48));
  auto v = finished(service().push_directory(dir));
  EXPECT_EQ(v.state, JobState::done) << v.error;
  EXPECT_EQ(store.keys().size(), 3u);
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_THROW(service().push_directory(tmp.path()), std::invalid_argument);
}

TEST_F(PipelineTest, KeepsLocalFilesWhenAskedTo) {
  settings.delete_after_verify = false;
  auto dir = export_now(100, "x");
  tasks.script("0x11", {ScriptedTasks::status(TaskStatus::success)});
  auto v = finished(accept(event("0x11")));
  EXPECT_EQ(v.state, JobState::done);
  EXPECT_EQ(store.keys().size(), 3u);
  EXPECT_TRUE(std::filesystem::exists(dir / "g01.rdf.gz"));
}

TEST_F(PipelineTest, ASlowExportDoesNotHoldUpAnother) {
  settings.max_parallel_jobs = 1;
  export_now(100, "x");
  tasks.hold("0x12");  // this alpha does not answer
  tasks.script("0x13", {ScriptedTasks::status(TaskStatus::success)});
  auto slow = accept(event("0x12", "http://alpha-a:8080"));
  auto fast = accept(event("0x13", "http://alpha-b:8080"));
  EXPECT_EQ(finished(fast).state, JobState::done);
  auto s = service().wait_job(slow, milliseconds(1));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, JobState::waiting_task);
  tasks.release_hold();
  EXPECT_EQ(finished(slow).state, JobState::failed);  // its task was never scripted: "does not exist"
}

TEST_F(PipelineTest, AnExportAcceptedBeforeStartIsRunAtStart) {
  export_now(100, "x");
  tasks.script("0x14", {ScriptedTasks::status(TaskStatus::success)});
  svc = std::make_unique<SyncService>(settings, store, tasks, clock, &observer);
  svc->on_export_accepted(event("0x14"));
  auto id = svc->status().recent_jobs.front().id;
  EXPECT_EQ(svc->status().recent_jobs.front().state, JobState::accepted);
  svc->start();
  EXPECT_EQ(finished(id).state, JobState::done);
}

TEST_F(PipelineTest, ObserverHearsEveryStepOfTheJob) {
  export_now(100, "x");
  tasks.script("0x15", {ScriptedTasks::status(TaskStatus::success)});
  auto v = finished(accept(event("0x15")));
  EXPECT_EQ(observer.bytes, v.bytes_total);
  EXPECT_EQ(observer.verified.size(), 3u);
  ASSERT_FALSE(observer.states.empty());
  EXPECT_EQ(observer.states.front(), JobState::waiting_task);
  EXPECT_EQ(observer.states.back(), JobState::done);
  EXPECT_EQ(observer.reactions.size(), 1u);
}

TEST(SyncSettingsCheck, NamesTheProblemForTheCli) {
  SyncSettings s;
  s.state_dir = "/tmp/x";
  EXPECT_FALSE(SyncService::problem_with(s));
  s.name_template = "{date}/{bogus}";
  EXPECT_EQ(SyncService::problem_with(s).value_or("").rfind("name template: unknown placeholder {bogus}", 0),
            0u);
}

}  // namespace
}  // namespace dsync::sync
