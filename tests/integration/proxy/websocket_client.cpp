#include "websocket_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace dsync::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct WebSocketClient::Impl {
  asio::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  std::string subprotocol;
};

WebSocketClient::WebSocketClient(std::uint16_t port, const std::string& target,
                                 const std::string& subprotocol, std::chrono::seconds read_timeout)
    : impl_(std::make_unique<Impl>()) {
  auto& sock = impl_->ws.next_layer();
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(read_timeout.count());
  setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  impl_->ws.set_option(websocket::stream_base::decorator([subprotocol](websocket::request_type& req) {
    req.set(beast::http::field::sec_websocket_protocol, subprotocol);
  }));
  websocket::response_type res;
  impl_->ws.handshake(res, "127.0.0.1:" + std::to_string(port), target);
  impl_->subprotocol = std::string(res[beast::http::field::sec_websocket_protocol]);
}

WebSocketClient::~WebSocketClient() {
  beast::error_code ec;
  impl_->ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
}

std::string WebSocketClient::accepted_subprotocol() const {
  return impl_->subprotocol;
}

void WebSocketClient::send(const std::string& text) {
  impl_->ws.text(true);
  impl_->ws.write(asio::buffer(text));
}

std::optional<std::string> WebSocketClient::receive() {
  beast::flat_buffer buf;
  beast::error_code ec;
  impl_->ws.read(buf, ec);
  if (ec) return std::nullopt;
  return beast::buffers_to_string(buf.data());
}

}  // namespace dsync::testing
