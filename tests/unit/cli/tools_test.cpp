#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "cli/commands.h"
#include "cli/gzip_check.h"
#include "cli/progress.h"
#include "cli/restore_catalog.h"
#include "s3/digest.h"
#include "support/tempdir.h"

namespace dsync::cli {
namespace {

namespace fs = std::filesystem;

std::string gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

class GzipCheckTest : public ::testing::Test {
 protected:
  testenv::TempDir dir;
  fs::path write(const std::string& bytes) {
    auto p = dir.path() / "f.gz";
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
};

TEST_F(GzipCheckTest, InflatesEveryMemberOfAConcatenatedStream) {
  const std::string big(3 << 20, 'x');  // more than one read chunk
  const std::string bytes = gzip(big) + gzip("second member\n");
  auto r = check_export_file(write(bytes), true);
  ASSERT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.gzip_members, 2u);
  EXPECT_EQ(r.inflated_bytes, big.size() + 14);
  EXPECT_EQ(r.bytes, bytes.size());
  EXPECT_EQ(r.crc32c, s3::crc32c_extend(0, bytes.data(), bytes.size()));
}

TEST_F(GzipCheckTest, RejectsTruncatedCorruptAndTrailingGarbage) {
  const std::string good = gzip(std::string(100000, 'a') + "end");
  auto truncated = check_export_file(write(good.substr(0, good.size() - 5)), true);
  EXPECT_FALSE(truncated.ok);
  EXPECT_EQ(truncated.problem, "gzip member 1 is truncated");
  std::string flipped = good;
  flipped[flipped.size() - 6] ^= 0x55;  // inside the CRC-32 trailer
  auto corrupt = check_export_file(write(flipped), true);
  EXPECT_FALSE(corrupt.ok);
  EXPECT_NE(corrupt.problem.find("gzip member 1"), std::string::npos) << corrupt.problem;
  EXPECT_FALSE(check_export_file(write(good + "garbage"), true).ok);
  EXPECT_FALSE(check_export_file(write(""), true).ok);
}

TEST_F(GzipCheckTest, WithoutInflatingOnlyComputesTheCrc) {
  auto r = check_export_file(write("not gzip at all"), false);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.crc32c, s3::crc32c_extend(0, "not gzip at all", 15));
  EXPECT_FALSE(check_export_file(dir.path() / "missing.gz", false).ok);
}

TEST(ProgressReporter, DrawsOneUpdatingLineOnATerminal) {
  ManualClock clock;
  std::string out;
  ProgressReporter p([&](std::string_view s) { out += s; }, true, clock, "push");
  p.set_total(100ull << 20);
  clock.advance(std::chrono::seconds(2));
  p.add(20ull << 20);
  EXPECT_EQ(out, "\rpush: 20.0 MiB / 100.0 MiB   20%  10.0 MiB/s  ETA 0:08\x1b[K");
  out.clear();
  clock.advance(std::chrono::milliseconds(100));
  p.add(1);
  EXPECT_EQ(out, "") << "at most five redraws a second";
  clock.advance(std::chrono::milliseconds(200));
  p.tick();
  EXPECT_NE(out.find("\rpush: "), std::string::npos);
  out.clear();
  p.finish("done");
  EXPECT_EQ(out.rfind("\r\x1b[Kpush: done: ", 0), 0u) << out;
  EXPECT_EQ(out.back(), '\n');
}

TEST(ProgressReporter, PrintsPlainLinesEveryFewSecondsElsewhere) {
  ManualClock clock;
  std::string out;
  ProgressReporter p([&](std::string_view s) { out += s; }, false, clock, "restore");
  p.set_total(1000);
  p.add(100);
  clock.advance(std::chrono::seconds(1));
  p.add(100);
  EXPECT_EQ(out, "") << "a short transfer prints only its final line";
  clock.advance(std::chrono::seconds(4));
  p.add(300);
  EXPECT_EQ(out, "restore: 500 B / 1000 B   50%  80 B/s  ETA 0:06\n") << "the rate of the last 5 s";
  p.finish("done");
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_NE(out.find("restore: done: 500 B in 5.0s (100 B/s)\n"), std::string::npos) << out;
}

s3::ListedObject obj(std::string key, std::uint64_t size, std::string modified) {
  return s3::ListedObject{std::move(key), size, std::move(modified), ""};
}

TEST(RestoreCatalog, GroupsObjectsByFolderAndPicksTheNewestAsLatest) {
  const std::vector<s3::ListedObject> listed = {
      obj("p/2026-01-01/a/g01.rdf.gz", 10, "2026-01-01T10:00:00.000Z"),
      obj("p/2026-01-01/a/g01.schema.gz", 5, "2026-01-01T10:00:01.000Z"),
      obj("p/2026-01-02/b/g01.rdf.gz", 20, "2026-01-02T10:00:00.000Z"),
      obj("p/.dsync-check/host-1-2", 4096, "2026-01-03T00:00:00.000Z"),
      obj("p/transformer.rdf.gz", 7, "2025-12-31T00:00:00.000Z"),
  };
  auto exports = group_exports(listed, "p/");
  ASSERT_EQ(exports.size(), 3u);
  EXPECT_EQ(exports[0].name, ".");
  EXPECT_EQ(exports[1].name, "2026-01-01/a");
  EXPECT_EQ(exports[1].bytes, 15u);
  EXPECT_EQ(exports[1].objects.size(), 2u);
  std::string why;
  EXPECT_EQ(choose_export(exports, "latest", &why)->name, "2026-01-02/b");
  EXPECT_EQ(choose_export(exports, "2026-01-01/a/", &why)->name, "2026-01-01/a");
  EXPECT_EQ(choose_export(exports, "nope", &why), nullptr);
  EXPECT_NE(why.find("dsync restore --list"), std::string::npos);
  EXPECT_EQ(local_name(exports[1], exports[1].objects[0], "p/"), "g01.rdf.gz");
  EXPECT_EQ(local_name(exports[0], exports[0].objects[0], "p/"), "transformer.rdf.gz");
}

TEST(RestoreCatalog, NeverMapsAnObjectOutsideTheTargetFolder) {
  StoredExport e{".", {}, 0, ""};
  EXPECT_EQ(local_name(e, obj("p/..", 1, ""), "p/"), "");
  StoredExport nested{"x", {}, 0, ""};
  EXPECT_EQ(local_name(nested, obj("p/x/../../etc/passwd.gz", 1, ""), "p/"), "");
}

TEST(ListingPrefix, AddsTheSeparatorObjectNamesUse) {
  EXPECT_EQ(listing_prefix(""), "");
  EXPECT_EQ(listing_prefix("a/"), "a/");
  EXPECT_EQ(listing_prefix("a"), "a/");
}

TEST(ConnectUrl, TurnsAWildcardListenAddressIntoLoopback) {
  EXPECT_EQ(connect_url_for_listen(":10081"), "http://127.0.0.1:10081");
  EXPECT_EQ(connect_url_for_listen("0.0.0.0:9"), "http://127.0.0.1:9");
  EXPECT_EQ(connect_url_for_listen("[::]:9"), "http://[::1]:9");
  EXPECT_EQ(connect_url_for_listen("10.1.2.3:9"), "http://10.1.2.3:9");
}

}  // namespace
}  // namespace dsync::cli
