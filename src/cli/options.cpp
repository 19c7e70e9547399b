#include "cli/options.h"

#include <array>
#include <cctype>

namespace dsync::cli {
namespace {

constexpr std::string_view kGeneral = "General";
constexpr std::string_view kS3 = "S3 bucket";
constexpr std::string_view kKey = "Encryption key (SSE-C)";
constexpr std::string_view kNaming = "Objects and uploads";
constexpr std::string_view kProxy = "Proxy and Dgraph";
constexpr std::string_view kSync = "Export sync";
constexpr std::string_view kOps = "Operations";
constexpr std::string_view kRestoreGroup = "Restore";

constexpr OptionSpec opt(std::string_view name, std::string_view value_name, std::string_view group,
                         std::string_view help, unsigned scopes) {
  return OptionSpec{name, value_name, group, help, scopes, {}, false, false};
}

// clang-format off
constexpr std::array kOptions{
  opt("config", "FILE", kGeneral,
    "Read options from FILE (`key = value` lines, keys are the long flag names).", kAll),
  opt("log-format", "text|json", kGeneral, "Log line format (default: text).", kAll),
  opt("log-level", "LEVEL", kGeneral,
    "Least severe level logged: trace, debug, info, warn, error or off (default: info).", kAll),

  opt("endpoint", "HOST[:PORT]|URL", kS3,
    "S3 endpoint: host[:port] means HTTPS, as in the original tool; or a full http(s):// URL.", kBucket),
  opt("access-key", "ID", kS3, "S3 access key id (fallback: AWS_ACCESS_KEY_ID).", kBucket)
    .with_fallback_env("AWS_ACCESS_KEY_ID").as_secret(),
  opt("secret", "SECRET", kS3, "S3 secret access key (fallback: AWS_SECRET_ACCESS_KEY).", kBucket)
    .with_fallback_env("AWS_SECRET_ACCESS_KEY").as_secret(),
  opt("bucket-name", "BUCKET", kS3, "Bucket that receives the exports.", kBucket),
  opt("region", "REGION", kS3, "Region used to sign requests (default: us-east-1).", kBucket),
  opt("path-style", "", kS3, "Address the bucket as https://host/bucket (the default).", kBucket),
  opt("virtual-host", "", kS3, "Address the bucket as https://bucket.host instead.", kBucket),
  opt("ca-file", "FILE", kS3, "PEM bundle of CAs trusted for the S3 endpoint (default: system).",
    kBucket),
  opt("insecure-skip-verify", "", kS3,
    "Do not verify the S3 server's TLS certificate. For tests only: the key then travels unprotected.",
    kBucket),

  opt("crypto-key", "KEY", kKey,
    "SSE-C key: 32 raw bytes, 64 hex digits or base64. Visible in `ps` on the command line: prefer "
    "--crypto-key-file or DSYNC_CRYPTO_KEY.", kBucket).as_secret(),
  opt("crypto-key-file", "FILE", kKey,
    "Read the SSE-C key from FILE (a trailing newline is ignored).", kBucket),
  opt("crypto-key-encoding", "auto|raw|hex|base64", kKey,
    "How the key is written (default: auto: raw if 32 bytes, hex if 64 hex digits, else base64).", kBucket),

  opt("object-prefix", "PREFIX", kNaming, "Prefix for every object name, e.g. `dgraph/prod/`.",
    kBucket),
  opt("name-template", "TEMPLATE", kNaming,
    "Object name template below the prefix (default: the original tool's transformer.* names).",
    kServe | kPush | kCheck),
  opt("part-size", "SIZE", kNaming,
    "Multipart part size, 5MiB to 5GiB (default: 16MiB); files smaller than one part go in one PUT.",
    kServe | kPush),
  opt("parallel-parts", "N", kNaming, "Parts uploaded at the same time, 1 to 64 (default: 4).",
    kServe | kPush),

  opt("listen", "[HOST]:PORT", kProxy,
    "Address the Dgraph proxy listens on (default: :10080, all interfaces).", kServe),
  opt("upstream", "URL", kProxy, "Dgraph alpha HTTP address (default: http://localhost:8080).",
    kServe | kCheck),
  opt("forward-upstream", "URL", kProxy,
    "Also forward absolute-form proxy requests to this alpha; repeatable. Others are refused.", kServe).as_list(),
  opt("admin-allow", "CIDR", kProxy,
    "Clients allowed to reach /admin, /alter and /login; repeatable (default: 127.0.0.0/8,::1/128).",
    kServe).as_list(),
  opt("auth-token", "TOKEN", kProxy,
    "Dgraph poor-man's auth token for task queries when the export request carried none.",
    kServe).as_secret(),

  opt("towatch", "DIR", kSync, "Directory Dgraph exports into (default: /dgraph/export).",
    kServe | kPush | kCheck),
  opt("state-dir", "DIR", kSync,
    "Where the job journal lives (default: /var/lib/dsync as root, else $XDG_STATE_HOME/dsync).",
    kServe | kPush | kCheck),
  opt("poll-interval", "DURATION", kSync,
    "Longest wait between two export task polls; polling starts faster and backs off to this "
    "(default: 2s).", kServe),
  opt("task-timeout", "DURATION", kSync,
    "Give up on an export task that has not finished after this long (default: 6h).", kServe),
  opt("keep-local", "", kSync, "Keep the local export files after they were uploaded and verified.",
    kServe | kPush),

  opt("ops-listen", "[HOST]:PORT", kOps,
    "Address of /metrics, /healthz, /readyz and /status (default: 127.0.0.1:10081).", kServe | kStatus),
  opt("shutdown-grace", "DURATION", kOps,
    "On SIGTERM, how long in-flight proxied requests may take to finish (default: 30s).", kServe),

  opt("list", "", kRestoreGroup, "List the exports stored under the prefix and exit.", kRestore),
  opt("from", "NAME|latest", kRestoreGroup,
    "Which export to restore: a name shown by --list, or `latest` (default).", kRestore),
  opt("to", "DIR", kRestoreGroup, "Directory to write the export to; must be empty or absent.",
    kRestore),
  opt("skip-gzip-check", "", kRestoreGroup,
    "Do not inflate each file to verify it (for exports Dgraph wrote with --encryption, which are "
    "not gzip).", kRestore),
};
// clang-format on

}  // namespace

std::string_view command_name(Command c) {
  switch (c) {
    case Command::serve:
      return "serve";
    case Command::push:
      return "push";
    case Command::restore:
      return "restore";
    case Command::check:
      return "check";
    case Command::status:
      return "status";
  }
  return "serve";
}

unsigned scope_of(Command c) {
  switch (c) {
    case Command::serve:
      return kServe;
    case Command::push:
      return kPush;
    case Command::restore:
      return kRestore;
    case Command::check:
      return kCheck;
    case Command::status:
      return kStatus;
  }
  return kServe;
}

std::span<const OptionSpec> all_options() {
  return kOptions;
}

const OptionSpec* find_option(std::string_view name) {
  for (const auto& o : kOptions) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

std::string env_name(std::string_view option_name) {
  std::string out = "DSYNC_";
  for (char c : option_name) {
    out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace dsync::cli
