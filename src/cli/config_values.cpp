// Typing and validating the winning option strings. The first problem found is returned; messages
// name the flag and, for options that are not secret, the offending value.
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>

#include <fmt/format.h>

#include "cli/raw_options.h"
#include "cli/units.h"
#include "s3/digest.h"

namespace dsync::cli {
namespace {

constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kMinPartSize = 5 * kMiB;    // S3: every part but the last (EntityTooSmall)
constexpr std::uint64_t kMaxPartSize = 5ull << 30;  // S3: 5 GiB per part

std::optional<unsigned> parse_port(std::string_view s) {
  unsigned port = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || port > 65535) return std::nullopt;
  return port;
}

bool valid_host(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') return false;
  }
  return true;
}

// "host", "host:port", "[v6]", "[v6]:port". `port_required` for listen addresses.
std::optional<std::string> check_authority(std::string_view a, bool port_required, bool host_required) {
  std::string_view host = a, port;
  if (!a.empty() && a.front() == '[') {
    auto close = a.find(']');
    if (close == std::string_view::npos) return "unclosed '[' in IPv6 address";
    host = a.substr(1, close - 1);
    auto rest = a.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return "expected ':' after ']'";
    if (!rest.empty()) port = rest.substr(1);
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      return "invalid IPv6 address";
    }
    if (port_required && rest.empty()) return "needs a port, e.g. [::1]:10080";
  } else {
    auto colon = a.rfind(':');
    if (colon != std::string_view::npos) {
      host = a.substr(0, colon);
      port = a.substr(colon + 1);
    } else if (port_required) {
      return "needs a port, e.g. 127.0.0.1:10080 or :10080";
    }
    if (host_required && host.empty()) return "needs a host";
    if (!host.empty() && !valid_host(host)) return "invalid host name";
  }
  if ((port_required || !port.empty()) && !parse_port(port)) return "invalid port (0 to 65535)";
  return std::nullopt;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The key in every spelling it could appear in, masked in all log lines from now on.
void redact_key(const s3::SseCustomerKey& key) {
  log::redact(key.key_base64());
  const auto raw = s3::from_base64(key.key_base64());
  if (!raw) return;
  log::redact(*raw);
  std::string hex = s3::to_hex(*raw);
  log::redact(hex);
  for (auto& ch : hex) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  log::redact(hex);
}

// Reads a key file. Exactly 32 bytes are taken as they are (a raw key may end in any byte); anything
// else has surrounding whitespace removed, so `echo KEY > file` works for hex and base64 keys.
std::optional<std::string> read_key_file(const std::string& path, std::string* why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = fmt::format("cannot read {}", path);
    return std::nullopt;
  }
  std::string text(4097, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  log::redact(text);
  if (text.size() > 4096) {
    *why = fmt::format("{} is larger than any key encoding", path);
    return std::nullopt;
  }
  if (text.size() == 32) return text;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.erase(0, 1);
  return text;
}

// Converts the raw strings into `config`, one option at a time.
class Builder {
 public:
  explicit Builder(const RawOptions& raw) : raw_(raw) {}

  std::optional<ConfigError> error;

  const std::string* single(std::string_view name) const {
    auto it = raw_.find(name);
    return it == raw_.end() || it->second.values.empty() ? nullptr : &it->second.values.back();
  }
  const std::vector<std::string>* list(std::string_view name) const {
    auto it = raw_.find(name);
    return it == raw_.end() ? nullptr : &it->second.values;
  }
  bool has(std::string_view name) const { return raw_.count(name) != 0; }
  std::optional<Source> source(std::string_view name) const {
    auto it = raw_.find(name);
    if (it == raw_.end()) return std::nullopt;
    return it->second.source;
  }

  void fail(std::string_view option, std::string problem) {
    if (!error) error = ConfigError{std::string(option), std::move(problem)};
  }

  void text(std::string_view name, std::string& out) {
    if (const auto* v = single(name)) out = *v;
  }

  void switch_(std::string_view name, bool& out) {
    const auto* v = single(name);
    if (v == nullptr) return;
    auto b = parse_bool(*v);
    if (!b) return fail(name, fmt::format("'{}' is not a boolean (true/false)", *v));
    out = *b;
  }

