// Shared by the sync integration tests, which drive REAL exports through the real Dgraph v25 alpha and
// upload through the real S3 engine to the real RGW (HTTP) and MinIO (TLS) from scripts/testenv.sh.
//   Backend      endpoint, credentials, CA and a fresh object prefix for one server
//   Alpha        the admin calls a test needs (request an export, load data, watch a task)
//   Aws          independent checks with awscli v1 (SSE-C head/get, and that the key is required)
//   OutageRelay  a test-only TCP relay (a fake network, named as such) in front of a real server: it can
//                refuse connections for a while (S3 unreachable) and throttle (a slow link)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dgraph/export_event.h"
#include "s3/client.h"
#include "s3/settings.h"

namespace dsync::sync::it {

// The test key (32 raw bytes), as hex and as a file holding the raw bytes (for awscli's fileb://).
std::string test_key_hex();
std::filesystem::path test_key_file();

struct Backend {
  std::string name;  // "RGW" or "MINIO"
  s3::ClientSettings client;
  std::string prefix;  // "it-sync/<test>/<random>/"
};
Backend backend(const std::string& name);
std::unique_ptr<s3::Client> make_client(const Backend& b);

// ---- Dgraph --------------------------------------------------------------------------------------

struct Alpha {
  std::string url;                   // DGRAPH_ALPHA
  std::filesystem::path export_dir;  // DGRAPH_EXPORT_DIR (Dgraph's --export)
  static Alpha from_env();

  // Requests an export (format rdf). `destination` empty: Dgraph's --export. Returns the task id, or
  // nullopt and *error with Dgraph's answer.
  std::optional<std::string> request_export(const std::string& destination = {}, std::string* error = nullptr,
                                            const std::string& format = "rdf") const;
  // An export whose task never starts until release(): a remote destination at a socket that accepts
  // and never answers holds this alpha's task queue (Dgraph runs its tasks one at a time).
  std::string hold_task_queue(std::uint16_t black_hole_port) const;
  void mutate(const std::string& nquads) const;
  void alter(const std::string& body) const;
  // The event the proxy would hand over for this export.
  dgraph::ExportEvent event(const std::string& task_id, const std::string& destination = {}) const;
  // Polls the task every 10 ms until Success/Failed; returns the first moment Success was seen.
  std::optional<std::chrono::steady_clock::time_point> wait_success(const std::string& task_id,
                                                                    std::chrono::seconds limit) const;
};

// A socket that accepts connections and never answers (holds a Dgraph task that talks to it).
class BlackHole {
 public:
  BlackHole();
  ~BlackHole();
  std::uint16_t port() const { return port_; }
  void close();  // connections reset: whatever waited on it fails

 private:
  void run();
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> accepted_;
  std::mutex mu_;
  std::thread thread_;
};

// ---- awscli ----------------------------------------------------------------------------------------

struct AwsResult {
  int exit_code = -1;
  std::string output;
};
AwsResult aws(const Backend& b, const std::string& s3api_args);
// HEAD with the key: exit 0 and SSE-C AES256 echoed.
AwsResult head_with_key(const Backend& b, const std::string& key);
AwsResult head_without_key(const Backend& b, const std::string& key);
// GET with the key into `out`.
AwsResult get_with_key(const Backend& b, const std::string& key, const std::filesystem::path& out);
std::vector<std::string> list_keys(const Backend& b);  // every key under b.prefix (via awscli)

// ---- a fake network --------------------------------------------------------------------------------

class OutageRelay {
 public:
  // Relays 127.0.0.1:<own port> to the endpoint's host:port. Starts refusing connections (down).
  explicit OutageRelay(const std::string& target_endpoint);
  ~OutageRelay();
  OutageRelay(const OutageRelay&) = delete;
  OutageRelay& operator=(const OutageRelay&) = delete;

  // The target endpoint with the relay's port in place of the server's ("http://127.0.0.1:PORT").
  std::string endpoint() const { return endpoint_; }
  void up();
  void down();  // stops listening and cuts every relayed connection
  void throttle(std::uint64_t bytes_per_second) { rate_ = bytes_per_second; }
  std::uint64_t bytes_to_server() const { return to_server_; }

 private:
  void accept_loop();
  void relay(int client);

  std::string endpoint_;
  std::uint16_t target_port_ = 0;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<std::uint64_t> rate_{0};
  std::atomic<std::uint64_t> to_server_{0};
  std::atomic<bool> cut_{false};
  std::mutex mu_;
  std::thread acceptor_;
  std::vector<std::thread> relays_;
  std::vector<int> open_fds_;
};

// ---- files -----------------------------------------------------------------------------------------

std::string read_file(const std::filesystem::path& p);
void set_mtime(const std::filesystem::path& p, std::chrono::system_clock::time_point t);
// Copies the regular files of `dir` into `to` (hard links would share Dgraph's inode: a copy it is).
void copy_files(const std::filesystem::path& dir, const std::filesystem::path& to);
// Inflates a gzip file completely (all members); nullopt if it is not valid gzip.
std::optional<std::string> gunzip(const std::string& bytes);

}  // namespace dsync::sync::it
