// Uploads through the fault-injecting middlebox (tests/tools/faultbox) in front of the real Ceph RGW:
// 503 SlowDown, 500, resets mid-body, stalls and lost answers are injected on a fixed schedule, and the
// upload must still end stored, verified and byte-exact; a permanent refusal must abort it.
#include <gtest/gtest.h>

#include <set>

#include "common/clock.h"
#include "faultbox_process.h"
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

class ThroughFaultbox : public ::testing::Test {
 protected:
  void SetUp() override {
    DSYNC_REQUIRE("RGW");
    direct_settings_ = settings_for("RGW");
    direct_ = std::make_unique<Client>(direct_settings_, test_key());
    prefix_ = unique_prefix();
    upload_.part_size = 5 * kMiB;
    upload_.multipart_threshold = 5 * kMiB;
    upload_.parallelism = 4;
  }
  void TearDown() override {
    if (direct_) clean_prefix(*direct_, prefix_);
  }

  // A client that talks to RGW through a faultbox running `schedule`, with timeouts short enough that
  // a stall is noticed in seconds.
  std::unique_ptr<Client> client_through(const std::string& schedule,
                                         std::chrono::seconds timeouts = std::chrono::seconds(2)) {
    box_ = std::make_unique<FaultboxProcess>(direct_settings_.endpoint, schedule, 6.0);
    EXPECT_TRUE(box_->started()) << "faultbox did not start";
    ClientSettings s = direct_settings_;
    s.endpoint = box_->endpoint();
    s.stall_timeout = timeouts;
    s.response_header_timeout = timeouts;
    return std::make_unique<Client>(s, test_key());
  }

  void expect_stored_exactly(const std::string& key, const std::filesystem::path& file,
                             const UploadOutcome& out) {
    auto verdict = verify_object(*direct_, key, std::filesystem::file_size(file), out.crc32c_base64);
    EXPECT_TRUE(verdict.ok) << verdict.problem;
    auto got = direct_->get_object_to_file(key, dir_.path() / "downloaded");
    ASSERT_TRUE(got.ok()) << got.error.describe();
    EXPECT_EQ(compare_files(file, dir_.path() / "downloaded"), "");
  }

  int count_requests(const std::string& op) {
    int n = 0;
    for (const auto& r : box_->requests()) n += r.op == op ? 1 : 0;
    return n;
  }

  ClientSettings direct_settings_;
  std::unique_ptr<Client> direct_;
  std::unique_ptr<FaultboxProcess> box_;
  std::string prefix_;
  UploadSettings upload_;
  testenv::TempDir dir_;
  ManualClock clock_;  // backoff waits pass instantly; the transport's timeouts are real
};

