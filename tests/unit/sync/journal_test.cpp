#include "sync/journal.h"

#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "support/tempdir.h"

namespace dsync::sync {
namespace {

using namespace std::chrono;

const WallTime kNow = sys_days{year{2026} / 8 / 5} + hours(14);

NewJob task_job(const std::string& task) {
  NewJob j;
  j.task_id = task;
  j.upstream = "http://127.0.0.1:8080";
  j.auth_token = "poor-mans-token";
  j.format = "rdf";
  j.base_dir = "/dgraph/export";
  j.accepted_at = kNow;
  return j;
}

ExportFile export_file(const std::string& name, std::uint64_t size) {
  return {parse_export_file_name(name).value(), {size, 1000 + size, 123456789}};
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 0777;
}

TEST(Journal, RemembersJobsAcrossReopening) {
  testenv::TempDir tmp;
  std::int64_t id = 0;
  {
    Journal j(tmp.path() / "state");
    id = j.add_job(task_job("0x10"), kNow);
    j.set_state(id, JobState::waiting_task, "", kNow + seconds(1));
    j.record_success(id, kNow + seconds(5));
  }
  Journal j(tmp.path() / "state");
  auto job = j.job(id);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->task_id, "0x10");
  EXPECT_EQ(job->auth_token, "poor-mans-token");
  EXPECT_EQ(job->state, JobState::waiting_task);
  EXPECT_EQ(job->success_at, kNow + seconds(5));
  EXPECT_EQ(job->accepted_at, kNow);
  EXPECT_FALSE(job->claimed());
  ASSERT_EQ(j.unfinished_jobs().size(), 1u);
}

TEST(Journal, KeepsTheStateDirectoryAndDatabasePrivate) {
  testenv::TempDir tmp;
  Journal j(tmp.path() / "state");
  EXPECT_EQ(mode_of(tmp.path() / "state"), 0700u);
  EXPECT_EQ(mode_of(tmp.path() / "state" / "dsync.db"), 0600u);
}

TEST(Journal, NamesTheStateDirectoryWhenItCannotOpen) {
  testenv::TempDir tmp;
  std::ofstream(tmp.path() / "file") << "not a directory";
  try {
    Journal j(tmp.path() / "file" / "state");
    FAIL() << "opened a journal below a regular file";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("state dir " + (tmp.path() / "file" / "state").string() + ": ", 0),
              0u)
        << e.what();
  }
}

TEST(Journal, OneProcessAtATimeOwnsAStateDirectory) {
  testenv::TempDir tmp;
  {
    Journal first(tmp.path());
    try {
      Journal second(tmp.path());
      FAIL() << "two journals on one state directory";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("in use by another dsync process"), std::string::npos) << e.what();
    }
  }
  Journal again(tmp.path());  // released with the first
}

TEST(Journal, RecordsEveryStateChangeAsAnEvent) {
  testenv::TempDir tmp;
  Journal j(tmp.path());
  auto id = j.add_job(task_job("0x11"), kNow);
  j.set_state(id, JobState::waiting_task, "", kNow);
  j.set_state(id, JobState::failed, "Dgraph reports export task 0x11 Failed", kNow + seconds(3));
  auto events = j.events(id);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].state, JobState::accepted);
  EXPECT_EQ(events[2].state, JobState::failed);
  EXPECT_EQ(events[2].note, "Dgraph reports export task 0x11 Failed");
  EXPECT_TRUE(j.unfinished_jobs().empty());
  EXPECT_EQ(j.job(id)->error, "Dgraph reports export task 0x11 Failed");
}

TEST(Journal, AClaimRecordsFilesKeysAndTotals) {
  testenv::TempDir tmp;
  Journal j(tmp.path());
  auto id = j.add_job(task_job("0x12"), kNow);
  j.claim(id, "dgraph.r5.u0805.1400", 77,
          {{export_file("g01.rdf.gz", 1000), "transformer.rdf.gz"},
           {export_file("g01.schema.gz", 10), "transformer.schema.gz"}},
          kNow);
  auto job = j.job(id).value();
  EXPECT_TRUE(job.claimed());
  EXPECT_EQ(job.dir_name, "dgraph.r5.u0805.1400");
  EXPECT_EQ(job.bytes_total, 1010u);
  EXPECT_EQ(job.files_total, 2u);
  auto files = j.files(id);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].object_key, "transformer.rdf.gz");
  EXPECT_EQ(files[0].state, FileState::pending);
  EXPECT_EQ(files[0].file.identity.size, 1000u);
  auto claims = j.claims_in("/dgraph/export", {"dgraph.r5.u0805.1400", "dgraph.r6.u0805.1401"});
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].job_id, id);
  EXPECT_EQ(claims[0].files.size(), 2u);
  EXPECT_TRUE(j.claims_in("/elsewhere", {"dgraph.r5.u0805.1400"}).empty());
}

