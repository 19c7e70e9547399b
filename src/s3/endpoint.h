// Where requests go: the endpoint as the user wrote it, and the mapping of bucket and object key to a
// URL, a Host header and the canonical URI that SigV4 signs (path-style or virtual-host style).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "s3/sigv4.h"

namespace dsync::s3 {

struct Endpoint {
  bool https = true;
  std::string host;               // "s3.example.com", "127.0.0.1", "[::1]"
  unsigned port = 0;              // 0: the scheme's default
  std::string authority() const;  // host[:port] as the Host header carries it
};

// "host[:port]" means HTTPS (as the original tool did); "http://host[:port]" and "https://..." are taken
// as written. No user info, path, query or fragment. On failure sets *why (names no secret).
std::optional<Endpoint> parse_endpoint(std::string_view text, std::string* why);

struct Target {
  std::string url;            // what libcurl requests
  std::string host;           // the Host header (signed)
  std::string canonical_uri;  // the encoded path, exactly as in `url`
};

class Addressing {
 public:
  Addressing(Endpoint endpoint, std::string bucket, bool path_style);
  Target bucket(const sigv4::Pairs& query = {}) const;
  Target object(std::string_view key, const sigv4::Pairs& query = {}) const;
  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Target make(std::string path, const sigv4::Pairs& query) const;

  Endpoint endpoint_;
  std::string bucket_;
  bool path_style_;
  std::string host_;  // Host header: endpoint authority, or bucket.authority for virtual-host style
};

}  // namespace dsync::s3
