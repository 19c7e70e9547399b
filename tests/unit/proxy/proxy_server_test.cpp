// The proxy's HTTP mechanics, against ScriptedOrigin (a fake upstream that can stall, stream slowly or
// never answer on demand). Behaviour against the real Dgraph is in tests/integration/proxy.
#include "proxy/proxy_server.h"

#include <future>
#include <mutex>
#include <random>

#include <gtest/gtest.h>

#include "http_test_client.h"
#include "scripted_origin.h"

namespace dsync::proxy {
namespace {

using testing::build_request;
using testing::Connection;
using testing::exchange;
using testing::OriginConnection;
using testing::OriginRequest;
using testing::ScriptedOrigin;

class RecordingSink final : public dgraph::ExportSink {
 public:
  void on_export_accepted(dgraph::ExportEvent e) override {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(e));
  }
  std::vector<dgraph::ExportEvent> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::vector<dgraph::ExportEvent> events_;
};

ProxySettings settings_for(std::uint16_t upstream_port) {
  ProxySettings s;
  s.listen = "127.0.0.1:0";
  s.upstream = "http://127.0.0.1:" + std::to_string(upstream_port);
  s.threads = 2;
  return s;
}

struct RunningProxy {
  explicit RunningProxy(ProxySettings s) : server(std::move(s), sink) { server.start(); }
  ~RunningProxy() { server.stop(); }
  std::uint16_t port() const { return server.port(); }
  RecordingSink sink;
  ProxyServer server;
};

std::string ok_response(const std::string& body, const std::string& extra_headers = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers +
         "\r\n" + body;
}

// Answers every request on the connection with what it saw.
void echo_script(OriginConnection& c) {
  while (true) {
    auto r = c.read_request();
    if (!r.ok) return;
    std::string seen =
        "X-Seen-Target: " + r.target + "\r\nX-Seen-Via: " + r.header("Via") +
        "\r\nX-Seen-XFF: " + r.header("X-Forwarded-For") + "\r\nX-Seen-Private: " + r.header("X-Private") +
        "\r\nX-Seen-Proxy-Auth: " + r.header("Proxy-Authorization") + "\r\nX-Seen-Host: " + r.header("Host") +
        "\r\nKeep-Alive: timeout=5\r\nX-Custom: kept\r\n";
    c.write(ok_response(r.body, seen));
  }
}

TEST(ProxyServer, RelaysBodiesUnchangedAndOnlyHopByHopHeadersChange) {
  ScriptedOrigin origin(echo_script);
  RunningProxy proxy(settings_for(origin.port()));
  auto reply = exchange(proxy.port(), build_request("POST", "/query?timeout=5s",
                                                    {{"Connection", "X-Private"},
                                                     {"X-Private", "secret-hop"},
                                                     {"Proxy-Authorization", "Basic abc"},
                                                     {"X-Forwarded-For", "203.0.113.9"}},
                                                    "{\"query\":\"{ q(func: has(name)) { name } }\"}"));
  ASSERT_TRUE(reply.ok);
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "{\"query\":\"{ q(func: has(name)) { name } }\"}");
  EXPECT_EQ(reply.header("X-Seen-Target"), "/query?timeout=5s");
  EXPECT_EQ(reply.header("X-Seen-Via"), "1.1 dsync");
  EXPECT_EQ(reply.header("X-Seen-XFF"), "203.0.113.9, 127.0.0.1");
  EXPECT_EQ(reply.header("X-Seen-Private"), "") << "headers named in Connection are hop-by-hop";
  EXPECT_EQ(reply.header("X-Seen-Proxy-Auth"), "");
  EXPECT_EQ(reply.header("X-Seen-Host"), "127.0.0.1") << "reverse mode keeps the client's Host";
  EXPECT_EQ(reply.header("X-Custom"), "kept");
  EXPECT_EQ(reply.header("Keep-Alive"), "");
}

TEST(ProxyServer, StreamsLargeBodiesBothWaysByteForByte) {
  ScriptedOrigin origin(echo_script);
  RunningProxy proxy(settings_for(origin.port()));
  std::string body(48 << 20, '\0');
  std::mt19937_64 rng(42);
  for (auto& ch : body) ch = static_cast<char>(rng());
  auto reply = exchange(proxy.port(), build_request("POST", "/mutate?commitNow=true", {}, body));
  ASSERT_TRUE(reply.ok);
  EXPECT_EQ(reply.body.size(), body.size());
  EXPECT_TRUE(reply.body == body);
}

TEST(ProxyServer, ChunkedRequestBodiesArriveWhole) {
  ScriptedOrigin origin(echo_script);
  RunningProxy proxy(settings_for(origin.port()));
  std::string raw =
      "POST /mutate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
  auto reply = exchange(proxy.port(), raw);
  EXPECT_EQ(reply.body, "hello, world");
}

