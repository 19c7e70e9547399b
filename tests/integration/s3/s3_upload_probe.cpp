// s3_upload_probe: uploads one file to a test server with upload_file and prints what it cost, as one
// JSON line (seconds, MiB/s, client CPU per GiB, peak RSS). Not a test: a measuring tool, run under
// /usr/bin/time -v for an independent peak-RSS figure. Servers come from $DSYNC_TESTENV.
//   s3_upload_probe RGW|MINIO FILE [--part-size-mib N] [--parallelism N] [--unsigned-payload]
//                   [--content-md5] [--no-crc32c] [--keep]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "common/log.h"
#include "s3/client.h"
#include "s3/file_upload.h"
#include "s3_test_support.h"
#include "support/testenv.h"

using namespace dsync::s3;

namespace {

struct NullObserver : UploadObserver {};

double seconds_of(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s RGW|MINIO FILE [options]\n", argv[0]);
    return 2;
  }
  dsync::log::init(dsync::log::Format::text, "warn");  // stderr: stdout carries only the JSON line
  const std::string server = argv[1];
  const std::filesystem::path file = argv[2];
  ClientSettings settings = dsync::s3::testing::settings_for(server);
  UploadSettings upload;
  bool keep = false;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--part-size-mib" && i + 1 < argc)
      upload.part_size = std::stoull(argv[++i]) << 20;
    else if (a == "--parallelism" && i + 1 < argc)
      upload.parallelism = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (a == "--unsigned-payload")
      settings.payload_signing = PayloadSigning::unsigned_payload;
    else if (a == "--content-md5")
      settings.content_md5 = true;
    else if (a == "--no-crc32c")
      upload.store_crc32c = false;
    else if (a == "--keep")
      keep = true;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  Client client(settings, dsync::s3::testing::test_key());
  const std::string key =
      "s3probe/" + std::to_string(std::random_device{}()) + "/" + file.filename().string();
  NullObserver observer;
  const auto started = std::chrono::steady_clock::now();
  UploadOutcome out = upload_file(client, key, file, upload, {}, observer, {});
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  if (!out.ok) {
    std::fprintf(stderr, "upload failed: %s\n", out.error.describe().c_str());
    return 1;
  }
  auto verdict = verify_object(client, key, out.size, out.crc32c_base64);
  const double gib = static_cast<double>(out.size) / (1u << 30);
  std::printf(
      "{\"server\":\"%s\",\"bytes\":%llu,\"seconds\":%.3f,\"mib_per_s\":%.1f,\"user_s\":%.3f,\"sys_s\":%.3f,"
      "\"cpu_s_per_gib\":%.3f,\"max_rss_mib\":%.1f,\"retries\":%u,\"verified\":%s}\n",
      server.c_str(), static_cast<unsigned long long>(out.size), secs, gib * 1024 / secs,
      seconds_of(ru.ru_utime), seconds_of(ru.ru_stime),
      (seconds_of(ru.ru_utime) + seconds_of(ru.ru_stime)) / gib, static_cast<double>(ru.ru_maxrss) / 1024,
      out.retries, verdict.ok ? "true" : "false");
  if (!keep) client.delete_object(key);
  return verdict.ok ? 0 : 1;
}
