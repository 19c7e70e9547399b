// ops: how an operator watches dsync. This folder owns the Prometheus metrics and the small HTTP
// server that exposes /metrics, /healthz, /readyz and /status on their own address, so Dgraph's own
// /health and /metrics stay reachable through the proxy. It knows nothing of S3, Dgraph or the sync
// pipeline: src/cli feeds it through the plain methods below.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include "common/clock.h"

namespace dsync::ops {

// Every metric dsync exports. Thread-safe: the sync workers, the proxy threads and the ops server
// call it concurrently.
class Metrics {
 public:
  // `job_states` are created at 0 so dashboards see every state from the first scrape.
  Metrics(Clock& clock, const std::vector<std::string>& job_states);

  void add_uploaded_bytes(std::uint64_t n);
  void add_verified_object();
  void add_retry(std::string_view reason);
  void add_failure(std::string_view reason);
  void observe_export_synced(std::chrono::milliseconds total,
                             std::chrono::milliseconds success_to_first_byte);
  // Records that job `id` is now in `state`; dsync_jobs{state} counts jobs per state.
  void track_job(std::int64_t id, std::string_view state);
  void set_last_verified_export(std::chrono::system_clock::time_point when);

  // Values another component keeps itself (the proxy's counters), read at every scrape.
  using Collector = std::function<std::vector<prometheus::MetricFamily>()>;
  void add_collector(Collector collector);

  // The Prometheus text exposition format (version 0.0.4).
  std::string render() const;

  // A label value safe to use for a free-form reason: lower-case [a-z0-9_], at most 40 characters,
  // and at most 32 distinct values per metric (then "other"), so a chatty error cannot explode the
  // number of series.
  static std::string reason_label(std::string_view reason);

 private:
  std::vector<prometheus::MetricFamily> computed_families() const;
  prometheus::Counter& bounded(prometheus::Family<prometheus::Counter>& family,
                               std::map<std::string, prometheus::Counter*>& seen, std::string_view reason);

  Clock& clock_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter& uploaded_bytes_;
  prometheus::Counter& uploaded_objects_;
  prometheus::Counter& exports_synced_;
  prometheus::Histogram& sync_duration_;
  prometheus::Histogram& first_byte_latency_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Counter>& failures_;
  prometheus::Family<prometheus::Gauge>& jobs_;

  mutable std::mutex mu_;
  std::map<std::string, prometheus::Counter*> retry_reasons_;
  std::map<std::string, prometheus::Counter*> failure_reasons_;
  std::map<std::int64_t, std::string> job_state_;
  std::map<std::string, prometheus::Gauge*> job_gauges_;
  std::optional<std::chrono::system_clock::time_point> last_verified_;
  std::vector<Collector> collectors_;
};

}  // namespace dsync::ops
