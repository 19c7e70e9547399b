#include "proxy/export_tap.h"

#include <spdlog/spdlog.h>

namespace dsync::proxy {

ExportTap::ExportTap(dgraph::ExportSink& sink, Clock& clock, std::size_t max_inspect_bytes,
                     ProxyCounters& counters)
    : sink_(sink), clock_(clock), max_inspect_bytes_(max_inspect_bytes), counters_(counters) {}

bool ExportTap::is_candidate(std::string_view method, std::string_view decoded_path) {
  return dgraph::admin_route(method, decoded_path) != dgraph::AdminRoute::none;
}

dgraph::ExportRequest ExportTap::recognise_request(const dgraph::HttpRequestView& request) const {
  auto r = dgraph::recognize_export_request(request, max_inspect_bytes_);
  if (r.kind == dgraph::ExportRequest::Kind::unknown) {
    spdlog::debug("admin request may be an export ({}): its answer will be inspected", r.note);
  }
  return r;
}

std::size_t ExportTap::on_answer(const dgraph::ExportRequest& request, const Answer& answer,
                                 const Origin& origin) {
  if (!request.needs_response_inspection()) return 0;
  // Dgraph answers GraphQL with 200 even for errors; the legacy /admin/export fails with 400.
  if (answer.status != 200) return 0;
  if (!answer.complete) {
    counters_.inspect_failures.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn(
        "export answer from {} is larger than {} bytes: relayed without inspection, an export it "
        "reports is not synced",
        origin.upstream, max_inspect_bytes_);
    return 0;
  }
  auto inspection =
      dgraph::recognize_accepted_exports(request, answer.content_encoding, answer.body, max_inspect_bytes_);
  if (!inspection.problem.empty()) {
    counters_.inspect_failures.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("export answer from {} not fully understood: {}", origin.upstream, inspection.problem);
  }
  for (auto& event : inspection.accepted) {
    event.accepted_at = clock_.wall_now();
    event.auth_token = std::string(origin.auth_token);
    event.access_token = std::string(origin.access_token);
    event.upstream = origin.upstream;
    spdlog::info("export accepted task={} synchronous={} files={} format={} destination={} upstream={}",
                 event.task_id.empty() ? "-" : event.task_id, event.synchronous, event.exported_files.size(),
                 event.format.empty() ? "any" : event.format,
                 event.local_destination.empty() ? "default" : event.local_destination, event.upstream);
    sink_.on_export_accepted(std::move(event));
    counters_.exports_recognised.fetch_add(1, std::memory_order_relaxed);
  }
  return inspection.accepted.size();
}

}  // namespace dsync::proxy
