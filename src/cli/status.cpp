// `dsync status`: asks a running daemon (GET /status on --ops-listen) and prints the answer for people.
#include <cstdio>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/commands.h"
#include "cli/http_get.h"
#include "cli/units.h"

namespace dsync::cli {
namespace {

namespace json = boost::json;

std::string text_of(const json::object& o, std::string_view key, std::string_view fallback = "-") {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::string(fallback);
  if (v->is_string()) return std::string(v->as_string());
  return json::serialize(*v);
}

double number_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_double()) return v->as_double();
  return 0;
}

void print_jobs(const json::array& jobs) {
  if (jobs.empty()) {
    std::printf("jobs: none yet\n");
    return;
  }
  std::printf("%-6s %-12s %-14s %-9s %-23s %-20s %s\n", "JOB", "STATE", "TASK", "FILES", "BYTES", "UPDATED",
              "DIRECTORY");
  for (const auto& j : jobs) {
    if (!j.is_object()) continue;
    const auto& o = j.as_object();
    const std::string files =
        fmt::format("{}/{}", number_of(o, "files_verified"), number_of(o, "files_total"));
    const std::string bytes = fmt::format("{}/{}", format_bytes(number_of(o, "bytes_done")),
                                          format_bytes(number_of(o, "bytes_total")));
    std::printf("%-6s %-12s %-14s %-9s %-23s %-20s %s\n", text_of(o, "id").c_str(),
                text_of(o, "state").c_str(), text_of(o, "task_id").c_str(), files.c_str(), bytes.c_str(),
                text_of(o, "updated").c_str(), text_of(o, "export_dir").c_str());
    const std::string error = text_of(o, "error", "");
    if (!error.empty()) std::printf("       error: %s\n", error.c_str());
  }
}

}  // namespace

std::string connect_url_for_listen(const std::string& listen) {
  std::string host, port;
  if (!listen.empty() && listen.front() == '[') {
    const auto close = listen.find(']');
    host = listen.substr(1, close - 1);
    port = close + 1 < listen.size() ? listen.substr(close + 2) : "";
  } else {
    const auto colon = listen.rfind(':');
    host = listen.substr(0, colon);
    port = colon == std::string::npos ? "" : listen.substr(colon + 1);
  }
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + port;
}

int run_status(const Config& config) {
  const std::string url = connect_url_for_listen(config.ops_listen) + "/status";
  const HttpReply reply = http_get(url, std::chrono::seconds(5));
  if (!reply.ok) {
    std::fprintf(stderr, "dsync: status: %s: %s (is dsync serve running with this --ops-listen?)\n",
                 url.c_str(), reply.error.c_str());
    return 1;
  }
  boost::system::error_code ec;
  const json::value doc = json::parse(reply.body, ec);
  if (reply.status != 200 || ec || !doc.is_object()) {
    std::fprintf(stderr, "dsync: status: %s answered HTTP %ld, not a dsync status\n", url.c_str(),
                 reply.status);
    return 1;
  }
  const auto& o = doc.as_object();
  const bool ready = o.contains("ready") && o.at("ready").is_bool() && o.at("ready").as_bool();
  std::printf("dsync %s at %s: %s%s\n", text_of(o, "version").c_str(), url.c_str(),
              ready ? "ready" : "NOT READY", ready ? "" : (": " + text_of(o, "ready_reason", "")).c_str());
  std::printf("uptime: %s\n",
              format_clock(std::chrono::seconds(static_cast<long>(number_of(o, "uptime_seconds")))).c_str());
  std::printf("last verified export: %s\n", text_of(o, "last_verified_export", "none yet").c_str());
  if (const auto* p = o.if_contains("proxy"); p != nullptr && p->is_object()) {
    const auto& proxy = p->as_object();
    std::printf(
        "proxy: %.0f requests, %.0f open connections, %.0f exports recognised, %.0f upstream errors, "
        "%.0f admin requests denied\n",
        number_of(proxy, "requests"), number_of(proxy, "active_connections"),
        number_of(proxy, "exports_recognised"), number_of(proxy, "upstream_errors"),
        number_of(proxy, "admin_denied"));
  }
  if (const auto* j = o.if_contains("jobs"); j != nullptr && j->is_array()) print_jobs(j->as_array());
  return 0;
}

}  // namespace dsync::cli
