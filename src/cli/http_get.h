// One small blocking HTTP GET (libcurl), for the subcommands that ask a server one question: `check`
// (Dgraph's /health) and `status` (the daemon's /status). Not used on any data path.
#pragma once

#include <chrono>
#include <string>

namespace dsync::cli {

struct HttpReply {
  bool ok = false;  // a response arrived (any status)
  long status = 0;
  std::string body;   // capped at 4 MiB
  std::string error;  // transport problem when !ok: "Connection refused", "Timeout was reached"
};

HttpReply http_get(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace dsync::cli
