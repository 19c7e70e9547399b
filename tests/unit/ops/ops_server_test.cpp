#include "ops/ops_server.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

namespace dsync::ops {
namespace {

struct Reply {
  long status = 0;
  std::string body;
  std::string content_type;
};

Reply http_get(std::uint16_t port, const std::string& path, bool head = false) {
  Reply r;
  CURL* curl = curl_easy_init();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOBODY, head ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* out) {
        static_cast<std::string*>(out)->append(p, s * n);
        return s * n;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    char* ct = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
    if (ct != nullptr) r.content_type = ct;
  }
  curl_easy_cleanup(curl);
  return r;
}

class OpsServerTest : public ::testing::Test {
 protected:
  std::atomic<bool> ready{false};
  OpsServer server{OpsSettings{"127.0.0.1:0"},
                   OpsHandlers{[] { return std::string("# TYPE x counter\nx 1\n"); },
                               [this](std::string* why) {
                                 if (!ready) *why = "journal not open";
                                 return ready.load();
                               },
                               [] { return std::string(R"({"jobs":[]})"); }}};
  void SetUp() override { server.start(); }
};

TEST_F(OpsServerTest, ServesMetricsAsPrometheusText) {
  auto r = http_get(server.port(), "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "# TYPE x counter\nx 1\n");
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
}

TEST_F(OpsServerTest, ReadyzSaysWhyUntilReady) {
  auto before = http_get(server.port(), "/readyz");
  EXPECT_EQ(before.status, 503);
  EXPECT_EQ(before.body, "not ready: journal not open\n");
  ready = true;
  EXPECT_EQ(http_get(server.port(), "/readyz").status, 200);
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200);
}

TEST_F(OpsServerTest, ServesStatusAsJsonAndAnswersHead) {
  auto r = http_get(server.port(), "/status");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"jobs":[]})");
  auto head = http_get(server.port(), "/status", true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST_F(OpsServerTest, AnswersUnknownPathsWith404) {
  EXPECT_EQ(http_get(server.port(), "/health").status, 404);
  EXPECT_EQ(http_get(server.port(), "/metrics/x").status, 404);
}

TEST(OpsServer, RefusesAnAddressAlreadyInUse) {
  OpsServer first{OpsSettings{"127.0.0.1:0"}, {}};
  first.start();
  OpsServer second{OpsSettings{"127.0.0.1:" + std::to_string(first.port())}, {}};
  EXPECT_THROW(second.start(), std::runtime_error);
}

TEST(OpsServer, AnswersA500WhenAHandlerThrows) {
  OpsServer server{OpsSettings{"127.0.0.1:0"},
                   OpsHandlers{[]() -> std::string { throw std::runtime_error("boom"); }, {}, {}}};
  server.start();
  EXPECT_EQ(http_get(server.port(), "/metrics").status, 500);
}

}  // namespace
}  // namespace dsync::ops
