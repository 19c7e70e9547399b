// The export tap inside the running proxy: what is inspected, what reaches the sink, and that the
// client always gets exactly the upstream's bytes. Dgraph-shaped answers come from ScriptedOrigin here;
// tests/integration/proxy does the same against the real Dgraph.
#include <mutex>

#include <gtest/gtest.h>

#include "http_test_client.h"
#include "proxy/export_tap.h"
#include "proxy/proxy_server.h"
#include "scripted_origin.h"

namespace dsync::proxy {
namespace {

using testing::build_request;
using testing::exchange;
using testing::OriginConnection;
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

constexpr std::string_view kAccepted =
    R"({"data":{"e":{"response":{"code":"Success","message":"Export queued with ID 0x10000beef"},"taskId":"0x10000beef"}},"extensions":{"tracing":{"version":1}}})";
const std::string kExportQuery =
    R"({"query":"mutation Ex { e: export(input: {format: \"json\"}) { response { code message } taskId } }","operationName":"Ex"})";

// Answers like alpha: gzip when asked, `Connection: close` on /admin.
ScriptedOrigin::Script dgraph_like(std::string body) {
  return [body](OriginConnection& c) {
    auto r = c.read_request();
    if (!r.ok) return;
    bool gz = r.header("Accept-Encoding").find("gzip") != std::string::npos;
    std::string payload = gz ? testing::gzip(body) : body;
    c.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n" +
            std::string(gz ? "Content-Encoding: gzip\r\n" : "") +
            "Content-Length: " + std::to_string(payload.size()) + "\r\n\r\n" + payload);
  };
}

struct Fixture {
  explicit Fixture(ScriptedOrigin::Script script, std::size_t cap = 1 << 20) : origin(std::move(script)) {
    ProxySettings s;
    s.listen = "127.0.0.1:0";
    s.upstream = "http://127.0.0.1:" + std::to_string(origin.port());
    s.threads = 1;
    s.max_inspect_bytes = cap;
    server.emplace(s, sink, clock);
    server->start();
  }
  ~Fixture() { server->stop(); }
  RecordingSink sink;
  ManualClock clock;
  ScriptedOrigin origin;
  std::optional<ProxyServer> server;
};

TEST(ProxyExport, AcceptedExportReachesTheSinkWithCredentialsAndTheClientGetsTheSameBytes) {
  Fixture f(dgraph_like(std::string(kAccepted)));
  auto reply = exchange(f.server->port(), build_request("POST", "/admin",
                                                        {{"Content-Type", "application/json"},
                                                         {"X-Dgraph-AuthToken", "poor-mans-token"},
                                                         {"X-Dgraph-AccessToken", "jwt"}},
                                                        kExportQuery));
  EXPECT_EQ(reply.body, kAccepted);
  auto events = f.sink.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].task_id, "0x10000beef");
  EXPECT_EQ(events[0].format, "json");
  EXPECT_EQ(events[0].auth_token, "poor-mans-token");
  EXPECT_EQ(events[0].access_token, "jwt");
  EXPECT_EQ(events[0].upstream, "http://127.0.0.1:" + std::to_string(f.origin.port()));
  EXPECT_EQ(events[0].accepted_at, f.clock.wall_now());
  EXPECT_EQ(f.server->stats().exports_recognised, 1u);
}

TEST(ProxyExport, GzipRequestAndGzipAnswerAreRecognisedAndRelayedCompressed) {
  Fixture f(dgraph_like(std::string(kAccepted)));
  std::string zipped = testing::gzip(kExportQuery);
  auto reply = exchange(f.server->port(), build_request("POST", "/admin",
                                                        {{"Content-Type", "application/json"},
                                                         {"Content-Encoding", "gzip"},
                                                         {"Accept-Encoding", "gzip"}},
                                                        zipped));
  EXPECT_EQ(reply.header("Content-Encoding"), "gzip");
  EXPECT_EQ(testing::gunzip(reply.body), kAccepted);
  ASSERT_EQ(f.sink.events().size(), 1u);
}

TEST(ProxyExport, NonExportAdminTrafficIsNeverEventful) {
  Fixture f(dgraph_like(std::string(kAccepted)));  // even if alpha answered oddly
  auto reply =
      exchange(f.server->port(), build_request("POST", "/admin", {{"Content-Type", "application/json"}},
                                               R"({"query":"{ health { status } }"})"));
  EXPECT_EQ(reply.body, kAccepted);
  EXPECT_TRUE(f.sink.events().empty());
}

TEST(ProxyExport, AnswersOverTheCapAreRelayedWholeWithoutInspection) {
  std::string big = std::string(kAccepted).insert(1, R"("pad":")" + std::string(5000, 'x') + R"(",)");
  Fixture f(dgraph_like(big), /*cap=*/1024);
  auto reply =
      exchange(f.server->port(),
               build_request("POST", "/admin", {{"Content-Type", "application/json"}}, kExportQuery));
  EXPECT_EQ(reply.body, big);
  EXPECT_TRUE(f.sink.events().empty());
  EXPECT_EQ(f.server->stats().inspect_failures, 1u);
}

TEST(ProxyExport, RequestBodiesOverTheCapStillGetTheirAnswerInspected) {
  std::string padded =
      R"({"variables":{"pad":")" + std::string(4000, 'p') +
      R"("},"query":"mutation { e: export(input: {}) { response { code message } taskId } }"})";
  Fixture f(dgraph_like(std::string(kAccepted)), /*cap=*/1024);
  auto reply = exchange(f.server->port(),
                        build_request("POST", "/admin", {{"Content-Type", "application/json"}}, padded));
  EXPECT_EQ(reply.body, kAccepted);
  auto events = f.sink.events();
  ASSERT_EQ(events.size(), 1u) << "an undecidable request is inspected strictly";
  EXPECT_EQ(events[0].task_id, "0x10000beef");
}

TEST(ProxyExport, GarbageAnswersAreRelayedAndProduceNoEvent) {
  const std::string garbage = "\x1f\x8b\x08\x00 definitely not gzip";
  Fixture f([garbage](OriginConnection& c) {
    if (!c.read_request().ok) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(garbage.size()) +
            "\r\n\r\n" + garbage);
  });
  auto reply =
      exchange(f.server->port(),
               build_request("POST", "/admin", {{"Content-Type", "application/json"}}, kExportQuery));
  EXPECT_EQ(reply.body, garbage);
  EXPECT_TRUE(f.sink.events().empty());
  EXPECT_EQ(f.server->stats().inspect_failures, 1u);
}

}  // namespace
}  // namespace dsync::proxy
