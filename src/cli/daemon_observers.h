// What the running daemon reports about itself: sync events turned into metrics, and the /status
// document built from the sync pipeline's and the proxy's snapshots.
#pragma once

#include <chrono>
#include <string>

#include "ops/metrics.h"
#include "proxy/proxy_server.h"
#include "sync/sync_service.h"

namespace dsync::cli {

// Feeds ops::Metrics from the sync pipeline's callbacks (worker threads).
class MetricsObserver final : public sync::SyncObserver {
 public:
  explicit MetricsObserver(ops::Metrics& metrics) : metrics_(metrics) {}
  void on_job_state(const sync::JobView& job) override;
  void on_bytes_uploaded(std::uint64_t n) override;
  void on_object_verified(const std::string& key, std::uint64_t size) override;
  void on_retry(const std::string& reason) override;
  void on_job_failed(const sync::JobView& job, const std::string& reason) override;
  void on_export_synced(const sync::JobView& job, std::chrono::milliseconds total,
                        std::chrono::milliseconds success_to_first_byte) override;

 private:
  ops::Metrics& metrics_;
};

// Every job state, for dsync_jobs{state} series that exist from the first scrape.
std::vector<std::string> all_job_states();

// The proxy's own counters as Prometheus families (read at each scrape).
std::vector<prometheus::MetricFamily> proxy_families(const proxy::ProxyStats& stats);

struct DaemonStatus {
  bool ready = false;
  std::string ready_reason;
  std::chrono::seconds uptime{0};
  proxy::ProxyStats proxy;
  sync::StatusSnapshot sync;
};

// The JSON document served at /status (and printed by `dsync status`).
std::string status_json(const DaemonStatus& status);

}  // namespace dsync::cli
