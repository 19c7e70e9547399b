#include "support/testenv.h"

#include <cstdlib>
#include <fstream>

namespace dsync::testenv {

const Env& Env::get() {
  static const Env env = [] {
    Env e;
    const char* p = std::getenv("DSYNC_TESTENV");
    if (p == nullptr || *p == '\0') return e;
    std::ifstream in(p);
    if (!in) return e;
    e.path_ = p;
    e.loaded_ = true;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      if (line.rfind("export ", 0) == 0) line.erase(0, 7);
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string value = line.substr(eq + 1);
      if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
          value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
      }
      e.vars_[line.substr(0, eq)] = value;
    }
    return e;
  }();
  return env;
}

std::string Env::operator[](const std::string& name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) {
    ADD_FAILURE() << "test environment has no " << name << " (" << path_ << ")";
    return {};
  }
  return it->second;
}

std::string Env::value_or(const std::string& name, const std::string& fallback) const {
  auto it = vars_.find(name);
  return it == vars_.end() ? fallback : it->second;
}

std::string Env::unavailable_reason(const std::string& component) const {
  if (value_or(component + "_AVAILABLE", "0") == "1") return {};
  return value_or(component + "_UNAVAILABLE_REASON", "not started by scripts/testenv.sh");
}

std::string shared_dir() {
  const char* p = std::getenv("DSYNC_SHARED_DIR");
  return p != nullptr && *p != '\0' ? p : DSYNC_DEFAULT_SHARED_DIR;
}

std::string dsync_binary() {
  const char* p = std::getenv("DSYNC_BINARY");
  return p != nullptr && *p != '\0' ? p : DSYNC_DEFAULT_BINARY;
}

}  // namespace dsync::testenv
