// upload_file's behaviour that needs no server: local file problems, and an unreachable endpoint
// retried on the injected clock until the attempts are used up.
#include <fstream>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "s3/file_upload.h"
#include "support/tempdir.h"

namespace dsync::s3 {
namespace {

ClientSettings unreachable() {
  ClientSettings s;
  s.endpoint = "http://127.0.0.1:1";
  s.access_key = "AK";
  s.secret_key = "SK-secret-value";
  s.bucket = "dsync-test";
  return s;
}

struct Retries : UploadObserver {
  int n = 0;
  void on_retry(const Error&, unsigned) override { ++n; }
};

TEST(UploadFile, MissingFileIsAFileErrorNamingTheFile) {
  Client client(unreachable(), std::nullopt);
  Retries observer;
  auto out = upload_file(client, "k", "/nonexistent/g01.rdf.gz", UploadSettings{}, {}, observer, {});
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.error.code, codes::kFileError);
  EXPECT_NE(out.error.message.find("/nonexistent/g01.rdf.gz"), std::string::npos);
  EXPECT_EQ(observer.n, 0);
}

TEST(UploadFile, UnreachableEndpointIsRetriedOnTheClockThenReportedAsTransient) {
  testenv::TempDir dir;
  const auto file = dir.path() / "g01.schema.gz";
  std::ofstream(file) << "schema";
  Client client(unreachable(), std::nullopt);
  Retries observer;
  ManualClock clock;
  UploadSettings settings;
  settings.max_attempts = 4;
  auto out = upload_file(client, "k", file, settings, {}, observer, {}, clock);
  EXPECT_FALSE(out.ok);
  EXPECT_FALSE(out.stopped);
  EXPECT_EQ(out.error.code, codes::kConnectFailed);
  EXPECT_EQ(out.error.operation, "PutObject");
  EXPECT_EQ(classify(out.error), ErrorClass::transient);
  EXPECT_EQ(observer.n, 3);
  EXPECT_EQ(out.retries, 3u);
  EXPECT_GT(clock.total_slept(), Clock::duration::zero());
  EXPECT_EQ(out.crc32c_base64.size(), 8u);
}

}  // namespace
}  // namespace dsync::s3
