// The one retry policy of the S3 engine. Every step of an upload that talks to S3 (create, each part,
// complete, abort, the HEADs that confirm a completion) goes through a Retrier, so how many times, how
// long between attempts and what counts as worth retrying are decided here and in classify() only.
//
// Backoff is exponential from UploadSettings::backoff_base, capped at backoff_max, with "equal jitter"
// (half the delay fixed, half random) so parallel parts that failed together do not retry in lockstep,
// and no retry is ever immediate. Waits use the injected Clock, so tests run without sleeping.
#pragma once

#include <atomic>
#include <stop_token>

#include "common/clock.h"
#include "s3/client.h"
#include "s3/error.h"
#include "s3/file_upload.h"
#include "s3/settings.h"

namespace dsync::s3 {

class Retrier {
 public:
  Retrier(const UploadSettings& settings, Clock& clock, UploadObserver* observer = nullptr);

  // Runs `attempt` (returning Result<T>) until it succeeds, fails with a non-transient error, uses up
  // max_attempts, or `stop` is requested; returns the last result.
  template <typename T, typename Attempt>
  Result<T> run(const std::stop_token& stop, Attempt&& attempt) {
    for (unsigned n = 1;; ++n) {
      Result<T> r = attempt();
      if (r.ok() || classify(r.error) != ErrorClass::transient || !wait_before_retry(r.error, n, stop))
        return r;
    }
  }

  // After failed attempt number `attempt` (1-based): false if no attempt is left or stop was requested
  // (before or during the wait); otherwise counts a retry, reports it, waits the backoff and returns true.
  bool wait_before_retry(const Error& e, unsigned attempt, const std::stop_token& stop);

  // The wait before the retry that follows attempt `attempt`: in [d/2, d] for d = min(max, base *
  // 2^(attempt-1)).
  Clock::duration backoff(unsigned attempt) const;

  unsigned retries() const { return retries_.load(); }
  unsigned max_attempts() const { return max_attempts_; }

 private:
  unsigned max_attempts_;
  Clock::duration base_;
  Clock::duration max_;
  Clock& clock_;
  UploadObserver* observer_;
  std::atomic<unsigned> retries_{0};
};

}  // namespace dsync::s3
