#include "proxy/session.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>

#include <spdlog/spdlog.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "proxy/http_relay.h"

namespace dsync::proxy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using relay::token;
using namespace asio::experimental::awaitable_operators;

constexpr std::size_t kRelayBufferBytes = std::size_t{32} * 1024;
// An upstream connection idle this long is not reused: alpha drops idle connections after 2 minutes
// (x/server.go IdleTimeout) and a request written into a connection it is closing would be lost.
constexpr auto kUpstreamReuseWindow = std::chrono::seconds(30);
// A connection used this recently is reused without first peeking for a close from alpha (one syscall
// saved per request on the hot path); a close that races with reuse is caught by the retry in serve().
constexpr auto kFreshWithoutPeek = std::chrono::seconds(1);

// Beast sizes each read by the read buffer's spare capacity (at least 512 bytes): without room reserved up
// front, a large body would be relayed 512 bytes per read and write (measured: 0.05x direct on a 1 GiB
// download). 32 KiB per side matches the relay buffer.
constexpr std::size_t kReadBufferBytes = std::size_t{32} * 1024;

struct Upstream {
  explicit Upstream(const asio::any_io_executor& ex) : stream(ex) { buffer.reserve(kReadBufferBytes); }
  tcp::socket stream;
  beast::flat_buffer buffer;
  UpstreamAddress address;
  std::chrono::steady_clock::time_point idle_since;
};

// True if the peer closed (or sent something unasked) while the connection sat idle.
bool went_stale(tcp::socket& s) {
  char c;
  auto n = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

bool is_upgrade(const http::fields& f) {
  if (f.count(http::field::upgrade) == 0) return false;
  for (auto t : http::token_list(f[http::field::connection])) {
    if (beast::iequals(t, "upgrade")) return true;
  }
  return false;
}

struct RequestFacts {
  bool keep_alive = true;
  bool http10 = false;
  bool head = false;
  bool upgrade = false;
  bool expects_continue = false;
  bool admin = false;
  std::string auth_token;
  std::string access_token;
};

class Session {
 public:
  Session(tcp::socket socket, SessionContext& ctx);
  asio::awaitable<void> run();
  asio::awaitable<void> watchdog();

 private:
  enum class Next { keep_alive, close };
  using RequestParser = relay::Parser<true>;
  using ResponseParser = relay::Parser<false>;

  asio::awaitable<bool> await_request();
  asio::awaitable<Next> serve(RequestParser& req_p);
  void rewrite_request_head(http::request<http::buffer_body>& req, const RoutedRequest& routed,
                            const RequestFacts& facts);
  asio::awaitable<beast::error_code> connect(const UpstreamAddress& target, bool& reused);
  asio::awaitable<relay::Outcome> send_request(RequestParser& req_p, const std::string* buffered_body);
  asio::awaitable<beast::error_code> read_response_head(std::optional<ResponseParser>& res_p,
                                                        const RequestFacts& facts);
  asio::awaitable<Next> relay_response(ResponseParser& res_p, const RequestFacts& facts,
                                       const dgraph::ExportRequest& export_request,
                                       const RoutedRequest& routed);
  asio::awaitable<void> tunnel(ResponseParser& res_p);
  asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to);
  asio::awaitable<void> send_continue();
  asio::awaitable<void> reply_error(unsigned status, std::string_view message, std::string_view code,
                                    bool keep);
  asio::awaitable<Next> refuse(RequestParser& req_p, unsigned status, std::string message,
                               std::string_view code);
  asio::awaitable<bool> discard_body(RequestParser& req_p);
  asio::awaitable<Next> reply_upstream_failure(beast::error_code ec, const RoutedRequest& routed,
                                               RequestParser& req_p, const RequestFacts& facts);

  relay::Side client_side(std::chrono::seconds timeout) {
    return {client_, client_buffer_, deadline_, timeout};
  }
  relay::Side upstream_side(std::chrono::seconds timeout) {
    return {upstream_->stream, upstream_->buffer, deadline_, timeout};
  }
  // What an expired deadline cuts: only the upstream connection while alpha is being waited for (the
  // client then gets a 504), else the whole exchange.
  enum class OnExpiry { close_all, close_upstream };
  void expect_upstream(std::chrono::seconds timeout) {
    on_expiry_ = OnExpiry::close_upstream;
    deadline_.arm(timeout);
  }
  // True (once) if the last failure was the deadline's doing.
  bool take_timeout() { return std::exchange(timed_out_, false); }
  std::span<char> relay_buffer();
  void drop_upstream();

  tcp::socket client_;
  beast::flat_buffer client_buffer_;
  relay::Deadline deadline_;
  OnExpiry on_expiry_ = OnExpiry::close_all;
  bool timed_out_ = false;
  asio::steady_timer watchdog_timer_;
  SessionContext& ctx_;
  asio::ip::address peer_;
  std::string peer_text_;
  std::optional<Upstream> upstream_;
  std::unique_ptr<char[]> relay_buffer_;
  std::string head_scratch_;  // the head being written, reused across messages
};