  void size(std::string_view name, std::uint64_t& out, std::uint64_t min, std::uint64_t max) {
    const auto* v = single(name);
    if (v == nullptr) return;
    auto s = parse_size(*v);
    if (!s) return fail(name, fmt::format("'{}' is not a size (e.g. 16MiB)", *v));
    if (*s < min || *s > max) {
      return fail(name, fmt::format("{} is outside {} to {}", *v, format_bytes(static_cast<double>(min)),
                                    format_bytes(static_cast<double>(max))));
    }
    out = *s;
  }

  void number(std::string_view name, unsigned& out, unsigned min, unsigned max) {
    const auto* v = single(name);
    if (v == nullptr) return;
    unsigned n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (v->empty() || ec != std::errc() || end != v->data() + v->size() || n < min || n > max) {
      return fail(name, fmt::format("'{}' is not a whole number from {} to {}", *v, min, max));
    }
    out = n;
  }

  void duration(std::string_view name, std::chrono::milliseconds& out, std::chrono::milliseconds min,
                std::chrono::milliseconds max) {
    const auto* v = single(name);
    if (v == nullptr) return;
    auto d = parse_duration(*v);
    if (!d) return fail(name, fmt::format("'{}' is not a duration (e.g. 500ms, 5s, 10m, 6h)", *v));
    if (*d < min || *d > max) {
      return fail(name,
                  fmt::format("{} is outside {} to {}", *v, format_duration(min), format_duration(max)));
    }
    out = *d;
  }

  template <typename Check>
  void checked(std::string_view name, std::string& out, Check check) {
    const auto* v = single(name);
    if (v == nullptr) return;
    if (auto problem = check(*v)) return fail(name, fmt::format("'{}': {}", *v, *problem));
    out = *v;
  }

  template <typename Check>
  void checked_list(std::string_view name, std::vector<std::string>& out, Check check) {
    const auto* v = list(name);
    if (v == nullptr) return;
    for (const auto& item : *v) {
      if (auto problem = check(item)) return fail(name, fmt::format("'{}': {}", item, *problem));
    }
    out = *v;
  }

  void required(std::string_view name, const std::string& value, std::string_view hint = {}) {
    if (!value.empty()) return;
    fail(name, fmt::format("is required (or set {}{})", env_name(name), hint));
  }

 private:
  const RawOptions& raw_;
};

void build_logging(Builder& b, Config& c) {
  if (const auto* v = b.single("log-format")) {
    if (*v == "text") {
      c.log_format = log::Format::text;
    } else if (*v == "json") {
      c.log_format = log::Format::json;
    } else {
      b.fail("log-format", fmt::format("'{}' is not text or json", *v));
    }
  }
  if (const auto* v = b.single("log-level")) {
    static constexpr std::array<std::string_view, 7> kLevels{"trace", "debug",    "info", "warn",
                                                             "error", "critical", "off"};
    if (std::find(kLevels.begin(), kLevels.end(), lower(*v)) == kLevels.end()) {
      b.fail("log-level", fmt::format("'{}' is not one of trace, debug, info, warn, error, off", *v));
    }
    c.log_level = lower(*v);
  }
}

void build_key(Builder& b, Config& c) {
  std::string text, why, source = "crypto-key";
  if (const auto* v = b.single("crypto-key")) {
    text = *v;
    log::redact(text);
    c.key_on_command_line = b.source("crypto-key") == Source::flag;
  } else if (const auto* path = b.single("crypto-key-file")) {
    source = "crypto-key-file";
    auto read = read_key_file(*path, &why);
    if (!read) return b.fail(source, why);
    text = std::move(*read);
  } else {
    return b.fail("crypto-key", "is required: set --crypto-key-file, DSYNC_CRYPTO_KEY or --crypto-key");
  }
  auto encoding = s3::SseCustomerKey::Encoding::automatic;
  if (const auto* e = b.single("crypto-key-encoding")) {
    const std::string enc = lower(*e);
    if (enc == "auto") {
      encoding = s3::SseCustomerKey::Encoding::automatic;
    } else if (enc == "raw") {
      encoding = s3::SseCustomerKey::Encoding::raw;
    } else if (enc == "hex") {
      encoding = s3::SseCustomerKey::Encoding::hex;
    } else if (enc == "base64") {
      encoding = s3::SseCustomerKey::Encoding::base64;
    } else {
      return b.fail("crypto-key-encoding", fmt::format("'{}' is not auto, raw, hex or base64", *e));
    }
  }
  auto key = s3::SseCustomerKey::parse(text, encoding, &why);
  if (!key) return b.fail(source, log::scrub(why.empty() ? "is not a valid 32-byte key" : why));
  redact_key(*key);
  c.key = std::move(*key);
}

