#include "s3/client.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/log.h"
#include "s3/body_digest.h"
#include "s3/client_impl.h"
#include "s3/digest.h"
#include "s3/xml_responses.h"

namespace dsync::s3 {
namespace {

constexpr std::string_view kSseAlgorithm = "x-amz-server-side-encryption-customer-algorithm";
constexpr std::string_view kSseKey = "x-amz-server-side-encryption-customer-key";
constexpr std::string_view kSseKeyMd5 = "x-amz-server-side-encryption-customer-key-md5";
constexpr std::size_t kMaxGetObjectInMemory = 64u << 20;

Endpoint checked_endpoint(const ClientSettings& s) {
  if (auto problem = settings_problem(s)) throw std::invalid_argument("S3 settings: " + *problem);
  return *parse_endpoint(s.endpoint, nullptr);
}

// HEAD responses carry no body, so the status is all there is to name the error.
std::string code_for_status(long status, bool object) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 403:
      return "AccessDenied";
    case 404:
      return object ? "NoSuchKey" : "NoSuchBucket";
    case 409:
      return "Conflict";
    case 412:
      return "PreconditionFailed";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    default:
      return fmt::format("HTTP{}", status);
  }
}

std::uint64_t parse_u64(const std::string* s) {
  std::uint64_t v = 0;
  if (s != nullptr) std::from_chars(s->data(), s->data() + s->size(), v);
  return v;
}

ObjectInfo info_from_headers(const HttpResponse& r) {
  ObjectInfo info;
  auto get = [&](std::string_view name) {
    const std::string* v = r.header(name);
    return v ? *v : std::string();
  };
  info.size = parse_u64(r.header("content-length"));
  info.etag = get("etag");
  info.sse_algorithm = get(kSseAlgorithm);
  info.sse_key_md5 = get(kSseKeyMd5);
  info.checksum_crc32c = get("x-amz-checksum-crc32c");
  info.last_modified = get("last-modified");
  for (const auto& [name, value] : r.headers) {
    if (name.rfind("x-amz-meta-", 0) == 0) info.metadata.emplace_back(name.substr(11), value);
  }
  return info;
}

bool is_bucket_call(const S3Call& c) {
  return c.key == nullptr;
}

// Defence in depth: whatever path formats them, the logger masks the secrets too. Registered once per
// distinct secret, so a process that creates many clients does not grow the logger's list.
void register_with_logger(const std::vector<std::string>& secrets) {
  static std::mutex mu;
  static std::set<std::string> registered;
  std::lock_guard lock(mu);
  for (const auto& secret : secrets) {
    if (registered.insert(secret).second) log::redact(secret);
  }
}

}  // namespace

void add_metadata_headers(sigv4::Pairs& headers, const Metadata& metadata) {
  for (const auto& [name, value] : metadata) {
    std::string lower = name;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "content-type") {
      headers.emplace_back("content-type", value);
    } else {
      headers.emplace_back("x-amz-meta-" + lower, value);
    }
  }
}

Client::Impl::Impl(ClientSettings s, std::optional<SseCustomerKey> k)
    : settings(std::move(s)),
      sse_key(std::move(k)),
      addressing(checked_endpoint(settings), settings.bucket, settings.path_style),
      credentials{settings.access_key, settings.secret_key, settings.session_token},
      scope{settings.region, "s3"},
      transport(settings) {
  secrets.push_back(settings.secret_key);
  if (!settings.session_token.empty()) secrets.push_back(settings.session_token);
  if (sse_key) {
    // The key in every form a server or a library could echo it in: base64 (as sent), raw, hex.
    secrets.push_back(sse_key->key_base64());
    if (auto raw = from_base64(sse_key->key_base64())) {
      secrets.push_back(to_hex(*raw));
      secrets.push_back(std::move(*raw));
    }
  }
  register_with_logger(secrets);
}

std::string Client::Impl::redact(std::string text) const {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
      text.replace(pos, secret.size(), "***");
    }
  }
  return text;
}

Error Client::Impl::local_error(const S3Call& c, std::string_view code, std::string message) const {
  Error e;
  e.code = std::string(code);
  e.message = redact(std::move(message));
  e.operation = std::string(c.operation);
  if (c.key != nullptr) e.key = *c.key;
  return e;
}

