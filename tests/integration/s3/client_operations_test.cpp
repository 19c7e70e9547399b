// The S3 operations one by one against real Ceph RGW (HTTP) and real MinIO (TLS): SSE-C is enforced
// both ways, errors come back typed, listings page.
#include <gtest/gtest.h>

#include "s3/client.h"
#include "s3/file_upload.h"
#include "s3_test_support.h"
#include "support/tempdir.h"
#include "support/testenv.h"

namespace dsync::s3 {
namespace {

using namespace dsync::s3::testing;

class ClientOperations : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    DSYNC_REQUIRE(GetParam());
    settings_ = settings_for(GetParam());
    client_ = std::make_unique<Client>(settings_, test_key());
    prefix_ = unique_prefix();
  }
  void TearDown() override {
    if (client_) clean_prefix(*client_, prefix_);
  }

  ClientSettings settings_;
  std::unique_ptr<Client> client_;
  std::string prefix_;
  testenv::TempDir dir_;
};

TEST_P(ClientOperations, HeadBucketFindsTheTestBucketAndNamesAMissingOne) {
  auto ok = client_->head_bucket();
  ASSERT_TRUE(ok.ok()) << ok.error.describe();

  ClientSettings missing = settings_;
  missing.bucket = "dsync-no-such-bucket-here";
  auto gone = Client(missing, std::nullopt).head_bucket();
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error.http_status, 404);
  EXPECT_EQ(gone.error.code, "NoSuchBucket");
  EXPECT_EQ(classify(gone.error), ErrorClass::permanent);
}

TEST_P(ClientOperations, PutThenGetWithTheKeyReturnsTheExactBytesAndHeadEchoesTheKeyMd5) {
  const std::string key = prefix_ + "dir with space/obj+1.gz";
  const std::string data = "dsync payload \x01\x02\xff bytes";
  auto put = client_->put_object(key, Body{.bytes = data},
                                 {{"dsync-task", "0x1f"}, {"content-type", "application/gzip"}});
  ASSERT_TRUE(put.ok()) << put.error.describe();

  auto got = client_->get_object(key);
  ASSERT_TRUE(got.ok()) << got.error.describe();
  EXPECT_EQ(*got.value, data);

  auto head = client_->head_object(key);
  ASSERT_TRUE(head.ok()) << head.error.describe();
  EXPECT_EQ(head.value->size, data.size());
  EXPECT_EQ(head.value->sse_algorithm, "AES256");
  EXPECT_EQ(head.value->sse_key_md5, test_key().key_md5_base64());
  bool has_task = false;
  for (const auto& [n, v] : head.value->metadata) has_task = has_task || (n == "dsync-task" && v == "0x1f");
  EXPECT_TRUE(has_task);
}

TEST_P(ClientOperations, ObjectStoredWithTheKeyCannotBeReadWithoutItOrWithAnotherKey) {
  const std::string key = prefix_ + "secret.gz";
  ASSERT_TRUE(client_->put_object(key, Body{.bytes = "encrypted at rest"}).ok());

  Client keyless(settings_, std::nullopt);
  Client wrong(settings_, other_key());
  for (Client* c : {&keyless, &wrong}) {
    auto head = c->head_object(key);
    EXPECT_FALSE(head.ok());
    EXPECT_EQ(head.error.http_status, c == &keyless ? 400 : (GetParam() == "RGW" ? 400 : 403))
        << head.error.describe();
    auto get = c->get_object(key);
    ASSERT_FALSE(get.ok());
    EXPECT_EQ(classify(get.error), ErrorClass::permanent) << get.error.describe();
    EXPECT_FALSE(get.error.code.empty());
  }
}

TEST_P(ClientOperations, AnObjectStoredWithoutSseCFailsVerificationEvenWhenTheServerAcceptsTheKey) {
  const std::string key = prefix_ + "plain.gz";
  Client keyless(settings_, std::nullopt);
  ASSERT_TRUE(keyless.put_object(key, Body{.bytes = "plain bytes"}).ok());
  auto verdict = verify_object(*client_, key, 11);
  EXPECT_FALSE(verdict.ok);
  EXPECT_FALSE(verdict.problem.empty());
  // RGW (16.2) answers the keyed HEAD with 200 and no SSE-C headers; MinIO refuses it.
  if (GetParam() == "RGW") {
    EXPECT_EQ(verdict.problem, "stored without SSE-C");
  }
}

TEST_P(ClientOperations, VerifyChecksSizeKeyMd5AndStoredCrc32c) {
  const std::string key = prefix_ + "verified.gz";
  const auto file = dir_.path() / "f";
  write_test_file(file, 3000, 7);
  RecordingObserver observer;
  auto up = upload_file(*client_, key, file, UploadSettings{}, {}, observer, {});
  ASSERT_TRUE(up.ok) << up.error.describe();
  EXPECT_TRUE(verify_object(*client_, key, 3000, up.crc32c_base64).ok);
  EXPECT_EQ(verify_object(*client_, key, 3001, up.crc32c_base64).problem, "size 3000 != 3001");
  EXPECT_NE(verify_object(*client_, key, 3000, "AAAAAA==").problem.find("CRC32C"), std::string::npos);
  Client wrong(settings_, other_key());
  EXPECT_FALSE(verify_object(wrong, key, 3000).ok);
}

