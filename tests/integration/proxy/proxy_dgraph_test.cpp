// dsync's proxy in front of the REAL Dgraph v25 alpha (scripts/testenv.sh up dgraph).
//
// "Byte-identical" is checked two ways. (1) Exactly: a TcpRecorder sits between dsync and alpha and
// records the bytes alpha sent; the client must receive the same status, headers (except the hop-by-hop
// Connection header) and body bytes. (2) Against a direct call: the same request sent to alpha directly
// must give the same status and body — with `extensions` removed, because alpha itself puts timings
// there that differ between any two calls.
#include <strings.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "http_test_client.h"
#include "proxy/proxy_server.h"
#include "support/testenv.h"
#include "websocket_client.h"

namespace dsync::proxy {
namespace {

namespace json = boost::json;
using testing::build_request;
using testing::exchange;
using testing::Reply;

class RecordingSink final : public dgraph::ExportSink {
 public:
  void on_export_accepted(dgraph::ExportEvent e) override {
    std::lock_guard lock(mu_);
    events_.push_back(e);
    if (on_event) on_event(e);
  }
  std::vector<dgraph::ExportEvent> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  void clear() {
    std::lock_guard lock(mu_);
    events_.clear();
  }
  std::function<void(const dgraph::ExportEvent&)> on_event;

