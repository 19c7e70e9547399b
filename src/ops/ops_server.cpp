#include "ops/ops_server.h"

#include <charconv>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace dsync::ops {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// "[::1]:10081" -> {"::1", "10081"}; ":10081" -> {"0.0.0.0", "10081"}.
std::pair<std::string, std::string> split_listen(const std::string& listen) {
  std::string host, port;
  if (!listen.empty() && listen.front() == '[') {
    auto close = listen.find(']');
    host = listen.substr(1, close - 1);
    if (close != std::string::npos && close + 1 < listen.size()) port = listen.substr(close + 2);
  } else {
    auto colon = listen.rfind(':');
    host = listen.substr(0, colon);
    if (colon != std::string::npos) port = listen.substr(colon + 1);
  }
  if (host.empty()) host = "0.0.0.0";
  return {host, port};
}

Response text_response(const Request& req, http::status status, std::string body, std::string_view type) {
  Response res{status, req.version()};
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();  // Content-Length stays that of GET
  res.keep_alive(req.keep_alive());
  return res;
}

}  // namespace

struct OpsServer::Impl {
  OpsSettings settings;
  OpsHandlers handlers;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::uint16_t port = 0;

  Response respond(const Request& req) const {
    constexpr std::string_view kText = "text/plain; charset=utf-8";
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      auto res = text_response(req, http::status::method_not_allowed, "use GET\n", kText);
      res.set(http::field::allow, "GET, HEAD");
      return res;
    }
    const std::string_view target = req.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/metrics") {
      return text_response(req, http::status::ok, handlers.metrics(),
                           "text/plain; version=0.0.4; charset=utf-8");
    }
    if (path == "/healthz") return text_response(req, http::status::ok, "ok\n", kText);
    if (path == "/readyz") {
      std::string why;
      if (handlers.ready(&why)) return text_response(req, http::status::ok, "ready\n", kText);
      return text_response(req, http::status::service_unavailable, "not ready: " + why + "\n", kText);
    }
    if (path == "/status")
      return text_response(req, http::status::ok, handlers.status_json(), "application/json");
    return text_response(req, http::status::not_found,
                         "not found; try /metrics, /healthz, /readyz, /status\n", kText);
  }

  Response respond_safely(const Request& req) const {
    try {
      return respond(req);
    } catch (const std::exception& e) {
      spdlog::warn("ops: {} {} failed: {}", std::string(req.method_string()), std::string(req.target()),
                   e.what());
      return text_response(req, http::status::internal_server_error, "internal error\n", "text/plain");
    }
  }

  asio::awaitable<void> session(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(std::uint32_t{16 * 1024});
      parser.body_limit(std::uint64_t{64} * 1024);
      stream.expires_after(std::chrono::seconds(30));
      auto [read_ec, read_n] = co_await http::async_read(stream, buffer, parser, kUseTuple);
      if (read_ec) break;  // end_of_stream, timeout, malformed request: nothing to answer
      Response res = respond_safely(parser.get());
      const bool keep_alive = res.keep_alive();
      auto [write_ec, write_n] = co_await http::async_write(stream, res, kUseTuple);
      if (write_ec || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
      asio::co_spawn(io, session(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }
};

OpsServer::OpsServer(OpsSettings settings, OpsHandlers handlers) : impl_(std::make_unique<Impl>()) {
  impl_->settings = std::move(settings);
  impl_->handlers = std::move(handlers);
}

OpsServer::~OpsServer() {
  stop();
}

void OpsServer::start() {
  auto [host, port] = split_listen(impl_->settings.listen);
  try {
    tcp::resolver resolver(impl_->io);
    auto endpoints = resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service);
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + impl_->settings.listen + ": " + e.code().message());
  }
  impl_->port = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

std::uint16_t OpsServer::port() const {
  return impl_->port;
}

void OpsServer::stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->io.stop();
  });
  impl_->thread.join();
}

}  // namespace dsync::ops