TEST_P(ClientOperations, GetObjectToFileStreamsTheBodyToDisk) {
  const std::string key = prefix_ + "stream.gz";
  const auto src = dir_.path() / "src";
  write_test_file(src, 3 * (1u << 20) + 17, 11);
  ASSERT_TRUE(
      client_->put_object(key, Body{.file = src, .offset = 0, .length = std::filesystem::file_size(src)})
          .ok());
  const auto dest = dir_.path() / "dest";
  std::uint64_t last_progress = 0;
  auto got = client_->get_object_to_file(key, dest, [&](std::uint64_t n) { last_progress = n; });
  ASSERT_TRUE(got.ok()) << got.error.describe();
  EXPECT_EQ(got.value->size, std::filesystem::file_size(src));
  EXPECT_EQ(last_progress, got.value->size);
  EXPECT_EQ(compare_files(src, dest), "");

  auto missing = client_->get_object_to_file(prefix_ + "nope", dir_.path() / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error.http_status, 404);
  EXPECT_EQ(missing.error.code, "NoSuchKey");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "nope"));
}

TEST_P(ClientOperations, ListObjectsFollowsContinuationTokensAcrossPages) {
  ClientSettings small_pages = settings_;
  small_pages.list_page_size = 2;
  Client client(small_pages, test_key());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.put_object(prefix_ + "list/" + std::to_string(i), Body{.bytes = "x"}).ok());
  }
  auto listed = client.list_objects(prefix_ + "list/");
  ASSERT_TRUE(listed.ok()) << listed.error.describe();
  ASSERT_EQ(listed.value->size(), 5u);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ((*listed.value)[static_cast<std::size_t>(i)].key, prefix_ + "list/" + std::to_string(i));
}

TEST_P(ClientOperations, DeleteRemovesTheObject) {
  const std::string key = prefix_ + "gone.gz";
  ASSERT_TRUE(client_->put_object(key, Body{.bytes = "bye"}).ok());
  ASSERT_TRUE(client_->delete_object(key).ok());
  auto head = client_->head_object(key);
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error.http_status, 404);
}

TEST_P(ClientOperations, KeysWithDotSegmentsDoubleSlashesAndQueryCharactersAreSignedLiterally) {
  for (std::string suffix : {"a/../b", "a//b", "./c", "x?y=z&w#f"}) {
    const std::string key = prefix_ + suffix;
    auto put = client_->put_object(key, Body{.bytes = suffix});
    const bool unusual_path =
        suffix.find("./") != std::string::npos || suffix.find("//") != std::string::npos;
    if (GetParam() == "MINIO" && unusual_path) {
      // MinIO refuses such names outright (it maps keys to file paths); what matters is that the
      // refusal is about the name, not a signature mismatch.
      ASSERT_FALSE(put.ok());
      EXPECT_TRUE(put.error.code.rfind("XMinioInvalid", 0) == 0) << put.error.describe();
      continue;
    }
    ASSERT_TRUE(put.ok()) << suffix << ": " << put.error.describe();
    auto got = client_->get_object(key);
    ASSERT_TRUE(got.ok()) << suffix << ": " << got.error.describe();
    EXPECT_EQ(*got.value, suffix);
  }
}

TEST_P(ClientOperations, WrongSecretIsAPermanentSignatureError) {
  ClientSettings bad = settings_;
  bad.secret_key = "not-the-secret-key-at-all";
  auto r = Client(bad, test_key()).put_object(prefix_ + "x", Body{.bytes = "x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.http_status, 403);
  EXPECT_EQ(r.error.code, "SignatureDoesNotMatch");
  EXPECT_EQ(classify(r.error), ErrorClass::permanent);
  EXPECT_EQ(r.error.describe().find("not-the-secret-key-at-all"), std::string::npos);
}

TEST_P(ClientOperations, AnyRegionIsSignedConsistentlyAndAcceptedByServersWithoutOne) {
  // Ceph RGW 16 (no zonegroup api_name set) and MinIO (no region configured) take whatever region the
  // credential scope names; a signer that used one region in the scope and another in the key would
  // still fail here with SignatureDoesNotMatch.
  ClientSettings other_region = settings_;
  other_region.region = "eu-west-9";
  Client client(other_region, test_key());
  auto bucket = client.head_bucket();
  EXPECT_TRUE(bucket.ok()) << bucket.error.describe();
  auto put = client.put_object(prefix_ + "region.gz", Body{.bytes = "r"});
  EXPECT_TRUE(put.ok()) << put.error.describe();
}

TEST(ClientTls, CertificateIsVerifiedAgainstTheConfiguredCaAndVerificationCanBeTurnedOff) {
  DSYNC_REQUIRE("MINIO");
  ClientSettings with_ca = settings_for("MINIO");
  EXPECT_TRUE(Client(with_ca, test_key()).head_bucket().ok());

  ClientSettings system_store = with_ca;
  system_store.ca_file.clear();  // the test CA is not in the system store
  auto refused = Client(system_store, test_key()).head_bucket();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error.code, codes::kTlsVerifyFailed) << refused.error.describe();
  EXPECT_EQ(classify(refused.error), ErrorClass::permanent);

  ClientSettings unverified = system_store;
  unverified.verify_tls = false;
  EXPECT_TRUE(Client(unverified, test_key()).head_bucket().ok());
}

TEST(ClientTls, HostAndPortWithoutSchemeMeanHttps) {
  DSYNC_REQUIRE("MINIO");
  ClientSettings s = settings_for("MINIO");
  ASSERT_EQ(s.endpoint.rfind("https://", 0), 0u);
  s.endpoint = s.endpoint.substr(8);  // "127.0.0.1:PORT", as the original tool was configured
  auto r = Client(s, test_key()).head_bucket();
  EXPECT_TRUE(r.ok()) << r.error.describe();
}

INSTANTIATE_TEST_SUITE_P(RealServers, ClientOperations, ::testing::Values("RGW", "MINIO"), server_name);

}  // namespace
}  // namespace dsync::s3