 private:
  std::mutex mu_;
  std::vector<dgraph::ExportEvent> events_;
};

std::uint16_t port_of(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

std::string without_extensions(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return body;
  v.as_object().erase("extensions");
  return json::serialize(v);
}

class ProxyAgainstDgraph : public ::testing::Test {
 protected:
  void SetUp() override {
    DSYNC_REQUIRE("DGRAPH");
    alpha_port_ = port_of(testenv::Env::get()["DGRAPH_ALPHA"]);
    recorder_ = std::make_unique<testing::TcpRecorder>("127.0.0.1", alpha_port_);
    start_proxy({"127.0.0.0/8", "::1/128"});
  }
  void TearDown() override {
    if (proxy_) proxy_->stop();
  }
  void start_proxy(std::vector<std::string> allow) {
    if (proxy_) proxy_->stop();
    ProxySettings s;
    s.listen = "127.0.0.1:0";
    s.upstream = "http://127.0.0.1:" + std::to_string(recorder_->port());
    s.admin_allow = std::move(allow);
    s.threads = 2;
    proxy_.emplace(s, sink_);
    proxy_->start();
  }

  // Sends `raw` through dsync and checks the client got exactly what alpha sent.
  Reply through_dsync(const std::string& raw) {
    recorder_->clear();
    Reply reply = exchange(proxy_->port(), raw);
    EXPECT_TRUE(reply.ok);
    std::vector<Reply> sent;
    for (const auto& bytes : recorder_->server_bytes()) {
      for (auto& r : testing::parse_responses(bytes)) sent.push_back(std::move(r));
    }
    EXPECT_EQ(sent.size(), 1u) << "alpha answered once";
    if (sent.size() == 1) {
      EXPECT_EQ(reply.status, sent[0].status);
      EXPECT_TRUE(reply.body == sent[0].body) << "body differs from alpha's bytes";
      auto end_to_end = [](const Reply& r) {
        std::multiset<std::pair<std::string, std::string>> h;
        for (const auto& [k, v] : r.headers) {
          if (strcasecmp(k.c_str(), "Connection") != 0) h.emplace(k, v);
        }
        return h;
      };
      EXPECT_EQ(end_to_end(reply), end_to_end(sent[0]));
    }
    return reply;
  }

  Reply direct(const std::string& raw) { return exchange(alpha_port_, raw); }

  Reply admin(const std::string& json_body, std::vector<std::pair<std::string, std::string>> extra = {}) {
    extra.emplace_back("Content-Type", "application/json");
    return through_dsync(build_request("POST", "/admin", extra, json_body));
  }

  std::uint16_t alpha_port_ = 0;
  std::unique_ptr<testing::TcpRecorder> recorder_;
  RecordingSink sink_;
  std::optional<ProxyServer> proxy_;
};

std::string task_id_in(const Reply& reply, const std::string& key) {
  std::string body = reply.header("Content-Encoding") == "gzip" ? testing::gunzip(reply.body) : reply.body;
  auto v = json::parse(body);
  const auto* data = v.as_object().if_contains("data");
  if (data == nullptr || !data->is_object()) return {};
  const auto* field = data->as_object().if_contains(key);
  if (field == nullptr || !field->is_object() || !field->as_object().contains("taskId")) return {};
  return std::string(field->as_object().at("taskId").as_string());
}

TEST_F(ProxyAgainstDgraph, HealthAlterMutateAndQueryPassThroughByteForByte) {
  auto health = through_dsync(build_request("GET", "/health"));
  EXPECT_EQ(health.status, 200u);
  EXPECT_NE(health.body.find("v25."), std::string::npos);

  auto alter = through_dsync(build_request("POST", "/alter", {}, "name: string @index(exact) .\nseq: int ."));
  EXPECT_NE(alter.body.find("\"Success\""), std::string::npos) << alter.body;

  std::string rdf = "{ set {\n";
  for (int i = 0; i < 70000; ++i) {
    rdf += "_:n" + std::to_string(i) + " <name> \"proxy-large-body-" + std::to_string(i) + "\" .\n_:n" +
           std::to_string(i) + " <seq> \"" + std::to_string(i) + "\" .\n";
  }
  rdf += "} }";
  ASSERT_GT(rdf.size(), 4u << 20);
  auto mutate = through_dsync(
      build_request("POST", "/mutate?commitNow=true", {{"Content-Type", "application/rdf"}}, rdf));
  EXPECT_EQ(mutate.status, 200u);
  EXPECT_NE(mutate.body.find("\"n69999\""), std::string::npos) << mutate.body.substr(0, 300);
  // Leaves the database as it was (exports in later tests stay fast), with another large body.
  std::string deletion = R"({"delete":[)";
  for (const auto& [blank, uid] : json::parse(mutate.body).at("data").at("uids").as_object()) {
    deletion += (deletion.back() == '[' ? "" : ",") + std::string(R"({"uid":")") +
                std::string(uid.as_string()) + "\"}";
  }
  deletion += "]}";

  std::string dql = R"({ q(func: eq(name, "proxy-large-body-69999")) { seq } })";
  auto query_raw = build_request("POST", "/query", {{"Content-Type", "application/dql"}}, dql);
  auto via = through_dsync(query_raw);
  auto straight = direct(query_raw);
  EXPECT_EQ(via.status, straight.status);
  EXPECT_EQ(without_extensions(via.body), without_extensions(straight.body));
  EXPECT_NE(via.body.find("69999"), std::string::npos);

  auto cleanup = through_dsync(
      build_request("POST", "/mutate?commitNow=true", {{"Content-Type", "application/json"}}, deletion));
  EXPECT_EQ(cleanup.status, 200u);
  EXPECT_NE(cleanup.body.find("\"Success\""), std::string::npos) << cleanup.body.substr(0, 300);
}

TEST_F(ProxyAgainstDgraph, GraphqlQueriesAndWebSocketSubscriptionsWorkThroughDsync) {
  auto schema = through_dsync(
      build_request("POST", "/admin/schema", {{"Content-Type", "application/graphql"}},
                    "type Todo @withSubscription { id: ID! text: String! @search(by: [exact]) }"));
  ASSERT_NE(schema.body.find("Success"), std::string::npos) << schema.body;
  // Alpha applies a new GraphQL schema asynchronously: wait until /graphql knows the type.
  std::string probe = build_request("POST", "/graphql", {{"Content-Type", "application/json"}},
                                    R"({"query":"{ queryTodo { text } }"})");
  Reply ready;
  for (int i = 0; i < 100 && (ready = through_dsync(probe)).body.find("\"errors\"") != std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(ready.body.find("\"errors\""), std::string::npos) << ready.body;
  auto straight = direct(probe);
  EXPECT_EQ(without_extensions(ready.body), without_extensions(straight.body));

  testing::WebSocketClient ws(proxy_->port(), "/graphql", "graphql-ws", std::chrono::seconds(20));
  EXPECT_EQ(ws.accepted_subprotocol(), "graphql-ws");
  ws.send(R"({"type":"connection_init","payload":{}})");
  auto ack = ws.receive();
  ASSERT_TRUE(ack.has_value());
  EXPECT_NE(ack->find("connection_ack"), std::string::npos) << *ack;
  ws.send(
      R"({"id":"1","type":"start","payload":{"query":"subscription { queryTodo(filter: {text: {eq: \"via dsync\"}}) { text } }"}})");

  auto add = through_dsync(
      build_request("POST", "/graphql", {{"Content-Type", "application/json"}},
                    R"({"query":"mutation { addTodo(input: [{text: \"via dsync\"}]) { numUids } }"})"));
  EXPECT_NE(add.body.find("\"numUids\":1"), std::string::npos) << add.body;
  bool seen = false;
  for (int i = 0; i < 20 && !seen; ++i) {
    auto msg = ws.receive();
    ASSERT_TRUE(msg.has_value()) << "subscription went quiet";
    seen = msg->find("\"type\":\"data\"") != std::string::npos && msg->find("via dsync") != std::string::npos;
  }
  EXPECT_TRUE(seen) << "the subscription pushed the new Todo through the tunnel";
}

TEST_F(ProxyAgainstDgraph, EveryExportRequestFormIsRecognisedOnceWithItsTaskId) {
  sink_.clear();
  std::vector<std::string> expected;
  auto expect_one_new = [&](const Reply& r, const std::string& key, const char* form) {
    std::string id = task_id_in(r, key);
    EXPECT_FALSE(id.empty()) << form << ": " << r.body;
    expected.push_back(id);
    auto events = sink_.events();
    ASSERT_EQ(events.size(), expected.size()) << form;
    EXPECT_EQ(events.back().task_id, id) << form;
  };

  auto json_form = admin(
      R"({"query":"query H { health { status } } mutation Ex($in: ExportInput!) { export(input: $in) { response { code message } taskId } }","variables":{"in":{"format":"json"}},"operationName":"Ex"})");
  expect_one_new(json_form, "export", "POST application/json with variables and operationName");
  EXPECT_EQ(sink_.events().back().format, "json");

  auto graphql_form = through_dsync(build_request("POST", "/admin", {{"Content-Type", "application/graphql"}},
                                                  "mutation { export(input: {}) { taskId } }"));
  expect_one_new(graphql_form, "export", "POST application/graphql");

  auto get_form = through_dsync(build_request(
      "GET",
      "/admin?query=mutation+%7B+ex%3A+export(input%3A+%7Bformat%3A+%22rdf%22%7D)+%7B+taskId+%7D+%7D"));
  expect_one_new(get_form, "ex", "GET ?query= with an alias");

  auto gzip_form =
      admin(testing::gzip(R"({"query":"mutation { export(input: {}) { response { code } taskId } }"})"),
            {{"Content-Encoding", "gzip"}, {"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gzip_form.header("Content-Encoding"), "gzip") << "alpha compressed the answer";
  expect_one_new(gzip_form, "export", "gzip request and gzip answer");

  auto two = admin(
      R"({"query":"mutation { a: export(input: {format: \"rdf\"}) { taskId } b: export(input: {format: \"json\"}) { taskId } }"})");
  std::string a = task_id_in(two, "a"), b = task_id_in(two, "b");
  EXPECT_FALSE(a.empty());
  EXPECT_FALSE(b.empty());
  auto events = sink_.events();
  ASSERT_EQ(events.size(), expected.size() + 2);
  EXPECT_EQ(events[events.size() - 2].task_id, a);
  EXPECT_EQ(events.back().task_id, b);
  EXPECT_EQ(proxy_->stats().exports_recognised, expected.size() + 2);
}

TEST_F(ProxyAgainstDgraph, NonExportAdminCallsRemoteExportsAndLegacyPathProduceNoEvent) {
  sink_.clear();
  auto health = admin(R"({"query":"{ health { status version } }"})");
  EXPECT_NE(health.body.find("healthy"), std::string::npos);
  auto schema = admin(R"({"query":"{ getGQLSchema { schema } }"})");
  EXPECT_NE(schema.body.find("getGQLSchema"), std::string::npos);
  auto bad = admin(R"({"query":"mutation { export(input: {format: \"xml\"}) { taskId } }"})");
  EXPECT_NE(bad.body.find("\"errors\""), std::string::npos);
  auto broken = admin(R"({"query":"mutation { export(input: { }"})");
  EXPECT_NE(broken.body.find("\"errors\""), std::string::npos);
  auto remote = admin(
      R"({"query":"mutation { export(input: {destination: \"minio://127.0.0.1:1/nobucket?secure=false\"}) { taskId } }"})");
  auto legacy = through_dsync(build_request("GET", "/admin/export?format=rdf"));
  EXPECT_NE(legacy.status, 200u) << "v23+ removed /admin/export";
  EXPECT_TRUE(sink_.events().empty());
}

TEST_F(ProxyAgainstDgraph, AdminPathsAreRefusedForAddressesOutsideTheAllowlist) {
  start_proxy({"10.11.12.0/24"});
  recorder_->clear();
  for (std::string path : {"/admin", "/alter", "/login", "/admin/schema"}) {
    auto reply =
        exchange(proxy_->port(), build_request("POST", path, {{"Content-Type", "application/json"}},
                                               R"({"query":"mutation { export(input: {}) { taskId } }"})"));
    EXPECT_EQ(reply.status, 403u) << path;
  }
  EXPECT_TRUE(recorder_->server_bytes().empty()) << "nothing reached alpha";
  EXPECT_EQ(exchange(proxy_->port(), build_request("GET", "/health")).status, 200u);
  EXPECT_TRUE(sink_.events().empty());
}

TEST_F(ProxyAgainstDgraph, ForwardModeReachesAlphaButNoOtherHost) {
  std::string alpha = "127.0.0.1:" + std::to_string(recorder_->port());
  auto ok = through_dsync(build_request("GET", "http://" + alpha + "/health"));
  EXPECT_EQ(ok.status, 200u);
  auto refused = exchange(
      proxy_->port(), build_request("GET", "http://127.0.0.1:" + std::to_string(alpha_port_) + "/health"));
  EXPECT_EQ(refused.status, 403u);
}

TEST_F(ProxyAgainstDgraph, ThousandRequestsSucceedWhileAnExportIsFollowed) {
  sink_.clear();
  // Stands in for the sync side: follows the task through dsync until alpha reports Success.
  std::promise<std::string> final_status;
  std::thread follower;
  sink_.on_event = [&](const dgraph::ExportEvent& e) {
    follower = std::thread([this, id = e.task_id, &final_status] {
      std::string q = R"({"query":"{ task(input: {id: \")" + id + R"(\"}) { status } }"})";
      // Alpha runs exports one at a time: this one may wait behind those earlier tests queued.
      for (int i = 0; i < 3000; ++i) {
        auto r = exchange(proxy_->port(),
                          build_request("POST", "/admin", {{"Content-Type", "application/json"}}, q));
        if (r.body.find("Success") != std::string::npos || r.body.find("Failed") != std::string::npos) {
          final_status.set_value(r.body);
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      final_status.set_value("timeout");
    });
  };
  auto export_call = std::async(std::launch::async, [&] {
    return exchange(proxy_->port(),
                    build_request("POST", "/admin", {{"Content-Type", "application/json"}},
                                  R"({"query":"mutation { export(input: {}) { taskId } }"})"));
  });
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        auto raw = (i + t) % 2 == 0 ? build_request("GET", "/health")
                                    : build_request("POST", "/query", {{"Content-Type", "application/dql"}},
                                                    R"({ q(func: has(seq), first: 3) { seq } })");
        auto r = exchange(proxy_->port(), raw);
        (r.ok && r.status == 200 ? ok : failed)++;
      }
    });
  }
  for (auto& c : clients) c.join();
  auto exported = export_call.get();
  EXPECT_EQ(ok.load(), 1200);
  EXPECT_EQ(failed.load(), 0);
  ASSERT_FALSE(task_id_in(exported, "export").empty()) << exported.body;
  auto status = final_status.get_future();
  ASSERT_EQ(status.wait_for(std::chrono::seconds(330)), std::future_status::ready);
  EXPECT_NE(status.get().find("Success"), std::string::npos);
  follower.join();
  EXPECT_EQ(sink_.events().size(), 1u);
}

}  // namespace
}  // namespace dsync::proxy
