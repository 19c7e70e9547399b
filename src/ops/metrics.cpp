#include "ops/metrics.h"

#include <cctype>
#include <sstream>

#include <prometheus/text_serializer.h>

namespace dsync::ops {
namespace {

constexpr std::size_t kMaxReasons = 32;

double seconds(std::chrono::milliseconds d) {
  return static_cast<double>(d.count()) / 1000.0;
}

prometheus::MetricFamily gauge_family(std::string name, std::string help, double value) {
  prometheus::MetricFamily f{std::move(name), std::move(help), prometheus::MetricType::Gauge, {}};
  prometheus::ClientMetric m;
  m.gauge.value = value;
  f.metric.push_back(std::move(m));
  return f;
}

}  // namespace

Metrics::Metrics(Clock& clock, const std::vector<std::string>& job_states)
    : clock_(clock),
      registry_(std::make_shared<prometheus::Registry>()),
      uploaded_bytes_(prometheus::BuildCounter()
                          .Name("dsync_uploaded_bytes_total")
                          .Help("Bytes of export files sent to the bucket (parts and single PUTs, retries "
                                "included once they succeeded).")
                          .Register(*registry_)
                          .Add({})),
      uploaded_objects_(prometheus::BuildCounter()
                            .Name("dsync_uploaded_objects_total")
                            .Help("Objects uploaded and verified with the key (HEAD: size, SSE-C echo).")
                            .Register(*registry_)
                            .Add({})),
      exports_synced_(prometheus::BuildCounter()
                          .Name("dsync_exports_synced_total")
                          .Help("Exports whose every file was uploaded and verified.")
                          .Register(*registry_)
                          .Add({})),
      sync_duration_(prometheus::BuildHistogram()
                         .Name("dsync_sync_duration_seconds")
                         .Help("From the export request Dgraph accepted to the last object verified.")
                         .Register(*registry_)
                         .Add({}, prometheus::Histogram::BucketBoundaries{1, 5, 15, 30, 60, 120, 300, 600,
                                                                          1800, 3600, 7200, 21600})),
      first_byte_latency_(
          prometheus::BuildHistogram()
              .Name("dsync_success_to_first_byte_seconds")
              .Help("From Dgraph reporting the export task Success to the first byte sent.")
              .Register(*registry_)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30})),
      retries_(prometheus::BuildCounter()
                   .Name("dsync_retries_total")
                   .Help("S3 requests retried after a transient failure, by reason.")
                   .Register(*registry_)),
      failures_(prometheus::BuildCounter()
                    .Name("dsync_failures_total")
                    .Help("Export jobs that failed, by reason.")
                    .Register(*registry_)),
      jobs_(prometheus::BuildGauge()
                .Name("dsync_jobs")
                .Help("Export jobs known to this process, by state.")
                .Register(*registry_)) {
  for (const auto& state : job_states) job_gauges_[state] = &jobs_.Add({{"state", state}});
}

void Metrics::add_uploaded_bytes(std::uint64_t n) {
  uploaded_bytes_.Increment(static_cast<double>(n));
}

void Metrics::add_verified_object() {
  uploaded_objects_.Increment();
}

std::string Metrics::reason_label(std::string_view reason) {
  std::string out;
  for (char c : reason) {
    if (out.size() == 40) break;
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      out.push_back(static_cast<char>(std::tolower(u)));
    } else if (!out.empty() && out.back() != '_') {
      out.push_back('_');
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "unknown" : out;
}

prometheus::Counter& Metrics::bounded(prometheus::Family<prometheus::Counter>& family,
                                      std::map<std::string, prometheus::Counter*>& seen,
                                      std::string_view reason) {
  std::string label = reason_label(reason);
  std::lock_guard lock(mu_);
  auto it = seen.find(label);
  if (it != seen.end()) return *it->second;
  if (seen.size() >= kMaxReasons) label = "other";
  auto& counter = family.Add({{"reason", label}});
  seen.emplace(label, &counter);
  return counter;
}

void Metrics::add_retry(std::string_view reason) {
  bounded(retries_, retry_reasons_, reason).Increment();
}

void Metrics::add_failure(std::string_view reason) {
  bounded(failures_, failure_reasons_, reason).Increment();
}

void Metrics::observe_export_synced(std::chrono::milliseconds total,
                                    std::chrono::milliseconds success_to_first_byte) {
  exports_synced_.Increment();
  sync_duration_.Observe(seconds(total));
  first_byte_latency_.Observe(seconds(success_to_first_byte));
}

void Metrics::track_job(std::int64_t id, std::string_view state) {
  std::lock_guard lock(mu_);
  auto gauge = [&](const std::string& s) -> prometheus::Gauge& {
    auto it = job_gauges_.find(s);
    if (it == job_gauges_.end()) it = job_gauges_.emplace(s, &jobs_.Add({{"state", s}})).first;
    return *it->second;
  };
  auto [it, inserted] = job_state_.try_emplace(id, state);
  if (!inserted) {
    if (it->second == state) return;
    gauge(it->second).Decrement();
    it->second = std::string(state);
  }
  gauge(it->second).Increment();
}

void Metrics::set_last_verified_export(std::chrono::system_clock::time_point when) {
  std::lock_guard lock(mu_);
  if (!last_verified_ || when > *last_verified_) last_verified_ = when;
}

void Metrics::add_collector(Collector collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::vector<prometheus::MetricFamily> Metrics::computed_families() const {
  std::vector<prometheus::MetricFamily> out;
  std::optional<std::chrono::system_clock::time_point> last;
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mu_);
    last = last_verified_;
    collectors = collectors_;
  }
  // Absent until the first verified export, so `absent(...)` can tell "never" from "long ago".
  if (last) {
    using std::chrono::duration;
    const double at = duration<double>(last->time_since_epoch()).count();
    const double age = duration<double>(clock_.wall_now() - *last).count();
    out.push_back(gauge_family("dsync_last_verified_export_timestamp_seconds",
                               "Unix time when the last export was completely uploaded and verified.", at));
    out.push_back(gauge_family("dsync_seconds_since_last_verified_export",
                               "Seconds since the last export was completely uploaded and verified.",
                               age < 0 ? 0 : age));
  }
  for (const auto& c : collectors) {
    for (auto& f : c()) out.push_back(std::move(f));
  }
  return out;
}

std::string Metrics::render() const {
  auto families = registry_->Collect();
  for (auto& f : computed_families()) families.push_back(std::move(f));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace dsync::ops
