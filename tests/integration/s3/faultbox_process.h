// Runs tests/tools/faultbox/faultbox.py (the fault-injecting middlebox) in front of a real S3 server for
// the lifetime of the object, and reads back which requests it saw and which faults it injected.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace dsync::s3::testing {

struct FaultboxRequest {
  std::string op;
  int ordinal = 0;
  int part = 0;        // 0 if not an UploadPart
  std::string fault;   // "" if forwarded untouched
  int connection = 0;  // the faultbox's number for the client connection that carried the request
};

class FaultboxProcess {
 public:
  // `upstream`: http://127.0.0.1:PORT; `schedule`: "UploadPart#2=503,..." (see faultbox.py).
  FaultboxProcess(const std::string& upstream, const std::string& schedule, double stall_seconds = 5);
  ~FaultboxProcess();
  FaultboxProcess(const FaultboxProcess&) = delete;
  FaultboxProcess& operator=(const FaultboxProcess&) = delete;

  bool started() const { return port_ != 0; }
  std::string endpoint() const;  // http://127.0.0.1:PORT
  std::vector<FaultboxRequest> requests() const;
  int injected(const std::string& fault) const;

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace dsync::s3::testing
