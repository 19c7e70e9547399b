#include "sync/export_dir_watcher.h"

#include <condition_variable>
#include <fstream>
#include <mutex>

#include <gtest/gtest.h>

#include "support/tempdir.h"

namespace dsync::sync {
namespace {

using namespace std::chrono;

// Records the callbacks; waits for them in real time (inotify events are real, bounded waits).
struct Closings {
  void operator()(const std::filesystem::path& base) {
    std::lock_guard l(mu);
    bases.push_back(base);
    cv.notify_all();
  }
  bool wait_for(std::size_t n, milliseconds limit = seconds(5)) {
    std::unique_lock l(mu);
    return cv.wait_for(l, limit, [&] { return bases.size() >= n; });
  }
  std::size_t count() {
    std::lock_guard l(mu);
    return bases.size();
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::filesystem::path> bases;
};

void write(const std::filesystem::path& p, const std::string& s) {
  std::ofstream(p) << s;
}

TEST(ExportDirWatcher, HearsDgraphCloseTheFilesOfANewExportDirectory) {
  testenv::TempDir tmp;
  Closings closings;
  ExportDirWatcher watcher([&](const std::filesystem::path& b) { closings(b); });
  ASSERT_TRUE(watcher.watch(tmp.path()));
  auto dir = tmp.path() / "dgraph.r7.u0805.1412";
  std::filesystem::create_directory(dir);
  // The watch on the new directory is added when its creation is heard; give it a moment by
  // waiting for a first close that is retried until heard.
  for (int i = 0; i < 50 && closings.count() == 0; ++i) {
    write(dir / "g01.rdf.gz", "data");
    closings.wait_for(1, milliseconds(100));
  }
  ASSERT_GE(closings.count(), 1u);
  EXPECT_EQ(closings.bases.front(), tmp.path());
}

TEST(ExportDirWatcher, IgnoresFilesThatAreNotDgraphs) {
  testenv::TempDir tmp;
  auto dir = tmp.path() / "dgraph.r7.u0805.1412";
  std::filesystem::create_directory(dir);
  Closings closings;
  ExportDirWatcher watcher([&](const std::filesystem::path& b) { closings(b); });
  ASSERT_TRUE(watcher.watch(tmp.path()));  // the existing export directory is watched at once
  write(dir / "notes.txt", "operator");
  write(tmp.path() / "g01.rdf.gz", "not inside an export directory");
  write(dir / "g01.schema.gz", "schema");
  ASSERT_TRUE(closings.wait_for(1));
  EXPECT_FALSE(closings.wait_for(2, milliseconds(200)));
}

TEST(ExportDirWatcher, WatchesADestinationDgraphHasNotCreatedYet) {
  testenv::TempDir tmp;
  Closings closings;
  ExportDirWatcher watcher([&](const std::filesystem::path& b) { closings(b); });
  const auto base = tmp.path() / "custom-destination";
  ASSERT_TRUE(watcher.watch(base));
  auto dir = base / "dgraph.r9.u0805.1412";
  std::filesystem::create_directories(dir);  // Dgraph's MkdirAll when the task starts
  for (int i = 0; i < 50 && closings.count() == 0; ++i) {
    write(dir / "g01.gql_schema.gz", "schema");
    closings.wait_for(1, milliseconds(100));
  }
  ASSERT_GE(closings.count(), 1u);
  EXPECT_EQ(closings.bases.front(), base);
}

}  // namespace
}  // namespace dsync::sync
