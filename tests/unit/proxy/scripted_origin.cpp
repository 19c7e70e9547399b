#include "scripted_origin.h"

#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace dsync::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class BlockingConnection final : public OriginConnection {
 public:
  explicit BlockingConnection(std::shared_ptr<tcp::socket> s) : socket_(std::move(s)) {}
  OriginRequest read_request() override {
    http::request_parser<http::string_body> p;
    p.body_limit(boost::none);
    beast::error_code ec;
    http::read(*socket_, buffer_, p, ec);
    OriginRequest r;
    if (ec) return r;
    auto& m = p.get();
    r.method = std::string(m.method_string());
    r.target = std::string(m.target());
    for (const auto& f : m) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(m.body());
    r.ok = true;
    return r;
  }
  void write(const std::string& raw) override {
    beast::error_code ec;
    asio::write(*socket_, asio::buffer(raw), ec);
  }

 private:
  std::shared_ptr<tcp::socket> socket_;
  beast::flat_buffer buffer_;
};

}  // namespace

std::string OriginRequest::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return {};
}

struct ScriptedOrigin::Impl {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  Script script;
  std::thread acceptor_thread;
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::mutex mu;
  std::atomic<bool> stopping{false};
  std::atomic<int> connections{0};
  std::uint16_t port = 0;
};

ScriptedOrigin::ScriptedOrigin(Script script) : impl_(std::make_unique<Impl>()) {
  impl_->script = std::move(script);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->acceptor_thread = std::thread([impl = impl_.get()] {
    while (!impl->stopping) {
      auto s = std::make_shared<tcp::socket>(impl->ioc);
      beast::error_code ec;
      impl->acceptor.accept(*s, ec);
      if (ec || impl->stopping) return;
      impl->connections++;
      std::lock_guard lock(impl->mu);
      impl->sockets.push_back(s);
      impl->threads.emplace_back([impl, s] {
        BlockingConnection c(s);
        impl->script(c);
        beast::error_code ignored;
        s->shutdown(tcp::socket::shutdown_both, ignored);
      });
    }
  });
}

ScriptedOrigin::~ScriptedOrigin() {
  impl_->stopping = true;
  beast::error_code ec;
  {
    tcp::socket poke(impl_->ioc);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port), ec);
  }
  impl_->acceptor_thread.join();
  {
    std::lock_guard lock(impl_->mu);
    for (auto& s : impl_->sockets) s->shutdown(tcp::socket::shutdown_both, ec);
  }
  for (auto& t : impl_->threads) t.join();
}

std::uint16_t ScriptedOrigin::port() const {
  return impl_->port;
}
int ScriptedOrigin::connections() const {
  return impl_->connections;
}

}  // namespace dsync::testing