TEST(ProxyServer, EventStreamsAreRelayedAsTheyArriveNotBuffered) {
  std::promise<void> first_event_seen;
  auto seen = first_event_seen.get_future().share();
  ScriptedOrigin origin([seen](OriginConnection& c) {
    if (!c.read_request().ok) return;
    c.write(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        "10\r\ndata: endpoint\n\n\r\n");
    seen.wait();
    c.write("b\r\ndata: two\n\n\r\n0\r\n\r\n");
  });
  RunningProxy proxy(settings_for(origin.port()));
  Connection client(proxy.port());
  client.send(build_request("GET", "/mcp/sse"));
  std::string got;
  while (got.find("data: endpoint") == std::string::npos) {
    auto more = client.read_raw_some();
    ASSERT_FALSE(more.empty()) << "stream ended before the first event: " << got;
    got += more;
  }
  EXPECT_NE(got.find("text/event-stream"), std::string::npos);
  first_event_seen.set_value();
  while (got.find("0\r\n\r\n") == std::string::npos) {
    auto more = client.read_raw_some();
    if (more.empty()) break;
    got += more;
  }
  EXPECT_NE(got.find("data: two"), std::string::npos) << got;
}

TEST(ProxyServer, ExpectContinueIsAnsweredThenTheBodyIsRelayed) {
  ScriptedOrigin origin(echo_script);
  RunningProxy proxy(settings_for(origin.port()));
  Connection client(proxy.port());
  client.send("POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
  auto interim = client.read_raw_some();
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  client.send("hello world");
  auto reply = client.read();
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "hello world");
}

TEST(ProxyServer, UnreachableUpstreamGivesA502InDgraphErrorStyle) {
  std::uint16_t dead_port;
  {
    ScriptedOrigin closed([](OriginConnection&) {});
    dead_port = closed.port();
  }
  RunningProxy proxy(settings_for(dead_port));
  auto reply = exchange(proxy.port(), build_request("GET", "/health"));
  EXPECT_EQ(reply.status, 502u);
  EXPECT_NE(reply.body.find("\"errors\""), std::string::npos);
  EXPECT_NE(reply.body.find("unreachable"), std::string::npos);
  EXPECT_EQ(proxy.server.stats().upstream_errors, 1u);
}

TEST(ProxyServer, SilentUpstreamGivesA504) {
  ScriptedOrigin origin([](OriginConnection& c) {
    c.read_request();
    c.read_request();  // never answers; returns when the proxy gives up and closes
  });
  auto s = settings_for(origin.port());
  s.upstream_timeout = std::chrono::seconds(1);
  RunningProxy proxy(s);
  auto reply = exchange(proxy.port(), build_request("GET", "/query"));
  EXPECT_EQ(reply.status, 504u);
  EXPECT_NE(reply.body.find("did not answer in time"), std::string::npos);
}

TEST(ProxyServer, ForwardModeReachesOnlyConfiguredUpstreams) {
  ScriptedOrigin origin(echo_script);
  RunningProxy proxy(settings_for(origin.port()));
  std::string self = "127.0.0.1:" + std::to_string(origin.port());
  auto allowed = exchange(proxy.port(), build_request("GET", "http://" + self + "/health?all"));
  EXPECT_EQ(allowed.status, 200u);
  EXPECT_EQ(allowed.header("X-Seen-Target"), "/health?all");
  EXPECT_EQ(allowed.header("X-Seen-Host"), self);
  int before = origin.connections();
  for (std::string target :
       {"http://127.0.0.2:" + std::to_string(origin.port()) + "/health", std::string("http://example.com/"),
        "http://localhost:" + std::to_string(origin.port()) + "/x"}) {
    auto refused = exchange(proxy.port(), build_request("GET", target));
    EXPECT_EQ(refused.status, 403u) << target;
    EXPECT_NE(refused.body.find("not configured"), std::string::npos);
  }
  EXPECT_EQ(exchange(proxy.port(), build_request("CONNECT", self)).status, 405u);
  EXPECT_EQ(origin.connections(), before) << "refused targets never cause an upstream connection";
}

TEST(ProxyServer, ForwardModeAllowsExtraConfiguredUpstreams) {
  ScriptedOrigin other(echo_script);
  auto s = settings_for(1);  // the reverse upstream is unused here
  s.forward_upstreams = {"127.0.0.1:" + std::to_string(other.port())};
  RunningProxy proxy(s);
  auto reply =
      exchange(proxy.port(), build_request("GET", "http://127.0.0.1:" + std::to_string(other.port()) + "/"));
  EXPECT_EQ(reply.status, 200u);
}

