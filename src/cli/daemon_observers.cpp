#include "cli/daemon_observers.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/json.hpp>

#ifndef DSYNC_VERSION
#define DSYNC_VERSION "unknown"
#endif

namespace dsync::cli {
namespace {

// Reasons are free text ("upload g01.rdf.gz: 403 AccessDenied ..."); the part before the first ':' is
// the stable kind of failure, the rest names objects and would make one series per export.
std::string_view reason_kind(std::string_view reason) {
  return reason.substr(0, reason.find(':'));
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  if (t.time_since_epoch().count() == 0) return {};
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(t));
}

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily f{std::move(name), std::move(help), type, {}};
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return f;
}

}  // namespace

void MetricsObserver::on_job_state(const sync::JobView& job) {
  metrics_.track_job(job.id, sync::to_string(job.state));
}

void MetricsObserver::on_bytes_uploaded(std::uint64_t n) {
  metrics_.add_uploaded_bytes(n);
}

void MetricsObserver::on_object_verified(const std::string& /*key*/, std::uint64_t /*size*/) {
  metrics_.add_verified_object();
}

void MetricsObserver::on_retry(const std::string& reason) {
  metrics_.add_retry(reason_kind(reason));
}

void MetricsObserver::on_job_failed(const sync::JobView& job, const std::string& reason) {
  metrics_.track_job(job.id, sync::to_string(sync::JobState::failed));
  metrics_.add_failure(reason_kind(reason));
}

void MetricsObserver::on_export_synced(const sync::JobView& job, std::chrono::milliseconds total,
                                       std::chrono::milliseconds success_to_first_byte) {
  metrics_.track_job(job.id, sync::to_string(sync::JobState::done));
  metrics_.observe_export_synced(total, success_to_first_byte);
  metrics_.set_last_verified_export(job.updated);
}

std::vector<std::string> all_job_states() {
  std::vector<std::string> out;
  for (auto s :
       {sync::JobState::accepted, sync::JobState::waiting_task, sync::JobState::uploading,
        sync::JobState::verifying, sync::JobState::cleaning, sync::JobState::done, sync::JobState::failed}) {
    out.emplace_back(sync::to_string(s));
  }
  return out;
}

std::vector<prometheus::MetricFamily> proxy_families(const proxy::ProxyStats& s) {
  using prometheus::MetricType;
  auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  return {
      family("dsync_proxy_requests_total", "Requests relayed to Dgraph.", MetricType::Counter, d(s.requests)),
      family("dsync_proxy_active_connections", "Client connections open now.", MetricType::Gauge,
             d(s.active_connections)),
      family("dsync_proxy_exports_recognised_total",
             "Export requests Dgraph accepted, handed to the sync pipeline.", MetricType::Counter,
             d(s.exports_recognised)),
      family("dsync_proxy_inspect_failures_total",
             "Export answers that could not be inspected (relayed unchanged, export not synced).",
             MetricType::Counter, d(s.inspect_failures)),
      family("dsync_proxy_upstream_errors_total",
             "Requests answered 502/504 because Dgraph could not be reached.", MetricType::Counter,
             d(s.upstream_errors)),
      family("dsync_proxy_admin_denied_total", "Admin requests refused by --admin-allow.",
             MetricType::Counter, d(s.admin_denied)),
  };
}

std::string status_json(const DaemonStatus& st) {
  namespace json = boost::json;
  json::array jobs;
  for (const auto& j : st.sync.recent_jobs) {
    jobs.push_back(json::object{
        {"id", j.id},
        {"task_id", j.task_id},
        {"state", std::string(sync::to_string(j.state))},
        {"export_dir", j.export_dir},
        {"error", j.error},
        {"bytes_total", j.bytes_total},
        {"bytes_done", j.bytes_done},
        {"files_total", j.files_total},
        {"files_verified", j.files_verified},
        {"retries", j.retries},
        {"created", iso8601(j.created)},
        {"updated", iso8601(j.updated)},
    });
  }
  json::value last = nullptr;
  if (st.sync.last_verified_export) last = json::string(iso8601(*st.sync.last_verified_export));
  json::object doc{
      {"version", DSYNC_VERSION},
      {"ready", st.ready},
      {"ready_reason", st.ready_reason},
      {"uptime_seconds", st.uptime.count()},
      {"last_verified_export", last},
      {"proxy", json::object{{"requests", st.proxy.requests},
                             {"active_connections", st.proxy.active_connections},
                             {"exports_recognised", st.proxy.exports_recognised},
                             {"inspect_failures", st.proxy.inspect_failures},
                             {"upstream_errors", st.proxy.upstream_errors},
                             {"admin_denied", st.proxy.admin_denied}}},
      {"jobs", std::move(jobs)},
  };
  return json::serialize(doc) + "\n";
}

}  // namespace dsync::cli
