// CompleteMultipartUpload against the real servers, including the Ceph RGW answers that make it
// ambiguous: an empty ETag on the first success, "already in progress" on a second Complete, and
// MinIO's NoSuchUpload for a repeated one. complete_and_confirm must settle each by looking at the
// object: never success for an object that is not there, never failure for one that is.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "s3/completion.h"
#include "s3/digest.h"
#include "s3/file_upload.h"
#include "s3/retry.h"
#include "s3_test_support.h"
#include "support/tempdir.h"
#include "support/testenv.h"

namespace dsync::s3 {
namespace {

using namespace dsync::s3::testing;

constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kPart = 5 * kMiB;  // the smallest part S3 allows

class CompletionFixture : public ::testing::Test {
 protected:
  void start(const std::string& server) {
    client_ = std::make_unique<Client>(settings_for(server), test_key());
    prefix_ = unique_prefix();
    key_ = prefix_ + "g01.json.gz";
    file_ = dir_.path() / "file";
    crc_ = crc32c_base64(write_test_file(file_, 5 * kMiB + 1024, 21));
    upload_.max_attempts = 3;
  }
  void TearDown() override {
    if (client_) clean_prefix(*client_, prefix_);
  }

  // Creates an upload for key_ and stores its two parts (5 MiB + 1 KiB).
  std::vector<CompletedPart> start_upload_with_parts(std::string* upload_id) {
    auto created = client_->create_multipart_upload(key_, {{kCrc32cMetadata, crc_}});
    EXPECT_TRUE(created.ok()) << created.error.describe();
    *upload_id = created.ok() ? *created.value : "";
    std::vector<CompletedPart> parts;
    for (int n : {1, 2}) {
      const std::uint64_t offset = (n - 1) * kPart;
      const std::uint64_t length = n == 1 ? 5 * kMiB : 1024;
      auto etag =
          client_->upload_part(key_, *upload_id, n, Body{.file = file_, .offset = offset, .length = length});
      EXPECT_TRUE(etag.ok()) << etag.error.describe();
      parts.push_back({n, etag.ok() ? *etag.value : "", length});
    }
    return parts;
  }

  CompletionResult confirm(const std::string& upload_id, const std::vector<CompletedPart>& parts) {
    Retrier retrier(upload_, clock_);
    return complete_and_confirm(*client_, key_, upload_id, parts, expected(), retrier, {});
  }

  ExpectedObject expected() const { return {5 * kMiB + 1024, crc_}; }

  std::unique_ptr<Client> client_;
  std::string prefix_;
  std::string key_;
  testenv::TempDir dir_;
  std::filesystem::path file_;
  std::string crc_;
  UploadSettings upload_;
  ManualClock clock_;
};

class Completion : public CompletionFixture, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    DSYNC_REQUIRE(GetParam());
    start(GetParam());
  }
};

class RgwCompletion : public CompletionFixture {
 protected:
  void SetUp() override {
    DSYNC_REQUIRE("RGW");
    start("RGW");
  }
};

TEST_F(RgwCompletion, FirstCompleteAnswersAnEmptyETagAndASecondWithOtherPartsIsAlreadyInProgress) {
  std::string id;
  auto parts = start_upload_with_parts(&id);

  auto first = client_->complete_multipart_upload(key_, id, parts);
  ASSERT_TRUE(first.ok()) << first.error.describe();
  EXPECT_EQ(*first.value, "") << "Ceph RGW 16 returns an empty ETag on the first successful Complete";

  auto again = client_->complete_multipart_upload(key_, id, parts);
  ASSERT_TRUE(again.ok()) << again.error.describe();
  EXPECT_NE(*again.value, "");

  auto other_parts = client_->complete_multipart_upload(key_, id, {parts[0]});
  ASSERT_FALSE(other_parts.ok());
  EXPECT_EQ(other_parts.error.http_status, 500);
  EXPECT_EQ(other_parts.error.code, "InternalError");
  EXPECT_NE(other_parts.error.message.find("already in progress"), std::string::npos)
      << other_parts.error.describe();
  EXPECT_EQ(classify(other_parts.error), ErrorClass::ambiguous_completion);
}

TEST_P(Completion, FirstCompletionIsReportedWithAnETagConfirmedWhenTheServerGaveNone) {
  std::string id;
  auto parts = start_upload_with_parts(&id);
  CompletionResult done = confirm(id, parts);
  ASSERT_TRUE(done.ok) << done.error.describe();
  EXPECT_FALSE(done.etag.empty());
  EXPECT_EQ(done.confirmed_by_head, GetParam() == "RGW") << "only RGW's empty ETag needs a HEAD";
  EXPECT_TRUE(verify_object(*client_, key_, expected().size, crc_).ok);
}

TEST_P(Completion, RepeatedCompleteOfAnObjectThatIsStoredIsConfirmedNotFailed) {
  // The first Complete succeeded but its answer was lost; the retry meets RGW's "already in progress"
  // (a different part list forces it) or MinIO's NoSuchUpload. The object is there: success.
  std::string id;
  auto parts = start_upload_with_parts(&id);
  ASSERT_TRUE(client_->complete_multipart_upload(key_, id, parts).ok());
  CompletionResult done = confirm(id, {parts[0]});
  ASSERT_TRUE(done.ok) << done.error.describe();
  EXPECT_TRUE(done.confirmed_by_head);
  EXPECT_EQ(clock_.total_slept(), Clock::duration::zero()) << "settled by the first HEAD, no waiting";
}

TEST_P(Completion, CompletionOfAnUploadThatNeverExistedIsNeverReportedAsSuccess) {
  CompletionResult done = confirm("2~bogus-upload-id-that-does-not-exist", {{1, "\"0123\"", 5 * kMiB}});
  ASSERT_FALSE(done.ok);
  EXPECT_TRUE(done.error.code == codes::kCompletionUnconfirmed || is_upload_gone(done.error))
      << done.error.describe();
  EXPECT_EQ(classify(done.error), ErrorClass::permanent);
}

TEST_P(Completion, AnotherObjectUnderTheKeyIsNotMistakenForTheUpload) {
  // Same key, same size, different bytes (an older export): the stored CRC32C tells them apart.
  const auto other = dir_.path() / "other";
  write_test_file(other, expected().size, 99);
  RecordingObserver observer;
  ASSERT_TRUE(upload_file(*client_, key_, other, UploadSettings{}, {}, observer, {}).ok);
  CompletionResult done = confirm("2~bogus-upload-id-that-does-not-exist", {{1, "\"0123\"", 5 * kMiB}});
  EXPECT_FALSE(done.ok);
}

INSTANTIATE_TEST_SUITE_P(RealServers, Completion, ::testing::Values("RGW", "MINIO"), server_name);

}  // namespace
}  // namespace dsync::s3
