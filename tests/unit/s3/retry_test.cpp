// The retry policy: which errors are retried, how long it waits (on an injected clock), when it stops.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "s3/completion.h"
#include "s3/file_upload.h"
#include "s3/retry.h"

namespace dsync::s3 {
namespace {

using namespace std::chrono_literals;

struct CountingObserver : UploadObserver {
  std::vector<unsigned> attempts;
  void on_retry(const Error&, unsigned attempt) override { attempts.push_back(attempt); }
};

UploadSettings policy(unsigned attempts) {
  UploadSettings s;
  s.max_attempts = attempts;
  s.backoff_base = 200ms;
  s.backoff_max = 5s;
  return s;
}

Error transient() {
  Error e;
  e.http_status = 503;
  e.code = "SlowDown";
  return e;
}

TEST(Retrier, BackoffDoublesWithJitterInTheUpperHalfAndIsCapped) {
  ManualClock clock;
  Retrier r(policy(8), clock);
  for (int i = 0; i < 200; ++i) {
    EXPECT_GE(r.backoff(1), 100ms);
    EXPECT_LE(r.backoff(1), 200ms);
    EXPECT_GE(r.backoff(3), 400ms);
    EXPECT_LE(r.backoff(3), 800ms);
    EXPECT_GE(r.backoff(30), 2500ms);
    EXPECT_LE(r.backoff(30), 5s);
  }
}

TEST(Retrier, JitterSpreadsRetriesOfPartsThatFailedTogether) {
  ManualClock clock;
  Retrier r(policy(8), clock);
  std::set<Clock::duration::rep> seen;
  for (int i = 0; i < 50; ++i) seen.insert(r.backoff(4).count());
  EXPECT_GT(seen.size(), 10u);
}

TEST(Retrier, TransientErrorsAreRetriedAfterWaitingOnTheClock) {
  ManualClock clock;
  CountingObserver observer;
  Retrier r(policy(8), clock, &observer);
  int calls = 0;
  auto result = r.run<int>({}, [&]() -> Result<int> {
    if (++calls < 3) return {std::nullopt, transient()};
    return {42, {}};
  });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result.value, 42);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(r.retries(), 2u);
  EXPECT_EQ(observer.attempts, (std::vector<unsigned>{1, 2}));
  EXPECT_GE(clock.total_slept(), 100ms + 200ms);
}

TEST(Retrier, PermanentAndAmbiguousErrorsAreReturnedAtOnce) {
  ManualClock clock;
  Retrier r(policy(8), clock);
  Error denied;
  denied.http_status = 403;
  denied.code = "AccessDenied";
  Error in_progress;
  in_progress.http_status = 500;
  in_progress.code = "InternalError";
  in_progress.operation = "CompleteMultipartUpload";
  in_progress.message = "This multipart completion is already in progress";
  for (const Error& e : {denied, in_progress}) {
    int calls = 0;
    auto result = r.run<int>({}, [&]() -> Result<int> {
      ++calls;
      return {std::nullopt, e};
    });
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(calls, 1) << e.describe();
  }
  EXPECT_EQ(clock.total_slept(), Clock::duration::zero());
}

TEST(Retrier, GivesUpAfterMaxAttemptsWithTheLastError) {
  ManualClock clock;
  Retrier r(policy(3), clock);
  int calls = 0;
  auto result = r.run<int>({}, [&]() -> Result<int> {
    ++calls;
    Error e = transient();
    e.message = "attempt " + std::to_string(calls);
    return {std::nullopt, e};
  });
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(result.error.message, "attempt 3");
}

TEST(Retrier, StopRequestEndsRetryingWithoutAnotherAttempt) {
  ManualClock clock;
  Retrier r(policy(8), clock);
  std::stop_source stop;
  int calls = 0;
  auto result = r.run<int>(stop.get_token(), [&]() -> Result<int> {
    ++calls;
    stop.request_stop();
    return {std::nullopt, transient()};
  });
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(calls, 1);
}

ObjectInfo object(std::uint64_t size, std::string crc) {
  ObjectInfo info;
  info.size = size;
  if (!crc.empty()) info.metadata.emplace_back(kCrc32cMetadata, std::move(crc));
  return info;
}

Result<ObjectInfo> head_error(int status) {
  Error e;
  e.http_status = status;
  e.code = "x";
  return {std::nullopt, e};
}

TEST(JudgeStoredObject, MatchesOnlyWithTheExpectedSizeAndCrc) {
  const ExpectedObject expected{100, "AAAAAQ=="};
  EXPECT_EQ(judge_stored_object({object(100, "AAAAAQ=="), {}}, expected), StoredState::matches);
  EXPECT_EQ(judge_stored_object({object(99, "AAAAAQ=="), {}}, expected), StoredState::different);
  EXPECT_EQ(judge_stored_object({object(100, "AAAAAg=="), {}}, expected), StoredState::different);
  EXPECT_EQ(judge_stored_object({object(100, ""), {}}, expected), StoredState::different);
  EXPECT_EQ(judge_stored_object({object(100, ""), {}}, ExpectedObject{100, ""}), StoredState::matches);
}

TEST(JudgeStoredObject, AbsentUnreadableAndUnknownAreToldApart) {
  const ExpectedObject expected{100, ""};
  EXPECT_EQ(judge_stored_object(head_error(404), expected), StoredState::absent);
  EXPECT_EQ(judge_stored_object(head_error(400), expected), StoredState::different);  // other SSE-C key
  EXPECT_EQ(judge_stored_object(head_error(503), expected), StoredState::unknown);
  EXPECT_EQ(judge_stored_object(head_error(0), expected), StoredState::unknown);
}

}  // namespace
}  // namespace dsync::s3