TEST(Journal, TheLatestClaimOfANameIsTheOneThatCounts) {
  testenv::TempDir tmp;
  Journal j(tmp.path());
  auto first = j.add_job(task_job("0x20"), kNow);
  auto second = j.add_job(task_job("0x21"), kNow);
  j.claim(first, "dgraph.r5.u0805.1400", 77, {{export_file("g01.rdf.gz", 10), "k"}}, kNow);
  j.claim(second, "dgraph.r5.u0805.1400", 77, {{export_file("g01.rdf.gz", 20), "k"}}, kNow);
  auto claims = j.claims_in("/dgraph/export", {"dgraph.r5.u0805.1400"});
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].job_id, second);
  EXPECT_EQ(claims[0].files[0].identity.size, 20u);
}

TEST(Journal, MultipartProgressSurvivesAndCanBeForgotten) {
  testenv::TempDir tmp;
  std::int64_t file_id = 0;
  {
    Journal j(tmp.path());
    auto id = j.add_job(task_job("0x13"), kNow);
    j.claim(id, "dgraph.r5.u0805.1400", 77, {{export_file("g01.rdf.gz", 100 << 20), "k"}}, kNow);
    file_id = j.files(id)[0].id;
    j.set_upload(file_id, "upload-abc", 16 << 20);
    j.add_part(file_id, {1, "\"e1\"", 16 << 20});
    j.add_part(file_id, {2, "\"e2\"", 16 << 20});
  }
  Journal j(tmp.path());
  auto f = j.files(1)[0];
  EXPECT_EQ(f.checkpoint.upload_id, "upload-abc");
  EXPECT_EQ(f.checkpoint.part_size, 16u << 20);
  ASSERT_EQ(f.checkpoint.parts.size(), 2u);
  EXPECT_EQ(f.checkpoint.parts[1].number, 2);
  EXPECT_EQ(f.checkpoint.parts[1].etag, "\"e2\"");
  j.forget_upload(file_id);
  EXPECT_TRUE(j.files(1)[0].checkpoint.upload_id.empty());
  EXPECT_TRUE(j.files(1)[0].checkpoint.parts.empty());
}

TEST(Journal, FileIdentityUpdatesButTheClaimedOneStays) {
  testenv::TempDir tmp;
  Journal j(tmp.path());
  auto id = j.add_job(task_job("0x14"), kNow);
  j.claim(id, "dgraph.r5.u0805.1400", 77, {{export_file("g01.rdf.gz", 100), "k"}}, kNow);
  auto f = j.files(id)[0];
  j.set_file_state(f.id, FileState::uploaded, {200, 5, 6});
  f = j.files(id)[0];
  EXPECT_EQ(f.state, FileState::uploaded);
  EXPECT_EQ(f.file.identity.size, 200u);
  EXPECT_EQ(f.claimed.size, 100u);
  EXPECT_EQ(j.claims_in("/dgraph/export", {"dgraph.r5.u0805.1400"})[0].files[0].identity.size, 100u);
}

TEST(Journal, LastVerifiedExportIsTheLatestDoneJob) {
  testenv::TempDir tmp;
  Journal j(tmp.path());
  EXPECT_FALSE(j.last_verified_export());
  auto a = j.add_job(task_job("0x15"), kNow);
  auto b = j.add_job(task_job("0x16"), kNow);
  j.set_state(a, JobState::done, "", kNow + seconds(10));
  j.set_state(b, JobState::failed, "x", kNow + seconds(20));
  EXPECT_EQ(j.last_verified_export(), kNow + seconds(10));
  auto recent = j.recent_jobs(10);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].id, b);  // newest first
}

}  // namespace
}  // namespace dsync::sync
