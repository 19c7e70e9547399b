// Access to the real test servers started by scripts/testenv.sh. The script writes KEY=VALUE lines to
// an env file; $DSYNC_TESTENV names it. A component the script could not provide is listed with
// <NAME>_AVAILABLE=0 and <NAME>_UNAVAILABLE_REASON: its tests are skipped (and show as skipped).
// A missing env file is a failure, not a skip: integration tests never pass without real servers.
#pragma once

#include <map>
#include <string>

#include <gtest/gtest.h>

namespace dsync::testenv {

class Env {
 public:
  static const Env& get();
  bool loaded() const { return loaded_; }
  const std::string& path() const { return path_; }
  // Value of `name`; ADD_FAILURE and "" if absent.
  std::string operator[](const std::string& name) const;
  std::string value_or(const std::string& name, const std::string& fallback) const;
  // "" if the component is available, else the reason it is not.
  std::string unavailable_reason(const std::string& component) const;

 private:
  bool loaded_ = false;
  std::string path_;
  std::map<std::string, std::string> vars_;
};

// Path of ../shared (test vectors), from $DSYNC_SHARED_DIR.
std::string shared_dir();
// Path of the dsync binary under test, from $DSYNC_BINARY.
std::string dsync_binary();

}  // namespace dsync::testenv

// Use at the top of an integration test: fails without an env file, skips if `component` ("RGW",
// "MINIO", "DGRAPH", "DGRAPH2") is recorded as unavailable.
#define DSYNC_REQUIRE(component)                                                            \
  do {                                                                                      \
    const auto& dsync_env_ = ::dsync::testenv::Env::get();                                  \
    if (!dsync_env_.loaded()) {                                                             \
      FAIL() << "no test environment: run scripts/testenv.sh up and set DSYNC_TESTENV";     \
    }                                                                                       \
    auto dsync_why_ = dsync_env_.unavailable_reason(component);                             \
    if (!dsync_why_.empty()) GTEST_SKIP() << component << " not available: " << dsync_why_; \
  } while (0)
