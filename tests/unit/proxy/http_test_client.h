// Test-side HTTP tools for the proxy tests: a blocking client that sends exact bytes and reads one
// response, and TcpRecorder, a byte-recording TCP middlebox. The recorder is a test fake for something
// no real server can be made to do on demand — show the exact bytes it sent — so a test can prove that
// what the client received through dsync is byte for byte what the upstream sent.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace dsync::testing {

struct Reply {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool ok = false;                                    // a complete response was read
  std::string header(const std::string& name) const;  // first value, case-insensitive name
};

// Sends `raw` (a complete request, or several) on a new connection to 127.0.0.1:`port` and reads one
// response. `head_request` when the request was a HEAD (no body follows).
Reply exchange(std::uint16_t port, const std::string& raw, bool head_request = false);

// Builds a request with Content-Length (when a body is given) and `Connection: close`.
std::string build_request(const std::string& method, const std::string& target,
                          const std::vector<std::pair<std::string, std::string>>& headers = {},
                          const std::string& body = "", bool with_length = true);

// A keep-alive connection for several request/response rounds.
class Connection {
 public:
  explicit Connection(std::uint16_t port);
  ~Connection();
  void send(const std::string& raw);
  Reply read(bool head_request = false);
  std::string read_raw_some();  // whatever bytes arrive next ("" on EOF)
  bool closed_by_peer();        // true once the server has closed the connection

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Responses parsed from raw HTTP bytes (as the recorder saw them).
std::vector<Reply> parse_responses(const std::string& bytes);

class TcpRecorder {
 public:
  TcpRecorder(std::string target_host, std::uint16_t target_port);
  ~TcpRecorder();
  std::uint16_t port() const { return port_; }
  // Bytes the target sent, one string per connection, in connection order.
  std::vector<std::string> server_bytes() const;
  void clear();

 private:
  void accept_loop();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
};

std::string gzip(std::string_view plain);
std::string gunzip(std::string_view z);

}  // namespace dsync::testing