TEST(ProxyServer, AdminPathsAreRefusedOutsideTheAllowlistInEverySpelling) {
  ScriptedOrigin origin(echo_script);
  auto s = settings_for(origin.port());
  s.admin_allow = {"10.0.0.0/8"};  // the test client (loopback) is outside it
  RunningProxy proxy(s);
  for (std::string path : {"/admin", "/admin/export", "/%61dmin", "//admin", "/x/../admin", "/ADMIN",
                           "/alter", "/login", "/admin/schema"}) {
    auto reply =
        exchange(proxy.port(), build_request("POST", path, {{"Content-Type", "application/json"}}, "{}"));
    EXPECT_EQ(reply.status, 403u) << path;
    EXPECT_NE(reply.body.find("\"ErrorUnauthorized\""), std::string::npos) << path;
  }
  EXPECT_EQ(origin.connections(), 0);
  EXPECT_EQ(exchange(proxy.port(), build_request("POST", "/query", {}, "{}")).status, 200u);
  EXPECT_EQ(proxy.server.stats().admin_denied, 9u);
}

TEST(ProxyServer, RefusalsReadTheRequestBodySoTheAnswerArrivesAndTheConnectionStaysUsable) {
  ScriptedOrigin origin(echo_script);
  auto s = settings_for(origin.port());
  s.admin_allow = {"10.0.0.0/8"};
  RunningProxy proxy(s);
  Connection client(proxy.port());
  std::string body(300 * 1024, 'x');
  for (int i = 0; i < 2; ++i) {
    client.send("POST /admin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body);
    auto reply = client.read();
    ASSERT_TRUE(reply.ok) << "round " << i;
    EXPECT_EQ(reply.status, 403u);
  }
  client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read().status, 200u);
}

TEST(ProxyServer, SlowClientsAndIdleKeepAliveConnectionsAreClosed) {
  ScriptedOrigin origin(echo_script);
  auto s = settings_for(origin.port());
  s.header_timeout = std::chrono::seconds(1);
  s.idle_timeout = std::chrono::seconds(1);
  RunningProxy proxy(s);
  Connection slowloris(proxy.port());
  slowloris.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ");  // and never the rest
  EXPECT_TRUE(slowloris.closed_by_peer());
  Connection idle(proxy.port());
  idle.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(idle.read().status, 200u);
  EXPECT_TRUE(idle.closed_by_peer()) << "a keep-alive connection with nothing to do is closed";
}

TEST(ProxyServer, OversizedHeadersAreRefusedWith431) {
  ScriptedOrigin origin(echo_script);
  auto s = settings_for(origin.port());
  s.max_header_bytes = 4096;
  RunningProxy proxy(s);
  auto reply = exchange(proxy.port(), build_request("GET", "/health", {{"X-Big", std::string(8192, 'a')}}));
  EXPECT_EQ(reply.status, 431u);
}

TEST(ProxyServer, KeepAliveClientsReuseOneUpstreamConnection) {
  ScriptedOrigin origin(echo_script);
  RunningProxy proxy(settings_for(origin.port()));
  Connection client(proxy.port());
  for (int i = 0; i < 20; ++i) {
    std::string body = "request " + std::to_string(i);
    client.send("POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body);
    auto reply = client.read();
    ASSERT_EQ(reply.status, 200u);
    EXPECT_EQ(reply.body, body);
  }
  EXPECT_EQ(origin.connections(), 1);
}

TEST(ProxyServer, HeadAnswersCarryNoBodyAndKeepTheConnectionUsable) {
  ScriptedOrigin origin([](OriginConnection& c) {
    while (c.read_request().ok) c.write("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
  });
  RunningProxy proxy(settings_for(origin.port()));
  Connection client(proxy.port());
  client.send("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n");
  auto head = client.read(/*head_request=*/true);
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.header("Content-Length"), "1234");
  client.send("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read(true).status, 200u);
}

TEST(ProxyServer, DrainWaitsForInFlightRequests) {
  std::promise<void> release;
  auto released = release.get_future().share();
  ScriptedOrigin origin([released](OriginConnection& c) {
    if (!c.read_request().ok) return;
    released.wait();
    c.write(ok_response("done"));
  });
  RunningProxy proxy(settings_for(origin.port()));
  auto pending =
      std::async(std::launch::async, [&] { return exchange(proxy.port(), build_request("GET", "/query")); });
  while (origin.connections() == 0) std::this_thread::yield();
  proxy.server.stop_accepting();
  EXPECT_FALSE(proxy.server.drain(std::chrono::milliseconds(200)));
  release.set_value();
  EXPECT_TRUE(proxy.server.drain(std::chrono::seconds(10)));
  EXPECT_EQ(pending.get().body, "done");
}

}  // namespace
}  // namespace dsync::proxy
