// HTTP/1.1 exchanges over libcurl, used only by the S3 client (which signs requests before they get
// here). Owns the pool of easy handles (each keeps its connection alive for the next request), the
// shared DNS and TLS-session caches, and the timeouts curl itself does not offer: a response-header
// timeout and a stall timeout, enforced from the progress callback with the project's Clock.
//
// Bodies are never buffered: a file range is read with pread straight into curl's upload buffer, and a
// download is written straight to the caller's file descriptor.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "s3/client.h"
#include "s3/error.h"
#include "s3/settings.h"
#include "s3/sigv4.h"

namespace dsync::s3 {

struct HttpRequest {
  std::string_view method;  // GET, HEAD, PUT, POST, DELETE
  std::string url;
  sigv4::Pairs headers;        // sent as given
  const Body* body = nullptr;  // PUT/POST without a body send Content-Length: 0
};

struct HttpResponse {
  long status = 0;
  sigv4::Pairs headers;          // names in lower case
  std::string body;              // in-memory body (always so for error statuses)
  std::uint64_t body_bytes = 0;  // body bytes received, including those written to download_fd
  std::optional<Error> failure;  // set when there was no complete HTTP exchange

  const std::string* header(std::string_view lower_name) const;
};

struct TransferControl {
  int download_fd = -1;                    // a 2xx body goes here instead of HttpResponse::body
  std::size_t max_memory_body = 8u << 20;  // a larger 2xx in-memory body fails with ResponseTooLarge
  std::function<void(std::uint64_t)> on_download{};  // total body bytes written to download_fd so far
  std::stop_token stop{};
};

class Transport {
 public:
  explicit Transport(const ClientSettings& settings, Clock& clock = SystemClock::instance());
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  HttpResponse perform(const HttpRequest& request, const TransferControl& control);

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
  const ClientSettings settings_;  // a copy: the transport may outlive the caller's struct
  Clock& clock_;
};

}  // namespace dsync::s3
