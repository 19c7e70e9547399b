#include "s3/transport.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include <curl/curl.h>
#include <fmt/format.h>

namespace dsync::s3 {
namespace {

// curl hands the read callback up to this many bytes; pread fills them directly (no copy of our own).
constexpr long kUploadBufferSize = 1L << 20;
// Download chunk size: larger chunks mean fewer write() calls when restoring big objects.
constexpr long kDownloadBufferSize = 256L << 10;
// Error documents are small; anything beyond this is dropped (the connection stays usable).
constexpr std::size_t kMaxErrorBody = 64u << 10;

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The state of one exchange, shared with curl's callbacks.
struct Exchange {
  const HttpRequest& request;
  const TransferControl& control;
  const ClientSettings& settings;
  Clock& clock;
  HttpResponse& response;

  int file_fd = -1;             // body source when the body is a file range
  std::uint64_t body_size = 0;  // bytes of the request body
  std::uint64_t body_pos = 0;   // next body byte to hand to curl
  bool response_started = false;
  std::chrono::steady_clock::time_point last_activity{};
  std::optional<std::chrono::steady_clock::time_point> request_sent_at{};
  curl_off_t last_ul = -1;
  curl_off_t last_dl = -1;
  std::string abort_code{};  // why a callback stopped the transfer
  std::string abort_message{};

  void abort(std::string_view code, std::string message) {
    abort_code = std::string(code);
    abort_message = std::move(message);
  }
};

std::size_t read_body(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  std::size_t want =
      static_cast<std::size_t>(std::min<std::uint64_t>(size * count, x->body_size - x->body_pos));
  if (want == 0) return 0;
  const Body& body = *x->request.body;
  if (x->file_fd < 0) {
    std::memcpy(buffer, body.bytes.data() + x->body_pos, want);
  } else {
    ssize_t got;
    do {
      got = ::pread(x->file_fd, buffer, want, static_cast<off_t>(body.offset + x->body_pos));
    } while (got < 0 && errno == EINTR);
    if (got <= 0) {
      x->abort(codes::kFileError,
               got == 0
                   ? fmt::format("{} ended before offset {}", body.file.string(), body.offset + x->body_size)
                   : fmt::format("reading {}: {}", body.file.string(), std::strerror(errno)));
      return CURL_READFUNC_ABORT;
    }
    want = static_cast<std::size_t>(got);
  }
  x->body_pos += want;
  return want;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  x->response_started = true;
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after an interim 1xx response): start over.
    x->response.headers.clear();
    auto sp = line.find(' ');
    x->response.status =
        sp == std::string_view::npos ? 0 : std::atol(std::string(line.substr(sp + 1, 3)).c_str());
    return line.size();
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string name(trim(line.substr(0, colon)));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  x->response.headers.emplace_back(std::move(name), std::string(trim(line.substr(colon + 1))));
  return line.size();
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const std::size_t len = size * count;
  const bool success = x->response.status >= 200 && x->response.status < 300;
  x->response.body_bytes += len;
  if (success && x->control.download_fd >= 0) {
    for (std::size_t done = 0; done < len;) {
      ssize_t n = ::write(x->control.download_fd, data + done, len - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        x->abort(codes::kFileError, fmt::format("writing the download: {}", std::strerror(errno)));
        return 0;
      }
      done += static_cast<std::size_t>(n);
    }
    if (x->control.on_download) x->control.on_download(x->response.body_bytes);
    return len;
  }
  if (!success) {
    std::size_t room = kMaxErrorBody - std::min(kMaxErrorBody, x->response.body.size());
    x->response.body.append(data, std::min(room, len));
    return len;
  }
  if (x->response.body.size() + len > x->control.max_memory_body) {
    x->abort(codes::kResponseTooLarge,
             fmt::format("response body exceeds {} bytes", x->control.max_memory_body));
    return 0;
  }
  x->response.body.append(data, len);
  return len;
}

// Called by curl at least once a second, also while nothing moves: the place to enforce the timeouts
// curl lacks and to notice a stop request.
int on_progress(void* user, curl_off_t /*dltotal*/, curl_off_t dlnow, curl_off_t /*ultotal*/,
                curl_off_t ulnow) {
  auto* x = static_cast<Exchange*>(user);
  if (x->control.stop.stop_requested()) {
    x->abort(codes::kStopped, "stop requested");
    return 1;
  }
  const auto now = x->clock.now();
  if (ulnow != x->last_ul || dlnow != x->last_dl) {
    x->last_ul = ulnow;
    x->last_dl = dlnow;
    x->last_activity = now;
  }
  const bool request_sent = static_cast<std::uint64_t>(ulnow) >= x->body_size;
  if (request_sent && !x->response_started) {
    if (!x->request_sent_at) x->request_sent_at = now;
    if (now - *x->request_sent_at > x->settings.response_header_timeout) {
      x->abort(codes::kResponseHeaderTimeout, fmt::format("no response within {} s of sending the request",
                                                          x->settings.response_header_timeout.count()));
      return 1;
    }
    return 0;
  }
  if (now - x->last_activity > x->settings.stall_timeout) {
    x->abort(codes::kStalled, fmt::format("no byte moved for {} s", x->settings.stall_timeout.count()));
    return 1;
  }
  return 0;
}

std::string_view code_for(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      return codes::kConnectFailed;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return codes::kDnsFailed;
    case CURLE_OPERATION_TIMEDOUT:
      return codes::kTimeout;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SEND_FAIL_REWIND:
      return codes::kConnectionReset;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
      return codes::kTlsVerifyFailed;
    case CURLE_SSL_CONNECT_ERROR:
      return codes::kTlsFailed;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return codes::kInvalidRequest;
    case CURLE_WEIRD_SERVER_REPLY:
      return codes::kBadResponse;
    default:
      return codes::kTransportError;
  }
}

}  // namespace