Error Client::Impl::error_from(const S3Call& c, const HttpResponse& r) const {
  if (r.failure) return local_error(c, r.failure->code, r.failure->message);
  Error e;
  e.http_status = static_cast<int>(r.status);
  e.operation = std::string(c.operation);
  if (c.key != nullptr) e.key = *c.key;
  if (const std::string* id = r.header("x-amz-request-id")) e.request_id = *id;
  if (auto body = xml::parse_error(r.body)) {
    e.code = body->code;
    e.message = body->message;
    if (!body->request_id.empty()) e.request_id = body->request_id;
  }
  if (e.code.empty()) e.code = code_for_status(r.status, !is_bucket_call(c));
  if (e.message.empty() && c.method == "HEAD" && r.status == 400 && c.sse_c && sse_key) {
    // Ceph RGW and AWS answer 400 to a HEAD whose SSE-C key is missing or not the object's key.
    e.message =
        "(no error body on HEAD) the SSE-C key is missing or is not the key the object was stored with";
  }
  e.code = redact(std::move(e.code));
  e.message = redact(std::move(e.message));
  e.request_id = redact(std::move(e.request_id));
  return e;
}

S3Reply Client::Impl::call(const S3Call& c, const TransferControl& control) {
  S3Reply reply;
  const auto started = SystemClock::instance().now();
  Target target = c.key != nullptr ? addressing.object(*c.key, c.query) : addressing.bucket(c.query);
  sigv4::Request req{std::string(c.method), target.canonical_uri, c.query, {}, {}};
  req.headers.emplace_back("host", target.host);

  if (c.body == nullptr) {
    req.payload_hash = std::string(sigv4::kEmptyPayloadHash);
  } else {
    const bool file_body = !c.body->file.empty();
    const bool want_sha = !(file_body && settings.payload_signing == PayloadSigning::unsigned_payload);
    const bool want_md5 = settings.content_md5 && c.method == "PUT";
    Error read_error;
    auto digests = digest_body(*c.body, want_sha, want_md5, &read_error);
    if (!digests) {
      reply.error = local_error(c, read_error.code, read_error.message);
      return reply;
    }
    req.payload_hash = want_sha ? digests->sha256_hex : std::string(sigv4::kUnsignedPayload);
    if (want_md5) req.headers.emplace_back("content-md5", digests->md5_base64);
  }
  if (c.sse_c && sse_key) {
    req.headers.emplace_back(kSseAlgorithm, SseCustomerKey::algorithm());
    req.headers.emplace_back(kSseKey, sse_key->key_base64());
    req.headers.emplace_back(kSseKeyMd5, sse_key->key_md5_base64());
  }
  req.headers.insert(req.headers.end(), c.headers.begin(), c.headers.end());
  sigv4::Signed sig = sigv4::sign(req, credentials, scope, SystemClock::instance().wall_now());

  HttpRequest http{c.method, std::move(target.url), std::move(req.headers), c.body};
  http.headers.emplace_back("Authorization", std::move(sig.authorization));
  reply.http = transport.perform(http, control);
  if (reply.http.failure || reply.http.status < 200 || reply.http.status >= 300) {
    reply.error = error_from(c, reply.http);
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(SystemClock::instance().now() - started);
  spdlog::debug("s3 {} object={} part={} status={} sent={} received={} ms={}{}", c.operation,
                c.key != nullptr ? *c.key : std::string(), c.part_number, reply.http.status,
                c.body != nullptr ? (c.body->file.empty() ? c.body->bytes.size() : c.body->length) : 0,
                reply.http.body_bytes, ms.count(), reply.ok() ? "" : " error=" + reply.error.code);
  return reply;
}

Client::Client(ClientSettings settings, std::optional<SseCustomerKey> key)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(key))) {}

Client::~Client() = default;

const ClientSettings& Client::settings() const {
  return impl_->settings;
}

bool Client::has_key() const {
  return impl_->sse_key.has_value();
}

std::string Client::sse_key_md5_base64() const {
  return impl_->sse_key ? impl_->sse_key->key_md5_base64() : "";
}

