// A minimal blocking WebSocket client (Beast) for the graphql-ws subscription test; every read is bounded
// by a socket receive timeout so a missing message fails the test instead of hanging it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace dsync::testing {

class WebSocketClient {
 public:
  // Connects to 127.0.0.1:`port`, upgrades `target` offering `subprotocol`; throws on failure.
  WebSocketClient(std::uint16_t port, const std::string& target, const std::string& subprotocol,
                  std::chrono::seconds read_timeout);
  ~WebSocketClient();
  std::string accepted_subprotocol() const;
  void send(const std::string& text);
  std::optional<std::string> receive();  // nullopt on timeout or close

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dsync::testing
