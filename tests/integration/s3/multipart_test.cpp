// Multipart uploads of files against real Ceph RGW (HTTP) and real MinIO (TLS): parts in parallel,
// resumption after a stop or a crash, aborts that leave nothing behind.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "s3/client.h"
#include "s3/file_upload.h"
#include "s3_test_support.h"
#include "support/tempdir.h"
#include "support/testenv.h"

namespace dsync::s3 {
namespace {

using namespace dsync::s3::testing;

constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kPart = 5 * kMiB;  // the smallest part S3 allows

class MultipartUploads : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    DSYNC_REQUIRE(GetParam());
    settings_ = settings_for(GetParam());
    client_ = std::make_unique<Client>(settings_, test_key());
    prefix_ = unique_prefix();
    upload_.part_size = 5 * kMiB;
    upload_.multipart_threshold = 5 * kMiB;
    upload_.parallelism = 3;
    upload_.backoff_base = std::chrono::milliseconds(10);
  }
  void TearDown() override {
    if (client_) clean_prefix(*client_, prefix_);
  }

  void expect_object_is(const std::string& key, const std::filesystem::path& original,
                        const std::string& crc) {
    auto verdict = verify_object(*client_, key, std::filesystem::file_size(original), crc);
    EXPECT_TRUE(verdict.ok) << verdict.problem;
    const auto copy = dir_.path() / "downloaded";
    auto got = client_->get_object_to_file(key, copy);
    ASSERT_TRUE(got.ok()) << got.error.describe();
    EXPECT_EQ(compare_files(original, copy), "");
  }

  std::size_t parts_listed(const std::string& key, const std::string& upload_id) {
    auto listed = client_->list_parts(key, upload_id);
    EXPECT_TRUE(listed.ok()) << listed.error.describe();
    return listed.ok() ? listed.value->size() : 0;
  }

  bool upload_in_progress(const std::string& upload_id) {
    auto uploads = client_->list_multipart_uploads(prefix_);
    EXPECT_TRUE(uploads.ok()) << uploads.error.describe();
    if (!uploads.ok()) return false;
    for (const auto& [key, id] : *uploads.value) {
      if (id == upload_id) return true;
    }
    return false;
  }

  ClientSettings settings_;
  std::unique_ptr<Client> client_;
  std::string prefix_;
  UploadSettings upload_;
  testenv::TempDir dir_;
  ManualClock clock_;
};