Result<Empty> Client::head_bucket() {
  S3Reply r = impl_->call({.operation = "HeadBucket", .method = "HEAD"});
  return r.ok() ? succeeded(Empty{}) : failed<Empty>(std::move(r.error));
}

Result<ObjectInfo> Client::head_object(const std::string& key) {
  S3Reply r = impl_->call({.operation = "HeadObject", .method = "HEAD", .key = &key, .sse_c = true});
  return r.ok() ? succeeded(info_from_headers(r.http)) : failed<ObjectInfo>(std::move(r.error));
}

Result<std::string> Client::put_object(const std::string& key, const Body& body, const Metadata& metadata,
                                       std::stop_token stop) {
  S3Call c{.operation = "PutObject", .method = "PUT", .key = &key, .body = &body, .sse_c = true};
  add_metadata_headers(c.headers, metadata);
  S3Reply r = impl_->call(c, {.stop = std::move(stop)});
  if (!r.ok()) return failed<std::string>(std::move(r.error));
  const std::string* etag = r.http.header("etag");
  return succeeded(etag ? *etag : std::string());
}

Result<ObjectInfo> Client::get_object_to_file(const std::string& key, const std::filesystem::path& dest,
                                              const ProgressFn& progress, std::stop_token stop) {
  S3Call c{.operation = "GetObject", .method = "GET", .key = &key, .sse_c = true};
  int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return failed<ObjectInfo>(impl_->local_error(
        c, codes::kFileError, fmt::format("creating {}: {}", dest.string(), std::strerror(errno))));
  }
  S3Reply r = impl_->call(c, {.download_fd = fd, .on_download = progress, .stop = std::move(stop)});
  const bool closed = ::close(fd) == 0;
  if (r.ok() && !closed) r.error = impl_->local_error(c, codes::kFileError, "closing " + dest.string());
  ObjectInfo info = info_from_headers(r.http);
  if (r.ok() && r.http.header("content-length") != nullptr && info.size != r.http.body_bytes) {
    r.error = impl_->local_error(c, codes::kConnectionReset,
                                 fmt::format("received {} of {} bytes", r.http.body_bytes, info.size));
  }
  if (!r.ok()) {
    std::error_code ec;
    std::filesystem::remove(dest, ec);
    return failed<ObjectInfo>(std::move(r.error));
  }
  info.size = r.http.body_bytes;
  return succeeded(std::move(info));
}

Result<std::string> Client::get_object(const std::string& key) {
  S3Reply r = impl_->call({.operation = "GetObject", .method = "GET", .key = &key, .sse_c = true},
                          {.max_memory_body = kMaxGetObjectInMemory});
  return r.ok() ? succeeded(std::move(r.http.body)) : failed<std::string>(std::move(r.error));
}

Result<Empty> Client::delete_object(const std::string& key) {
  S3Reply r = impl_->call({.operation = "DeleteObject", .method = "DELETE", .key = &key});
  return r.ok() ? succeeded(Empty{}) : failed<Empty>(std::move(r.error));
}

Result<std::vector<ListedObject>> Client::list_objects(const std::string& prefix) {
  std::vector<ListedObject> all;
  std::string token;
  for (;;) {
    S3Call c{.operation = "ListObjectsV2", .method = "GET"};
    c.query = {
        {"list-type", "2"}, {"prefix", prefix}, {"max-keys", std::to_string(impl_->settings.list_page_size)}};
    if (!token.empty()) c.query.emplace_back("continuation-token", token);
    S3Reply r = impl_->call(c);
    if (!r.ok()) return failed<std::vector<ListedObject>>(std::move(r.error));
    auto page = xml::parse_list_objects_v2(r.http.body);
    if (!page) {
      return failed<std::vector<ListedObject>>(
          impl_->local_error(c, codes::kBadResponse, "ListObjectsV2 answer is not a ListBucketResult"));
    }
    std::move(page->items.begin(), page->items.end(), std::back_inserter(all));
    if (!page->truncated) return succeeded(std::move(all));
    if (page->next_marker.empty() || page->next_marker == token) {
      return failed<std::vector<ListedObject>>(
          impl_->local_error(c, codes::kBadResponse, "truncated listing without a new continuation token"));
    }
    token = std::move(page->next_marker);
  }
}

}  // namespace dsync::s3