void build_bucket(Builder& b, Config& c) {
  b.checked("endpoint", c.s3.endpoint, check_endpoint);
  b.required("endpoint", c.s3.endpoint);
  b.text("access-key", c.s3.access_key);
  b.required("access-key", c.s3.access_key, " or AWS_ACCESS_KEY_ID");
  b.text("secret", c.s3.secret_key);
  log::redact(c.s3.secret_key);
  b.required("secret", c.s3.secret_key, " or AWS_SECRET_ACCESS_KEY");
  b.checked("bucket-name", c.s3.bucket, [](std::string_view v) -> std::optional<std::string> {
    if (v.size() < 3 || v.size() > 255) return "bucket names have 3 to 255 characters";
    for (char ch : v) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != '_') {
        return "bucket names use letters, digits, '.', '-' and '_' only";
      }
    }
    return std::nullopt;
  });
  b.required("bucket-name", c.s3.bucket);
  b.checked("region", c.s3.region, [](std::string_view v) -> std::optional<std::string> {
    if (v.empty() || v.find_first_of(" /\t") != std::string_view::npos) return "not a region name";
    return std::nullopt;
  });
  bool virtual_host = false;
  b.switch_("path-style", c.s3.path_style);
  b.switch_("virtual-host", virtual_host);
  if (b.has("virtual-host")) c.s3.path_style = !virtual_host;
  if (const auto* ca = b.single("ca-file")) {
    if (!std::ifstream(*ca)) return b.fail("ca-file", fmt::format("cannot read {}", *ca));
    c.s3.ca_file = *ca;
  }
  bool insecure = false;
  b.switch_("insecure-skip-verify", insecure);
  c.s3.verify_tls = !insecure;
  build_key(b, c);
}

void build_naming(Builder& b, Config& c) {
  b.checked("object-prefix", c.object_prefix, [](std::string_view v) -> std::optional<std::string> {
    if (!v.empty() && v.front() == '/') return "must not start with '/' (object names have no leading slash)";
    if (v.size() > 512) return "longer than 512 bytes";
    for (char ch : v) {
      if (static_cast<unsigned char>(ch) < 0x20) return "contains a control character";
    }
    return std::nullopt;
  });
  b.text("name-template", c.name_template);
  b.size("part-size", c.upload.part_size, kMinPartSize, kMaxPartSize);
  c.upload.multipart_threshold = c.upload.part_size;
  b.number("parallel-parts", c.upload.parallelism, 1, 64);
}

void build_proxy(Builder& b, Config& c) {
  b.checked("listen", c.listen, check_listen_address);
  b.checked("upstream", c.upstream, check_http_url);
  b.checked_list("forward-upstream", c.forward_upstreams, check_endpoint);
  b.checked_list("admin-allow", c.admin_allow, check_cidr);
  b.text("auth-token", c.auth_token);
  log::redact(c.auth_token);
}

void build_sync(Builder& b, Config& c, const EnvLookup& env, bool is_root) {
  if (const auto* v = b.single("towatch")) {
    if (v->empty()) return b.fail("towatch", "must not be empty");
    c.towatch = std::filesystem::absolute(*v).lexically_normal();
  }
  if (const auto* v = b.single("state-dir")) {
    if (v->empty()) return b.fail("state-dir", "must not be empty");
    c.state_dir = std::filesystem::absolute(*v).lexically_normal();
  } else if (auto d = default_state_dir(is_root, env)) {
    c.state_dir = *d;
  }
  using std::chrono::milliseconds, std::chrono::hours, std::chrono::minutes;
  b.duration("poll-interval", c.poll_interval, milliseconds(50), minutes(10));
  b.duration("task-timeout", c.task_timeout, milliseconds(1000), hours(24 * 30));
  b.switch_("keep-local", c.keep_local);
}

void build_ops(Builder& b, Config& c) {
  b.checked("ops-listen", c.ops_listen, check_listen_address);
  using std::chrono::milliseconds, std::chrono::hours;
  b.duration("shutdown-grace", c.shutdown_grace, milliseconds(0), hours(1));
}

