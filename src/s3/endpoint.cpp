#include "s3/endpoint.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace dsync::s3 {
namespace {

bool fail(std::string* why, std::string text) {
  if (why != nullptr) *why = std::move(text);
  return false;
}

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

bool parse_port(std::string_view text, unsigned* port, std::string* why) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return fail(why, fmt::format("port '{}' is not a number from 1 to 65535", text));
  }
  *port = value;
  return true;
}

bool parse_authority(std::string_view authority, Endpoint* out, std::string* why) {
  if (authority.find('@') != std::string_view::npos) return fail(why, "must not contain user info ('@')");
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // IPv6 literal
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(why, "IPv6 address is missing ']'");
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail(why, "unexpected text after the IPv6 address");
      port = rest.substr(1);
      if (port.empty()) return fail(why, "port is empty");
    }
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return fail(why, "port is empty");
    }
    if (host.empty()) return fail(why, "host is empty");
    if (!std::all_of(host.begin(), host.end(), valid_host_char)) {
      return fail(why, fmt::format("host '{}' contains characters not allowed in a host name", host));
    }
  }
  out->host = std::string(host);
  return port.empty() || parse_port(port, &out->port, why);
}

std::string query_string(const sigv4::Pairs& query) {
  // Same encoding and order as the signed canonical query, so the two cannot disagree. A valueless
  // sub-resource ("uploads") is sent bare, the form every S3 server knows; it is signed as "uploads=".
  sigv4::Pairs encoded;
  for (const auto& [name, value] : query) {
    encoded.emplace_back(sigv4::uri_encode(name, false), sigv4::uri_encode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    out.push_back(out.empty() ? '?' : '&');
    out += name;
    if (!value.empty()) out += "=" + value;
  }
  return out;
}

}  // namespace

std::string Endpoint::authority() const {
  return port == 0 ? host : fmt::format("{}:{}", host, port);
}

std::optional<Endpoint> parse_endpoint(std::string_view text, std::string* why) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty()) {
    fail(why, "endpoint is empty");
    return std::nullopt;
  }
  Endpoint ep;
  if (auto sep = text.find("://"); sep != std::string_view::npos) {
    std::string scheme(text.substr(0, sep));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (scheme != "http" && scheme != "https") {
      fail(why, fmt::format("scheme '{}' is not http or https", scheme));
      return std::nullopt;
    }
    ep.https = scheme == "https";
    text.remove_prefix(sep + 3);
  }
  if (text.find_first_of("?#") != std::string_view::npos) {
    fail(why, "endpoint must not contain a query or fragment");
    return std::nullopt;
  }
  std::string_view authority = text.substr(0, text.find('/'));
  std::string_view path = text.substr(authority.size());
  if (!path.empty() && path != "/") {
    fail(why, fmt::format("endpoint must not contain a path ('{}'); name the bucket with the bucket setting",
                          path));
    return std::nullopt;
  }
  std::string reason;
  if (!parse_authority(authority, &ep, &reason)) {
    fail(why, fmt::format("endpoint '{}': {}", authority, reason));
    return std::nullopt;
  }
  // The default port is left implicit so the Host header matches what servers reconstruct.
  if ((ep.https && ep.port == 443) || (!ep.https && ep.port == 80)) ep.port = 0;
  return ep;
}

Addressing::Addressing(Endpoint endpoint, std::string bucket, bool path_style)
    : endpoint_(std::move(endpoint)), bucket_(std::move(bucket)), path_style_(path_style) {
  host_ = path_style_ ? endpoint_.authority() : bucket_ + "." + endpoint_.authority();
}

Target Addressing::make(std::string path, const sigv4::Pairs& query) const {
  Target t;
  t.host = host_;
  t.url = fmt::format("{}://{}{}{}", endpoint_.https ? "https" : "http", host_, path, query_string(query));
  t.canonical_uri = std::move(path);
  return t;
}

Target Addressing::bucket(const sigv4::Pairs& query) const {
  return make(path_style_ ? "/" + sigv4::uri_encode(bucket_, false) : std::string("/"), query);
}

Target Addressing::object(std::string_view key, const sigv4::Pairs& query) const {
  std::string path = path_style_ ? "/" + sigv4::uri_encode(bucket_, false) + "/" : std::string("/");
  path += sigv4::uri_encode(key, true);
  return make(std::move(path), query);
}

}  // namespace dsync::s3