// How late a timeout may fire, as a share of the shortest configured timeout: the watchdog checks the
// deadline at this period rather than re-arming a timer for every operation.
std::chrono::milliseconds watchdog_period(const ProxySettings& s) {
  auto shortest = std::min({s.header_timeout, s.idle_timeout, s.upstream_connect_timeout, s.upstream_timeout,
                            s.admin_timeout, s.tunnel_idle_timeout});
  auto period = std::chrono::duration_cast<std::chrono::milliseconds>(shortest) / 4;
  return std::clamp(period, std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
}

Session::Session(tcp::socket socket, SessionContext& ctx)
    : client_(std::move(socket)), watchdog_timer_(client_.get_executor()), ctx_(ctx) {
  client_buffer_.reserve(kReadBufferBytes);
}

asio::awaitable<void> Session::watchdog() {
  const auto period = watchdog_period(ctx_.settings);
  beast::error_code ec;
  while (true) {
    watchdog_timer_.expires_after(period);
    co_await watchdog_timer_.async_wait(token(ec));
    if (ec) co_return;  // the session ended
    if (std::chrono::steady_clock::now() < deadline_.at) continue;
    // Closing the socket makes the pending operation fail; take_timeout() tells that failure apart.
    timed_out_ = true;
    deadline_.at = std::chrono::steady_clock::time_point::max();
    beast::error_code ignored;
    if (upstream_) upstream_->stream.close(ignored);
    if (on_expiry_ == OnExpiry::close_all) client_.close(ignored);
  }
}

std::span<char> Session::relay_buffer() {
  if (!relay_buffer_) relay_buffer_ = std::make_unique<char[]>(kRelayBufferBytes);
  return {relay_buffer_.get(), kRelayBufferBytes};
}

void Session::drop_upstream() {
  if (!upstream_) return;
  beast::error_code ignored;
  upstream_->stream.shutdown(tcp::socket::shutdown_both, ignored);
  upstream_->stream.close(ignored);
  upstream_.reset();
}

asio::awaitable<void> Session::run() {
  ctx_.counters.active_connections.fetch_add(1, std::memory_order_relaxed);
  beast::error_code ec;
  client_.set_option(tcp::no_delay(true), ec);
  auto remote = client_.remote_endpoint(ec);
  peer_ = remote.address();
  if (peer_.is_v6() && peer_.to_v6().is_v4_mapped())
    peer_ = asio::ip::make_address_v4(asio::ip::v4_mapped, peer_.to_v6());
  peer_text_ = peer_.to_string();

  while (co_await await_request()) {
    RequestParser req_p;
    req_p.header_limit(static_cast<std::uint32_t>(ctx_.settings.max_header_bytes));
    req_p.body_limit(boost::none);
    deadline_.arm(ctx_.settings.header_timeout);
    co_await http::async_read_header(client_, client_buffer_, req_p, token(ec));
    if (ec == http::error::header_limit) {
      co_await reply_error(431, "dsync: request header too large", "ErrorInvalidRequest", false);
      break;
    }
    if (ec) {
      if (!take_timeout() && ec != http::error::end_of_stream && ec != asio::error::eof && req_p.got_some()) {
        co_await reply_error(400, "dsync: malformed request", "ErrorInvalidRequest", false);
      }
      break;
    }
    ctx_.counters.requests.fetch_add(1, std::memory_order_relaxed);
    ctx_.in_flight.begin();
    Next next = co_await serve(req_p);
    ctx_.in_flight.end();
    if (next == Next::close) break;
  }
  drop_upstream();
  client_.shutdown(tcp::socket::shutdown_send, ec);
  client_.close(ec);
  ctx_.counters.active_connections.fetch_sub(1, std::memory_order_relaxed);
}

// Waits for the first byte of the next request under the keep-alive idle timeout; the header then
// gets the (shorter) slow-client timeout.
asio::awaitable<bool> Session::await_request() {
  if (client_buffer_.size() > 0) co_return true;
  beast::error_code ec;
  deadline_.arm(ctx_.settings.idle_timeout);
  std::size_t n = co_await client_.async_read_some(client_buffer_.prepare(std::size_t{16} * 1024), token(ec));
  client_buffer_.commit(n);
  co_return !ec || n > 0;
}

asio::awaitable<Session::Next> Session::serve(RequestParser& req_p) {
  auto& req = req_p.get();
  auto routed = route_request(req.method_string(), req.target(), ctx_.reverse, ctx_.forward_allowed);
  if (routed.kind == RoutedRequest::Kind::refused) {
    co_return co_await refuse(req_p, routed.refusal_status, "dsync: " + routed.refusal, "ErrorForbidden");
  }
  RequestFacts facts;
  facts.admin = is_admin_path(routed.path);
  if (facts.admin && !ctx_.allowlist.allows(peer_)) {
    ctx_.counters.admin_denied.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("admin request {} {} from {} refused: not in the admin allowlist",
                 std::string_view(req.method_string()), routed.path, peer_text_);
    co_return co_await refuse(
        req_p, 403, "dsync: admin access from " + peer_text_ + " is not allowed by the admin allowlist",
        "ErrorUnauthorized");
  }
  facts.keep_alive = req.keep_alive();
  facts.http10 = req.version() == 10;
  facts.head = req.method() == http::verb::head;
  facts.upgrade = is_upgrade(req);
  facts.expects_continue = !facts.http10 && beast::iequals(req[http::field::expect], "100-continue");

  // Export candidates: buffer the request body (up to the cap) and recognise the export before
  // anything goes upstream, so the answer can be inspected.
  dgraph::ExportRequest export_request;
  std::string buffered_body;
  bool buffered = ExportTap::is_candidate(req.method_string(), routed.path);
  if (buffered) {
    facts.auth_token = std::string(req["X-Dgraph-AuthToken"]);
    facts.access_token = std::string(req["X-Dgraph-AccessToken"]);
    if (facts.expects_continue && !req_p.is_done()) co_await send_continue();
    facts.expects_continue = false;
    auto ec = co_await relay::read_body_prefix(req_p, client_side(ctx_.settings.header_timeout),
                                               buffered_body, ctx_.tap.max_inspect_bytes());
    if (ec) co_return Next::close;
    dgraph::HttpRequestView view;
    view.method = req.method_string();
    view.target = routed.origin_target;
    view.content_type = req[http::field::content_type];
    view.content_encoding = req[http::field::content_encoding];
    view.body = buffered_body;
    view.body_complete = req_p.is_done();
    export_request = ctx_.tap.recognise_request(view);
  }

  rewrite_request_head(req, routed, facts);
  bool reused = false;
  if (auto ec = co_await connect(routed.upstream, reused)) {
    co_return co_await reply_upstream_failure(ec, routed, req_p, facts);
  }
  if (facts.expects_continue && !req_p.is_done()) co_await send_continue();

  // A request that can be sent again (no body, or all of it buffered) is retried once on a fresh
  // connection when a reused one turns out to have been closed by alpha in the meantime.
  bool replayable = req_p.is_done();
  std::optional<ResponseParser> res_p;
  for (int attempt = 0;; ++attempt) {
    auto sent = co_await send_request(req_p, buffered ? &buffered_body : nullptr);
    beast::error_code ec = sent.ec;
    if (!sent && sent.reading) co_return Next::close;  // the client went away mid-body
    if (!ec) ec = co_await read_response_head(res_p, facts);
    if (!ec) break;
    bool nothing_received = !res_p || !res_p->got_some();
    if (reused && replayable && attempt == 0 && nothing_received && !timed_out_) {
      drop_upstream();
      if (!(ec = co_await connect(routed.upstream, reused))) continue;
    }
    drop_upstream();
    co_return co_await reply_upstream_failure(ec, routed, req_p, facts);
  }

  if (facts.upgrade && res_p->get().result() == http::status::switching_protocols) {
    co_await tunnel(*res_p);
    co_return Next::close;
  }
  co_return co_await relay_response(*res_p, facts, export_request, routed);
}

void Session::rewrite_request_head(http::request<http::buffer_body>& req, const RoutedRequest& routed,
                                   const RequestFacts& facts) {
  relay::strip_hop_by_hop(req, facts.upgrade);
  if (facts.upgrade) req.set(http::field::connection, "Upgrade");
  // dsync answers "100 Continue" itself and streams the body right away (as nginx does), so alpha is
  // not asked to; this avoids waiting on an interim answer an upstream may never send.
  if (facts.expects_continue) req.erase(http::field::expect);
  if (req.chunked()) req.erase(http::field::content_length);  // never forward an ambiguous length
  if (routed.kind == RoutedRequest::Kind::forward) req.set(http::field::host, routed.upstream.authority());
  req.target(routed.origin_target);
  auto xff = req["X-Forwarded-For"];
  req.set("X-Forwarded-For", xff.empty() ? peer_text_ : std::string(xff) + ", " + peer_text_);
  auto via = req[http::field::via];
  std::string hop = facts.http10 ? "1.0 dsync" : "1.1 dsync";
  req.set(http::field::via, via.empty() ? hop : std::string(via) + ", " + hop);
  req.version(11);
}

asio::awaitable<beast::error_code> Session::connect(const UpstreamAddress& target, bool& reused) {
  reused = false;
  auto idle = upstream_ ? std::chrono::steady_clock::now() - upstream_->idle_since : kUpstreamReuseWindow;
  if (upstream_ && upstream_->address == target && idle < kUpstreamReuseWindow &&
      upstream_->buffer.size() == 0 && (idle < kFreshWithoutPeek || !went_stale(upstream_->stream))) {
    reused = true;
    co_return beast::error_code{};
  }
  drop_upstream();
  beast::error_code ec;
  std::string authority = target.authority();
  auto results = ctx_.resolver_cache.find(authority);
  if (!results) {
    tcp::resolver resolver(client_.get_executor());
    results = co_await resolver.async_resolve(target.host, std::to_string(target.port), token(ec));
    if (ec) co_return ec;
    ctx_.resolver_cache.store(authority, *results);
  }
  upstream_.emplace(client_.get_executor());
  upstream_->address = target;
  expect_upstream(ctx_.settings.upstream_connect_timeout);
  co_await asio::async_connect(upstream_->stream, *results, token(ec));
  on_expiry_ = OnExpiry::close_all;
  if (ec) {
    upstream_.reset();
    co_return ec;
  }
  upstream_->stream.set_option(tcp::no_delay(true), ec);
  co_return beast::error_code{};
}

asio::awaitable<relay::Outcome> Session::send_request(RequestParser& req_p,
                                                      const std::string* buffered_body) {
  relay::MessageWriter<true> w{req_p.get(), head_scratch_};
  auto to = upstream_side(ctx_.settings.upstream_timeout);
  auto from = client_side(ctx_.settings.header_timeout);
  relay::Outcome out;
  if (buffered_body != nullptr) {
    out.ec = co_await w.write(to, std::span<const char>(*buffered_body), req_p.is_done());
    if (out.ec || req_p.is_done()) co_return out;
  }
  co_return co_await relay::relay_body(req_p, w, from, to, relay_buffer());
}

asio::awaitable<beast::error_code> Session::read_response_head(std::optional<ResponseParser>& res_p,
                                                               const RequestFacts& facts) {
  beast::error_code ec;
  while (true) {
    res_p.emplace();
    res_p->header_limit(static_cast<std::uint32_t>(ctx_.settings.max_header_bytes));
    res_p->body_limit(boost::none);
    if (facts.head) res_p->skip(true);
    expect_upstream(facts.admin ? ctx_.settings.admin_timeout : ctx_.settings.upstream_timeout);
    co_await http::async_read_header(upstream_->stream, upstream_->buffer, *res_p, token(ec));
    on_expiry_ = OnExpiry::close_all;
    if (ec) co_return ec;
    unsigned status = res_p->get().result_int();
    if (status < 100 || status >= 200 || status == 101) co_return ec;
    // An interim answer (103 Early Hints): pass it on and wait for the final one.
    relay::MessageWriter<false> w{res_p->get(), head_scratch_};
    ec = co_await w.write_head(client_side(ctx_.settings.idle_timeout));
    if (ec) co_return ec;
  }
}

asio::awaitable<Session::Next> Session::relay_response(ResponseParser& res_p, const RequestFacts& facts,
                                                       const dgraph::ExportRequest& export_request,
                                                       const RoutedRequest& routed) {
  auto& res = res_p.get();
  bool upstream_reusable = res.keep_alive();
  bool keep = facts.keep_alive && !ctx_.in_flight.draining();
  relay::strip_hop_by_hop(res, false);
  if (facts.http10 && res.chunked()) {
    res.chunked(false);  // an HTTP/1.0 client cannot read chunks: the end of the body is the close
    keep = false;
  }
  if (res.need_eof()) keep = false;
  res.keep_alive(keep);

  relay::MessageWriter<false> w{res, head_scratch_};
  auto from = upstream_side(facts.admin ? ctx_.settings.admin_timeout : ctx_.settings.upstream_timeout);
  auto to = client_side(ctx_.settings.idle_timeout);
  relay::Outcome out;
  if (facts.head) {
    out.ec = co_await w.write_head(to);
  } else if (export_request.needs_response_inspection()) {
    std::string body;
    out.ec = co_await relay::read_body_prefix(res_p, from, body, ctx_.tap.max_inspect_bytes());
    out.reading = static_cast<bool>(out.ec);
    if (!out.ec) {
      ExportTap::Answer answer{res.result_int(), res[http::field::content_encoding], body, res_p.is_done()};
      ctx_.tap.on_answer(export_request, answer,
                         {facts.auth_token, facts.access_token, routed.upstream.base_url()});
      out.ec = co_await w.write(to, std::span<const char>(body), res_p.is_done());
      if (!out.ec && !res_p.is_done()) out = co_await relay::relay_body(res_p, w, from, to, relay_buffer());
    }
  } else {
    out = co_await relay::relay_body(res_p, w, from, to, relay_buffer());
  }
  if (!out) {
    // The head is gone already (or the client is): all that is left is to cut the connection.
    if (out.reading) ctx_.counters.upstream_errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("relay of {} {} ended early: {}", routed.upstream.authority(), routed.path,
                  out.ec.message());
    drop_upstream();
    co_return Next::close;
  }
  if (!upstream_reusable || !res_p.is_done()) {
    drop_upstream();
  } else {
    upstream_->idle_since = std::chrono::steady_clock::now();
  }
  co_return keep ? Next::keep_alive : Next::close;
}

asio::awaitable<void> Session::tunnel(ResponseParser& res_p) {
  beast::error_code ec;
  relay::MessageWriter<false> w{res_p.get(), head_scratch_};
  ec = co_await w.write_head(client_side(ctx_.settings.idle_timeout));
  // Bytes that arrived behind the heads belong to the tunnel.
  if (!ec && upstream_->buffer.size() > 0) {
    co_await asio::async_write(client_, upstream_->buffer.data(), token(ec));
    upstream_->buffer.consume(upstream_->buffer.size());
  }
  if (!ec && client_buffer_.size() > 0) {
    co_await asio::async_write(upstream_->stream, client_buffer_.data(), token(ec));
    client_buffer_.consume(client_buffer_.size());
  }
  if (ec) co_return;
  co_await (pump(client_, upstream_->stream) && pump(upstream_->stream, client_));
}

// One direction of a tunnel. Traffic either way re-arms the shared deadline, so a tunnel ends only
// after `tunnel_idle_timeout` of silence in both directions.
asio::awaitable<void> Session::pump(tcp::socket& from, tcp::socket& to) {
  std::array<char, std::size_t{16} * 1024> buf;
  beast::error_code ec;
  while (true) {
    deadline_.arm(ctx_.settings.tunnel_idle_timeout);
    std::size_t n = co_await from.async_read_some(asio::buffer(buf), token(ec));
    if (ec) break;
    deadline_.arm(ctx_.settings.tunnel_idle_timeout);
    co_await asio::async_write(to, asio::buffer(buf.data(), n), token(ec));
    if (ec) break;
  }
  to.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> Session::send_continue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  beast::error_code ec;
  deadline_.arm(ctx_.settings.idle_timeout);
  co_await asio::async_write(client_, asio::buffer(kContinue.data(), kContinue.size()), token(ec));
}

asio::awaitable<void> Session::reply_error(unsigned status, std::string_view message, std::string_view code,
                                           bool keep) {
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.body() = dgraph_error_body(message, code);
  res.keep_alive(keep && !ctx_.in_flight.draining());
  res.prepare_payload();
  beast::error_code ec;
  deadline_.arm(ctx_.settings.idle_timeout);
  co_await http::async_write(client_, res, token(ec));
}

asio::awaitable<Session::Next> Session::reply_upstream_failure(beast::error_code ec,
                                                               const RoutedRequest& routed,
                                                               RequestParser& req_p,
                                                               const RequestFacts& facts) {
  ctx_.counters.upstream_errors.fetch_add(1, std::memory_order_relaxed);
  bool timeout = take_timeout();
  auto what = timeout ? fmt::format("dsync: upstream {} did not answer in time", routed.upstream.base_url())
                      : fmt::format("dsync: upstream {} is unreachable: {}", routed.upstream.base_url(),
                                    ec.message());
  spdlog::warn("{} (request {})", what, routed.path);
  bool keep = facts.keep_alive && !facts.expects_continue && co_await discard_body(req_p);
  co_await reply_error(timeout ? 504 : 502, what,
                       timeout ? "ErrorUpstreamTimeout" : "ErrorUpstreamUnavailable", keep);
  co_return keep ? Next::keep_alive : Next::close;
}

// Answers without involving alpha (the request is refused).
asio::awaitable<Session::Next> Session::refuse(RequestParser& req_p, unsigned status, std::string message,
                                               std::string_view code) {
  // A client waiting for "100 Continue" has not sent its body: there is nothing to drain.
  bool waits = beast::iequals(req_p.get()[http::field::expect], "100-continue");
  bool keep = req_p.get().keep_alive() && !waits && co_await discard_body(req_p);
  co_await reply_error(status, message, code, keep);
  co_return keep ? Next::keep_alive : Next::close;
}

// Reads and drops what is left of a request body, up to a bound. Closing a socket with unread data
// makes the kernel send a reset, which can destroy the answer before the client has read it.
asio::awaitable<bool> Session::discard_body(RequestParser& req_p) {
  std::size_t budget = ctx_.settings.max_inspect_bytes;
  beast::error_code ec;
  while (!req_p.is_done() && budget > 0) {
    std::size_t n =
        co_await relay::read_some_body(req_p, client_side(ctx_.settings.header_timeout), relay_buffer(), ec);
    if (ec) co_return false;
    budget -= std::min(n, budget);
  }
  co_return req_p.is_done();
}

}  // namespace

asio::awaitable<void> run_session(tcp::socket socket, SessionContext& context) {
  Session session(std::move(socket), context);
  // The watchdog runs until the session ends (`||` then cancels it), so it never outlives `session`.
  co_await (session.run() || session.watchdog());
}

}  // namespace dsync::proxy
