#include "sync/export_locator.h"

#include <gtest/gtest.h>

#include "support/tempdir.h"
#include "sync_test_support.h"

namespace dsync::sync {
namespace {

using namespace std::chrono;
using testing::export_dir_name;
using testing::make_export;

// The export was accepted at 14:12:30 UTC and seen to succeed 20 s later.
const system_clock::time_point kAccepted =
    sys_days{year{2026} / 8 / 5} + hours(14) + minutes(12) + seconds(30);
const system_clock::time_point kSuccess = kAccepted + seconds(20);

class LocatorTest : public ::testing::Test {
 protected:
  Located locate(std::vector<DirectoryClaim> claims = {}, std::string format = "rdf",
                 std::string known = {}) {
    LocateRequest req{42, kAccepted, kSuccess, std::move(format), std::move(known)};
    return locate_export_dir(tmp.path(), req, claims, LocatorSettings{});
  }
  DirectoryClaim claim_of(std::int64_t job, const std::string& name, JobState state) {
    auto snap = snapshot_export_dir(tmp.path(), name, nullptr).value();
    return {job, name, snap.inode, state, snap.files};
  }
  testenv::TempDir tmp;
};

TEST_F(LocatorTest, FindsTheDirectoryThisExportWrote) {
  auto name = export_dir_name(900, kAccepted);
  make_export(tmp.path(), name, "this", kAccepted + seconds(5));
  auto r = locate();
  ASSERT_EQ(r.kind, Located::Kind::found) << r.why;
  EXPECT_EQ(r.dir.text, name);
  ASSERT_EQ(r.snapshot.files.size(), 3u);
  EXPECT_EQ(r.snapshot.files[0].name.text, "g01.gql_schema.gz");
}

TEST_F(LocatorTest, LeavesOlderUnrelatedDirectoriesAlone) {
  make_export(tmp.path(), export_dir_name(100, kAccepted - hours(26)), "yesterday", kAccepted - hours(26));
  // Same minute window, but nothing was written since long before the export was requested.
  make_export(tmp.path(), export_dir_name(200, kAccepted - seconds(20)), "stale", kAccepted - minutes(10));
  auto mine = export_dir_name(300, kAccepted);
  make_export(tmp.path(), mine, "this", kAccepted + seconds(3));
  auto r = locate();
  ASSERT_EQ(r.kind, Located::Kind::found) << r.why;
  EXPECT_EQ(r.dir.text, mine);
}

TEST_F(LocatorTest, PicksTheOldestWhenALaterExportIsAlreadyWriting) {
  auto mine = export_dir_name(300, kAccepted);
  auto next = export_dir_name(310, kAccepted + seconds(25));
  make_export(tmp.path(), next, "next", kSuccess + seconds(1));
  make_export(tmp.path(), mine, "this", kSuccess - seconds(1));
  auto r = locate();
  ASSERT_EQ(r.kind, Located::Kind::found) << r.why;
  EXPECT_EQ(r.dir.text, mine);
}

TEST_F(LocatorTest, SkipsDirectoriesClaimedByOtherJobs) {
  auto earlier = export_dir_name(290, kAccepted);
  auto mine = export_dir_name(300, kAccepted);
  make_export(tmp.path(), earlier, "earlier", kAccepted);
  make_export(tmp.path(), mine, "this", kAccepted + seconds(2));
  auto r = locate({claim_of(41, earlier, JobState::uploading)});
  ASSERT_EQ(r.kind, Located::Kind::found) << r.why;
  EXPECT_EQ(r.dir.text, mine);
}

TEST_F(LocatorTest, AReusedDirectoryNameMeansWaitingForTheJobThatHasIt) {
  auto name = export_dir_name(300, kAccepted);
  auto dir = make_export(tmp.path(), name, "first", kAccepted);
  auto claim = claim_of(41, name, JobState::uploading);
  // A second export in the same minute with no write in between truncates and rewrites the files.
  make_export(tmp.path(), name, "second export", kAccepted + seconds(10));
  auto r = locate({claim});
  ASSERT_EQ(r.kind, Located::Kind::wait_for_job);
  EXPECT_EQ(r.blocking_job, 41);
  claim.state = JobState::done;
  r = locate({claim});
  ASSERT_EQ(r.kind, Located::Kind::found) << r.why;
  EXPECT_EQ(r.dir.text, name);
}

TEST_F(LocatorTest, NeverTakesASymlinkForADirectory) {
  auto real = tmp.path() / "elsewhere";
  make_export(real, "inner", "outside", kAccepted);
  std::filesystem::create_directory_symlink(real / "inner", tmp.path() / export_dir_name(300, kAccepted));
  auto r = locate();
  EXPECT_EQ(r.kind, Located::Kind::none);
}

TEST_F(LocatorTest, SymlinkedFilesAreNotExportFiles) {
  auto name = export_dir_name(300, kAccepted);
  auto dir = tmp.path() / name;
  std::filesystem::create_directories(dir);
  testing::write_file(tmp.path() / "secret", "not an export", kAccepted);
  std::filesystem::create_symlink(tmp.path() / "secret", dir / "g01.rdf.gz");
  testing::write_file(dir / "g01.schema.gz", "schema", kAccepted);
  auto r = locate();
  ASSERT_EQ(r.kind, Located::Kind::found) << r.why;
  ASSERT_EQ(r.snapshot.files.size(), 1u);
  EXPECT_EQ(r.snapshot.files[0].name.text, "g01.schema.gz");
  EXPECT_EQ(r.snapshot.other_entries, std::vector<std::string>{"g01.rdf.gz"});
}

TEST_F(LocatorTest, IgnoresExportsInTheOtherFormat) {
  make_export(tmp.path(), export_dir_name(300, kAccepted), "json export", kAccepted, "json");
  EXPECT_EQ(locate({}, "rdf").kind, Located::Kind::none);
  EXPECT_EQ(locate({}, "json").kind, Located::Kind::found);
  EXPECT_EQ(locate({}, "").kind, Located::Kind::found);
}

TEST_F(LocatorTest, ExplainsWhatItSawWhenNothingFits) {
  make_export(tmp.path(), export_dir_name(100, kAccepted - hours(26)), "yesterday", kAccepted - hours(26));
  auto r = locate();
  ASSERT_EQ(r.kind, Located::Kind::none);
  EXPECT_NE(r.why.find("named for another time"), std::string::npos) << r.why;
}

TEST_F(LocatorTest, AKnownNameIsCheckedNotSearched) {
  auto old = export_dir_name(100, kAccepted - hours(26));
  make_export(tmp.path(), old, "pushed", kAccepted - hours(26));
  auto r = locate({}, "", old);
  ASSERT_EQ(r.kind, Located::Kind::found) << r.why;
  EXPECT_EQ(r.dir.text, old);
  EXPECT_EQ(locate({}, "", "dgraph.r1.u0101.0000").kind, Located::Kind::none);
  EXPECT_EQ(locate({}, "", "../etc").kind, Located::Kind::none);
}

TEST(ExportDirectory, RemovesOnlyUnchangedUploadedFilesAndThenTheDirectory) {
  testenv::TempDir tmp;
  auto name = export_dir_name(300, kAccepted);
  auto dir = make_export(tmp.path(), name, "x", kAccepted);
  auto snap = snapshot_export_dir(tmp.path(), name, nullptr).value();
  EXPECT_TRUE(remove_export_files(tmp.path(), name, snap.files).empty());
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(ExportDirectory, KeepsAFileRewrittenAfterUploadAndEverythingNotUploaded) {
  testenv::TempDir tmp;
  auto name = export_dir_name(300, kAccepted);
  auto dir = make_export(tmp.path(), name, "x", kAccepted);
  auto snap = snapshot_export_dir(tmp.path(), name, nullptr).value();
  testing::write_file(dir / "g01.rdf.gz", "rewritten by a later export", kAccepted + seconds(9));
  testing::write_file(dir / "notes.txt", "operator's", kAccepted);
  auto kept = remove_export_files(tmp.path(), name, snap.files);
  EXPECT_TRUE(std::filesystem::exists(dir / "g01.rdf.gz"));
  EXPECT_TRUE(std::filesystem::exists(dir / "notes.txt"));
  EXPECT_FALSE(std::filesystem::exists(dir / "g01.schema.gz"));
  EXPECT_EQ(kept, (std::vector<std::string>{"g01.rdf.gz changed after it was uploaded",
                                            "notes.txt was not uploaded"}));
}

TEST(ExportDirectory, Crc32cMatchesTheStandardCheckValue) {
  testenv::TempDir tmp;
  auto name = export_dir_name(300, kAccepted);
  std::filesystem::create_directories(tmp.path() / name);
  testing::write_file(tmp.path() / name / "g01.rdf.gz", "123456789", kAccepted);
  EXPECT_EQ(crc32c_of_file(tmp.path(), name, "g01.rdf.gz"), 0xE3069283u);
}

TEST(ExportDirectory, OneDirectoryHasOneSpelling) {
  EXPECT_EQ(normalized_dir("/dgraph/export/"), std::filesystem::path("/dgraph/export"));
  EXPECT_EQ(normalized_dir("/dgraph/./export/sub/.."), std::filesystem::path("/dgraph/export"));
  EXPECT_EQ(normalized_dir("/"), std::filesystem::path("/"));
}

TEST(ExportDirectory, WithinMeansInsideAfterNormalising) {
  EXPECT_TRUE(is_within("/dgraph/export", "/dgraph/export"));
  EXPECT_TRUE(is_within("/dgraph/export", "/dgraph/export/sub/../x"));
  EXPECT_FALSE(is_within("/dgraph/export", "/dgraph/export/../secrets"));
  EXPECT_FALSE(is_within("/dgraph/export", "/dgraph/exports"));
}

}  // namespace
}  // namespace dsync::sync
