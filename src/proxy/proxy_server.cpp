#include "proxy/proxy_server.h"

#include <atomic>
#include <charconv>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "proxy/session.h"

namespace dsync::proxy {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// ":10080" (all interfaces, dual-stack when IPv6 is available), "127.0.0.1:0", "[::1]:8080", "host:port".
tcp::endpoint resolve_listen(const std::string& listen) {
  auto fail = [&](const std::string& why) { return std::runtime_error("listen " + listen + ": " + why); };
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw fail("expected [host]:port");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string_view port_text(listen);
  port_text.remove_prefix(colon + 1);
  unsigned port = 0;
  auto [end, perr] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (perr != std::errc() || end != port_text.data() + port_text.size() || port_text.empty() ||
      port > 65535) {
    throw fail("invalid port");
  }
  if (host.empty()) return {tcp::v6(), static_cast<std::uint16_t>(port)};
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (!ec) return {addr, static_cast<std::uint16_t>(port)};
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) throw fail("cannot resolve " + host + ": " + ec.message());
  return results.begin()->endpoint();
}

void bind_acceptor(tcp::acceptor& acceptor, tcp::endpoint endpoint, const std::string& listen) {
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (ec && endpoint.address().is_v6() && endpoint.address().is_unspecified()) {
    endpoint = tcp::endpoint(tcp::v4(), endpoint.port());  // no IPv6 on this host
    acceptor.open(endpoint.protocol(), ec);
  }
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("listen " + listen + ": " + ec.message());
}

}  // namespace

struct ProxyServer::Impl {
  Impl(ProxySettings s, dgraph::ExportSink& sink, Clock& clock)
      : settings(std::move(s)), tap(sink, clock, settings.max_inspect_bytes, counters) {}

  asio::awaitable<void> accept_loop();

  ProxySettings settings;
  ProxyCounters counters;
  ExportTap tap;
  InFlightRequests in_flight;
  ResolverCache resolver_cache;
  std::optional<SessionContext> context;
  // One event loop per thread; a connection lives on one loop for its whole life, so the relay path
  // needs no locks. The acceptor lives on the first loop and hands sockets out round-robin.
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<std::thread> threads;
  std::optional<tcp::acceptor> acceptor;
  std::uint16_t port = 0;
  std::atomic<bool> stopped{false};
};

asio::awaitable<void> ProxyServer::Impl::accept_loop() {
  std::size_t next = 0;
  while (acceptor->is_open()) {
    auto& loop = *loops[next++ % loops.size()];
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor->async_accept(loop, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) break;
    if (ec) {
      // Out of file descriptors and the like: say so and back off instead of spinning.
      spdlog::warn("proxy accept failed: {}", ec.message());
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, run_session(std::move(socket), *context), [](const std::exception_ptr& e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        spdlog::error("proxy connection ended by an unexpected error: {}", x.what());
      }
    });
  }
}

ProxyServer::ProxyServer(ProxySettings settings, dgraph::ExportSink& sink, Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(settings), sink, clock)) {}

ProxyServer::~ProxyServer() {
  stop();
}

void ProxyServer::start() {
  auto& s = impl_->settings;
  std::string error;
  auto reverse = parse_upstream_url(s.upstream, error);
  if (!reverse) throw std::invalid_argument("upstream '" + s.upstream + "': " + error);
  std::vector<UpstreamAddress> forward;
  for (const auto& f : s.forward_upstreams) {
    auto a = parse_authority(f);
    if (!a) throw std::invalid_argument("forward upstream '" + f + "': expected host:port");
    forward.push_back(*a);
  }
  auto allowlist = AdminAllowlist::parse(s.admin_allow, error);
  if (!allowlist) throw std::invalid_argument(error);
  impl_->context.emplace(SessionContext{s, *reverse, std::move(forward), std::move(*allowlist), impl_->tap,
                                        impl_->counters, impl_->in_flight, impl_->resolver_cache});

  unsigned n = s.threads != 0 ? s.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) impl_->loops.push_back(std::make_unique<asio::io_context>(1));
  impl_->acceptor.emplace(*impl_->loops.front());
  bind_acceptor(*impl_->acceptor, resolve_listen(s.listen), s.listen);
  impl_->port = impl_->acceptor->local_endpoint().port();

  asio::co_spawn(*impl_->loops.front(), impl_->accept_loop(), asio::detached);
  for (auto& loop : impl_->loops) {
    impl_->threads.emplace_back([&ctx = *loop] {
      auto guard = asio::make_work_guard(ctx);
      ctx.run();
    });
  }
  spdlog::info("proxy listening on {} (port {}), upstream {}, {} threads", s.listen, impl_->port,
               reverse->base_url(), n);
}

std::uint16_t ProxyServer::port() const {
  return impl_->port;
}

void ProxyServer::stop_accepting() {
  if (!impl_->acceptor) return;
  impl_->in_flight.start_draining();
  asio::post(impl_->acceptor->get_executor(), [this] {
    boost::system::error_code ec;
    impl_->acceptor->close(ec);
  });
}

bool ProxyServer::drain(std::chrono::milliseconds grace) {
  impl_->in_flight.start_draining();
  return impl_->in_flight.wait_idle(grace);
}

void ProxyServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  for (auto& loop : impl_->loops) loop->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  // Destroying the loops destroys the suspended connection coroutines, closing their sockets.
  impl_->acceptor.reset();
  impl_->loops.clear();
}

ProxyStats ProxyServer::stats() const {
  const auto& c = impl_->counters;
  auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return ProxyStats{get(c.requests),         get(c.active_connections), get(c.exports_recognised),
                    get(c.inspect_failures), get(c.upstream_errors),    get(c.admin_denied)};
}

}  // namespace dsync::proxy