TEST_P(MultipartUploads, FileAboveTheThresholdGoesInPartsAndComesBackByteExact) {
  const auto file = dir_.path() / "g01.rdf.gz";
  write_test_file(file, 23 * kMiB + 123, 1);
  RecordingObserver observer;
  const std::string key = prefix_ + "g01.rdf.gz";
  auto out = upload_file(*client_, key, file, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(out.ok) << out.error.describe();
  EXPECT_EQ(out.size, 23 * kMiB + 123);
  EXPECT_FALSE(observer.started_upload_id.empty());
  EXPECT_EQ(observer.started_part_size, 5 * kMiB);
  EXPECT_EQ(observer.parts.size(), 5u);
  EXPECT_EQ(observer.bytes, 23 * kMiB + 123);
  EXPECT_FALSE(upload_in_progress(observer.started_upload_id));
  expect_object_is(key, file, out.crc32c_base64);
}

TEST_P(MultipartUploads, FileBelowTheThresholdIsOnePutObject) {
  const auto file = dir_.path() / "g01.schema.gz";
  write_test_file(file, 4 * kMiB, 2);
  RecordingObserver observer;
  const std::string key = prefix_ + "g01.schema.gz";
  auto out = upload_file(*client_, key, file, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(out.ok) << out.error.describe();
  EXPECT_TRUE(observer.started_upload_id.empty());
  EXPECT_TRUE(observer.parts.empty());
  expect_object_is(key, file, out.crc32c_base64);
}

TEST_P(MultipartUploads, EmptyFileIsStoredAsAnEmptyObject) {
  const auto file = dir_.path() / "empty.gz";
  write_test_file(file, 0, 3);
  RecordingObserver observer;
  auto out = upload_file(*client_, prefix_ + "empty.gz", file, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(out.ok) << out.error.describe();
  expect_object_is(prefix_ + "empty.gz", file, out.crc32c_base64);
}

TEST_P(MultipartUploads, ContentMd5AndOverTlsUnsignedPayloadAreAcceptedByTheServer) {
  // Content-MD5 on every part and put (checked by both servers: a wrong one is BadDigest), and, over
  // TLS only, UNSIGNED-PAYLOAD instead of the payload hash.
  ClientSettings settings = settings_;
  settings.content_md5 = true;
  if (GetParam() == "MINIO") settings.payload_signing = PayloadSigning::unsigned_payload;
  Client client(settings, test_key());
  const auto file = dir_.path() / "md5.gz";
  write_test_file(file, 2 * kPart + 3, 10);
  RecordingObserver observer;
  auto out = upload_file(client, prefix_ + "md5.gz", file, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(out.ok) << out.error.describe();
  EXPECT_EQ(observer.parts.size(), 3u);
  expect_object_is(prefix_ + "md5.gz", file, out.crc32c_base64);
  const auto small = dir_.path() / "md5-small.gz";
  write_test_file(small, 1000, 11);
  auto put = upload_file(client, prefix_ + "md5-small.gz", small, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(put.ok) << put.error.describe();
  expect_object_is(prefix_ + "md5-small.gz", small, put.crc32c_base64);
}

TEST_P(MultipartUploads, StoppedUploadResumesAndSendsOnlyTheMissingParts) {
  const auto file = dir_.path() / "big.gz";
  write_test_file(file, 8 * kPart + 1000, 4);  // 9 parts
  const std::string key = prefix_ + "big.gz";
  std::stop_source stop;
  RecordingObserver first;
  upload_.parallelism = 1;
  first.after_part = [&](const CompletedPart& p) {
    if (p.number == 3) stop.request_stop();
  };
  auto stopped = upload_file(*client_, key, file, upload_, {}, first, stop.get_token(), clock_);
  ASSERT_TRUE(stopped.stopped) << stopped.error.describe();
  EXPECT_FALSE(stopped.ok);
  const UploadCheckpoint checkpoint = first.checkpoint();
  ASSERT_FALSE(checkpoint.upload_id.empty());
  EXPECT_EQ(parts_listed(key, checkpoint.upload_id), 3u);
  EXPECT_TRUE(first.abandoned.empty());

  RecordingObserver second;
  upload_.parallelism = 3;
  auto resumed = upload_file(*client_, key, file, upload_, checkpoint, second, {}, clock_);
  ASSERT_TRUE(resumed.ok) << resumed.error.describe();
  EXPECT_TRUE(second.started_upload_id.empty()) << "a resumed upload must not start a new one";
  EXPECT_EQ(second.parts.size(), 6u);
  for (const auto& p : second.parts) EXPECT_GT(p.number, 3);
  expect_object_is(key, file, resumed.crc32c_base64);
}

TEST_P(MultipartUploads, UploadLeftByACrashedProcessIsFoundByListPartsAndContinued) {
  const auto file = dir_.path() / "crash.gz";
  write_test_file(file, 4 * kPart, 5);  // 4 parts
  const std::string key = prefix_ + "crash.gz";
  // The earlier process created the upload and stored parts 1 and 2, but died before it could record
  // the parts anywhere: the checkpoint knows only the upload id and the part size.
  auto created = client_->create_multipart_upload(key, {{kCrc32cMetadata, "unused"}});
  ASSERT_TRUE(created.ok()) << created.error.describe();
  for (int n : {1, 2}) {
    auto part = client_->upload_part(key, *created.value, n,
                                     Body{.file = file, .offset = (n - 1) * kPart, .length = 5 * kMiB});
    ASSERT_TRUE(part.ok()) << part.error.describe();
  }
  RecordingObserver observer;
  upload_.store_crc32c = false;  // the metadata was fixed when the crashed process created the upload
  auto out = upload_file(*client_, key, file, upload_, {*created.value, 5 * kMiB, {}}, observer, {}, clock_);
  ASSERT_TRUE(out.ok) << out.error.describe();
  ASSERT_EQ(observer.parts.size(), 2u);
  for (const auto& p : observer.parts) EXPECT_GE(p.number, 3);
  expect_object_is(key, file, "");
}

TEST_P(MultipartUploads, CheckpointOfAnUploadThatNoLongerExistsStartsAFreshOne) {
  const auto file = dir_.path() / "fresh.gz";
  write_test_file(file, 2 * kPart + 1, 6);
  const std::string key = prefix_ + "fresh.gz";
  auto created = client_->create_multipart_upload(key);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(client_->abort_multipart_upload(key, *created.value).ok());
  RecordingObserver observer;
  auto out = upload_file(*client_, key, file, upload_, {*created.value, 5 * kMiB, {}}, observer, {}, clock_);
  ASSERT_TRUE(out.ok) << out.error.describe();
  ASSERT_EQ(observer.abandoned.size(), 1u);
  EXPECT_EQ(observer.abandoned[0], *created.value);
  EXPECT_NE(observer.started_upload_id, *created.value);
  EXPECT_EQ(observer.parts.size(), 3u);
  expect_object_is(key, file, out.crc32c_base64);
}

TEST_P(MultipartUploads, CheckpointOfAnUploadAnEarlierRunCompletedSendsNothing) {
  const auto file = dir_.path() / "done.gz";
  write_test_file(file, 2 * kPart + 7, 7);
  const std::string key = prefix_ + "done.gz";
  RecordingObserver first;
  ASSERT_TRUE(upload_file(*client_, key, file, upload_, {}, first, {}, clock_).ok);
  // The process died after Complete but before recording it: the journal still holds the checkpoint.
  RecordingObserver second;
  auto out = upload_file(*client_, key, file, upload_, first.checkpoint(), second, {}, clock_);
  ASSERT_TRUE(out.ok) << out.error.describe();
  EXPECT_TRUE(out.completion_confirmed_by_head);
  EXPECT_TRUE(second.parts.empty());
  EXPECT_TRUE(second.started_upload_id.empty());
  expect_object_is(key, file, out.crc32c_base64);
}

TEST_P(MultipartUploads, AbortLeavesNoPartsAndNoUploadBehind) {
  const std::string key = prefix_ + "aborted.gz";
  const auto file = dir_.path() / "a";
  write_test_file(file, 5 * kMiB, 8);
  auto created = client_->create_multipart_upload(key);
  ASSERT_TRUE(created.ok()) << created.error.describe();
  ASSERT_TRUE(
      client_->upload_part(key, *created.value, 1, Body{.file = file, .offset = 0, .length = 5 * kMiB}).ok());
  EXPECT_TRUE(upload_in_progress(*created.value));
  EXPECT_EQ(parts_listed(key, *created.value), 1u);

  auto aborted = client_->abort_multipart_upload(key, *created.value);
  ASSERT_TRUE(aborted.ok()) << aborted.error.describe();
  auto parts = client_->list_parts(key, *created.value);
  ASSERT_FALSE(parts.ok());
  EXPECT_TRUE(is_upload_gone(parts.error)) << parts.error.describe();
  EXPECT_FALSE(upload_in_progress(*created.value));
}

TEST_P(MultipartUploads, PermanentPartFailureAbortsTheUploadSoNoPartsStayBilled) {
  // The upload was created under one key and is resumed under another: every UploadPart is refused
  // with a permanent SSE-C error, and the upload must be aborted, not left half-stored.
  const auto file = dir_.path() / "wrongkey.gz";
  write_test_file(file, 3 * kPart, 9);
  const std::string key = prefix_ + "wrongkey.gz";
  auto created = client_->create_multipart_upload(key);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(
      client_->upload_part(key, *created.value, 1, Body{.file = file, .offset = 0, .length = 5 * kMiB}).ok());

  Client wrong(settings_, other_key());
  RecordingObserver observer;
  auto out = upload_file(wrong, key, file, upload_, {*created.value, 5 * kMiB, {}}, observer, {}, clock_);
  ASSERT_FALSE(out.ok);
  EXPECT_FALSE(out.stopped);
  EXPECT_EQ(classify(out.error), ErrorClass::permanent) << out.error.describe();
  EXPECT_EQ(out.error.operation, "UploadPart");
  EXPECT_TRUE(observer.retries.empty()) << "permanent errors are not retried";
  ASSERT_EQ(observer.abandoned.size(), 1u);
  EXPECT_FALSE(upload_in_progress(*created.value));
  EXPECT_FALSE(client_->head_object(key).ok());
}

INSTANTIATE_TEST_SUITE_P(RealServers, MultipartUploads, ::testing::Values("RGW", "MINIO"), server_name);

}  // namespace
}  // namespace dsync::s3
