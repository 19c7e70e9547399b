#include "proxy/route.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "dgraph/graphql_http.h"

namespace dsync::proxy {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// `prefix` is lower-case.
bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

bool has_admin_prefix(std::string_view path) {
  return starts_with_nocase(path, "/admin") || starts_with_nocase(path, "/alter") ||
         starts_with_nocase(path, "/login");
}

RoutedRequest refuse(int status, std::string why) {
  RoutedRequest r;
  r.kind = RoutedRequest::Kind::refused;
  r.refusal_status = status;
  r.refusal = std::move(why);
  return r;
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

}  // namespace

std::string UpstreamAddress::authority() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string UpstreamAddress::base_url() const {
  return "http://" + authority();
}

std::optional<UpstreamAddress> parse_authority(std::string_view authority) {
  if (authority.empty() || authority.find_first_of("@/?# ") != std::string_view::npos) return std::nullopt;
  UpstreamAddress a;
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // bare IPv6 needs brackets
  }
  if (host.empty()) return std::nullopt;
  a.host = lower(host);
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return std::nullopt;
    a.port = static_cast<std::uint16_t>(value);
  }
  return a;
}

std::optional<UpstreamAddress> parse_upstream_url(std::string_view url, std::string& error) {
  if (!starts_with_nocase(url, "http://")) {
    error = "must start with http:// (dsync talks plain HTTP to alpha's HTTP port)";
    return std::nullopt;
  }
  auto rest = url.substr(7);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  auto a = parse_authority(rest);
  if (!a) error = "expected http://host[:port]";
  return a;
}

RoutedRequest route_request(std::string_view method, std::string_view target, const UpstreamAddress& reverse,
                            const std::vector<UpstreamAddress>& forward_allowed) {
  if (method == "CONNECT") return refuse(405, "dsync does not tunnel CONNECT requests");
  RoutedRequest r;
  if (!target.empty() && (target.front() == '/' || target == "*")) {
    r.kind = RoutedRequest::Kind::reverse;
    r.upstream = reverse;
    r.origin_target = std::string(target);
    r.path = dgraph::request_path(target);
    return r;
  }
  if (starts_with_nocase(target, "https://")) return refuse(403, "dsync forwards plain HTTP only");
  if (!starts_with_nocase(target, "http://")) return refuse(400, "malformed request target");
  auto rest = target.substr(7);
  auto end = rest.find_first_of("/?#");
  auto authority = parse_authority(rest.substr(0, end));
  if (!authority) return refuse(400, "malformed request target");
  bool allowed = *authority == reverse || std::find(forward_allowed.begin(), forward_allowed.end(),
                                                    *authority) != forward_allowed.end();
  if (!allowed)
    return refuse(403, "dsync does not forward to " + authority->authority() + " (not configured)");
  r.kind = RoutedRequest::Kind::forward;
  r.upstream = *authority;
  std::string_view origin = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  origin = origin.substr(0, origin.find('#'));
  r.origin_target = origin.empty() || origin.front() != '/' ? "/" + std::string(origin) : std::string(origin);
  r.path = dgraph::request_path(r.origin_target);
  return r;
}

std::string clean_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t from = 0;
  while (from <= path.size()) {
    auto slash = path.find('/', from);
    auto seg = path.substr(from, slash == std::string_view::npos ? std::string_view::npos : slash - from);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    from = slash + 1;
  }
  std::string out;
  for (auto s : segments) {
    out.push_back('/');
    out.append(s);
  }
  return out.empty() ? "/" : out;
}

bool is_admin_path(std::string_view decoded_path) {
  if (has_admin_prefix(decoded_path)) return true;
  // Only a path with "//" or a "." segment can clean into something else (the common case skips this).
  bool unclean =
      decoded_path.find("//") != std::string_view::npos || decoded_path.find("/.") != std::string_view::npos;
  return unclean && has_admin_prefix(clean_path(decoded_path));
}

std::string dgraph_error_body(std::string_view message, std::string_view code) {
  std::string out = R"({"errors":[{"message":)";
  append_json_string(out, message);
  out += R"(,"extensions":{"code":)";
  append_json_string(out, code);
  out += "}}]}";
  return out;
}

}  // namespace dsync::proxy
