// Where a request goes: reverse mode (origin-form target → the configured alpha) or forward mode
// (absolute-form target → one of the configured upstreams, never anywhere else: dsync is not an open
// proxy), and whether its path is an admin path. Pure string logic, no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsync::proxy {

struct UpstreamAddress {
  std::string host;  // lower-case; IPv6 without brackets
  std::uint16_t port = 80;

  std::string authority() const;  // "host:port", IPv6 in brackets
  std::string base_url() const;   // "http://host:port"
  bool operator==(const UpstreamAddress&) const = default;
};

// "http://host[:port][/]" (only plain HTTP: alpha's HTTP port). nullopt and `error` on anything else.
std::optional<UpstreamAddress> parse_upstream_url(std::string_view url, std::string& error);
// "host:port", "[v6]:port" or "host" (port 80).
std::optional<UpstreamAddress> parse_authority(std::string_view authority);

struct RoutedRequest {
  enum class Kind { reverse, forward, refused };
  Kind kind = Kind::refused;
  UpstreamAddress upstream;
  std::string origin_target;  // the target to send upstream (origin-form)
  std::string path;           // %-decoded path without query, for admin checks and export routes
  int refusal_status = 0;     // refused: 400, 403 or 405
  std::string refusal;        // refused: a message for the client
};

RoutedRequest route_request(std::string_view method, std::string_view target, const UpstreamAddress& reverse,
                            const std::vector<UpstreamAddress>& forward_allowed);

// /admin*, /alter and /login (and anything below them), after Go-style path cleaning and ignoring case,
// so no spelling of an admin path slips past the allowlist.
bool is_admin_path(std::string_view decoded_path);

// Go's path.Clean for absolute paths: collapses "//", "/./" and "/../".
std::string clean_path(std::string_view path);

// The JSON body Dgraph uses for errors: {"errors":[{"message":…,"extensions":{"code":…}}]}.
std::string dgraph_error_body(std::string_view message, std::string_view code);

}  // namespace dsync::proxy
