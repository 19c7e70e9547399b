#include "cli/module_settings.h"

#include "s3/settings.h"

namespace dsync::cli {
namespace {

// "http://alpha:8080/" -> "alpha:8080": the proxy matches forward targets by host:port.
std::string host_port(std::string url) {
  if (auto scheme = url.find("://"); scheme != std::string::npos) url.erase(0, scheme + 3);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// s3::settings_problem says "endpoint: ...", "access key: ...": name the flag that sets it.
ConfigError as_flag_error(const std::string& problem) {
  static constexpr std::pair<std::string_view, std::string_view> kFlags[] = {
      {"endpoint", "endpoint"},           {"bucket", "bucket-name"},  {"access key", "access-key"},
      {"secret key", "secret"},           {"region", "region"},       {"path style", "virtual-host"},
      {"name template", "name-template"}, {"state dir", "state-dir"},
  };
  const auto colon = problem.find(": ");
  const std::string_view subject = std::string_view(problem).substr(0, colon);
  for (const auto& [name, flag] : kFlags) {
    if (subject == name && colon != std::string::npos) return {std::string(flag), problem.substr(colon + 2)};
  }
  return {"", problem};
}

}  // namespace

sync::SyncSettings sync_settings(const Config& c) {
  sync::SyncSettings s;
  s.export_dir = c.towatch;
  s.state_dir = c.state_dir;
  s.object_prefix = c.object_prefix;
  s.name_template = c.name_template;
  s.default_upstream = c.upstream;
  s.auth_token = c.auth_token;
  // Poll fast at first (an export of a small database is done in well under a second), then back off
  // to --poll-interval.
  s.poll_max = c.poll_interval;
  s.poll_initial = std::min(c.poll_interval, std::chrono::milliseconds(200));
  s.task_timeout = std::chrono::duration_cast<std::chrono::seconds>(c.task_timeout);
  s.upload = c.upload;
  s.delete_after_verify = !c.keep_local;
  if (c.command == Command::push) {
    // `push DIR` may name a directory outside --towatch: its parent is the only folder this run touches.
    const auto rel = c.push_dir.lexically_relative(c.towatch);
    if (rel.empty() || rel.begin()->string() == "..") s.export_dir = c.push_dir.parent_path();
  }
  return s;
}

proxy::ProxySettings proxy_settings(const Config& c) {
  proxy::ProxySettings p;
  p.listen = c.listen;
  p.upstream = c.upstream;
  for (const auto& u : c.forward_upstreams) p.forward_upstreams.push_back(host_port(u));
  p.admin_allow = c.admin_allow;
  return p;
}

std::optional<ConfigError> module_problem(const Config& c) {
  if (scope_of(c.command) & kBucket) {
    if (auto p = s3::settings_problem(c.s3)) return as_flag_error(*p);
  }
  if (c.command == Command::serve || c.command == Command::push || c.command == Command::check) {
    if (auto p = sync::SyncService::problem_with(sync_settings(c))) return as_flag_error(*p);
  }
  return std::nullopt;
}

}  // namespace dsync::cli
