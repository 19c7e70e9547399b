#include "dsync_process.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

namespace dsync::testing {
namespace {

std::mutex outputs_mu;
std::vector<std::string>& outputs() {
  static std::vector<std::string> v;
  return v;
}

std::vector<std::string> env_strings(const EnvMap& env) {
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  if (!env.count("PATH")) out.push_back("PATH=/usr/local/bin:/usr/bin:/bin");
  return out;
}

// $DSYNC_BINARY, or the binary CMake built next to this test (ctest may not pass the variable).
std::string binary() {
  if (const char* p = std::getenv("DSYNC_BINARY"); p != nullptr && *p != '\0') return p;
  return DSYNC_BINARY_DEFAULT;
}

// fork + exec with stdout/stderr redirected to `out_fd`/`err_fd`.
pid_t spawn(const std::vector<std::string>& args, const EnvMap& env, int out_fd, int err_fd) {
  std::vector<std::string> argv_s{binary()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env_s = env_strings(env);
  std::vector<char*> argv, envp;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, STDIN_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

const std::vector<std::string>& all_outputs() {
  return outputs();
}

void remember_output(std::string text) {
  std::lock_guard lock(outputs_mu);
  outputs().push_back(std::move(text));
}

Outcome run_dsync(const std::vector<std::string>& args, const EnvMap& env, std::chrono::seconds timeout) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) return {};
  const pid_t pid = spawn(args, env, out_pipe[1], err_pipe[1]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  Outcome o;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0 && std::chrono::steady_clock::now() < deadline) {
    if (::poll(fds, 2, 200) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? o.out : o.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  int status = 0;
  if (open_fds > 0) ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  o.exit_code = open_fds > 0 ? -1 : exit_code_of(status);
  remember_output(o.out);
  remember_output(o.err);
  return o;
}

Daemon::Daemon(const std::vector<std::string>& args, const EnvMap& env, const std::filesystem::path& log)
    : log_(log) {
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_ = spawn(args, env, fd, fd);
  ::close(fd);
}

Daemon::~Daemon() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  remember_output(log_text());
}

std::string Daemon::log_text() const {
  return read_file(log_);
}

std::optional<std::string> Daemon::wait_for_log(const std::string& needle,
                                                std::chrono::seconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::istringstream in(log_text());
    for (std::string line; std::getline(in, line);) {
      if (line.find(needle) != std::string::npos) return line;
    }
    if (!reaped_ && ::waitpid(pid_, nullptr, WNOHANG) == pid_) return std::nullopt;  // it died
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

int Daemon::port_from_log(const std::string& needle, std::chrono::seconds timeout) const {
  auto line = wait_for_log(needle, timeout);
  if (!line) return -1;
  static const std::regex port(R"(\(port (\d+)\))");
  std::smatch m;
  return std::regex_search(*line, m, port) ? std::stoi(m[1]) : -1;
}

int Daemon::terminate(std::chrono::seconds timeout) {
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      return exit_code_of(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

HttpResult http_request(const std::string& url, const std::string& post_body,
                        const std::string& content_type) {
  HttpResult r;
  CURL* curl = curl_easy_init();
  curl_slist* headers = curl_slist_append(nullptr, ("Content-Type: " + content_type).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  if (!post_body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  }
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* out) {
        static_cast<std::string*>(out)->append(p, s * n);
        return s * n;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return r;
}

}  // namespace dsync::testing
