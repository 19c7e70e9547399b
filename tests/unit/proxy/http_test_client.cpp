#include "http_test_client.h"

#include <stdexcept>

#include <zlib.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace dsync::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Reply to_reply(const http::response<http::string_body>& res) {
  Reply r;
  r.status = res.result_int();
  for (const auto& f : res) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  r.body = res.body();
  r.ok = true;
  return r;
}

Reply read_reply(tcp::socket& s, beast::flat_buffer& buf, bool head_request) {
  http::response_parser<http::string_body> p;
  p.body_limit(boost::none);
  p.header_limit(1 << 20);
  if (head_request) p.skip(true);
  beast::error_code ec;
  http::read(s, buf, p, ec);
  if (ec) return Reply{};
  return to_reply(p.get());
}

}  // namespace

std::string Reply::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return {};
}

struct Connection::Impl {
  asio::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
};

Connection::Connection(std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  impl_->socket.set_option(tcp::no_delay(true));
}

Connection::~Connection() = default;

void Connection::send(const std::string& raw) {
  asio::write(impl_->socket, asio::buffer(raw));
}

Reply Connection::read(bool head_request) {
  return read_reply(impl_->socket, impl_->buffer, head_request);
}

std::string Connection::read_raw_some() {
  if (impl_->buffer.size() > 0) {
    std::string out = beast::buffers_to_string(impl_->buffer.data());
    impl_->buffer.consume(impl_->buffer.size());
    return out;
  }
  char buf[65536];
  beast::error_code ec;
  std::size_t n = impl_->socket.read_some(asio::buffer(buf), ec);
  return std::string(buf, n);
}

bool Connection::closed_by_peer() {
  char c;
  beast::error_code ec;
  impl_->socket.read_some(asio::buffer(&c, 1), ec);
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

Reply exchange(std::uint16_t port, const std::string& raw, bool head_request) {
  Connection c(port);
  c.send(raw);
  return c.read(head_request);
}

std::string build_request(const std::string& method, const std::string& target,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body, bool with_length) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) r += k + ": " + v + "\r\n";
  if (with_length && (!body.empty() || method == "POST" || method == "PUT")) {
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  r += "\r\n" + body;
  return r;
}

std::vector<Reply> parse_responses(const std::string& bytes) {
  std::vector<Reply> out;
  std::string_view rest(bytes);
  while (!rest.empty()) {
    http::response_parser<http::string_body> p;
    p.body_limit(boost::none);
    p.eager(true);
    beast::error_code ec;
    std::size_t used = p.put(asio::buffer(rest.data(), rest.size()), ec);
    if (!ec && !p.is_done() && p.need_eof()) {
      p.put_eof(ec);
      used = rest.size();
    }
    if (ec || !p.is_done()) break;
    out.push_back(to_reply(p.get()));
    rest.remove_prefix(used);
  }
  return out;
}

struct TcpRecorder::Impl {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::string host;
  std::uint16_t target_port = 0;
  mutable std::mutex mu;
  std::vector<std::shared_ptr<std::string>> records;
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::thread acceptor_thread;
  std::atomic<bool> stopping{false};
};

TcpRecorder::TcpRecorder(std::string target_host, std::uint16_t target_port)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(target_host);
  impl_->target_port = target_port;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->acceptor_thread = std::thread([this] { accept_loop(); });
}

void TcpRecorder::accept_loop() {
  while (!impl_->stopping) {
    auto client = std::make_shared<tcp::socket>(impl_->ioc);
    beast::error_code ec;
    impl_->acceptor.accept(*client, ec);
    if (ec || impl_->stopping) return;
    auto server = std::make_shared<tcp::socket>(impl_->ioc);
    tcp::resolver resolver(impl_->ioc);
    asio::connect(*server, resolver.resolve(impl_->host, std::to_string(impl_->target_port)), ec);
    if (ec) continue;
    auto record = std::make_shared<std::string>();
    std::lock_guard lock(impl_->mu);
    impl_->records.push_back(record);
    impl_->sockets.push_back(client);
    impl_->sockets.push_back(server);
    auto pump = [this](std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to,
                       std::shared_ptr<std::string> rec) {
      char buf[65536];
      while (true) {
        beast::error_code e;
        std::size_t n = from->read_some(asio::buffer(buf), e);
        if (n > 0 && rec) {
          std::lock_guard l(impl_->mu);
          rec->append(buf, n);
        }
        if (n > 0) asio::write(*to, asio::buffer(buf, n), e);
        if (e) break;
      }
      beast::error_code ignored;
      to->shutdown(tcp::socket::shutdown_send, ignored);
    };
    impl_->threads.emplace_back(pump, client, server, nullptr);
    impl_->threads.emplace_back(pump, server, client, record);
  }
}

TcpRecorder::~TcpRecorder() {
  impl_->stopping = true;
  beast::error_code ec;
  impl_->acceptor.close(ec);
  {
    std::lock_guard lock(impl_->mu);
    for (auto& s : impl_->sockets) s->shutdown(tcp::socket::shutdown_both, ec);
  }
  // The blocking accept does not notice close() on every platform: poke it with a connection.
  {
    tcp::socket poke(impl_->ioc);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  }
  impl_->acceptor_thread.join();
  for (auto& t : impl_->threads) t.join();
}

std::vector<std::string> TcpRecorder::server_bytes() const {
  std::lock_guard lock(impl_->mu);
  std::vector<std::string> out;
  for (const auto& r : impl_->records) out.push_back(*r);
  return out;
}

void TcpRecorder::clear() {
  std::lock_guard lock(impl_->mu);
  impl_->records.clear();
}

std::string gzip(std::string_view plain) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, static_cast<uLong>(plain.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string gunzip(std::string_view z) {
  z_stream zs{};
  inflateInit2(&zs, 16 + MAX_WBITS);
  std::string out;
  char buf[65536];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data()));
  zs.avail_in = static_cast<uInt>(z.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace dsync::testing