const std::string* HttpResponse::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

// Idle easy handles (each remembers its connections) and the share object for DNS and TLS sessions.
struct Transport::Pool {
  std::mutex mu;
  std::vector<CURL*> idle;
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;

  Pool() {
    share = curl_share_init();
    curl_share_setopt(
        share, CURLSHOPT_LOCKFUNC, +[](CURL*, curl_lock_data data, curl_lock_access, void* user) {
          static_cast<Pool*>(user)->share_locks[data].lock();
        });
    curl_share_setopt(
        share, CURLSHOPT_UNLOCKFUNC, +[](CURL*, curl_lock_data data, void* user) {
          static_cast<Pool*>(user)->share_locks[data].unlock();
        });
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  ~Pool() {
    for (CURL* h : idle) curl_easy_cleanup(h);
    curl_share_cleanup(share);
  }

  CURL* acquire() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void release(CURL* h) {
    std::lock_guard lock(mu);
    idle.push_back(h);
  }
};

Transport::Transport(const ClientSettings& settings, Clock& clock) : settings_(settings), clock_(clock) {
  global_init_once();
  pool_ = std::make_unique<Pool>();
}

Transport::~Transport() = default;

namespace {

void set_method(CURL* h, const HttpRequest& request, Exchange& x) {
  const std::string_view m = request.method;
  if (m == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (m == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (m == "PUT" || m == "POST") {
    // Both go through curl's upload path so the body streams from the read callback with a known
    // Content-Length (never chunked: Ceph RGW 16 stores aws-chunked framing as object data).
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(x.body_size));
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(h, CURLOPT_READDATA, &x);
    // No CURLOPT_SEEKFUNCTION on purpose: when a reused connection dies before any answer, libcurl
    // would rewind the body and resend the request by itself, even a CompleteMultipartUpload whose
    // answer was merely lost. Without a way to rewind it fails instead (CURLE_SEND_FAIL_REWIND), and
    // the resend, if any, is decided by the Retrier and the completion logic, where it is counted.
    if (m == "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, std::string(m).c_str());
  }
}

void set_connection_options(CURL* h, const ClientSettings& s, CURLSH* share) {
  curl_easy_setopt(h, CURLOPT_SHARE, share);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  // HTTP/1.1 only: one request per connection at a time keeps each part on its own TCP stream, which is
  // faster for large uploads than HTTP/2 flow control, and is what every S3 server speaks.
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  // Object keys may contain "." and ".." segments; S3 takes the path literally.
  curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.connect_timeout.count() * 1000));
  curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, static_cast<long>(s.idle_connection_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferSize);
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, kDownloadBufferSize);
  if (!s.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, s.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, s.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, s.verify_tls ? 2L : 0L);
}

curl_slist* header_list(const HttpRequest& request) {
  curl_slist* list = nullptr;
  for (const auto& [name, value] : request.headers) {
    list = curl_slist_append(list, fmt::format("{}: {}", name, value).c_str());
  }
  // No "Expect: 100-continue": it costs a round trip per part (or a 1 s wait where a server or proxy
  // never answers 100), and S3 rejections of a part are rare enough to pay for with the part's bytes.
  list = curl_slist_append(list, "Expect:");
  list = curl_slist_append(list, "Accept:");
  return list;
}

}  // namespace

HttpResponse Transport::perform(const HttpRequest& request, const TransferControl& control) {
  HttpResponse response;
  Exchange x{request, control, settings_, clock_, response};
  if (request.body != nullptr) {
    x.body_size = request.body->file.empty() ? request.body->bytes.size() : request.body->length;
    if (!request.body->file.empty()) {
      x.file_fd = ::open(request.body->file.c_str(), O_RDONLY | O_CLOEXEC);
      if (x.file_fd < 0) {
        response.failure =
            Error::local(codes::kFileError,
                         fmt::format("opening {}: {}", request.body->file.string(), std::strerror(errno)));
        return response;
      }
    }
  }
  x.last_activity = clock_.now();

  CURL* h = pool_->acquire();
  curl_easy_reset(h);
  set_connection_options(h, settings_, pool_->share);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  set_method(h, request, x);
  curl_slist* headers = header_list(request);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);

  CURLcode rc = curl_easy_perform(h);

  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(headers);
  pool_->release(h);
  if (x.file_fd >= 0) ::close(x.file_fd);

  if (rc != CURLE_OK) {
    Error e;
    if (!x.abort_code.empty()) {
      e.code = x.abort_code;
      e.message = x.abort_message;
    } else {
      e.code = std::string(code_for(rc));
      e.message = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
      if (rc == CURLE_SEND_FAIL_REWIND)
        e.message = "connection closed before any answer (the request may have been carried out)";
    }
    response.failure = std::move(e);
  }
  return response;
}

}  // namespace dsync::s3
