// A file larger than 1 GiB, uploaded in many parts to the real servers: the object comes back byte-exact
// and the process's memory does not grow with the file. Prints throughput, client CPU per GiB and peak
// RSS (the numbers the performance targets are about; they are reported, not asserted, except memory).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>

#include "s3/client.h"
#include "s3/file_upload.h"
#include "s3_test_support.h"
#include "support/tempdir.h"
#include "support/testenv.h"

namespace dsync::s3 {
namespace {

using namespace dsync::s3::testing;

constexpr std::uint64_t kMiB = 1ull << 20;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

class LargeUpload : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    DSYNC_REQUIRE(GetParam());
    client_ = std::make_unique<Client>(settings_for(GetParam()), test_key());
    prefix_ = unique_prefix();
  }
  void TearDown() override {
    if (client_) clean_prefix(*client_, prefix_);
  }

  std::unique_ptr<Client> client_;
  std::string prefix_;
  testenv::TempDir dir_;
};

TEST_P(LargeUpload, FileOverOneGibGoesInManyPartsByteExactWithMemoryIndependentOfFileSize) {
  const std::uint64_t size = (1ull << 30) + 37 * kMiB + 5;
  const auto file = dir_.path() / "g01.rdf.gz";
  write_test_file(file, size, 1234);
  const std::string key = prefix_ + "g01.rdf.gz";

  const std::uint64_t rss_before = peak_rss_bytes();
  const double cpu_before = cpu_seconds();
  const auto started = std::chrono::steady_clock::now();
  RecordingObserver observer;
  auto out = upload_file(*client_, key, file, UploadSettings{}, {}, observer, {});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = cpu_seconds() - cpu_before;
  const std::uint64_t rss_after = peak_rss_bytes();
  ASSERT_TRUE(out.ok) << out.error.describe();

  const double gib = static_cast<double>(size) / (1u << 30);
  std::printf(
      "[ MEASURED ] %s: %.2f GiB in %zu parts, %.1f MiB/s, client CPU %.2f s/GiB, peak RSS %.1f MiB "
      "(%.1f MiB before the upload)\n",
      GetParam().c_str(), gib, observer.parts.size(), gib * 1024 / seconds, cpu / gib,
      static_cast<double>(rss_after) / kMiB, static_cast<double>(rss_before) / kMiB);
  RecordProperty("throughput_mib_s", std::to_string(gib * 1024 / seconds));
  RecordProperty("cpu_s_per_gib", std::to_string(cpu / gib));
  RecordProperty("peak_rss_mib", std::to_string(static_cast<double>(rss_after) / kMiB));

  EXPECT_GE(observer.parts.size(), 60u);
  // Parts in flight hold a hashing buffer and libcurl's upload buffer each; nothing scales with the file.
  EXPECT_LT(rss_after - rss_before, 24 * kMiB);

  auto verdict = verify_object(*client_, key, size, out.crc32c_base64);
  EXPECT_TRUE(verdict.ok) << verdict.problem;
  auto got = client_->get_object_to_file(key, dir_.path() / "downloaded");
  ASSERT_TRUE(got.ok()) << got.error.describe();
  EXPECT_EQ(compare_files(file, dir_.path() / "downloaded"), "");
}

INSTANTIATE_TEST_SUITE_P(RealServers, LargeUpload, ::testing::Values("RGW", "MINIO"), server_name);

}  // namespace
}  // namespace dsync::s3
