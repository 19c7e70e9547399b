#include "ops/metrics.h"

#include <gtest/gtest.h>

#include "prometheus_text.h"

namespace dsync::ops {
namespace {

using testing::parse_prometheus_text;

class MetricsTest : public ::testing::Test {
 protected:
  ManualClock clock;
  Metrics metrics{clock, {"waiting_task", "uploading", "done", "failed"}};

  testing::PrometheusText scrape() {
    auto text = metrics.render();
    auto parsed = parse_prometheus_text(text);
    EXPECT_EQ(parsed.error, "") << text;
    return parsed;
  }
};

TEST_F(MetricsTest, RendersValidPrometheusTextWithEveryJobStateAtZero) {
  auto p = scrape();
  EXPECT_EQ(p.types["dsync_uploaded_bytes_total"], "counter");
  EXPECT_EQ(p.types["dsync_sync_duration_seconds"], "histogram");
  EXPECT_EQ(p.value("dsync_jobs{state=\"uploading\"}"), 0.0);
  EXPECT_EQ(p.value("dsync_jobs{state=\"failed\"}"), 0.0);
  EXPECT_EQ(p.value("dsync_uploaded_bytes_total"), 0.0);
}

TEST_F(MetricsTest, CountsBytesObjectsAndSyncedExports) {
  metrics.add_uploaded_bytes(1000);
  metrics.add_uploaded_bytes(24);
  metrics.add_verified_object();
  metrics.add_verified_object();
  metrics.observe_export_synced(std::chrono::seconds(42), std::chrono::milliseconds(300));
  auto p = scrape();
  EXPECT_EQ(p.value("dsync_uploaded_bytes_total"), 1024.0);
  EXPECT_EQ(p.value("dsync_uploaded_objects_total"), 2.0);
  EXPECT_EQ(p.value("dsync_exports_synced_total"), 1.0);
  EXPECT_EQ(p.value("dsync_sync_duration_seconds_count"), 1.0);
  EXPECT_EQ(p.value("dsync_sync_duration_seconds_sum"), 42.0);
  EXPECT_EQ(p.value("dsync_sync_duration_seconds_bucket{le=\"30\"}"), 0.0);
  EXPECT_EQ(p.value("dsync_sync_duration_seconds_bucket{le=\"60\"}"), 1.0);
  EXPECT_EQ(p.value("dsync_success_to_first_byte_seconds_bucket{le=\"0.5\"}"), 1.0);
  EXPECT_EQ(p.value("dsync_success_to_first_byte_seconds_bucket{le=\"0.25\"}"), 0.0);
}

TEST_F(MetricsTest, JobsByStateFollowEachJobsTransitions) {
  metrics.track_job(1, "waiting_task");
  metrics.track_job(2, "waiting_task");
  metrics.track_job(1, "uploading");
  metrics.track_job(1, "uploading");  // repeated report of the same state counts once
  metrics.track_job(2, "failed");
  auto p = scrape();
  EXPECT_EQ(p.value("dsync_jobs{state=\"waiting_task\"}"), 0.0);
  EXPECT_EQ(p.value("dsync_jobs{state=\"uploading\"}"), 1.0);
  EXPECT_EQ(p.value("dsync_jobs{state=\"failed\"}"), 1.0);
}

TEST_F(MetricsTest, LabelsRetriesAndFailuresByASanitisedBoundedReason) {
  metrics.add_retry("SlowDown");
  metrics.add_retry("SlowDown");
  metrics.add_failure("task failed: Dgraph said \"Failed\"");
  for (int i = 0; i < 100; ++i) metrics.add_failure("distinct reason " + std::to_string(i));
  auto p = scrape();
  EXPECT_EQ(p.value("dsync_retries_total{reason=\"slowdown\"}"), 2.0);
  EXPECT_EQ(p.value("dsync_failures_total{reason=\"task_failed_dgraph_said_failed\"}"), 1.0);
  int failure_series = 0;
  for (const auto& [series, v] : p.samples) failure_series += series.starts_with("dsync_failures_total{");
  EXPECT_LE(failure_series, 33);
  EXPECT_GT(p.value("dsync_failures_total{reason=\"other\"}").value_or(0), 60.0);
}

TEST_F(MetricsTest, ReportsSecondsSinceTheLastVerifiedExportOnlyOnceThereIsOne) {
  EXPECT_FALSE(scrape().value("dsync_seconds_since_last_verified_export").has_value());
  metrics.set_last_verified_export(clock.wall_now());
  clock.advance(std::chrono::seconds(90));
  auto p = scrape();
  EXPECT_EQ(p.value("dsync_seconds_since_last_verified_export"), 90.0);
  EXPECT_GT(p.value("dsync_last_verified_export_timestamp_seconds").value_or(0), 1.7e9);
}

TEST_F(MetricsTest, IncludesFamiliesFromCollectorsAtEachScrape) {
  double requests = 0;
  metrics.add_collector([&] {
    prometheus::MetricFamily f{
        "dsync_proxy_requests_total", "Requests.", prometheus::MetricType::Counter, {}};
    prometheus::ClientMetric m;
    m.counter.value = requests;
    f.metric.push_back(m);
    return std::vector<prometheus::MetricFamily>{f};
  });
  requests = 7;
  EXPECT_EQ(scrape().value("dsync_proxy_requests_total"), 7.0);
  requests = 9;
  EXPECT_EQ(scrape().value("dsync_proxy_requests_total"), 9.0);
}

TEST(ReasonLabel, KeepsLowerCaseWordsJoinedByUnderscores) {
  EXPECT_EQ(Metrics::reason_label("HTTP 503 SlowDown"), "http_503_slowdown");
  EXPECT_EQ(Metrics::reason_label("  --  "), "unknown");
  EXPECT_EQ(Metrics::reason_label(std::string(100, 'a')).size(), 40u);
}

}  // namespace
}  // namespace dsync::ops