void build_command(Builder& b, Config& c) {
  switch (c.command) {
    case Command::serve:
    case Command::check:
    case Command::status:
      return;
    case Command::push: {
      std::error_code ec;
      if (!std::filesystem::is_directory(c.push_dir, ec)) {
        return b.fail("", fmt::format("push: {}: not a directory", c.push_dir.string()));
      }
      c.push_dir = std::filesystem::absolute(c.push_dir).lexically_normal();
      return;
    }
    case Command::restore: {
      b.switch_("list", c.restore_list);
      b.checked("from", c.restore_from, [](std::string_view v) -> std::optional<std::string> {
        if (v.empty()) return "must not be empty";
        return std::nullopt;
      });
      if (const auto* to = b.single("to")) c.restore_to = std::filesystem::absolute(*to).lexically_normal();
      if (!c.restore_list && c.restore_to.empty()) b.fail("to", "is required (where to write the export)");
      bool skip = false;
      b.switch_("skip-gzip-check", skip);
      c.gzip_check = !skip;
      return;
    }
  }
}

}  // namespace

std::optional<bool> parse_bool(std::string_view text) {
  const std::string t = lower(std::string(text));
  if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  return std::nullopt;
}

std::optional<std::string> check_endpoint(std::string_view endpoint) {
  std::string_view rest = endpoint;
  if (auto scheme = rest.find("://"); scheme != std::string_view::npos) {
    const std::string s = lower(std::string(rest.substr(0, scheme)));
    if (s != "http" && s != "https") return "the scheme must be http:// or https://";
    rest.remove_prefix(scheme + 3);
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) return "must not contain a path";
  if (rest.empty()) return "needs a host";
  return check_authority(rest, false, true);
}

std::optional<std::string> check_listen_address(std::string_view address) {
  return check_authority(address, true, false);
}

std::optional<std::string> check_http_url(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return "must start with http:// or https://";
  const std::string s = lower(std::string(url.substr(0, scheme)));
  if (s != "http" && s != "https") return "must start with http:// or https://";
  std::string_view rest = url.substr(scheme + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) return "must not contain a path";
  if (rest.empty()) return "needs a host";
  return check_authority(rest, false, true);
}

std::optional<std::string> check_cidr(std::string_view cidr) {
  auto slash = cidr.find('/');
  std::string addr(cidr.substr(0, slash));
  const bool v6 = addr.find(':') != std::string::npos;
  std::array<unsigned char, 16> buf{};
  if (inet_pton(v6 ? AF_INET6 : AF_INET, addr.c_str(), buf.data()) != 1) return "not an IP address or CIDR";
  if (slash == std::string_view::npos) return std::nullopt;
  unsigned bits = 0;
  auto p = cidr.substr(slash + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), bits);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || bits > (v6 ? 128u : 32u)) {
    return "invalid prefix length";
  }
  return std::nullopt;
}

std::optional<std::filesystem::path> default_state_dir(bool is_root, const EnvLookup& env) {
  if (is_root) return std::filesystem::path("/var/lib/dsync");
  if (auto xdg = env("XDG_STATE_HOME"); xdg && !xdg->empty() && xdg->front() == '/') {
    return std::filesystem::path(*xdg) / "dsync";
  }
  if (auto home = env("HOME"); home && !home->empty()) {
    return std::filesystem::path(*home) / ".local/state/dsync";
  }
  return std::nullopt;
}

std::optional<ConfigError> build_config(const RawOptions& raw, const EnvLookup& env, bool is_root,
                                        Config& config) {
  Builder b(raw);
  const unsigned scope = scope_of(config.command);
  build_logging(b, config);
  if (scope & kBucket) {
    build_bucket(b, config);
    build_naming(b, config);
  }
  if (scope & kServe) build_proxy(b, config);
  if (scope & (kServe | kCheck)) b.checked("upstream", config.upstream, check_http_url);
  if (scope & (kServe | kPush | kCheck)) build_sync(b, config, env, is_root);
  if (scope & (kServe | kStatus)) build_ops(b, config);
  build_command(b, config);
  if (!b.error && (scope & (kServe | kPush)) && config.state_dir.empty()) {
    b.fail("state-dir", "is required: neither $XDG_STATE_HOME nor $HOME is set");
  }
  return b.error;
}

}  // namespace dsync::cli
