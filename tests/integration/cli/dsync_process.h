// Runs the real dsync binary ($DSYNC_BINARY) the way an operator would: arguments, environment,
// captured stdout/stderr. Every output is kept so a test can check that the key never appears in it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dsync::testing {

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Every stdout/stderr text any dsync run in this test process produced (for the key-leak check).
const std::vector<std::string>& all_outputs();
void remember_output(std::string text);

using EnvMap = std::map<std::string, std::string>;

// Runs dsync to completion (at most `timeout`, then SIGKILL and exit_code -1). The child's environment is
// exactly `env` (plus PATH): nothing leaks in from the test runner.
Outcome run_dsync(const std::vector<std::string>& args, const EnvMap& env,
                  std::chrono::seconds timeout = std::chrono::seconds(120));

// A dsync left running (serve); stdout+stderr go to a log file.
class Daemon {
 public:
  Daemon(const std::vector<std::string>& args, const EnvMap& env, const std::filesystem::path& log);
  ~Daemon();  // SIGKILL if still running
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Waits until the log has a line containing `needle`; returns that line.
  std::optional<std::string> wait_for_log(const std::string& needle, std::chrono::seconds timeout) const;
  // The port in "... (port N)" on the first log line containing `needle`.
  int port_from_log(const std::string& needle, std::chrono::seconds timeout) const;
  std::string log_text() const;
  // SIGTERM, then the exit status (or -1 if it did not exit within `timeout`).
  int terminate(std::chrono::seconds timeout);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
  bool reaped_ = false;
};

// A tiny HTTP GET for the ops endpoints and Dgraph (libcurl).
struct HttpResult {
  long status = 0;
  std::string body;
};
HttpResult http_request(const std::string& url, const std::string& post_body = {},
                        const std::string& content_type = "application/json");

}  // namespace dsync::testing