TEST_F(ThroughFaultbox, TransientPartFailuresAreRetriedAndTheObjectEndsVerifiedAndByteExact) {
  auto client = client_through(
      "UploadPart#2=503,UploadPart#3=reset,UploadPart#4=stall,UploadPart#5=500,UploadPart#7=stall_response");
  const auto file = dir_.path() / "g01.rdf.gz";
  write_test_file(file, 9 * kPart + 4321, 31);  // 10 parts
  RecordingObserver observer;
  const std::string key = prefix_ + "g01.rdf.gz";
  auto out = upload_file(*client, key, file, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(out.ok) << out.error.describe();

  for (const char* fault : {"503", "reset", "stall", "500", "stall_response"}) {
    EXPECT_EQ(box_->injected(fault), 1) << fault;
  }
  EXPECT_EQ(out.retries, 5u);
  std::set<std::string> codes_seen;
  for (const auto& e : observer.retries) codes_seen.insert(e.code);
  EXPECT_TRUE(codes_seen.count("SlowDown"));
  EXPECT_TRUE(codes_seen.count("InternalError"));
  EXPECT_TRUE(codes_seen.count(std::string(codes::kConnectionReset)));
  EXPECT_TRUE(codes_seen.count(std::string(codes::kResponseHeaderTimeout)) ||
              codes_seen.count(std::string(codes::kStalled)));
  EXPECT_EQ(count_requests("UploadPart"), 15);  // 10 parts + 5 retries
  expect_stored_exactly(key, file, out);
}

TEST_F(ThroughFaultbox, PartStalledMidBodyIsAbandonedByTheStallTimeoutAndSentAgain) {
  // A part much larger than the loopback socket buffers, so the client really is stuck mid-body (a
  // small part would fit in the buffers and meet the response-header timeout instead).
  auto client = client_through("UploadPart#1=stall");
  upload_.part_size = 48 * kMiB;
  upload_.multipart_threshold = 48 * kMiB;
  upload_.parallelism = 1;  // so UploadPart#1 is the big part 1, not the 10-byte part 2
  const auto file = dir_.path() / "g05.rdf.gz";
  write_test_file(file, 48 * kMiB + 10, 38);
  RecordingObserver observer;
  auto out = upload_file(*client, prefix_ + "g05.rdf.gz", file, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(out.ok) << out.error.describe();
  ASSERT_EQ(observer.retries.size(), 1u);
  EXPECT_EQ(observer.retries[0].code, codes::kStalled) << observer.retries[0].describe();
  expect_stored_exactly(prefix_ + "g05.rdf.gz", file, out);
}

TEST_F(ThroughFaultbox, LostAnswerToCompleteIsSettledByHeadAndReportedAsSuccess) {
  auto client = client_through("CompleteMultipartUpload#1=drop_response");
  const auto file = dir_.path() / "g01.schema.gz";
  write_test_file(file, 2 * kPart + 1, 32);
  RecordingObserver observer;
  const std::string key = prefix_ + "g01.schema.gz";
  auto out = upload_file(*client, key, file, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(out.ok) << out.error.describe();
  EXPECT_TRUE(out.completion_confirmed_by_head);
  EXPECT_EQ(box_->injected("drop_response"), 1);
  EXPECT_EQ(count_requests("CompleteMultipartUpload"), 1) << "the object was there: no second Complete";
  expect_stored_exactly(key, file, out);
}

TEST_F(ThroughFaultbox, InternalErrorOnCompleteIsRetriedOnceHeadFindsNoObject) {
  auto client = client_through("CompleteMultipartUpload#1=500");
  const auto file = dir_.path() / "g02.rdf.gz";
  write_test_file(file, 2 * kPart + 2, 33);
  RecordingObserver observer;
  const std::string key = prefix_ + "g02.rdf.gz";
  auto out = upload_file(*client, key, file, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(out.ok) << out.error.describe();
  EXPECT_EQ(count_requests("CompleteMultipartUpload"), 2);
  EXPECT_GE(count_requests("HeadObject"), 1);
  expect_stored_exactly(key, file, out);
}

TEST_F(ThroughFaultbox, SlowDownOnCreateAndResetsOnPutObjectAreRetried) {
  auto client = client_through("CreateMultipartUpload#1=503,PutObject#1=503,PutObject#2=reset");
  const auto small = dir_.path() / "small.gz";
  const auto big = dir_.path() / "big.gz";
  write_test_file(small, 3 * kMiB, 34);
  write_test_file(big, 6 * kMiB, 35);
  RecordingObserver observer;
  auto put = upload_file(*client, prefix_ + "small.gz", small, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(put.ok) << put.error.describe();
  EXPECT_EQ(put.retries, 2u);
  auto multipart = upload_file(*client, prefix_ + "big.gz", big, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(multipart.ok) << multipart.error.describe();
  EXPECT_EQ(multipart.retries, 1u);
  expect_stored_exactly(prefix_ + "small.gz", small, put);
  expect_stored_exactly(prefix_ + "big.gz", big, multipart);
}

TEST_F(ThroughFaultbox, PermanentRefusalOfAPartAbortsTheUploadAndLeavesNoParts) {
  auto client = client_through("UploadPart#3=403");
  const auto file = dir_.path() / "g03.rdf.gz";
  write_test_file(file, 6 * kPart, 36);
  RecordingObserver observer;
  const std::string key = prefix_ + "g03.rdf.gz";
  auto out = upload_file(*client, key, file, upload_, {}, observer, {}, clock_);
  ASSERT_FALSE(out.ok);
  EXPECT_FALSE(out.stopped);
  EXPECT_EQ(out.error.http_status, 403);
  EXPECT_EQ(out.error.code, "AccessDenied");
  EXPECT_EQ(out.error.operation, "UploadPart");
  EXPECT_TRUE(observer.retries.empty());
  ASSERT_EQ(observer.abandoned.size(), 1u);
  EXPECT_EQ(count_requests("AbortMultipartUpload"), 1);
  auto uploads = direct_->list_multipart_uploads(prefix_);
  ASSERT_TRUE(uploads.ok()) << uploads.error.describe();
  EXPECT_TRUE(uploads.value->empty());
  auto parts = direct_->list_parts(key, observer.started_upload_id);
  EXPECT_FALSE(parts.ok()) << "the aborted upload must not list parts";
  EXPECT_FALSE(direct_->head_object(key).ok());
}

TEST_F(ThroughFaultbox, PartCorruptedInTransitIsRefusedByTheServersPayloadHashCheckAndSentAgain) {
  // One byte flipped on the way: RGW recomputes the signed x-amz-content-sha256 and refuses the part,
  // so the default per-part integrity is checked by the real server, not assumed.
  auto client = client_through("UploadPart#2=corrupt,PutObject#1=corrupt");
  const auto file = dir_.path() / "g06.rdf.gz";
  write_test_file(file, 3 * kPart + 99, 39);
  RecordingObserver observer;
  auto out = upload_file(*client, prefix_ + "g06.rdf.gz", file, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(out.ok) << out.error.describe();
  ASSERT_EQ(observer.retries.size(), 1u);
  EXPECT_EQ(observer.retries[0].http_status, 400);
  EXPECT_EQ(observer.retries[0].code, "XAmzContentSHA256Mismatch") << observer.retries[0].describe();
  expect_stored_exactly(prefix_ + "g06.rdf.gz", file, out);

  const auto small = dir_.path() / "g06.schema.gz";
  write_test_file(small, 70'000, 40);
  auto put = upload_file(*client, prefix_ + "g06.schema.gz", small, upload_, {}, observer, {}, clock_);
  ASSERT_TRUE(put.ok) << put.error.describe();
  EXPECT_EQ(put.retries, 1u);
  expect_stored_exactly(prefix_ + "g06.schema.gz", small, put);
}

TEST_F(ThroughFaultbox, ConnectionsAreReusedAcrossRequestsAndParts) {
  auto client = client_through("");
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(client->put_object(prefix_ + "small/" + std::to_string(i), Body{.bytes = "x"}).ok());
  }
  const auto file = dir_.path() / "g07.rdf.gz";
  write_test_file(file, 8 * kPart, 41);
  RecordingObserver observer;
  ASSERT_TRUE(upload_file(*client, prefix_ + "g07.rdf.gz", file, upload_, {}, observer, {}, clock_).ok);
  std::set<int> connections;
  for (const auto& r : box_->requests()) connections.insert(r.connection);
  // ~15 requests; at most one connection per part in flight (parallelism 4).
  EXPECT_LE(connections.size(), 4u);
  EXPECT_GE(box_->requests().size(), 15u);
}

TEST_F(ThroughFaultbox, StopRequestCancelsAStalledPartAtOnceAndKeepsTheCheckpoint) {
  // Long client timeouts: only the stop request can end the stalled part quickly.
  auto client = client_through("UploadPart#2=stall", std::chrono::seconds(60));
  const auto file = dir_.path() / "g04.rdf.gz";
  write_test_file(file, 3 * kPart, 37);
  std::stop_source stop;
  RecordingObserver observer;
  observer.after_part = [&](const CompletedPart&) { stop.request_stop(); };
  upload_.parallelism = 2;
  const auto started = std::chrono::steady_clock::now();
  auto out =
      upload_file(*client, prefix_ + "g04.rdf.gz", file, upload_, {}, observer, stop.get_token(), clock_);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(out.stopped) << out.error.describe();
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_TRUE(observer.abandoned.empty()) << "a stopped upload is resumed later, not aborted";
  auto parts = direct_->list_parts(prefix_ + "g04.rdf.gz", observer.started_upload_id);
  ASSERT_TRUE(parts.ok()) << parts.error.describe();
  EXPECT_GE(parts.value->size(), 1u);
}

}  // namespace
}  // namespace dsync::s3
