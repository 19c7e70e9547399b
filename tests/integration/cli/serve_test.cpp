// `dsync serve` in front of the real Dgraph alpha of scripts/testenv.sh, syncing to the real RGW: an
// export sent through the proxy ends up in the bucket, and the ops endpoints say so.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "../../unit/ops/prometheus_text.h"
#include "cli_fixture.h"

namespace dsync::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

class ServeTest : public CliTest {
 protected:
  EnvMap serve_env() {
    auto env = bucket_env("RGW");
    const auto& e = testenv::Env::get();
    env["DSYNC_UPSTREAM"] = e["DGRAPH_ALPHA"];
    env["DSYNC_TOWATCH"] = e["DGRAPH_EXPORT_DIR"];
    env["DSYNC_LISTEN"] = "127.0.0.1:0";
    env["DSYNC_OPS_LISTEN"] = "127.0.0.1:0";
    env["DSYNC_NAME_TEMPLATE"] = "{dir}/{task}/{file}";
    env["DSYNC_POLL_INTERVAL"] = "500ms";
    return env;
  }
  static std::string url(int port, const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
};

TEST_F(ServeTest, SyncsAnExportSentThroughTheProxyAndTheOpsEndpointsShowIt) {
  DSYNC_REQUIRE("RGW");
  DSYNC_REQUIRE("DGRAPH");
  Daemon serve({"serve"}, serve_env(), tmp.path() / "serve.log");
  const int ops = serve.port_from_log("ops endpoints on", seconds(30));
  const int proxy = serve.port_from_log("serve: proxy listening on", seconds(30));
  ASSERT_GT(ops, 0) << serve.log_text();
  ASSERT_GT(proxy, 0) << serve.log_text();
  EXPECT_EQ(http_request(url(ops, "/readyz")).status, 200);
  EXPECT_EQ(http_request(url(ops, "/healthz")).status, 200);

  auto before = parse_prometheus_text(http_request(url(ops, "/metrics")).body);
  ASSERT_EQ(before.error, "");
  EXPECT_EQ(before.value("dsync_exports_synced_total"), 0.0);

  // Dgraph's own endpoints stay reachable through the proxy.
  EXPECT_EQ(http_request(url(proxy, "/health")).status, 200);
  auto mutate = http_request(url(proxy, "/mutate?commitNow=true"),
                             R"({"set":[{"name":"dsync-cli-it","n":)" + std::to_string(getpid()) + "}]}");
  ASSERT_EQ(mutate.status, 200) << mutate.body;
  auto exported = http_request(
      url(proxy, "/admin"),
      R"({"query":"mutation { export(input:{format:\"rdf\"}) { response { code message } taskId } }"})");
  ASSERT_EQ(exported.status, 200);
  ASSERT_NE(exported.body.find("\"Success\""), std::string::npos) << exported.body;

  ASSERT_TRUE(serve.wait_for_log(" synced ", seconds(120))) << serve.log_text();
  auto after = parse_prometheus_text(http_request(url(ops, "/metrics")).body);
  ASSERT_EQ(after.error, "");
  EXPECT_EQ(after.value("dsync_exports_synced_total"), 1.0);
  EXPECT_EQ(after.value("dsync_uploaded_objects_total"), 3.0);
  EXPECT_GT(after.value("dsync_uploaded_bytes_total").value_or(0), 0.0);
  EXPECT_EQ(after.value("dsync_jobs{state=\"done\"}"), 1.0);
  EXPECT_EQ(after.value("dsync_sync_duration_seconds_count"), 1.0);
  EXPECT_EQ(after.value("dsync_proxy_exports_recognised_total"), 1.0);
  EXPECT_GE(after.value("dsync_proxy_requests_total").value_or(0), 3.0);
  EXPECT_LT(after.value("dsync_seconds_since_last_verified_export").value_or(1e9), 120.0);

  auto status = boost::json::parse(http_request(url(ops, "/status")).body).as_object();
  EXPECT_TRUE(status.at("ready").as_bool());
  const auto& job = status.at("jobs").as_array().at(0).as_object();
  EXPECT_EQ(job.at("state").as_string(), "done");
  EXPECT_EQ(job.at("files_verified").as_int64(), 3);

  auto printed = run_dsync({"status", "--ops-listen", "127.0.0.1:" + std::to_string(ops)}, {});
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_NE(printed.out.find(": ready"), std::string::npos) << printed.out;
  EXPECT_NE(printed.out.find(" done "), std::string::npos) << printed.out;

  auto restored = run_dsync({"restore", "--to", (tmp.path() / "out").string()}, bucket_env("RGW"));
  EXPECT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_TRUE(fs::exists(tmp.path() / "out" / "g01.rdf.gz"));

  EXPECT_EQ(serve.terminate(seconds(60)), 0) << serve.log_text();
  EXPECT_NE(serve.log_text().find("serve: stopped cleanly"), std::string::npos);
  EXPECT_EQ(serve.log_text().find(key_hex), std::string::npos);
}

TEST_F(ServeTest, TellsSystemdWhenItIsReadyAndWhenItStops) {
  DSYNC_REQUIRE("RGW");
  const fs::path sock_path = tmp.path() / "notify.sock";
  const int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock_path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{30, 0};
  ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  auto env = serve_env();
  env["DSYNC_UPSTREAM"] = "http://127.0.0.1:1";  // readiness does not depend on Dgraph being up
  env["NOTIFY_SOCKET"] = sock_path.string();
  Daemon serve({"serve"}, env, tmp.path() / "serve.log");
  char buf[256] = {};
  const ssize_t n = ::recv(sock, buf, sizeof buf - 1, 0);
  ASSERT_GT(n, 0) << serve.log_text();
  EXPECT_STREQ(buf, "READY=1");
  const int ops = serve.port_from_log("ops endpoints on", seconds(5));
  EXPECT_EQ(http_request(url(ops, "/readyz")).body, "ready\n");
  EXPECT_EQ(serve.terminate(seconds(60)), 0);
  std::memset(buf, 0, sizeof buf);
  ASSERT_GT(::recv(sock, buf, sizeof buf - 1, 0), 0);
  EXPECT_STREQ(buf, "STOPPING=1");
  ::close(sock);
}

TEST_F(ServeTest, RefusesToStartWhenTheProxyAddressIsTaken) {
  DSYNC_REQUIRE("RGW");
  auto env = serve_env();
  Daemon first({"serve"}, env, tmp.path() / "first.log");
  const int proxy = first.port_from_log("serve: proxy listening on", seconds(30));
  ASSERT_GT(proxy, 0) << first.log_text();
  env["DSYNC_LISTEN"] = "127.0.0.1:" + std::to_string(proxy);
  env["DSYNC_STATE_DIR"] = (tmp.path() / "state2").string();
  auto second = run_dsync({"serve"}, env, seconds(60));
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("cannot start"), std::string::npos) << second.err;
  EXPECT_EQ(first.terminate(seconds(60)), 0);
}

}  // namespace
}  // namespace dsync::testing
