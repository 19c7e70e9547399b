// ScriptedOrigin: a fake upstream for the proxy's protocol mechanics that a real alpha cannot be made to
// show on demand (answering only after a delay, streaming events slowly, never answering, sending a
// chosen chunking). Each connection runs the test's script on its own thread with blocking sockets.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dsync::testing {

struct OriginRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool ok = false;
  std::string header(const std::string& name) const;
};

class OriginConnection {
 public:
  virtual ~OriginConnection() = default;
  virtual OriginRequest read_request() = 0;  // ok=false on EOF
  virtual void write(const std::string& raw) = 0;
};

class ScriptedOrigin {
 public:
  using Script = std::function<void(OriginConnection&)>;
  explicit ScriptedOrigin(Script script);
  ~ScriptedOrigin();
  std::uint16_t port() const;
  int connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dsync::testing
