#include "faultbox_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

namespace dsync::s3::testing {
namespace {

std::filesystem::path script_path() {
  if (const char* src = std::getenv("DSYNC_SOURCE_DIR"); src != nullptr && *src != '\0') {
    return std::filesystem::path(src) / "tests" / "tools" / "faultbox" / "faultbox.py";
  }
  return DSYNC_FAULTBOX_SCRIPT;
}

}  // namespace

FaultboxProcess::FaultboxProcess(const std::string& upstream, const std::string& schedule,
                                 double stall_seconds) {
  dir_ =
      std::filesystem::temp_directory_path() / ("dsync-faultbox-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir_);
  const std::string port_file = (dir_ / "port").string();
  const std::string log_file = (dir_ / "requests.jsonl").string();
  const std::string script = script_path().string();
  const std::string stall = std::to_string(stall_seconds);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a test process that was killed
    execlp("python3", "python3", script.c_str(), "--upstream", upstream.c_str(), "--schedule",
           schedule.c_str(), "--port-file", port_file.c_str(), "--log", log_file.c_str(), "--stall-seconds",
           stall.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait (bounded) for the middlebox to listen; it writes the port file atomically once it does.
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    std::ifstream in(port_file);
    if (in >> port_) break;
    port_ = 0;
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

FaultboxProcess::~FaultboxProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string FaultboxProcess::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<FaultboxRequest> FaultboxProcess::requests() const {
  std::vector<FaultboxRequest> out;
  std::ifstream in(dir_ / "requests.jsonl");
  static const std::regex kLine(
      R"re(\{"seq": \d+, "op": "([A-Za-z]+)", "ordinal": (\d+), "part": (null|\d+), "fault": (null|"([a-z0-9_]+)"), "conn": (\d+)\})re");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, kLine)) continue;
    out.push_back({m[1], std::stoi(m[2]), m[3] == "null" ? 0 : std::stoi(m[3]), m[5], std::stoi(m[6])});
  }
  return out;
}

int FaultboxProcess::injected(const std::string& fault) const {
  int n = 0;
  for (const auto& r : requests()) n += r.fault == fault ? 1 : 0;
  return n;
}

}  // namespace dsync::s3::testing
