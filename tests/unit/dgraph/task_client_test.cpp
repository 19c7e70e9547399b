// The task query as it goes over the wire and what the client makes of the alpha's answers. Answers are
// the shapes Dgraph v25 sends (graphql/admin/task.go); the wire tests use a one-request HTTP responder
// on 127.0.0.1 that records what it received.
#include "dgraph/task_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace dsync::dgraph {
namespace {

using Kind = TaskReply::Kind;

TEST(TaskReplyParsing, ReadsTheStatusAndWhenItChanged) {
  auto r = parse_task_reply(
      200, R"({"data":{"task":{"status":"Running","lastUpdated":"2026-08-01T10:00:01Z","kind":"Export"}},)"
           R"("extensions":{"tracing":{"version":1}}})");
  EXPECT_EQ(r.kind, Kind::status);
  EXPECT_EQ(r.status, TaskStatus::running);
  EXPECT_EQ(r.last_updated, "2026-08-01T10:00:01Z");
  EXPECT_EQ(parse_task_reply(200, R"({"data":{"task":{"status":"Success"}}})").status, TaskStatus::success);
  EXPECT_EQ(parse_task_reply(200, R"({"data":{"task":{"status":"Failed"}}})").status, TaskStatus::failed);
  EXPECT_EQ(parse_task_reply(200, R"({"data":{"task":{"status":"Queued"}}})").status, TaskStatus::queued);
}

TEST(TaskReplyParsing, AForgottenTaskIsNotFound) {
  auto r =
      parse_task_reply(200, R"({"errors":[{"message":"resolving task failed because task does not exist or )"
                            R"(has expired","locations":[{"line":1,"column":8}]}],"data":{"task":null}})");
  EXPECT_EQ(r.kind, Kind::not_found);
  EXPECT_NE(r.error.find("does not exist"), std::string::npos);
  // Asked on an alpha other than the one that ran it.
  r = parse_task_reply(200,
                       R"({"errors":[{"message":"resolving task failed because rpc error: code = Unknown )"
                       R"(desc = task does not exist or has expired"}],"data":{"task":null}})");
  EXPECT_EQ(r.kind, Kind::not_found);
}

TEST(TaskReplyParsing, ABadTokenOrIdIsRefused) {
  EXPECT_EQ(parse_task_reply(200, R"({"errors":[{"message":"Invalid X-Dgraph-AuthToken","extensions":)"
                                  R"({"code":"ErrorUnauthorized"}}]})")
                .kind,
            Kind::rejected);
  EXPECT_EQ(parse_task_reply(200, R"({"errors":[{"message":"resolving task failed because invalid task ID: )"
                                  R"(0xzz"}],"data":{"task":null}})")
                .kind,
            Kind::rejected);
}

TEST(TaskReplyParsing, AnUnavailablePeerOrAGarbledAnswerIsWorthAskingAgain) {
  EXPECT_EQ(
      parse_task_reply(200, R"({"errors":[{"message":"resolving task failed because the Alpha that served )"
                            R"(that task is not available"}]})")
          .kind,
      Kind::transient);
  EXPECT_EQ(parse_task_reply(200, "<html>bad gateway</html>").kind, Kind::transient);
  EXPECT_EQ(parse_task_reply(200, R"({"data":{"task":{"status":"Paused"}}})").kind, Kind::transient);
  EXPECT_EQ(parse_task_reply(503, "").kind, Kind::transient);
  EXPECT_EQ(parse_task_reply(403, "").kind, Kind::rejected);
}

TEST(TaskRequest, CarriesTheIdAsAVariable) {
  auto body = boost::json::parse(task_request_body("0x1a3f2c9d0\"}) { x }")).as_object();
  EXPECT_EQ(body.at("variables").at("id").as_string(), "0x1a3f2c9d0\"}) { x }");
  EXPECT_NE(std::string(body.at("query").as_string()).find("task(input: {id: $id})"), std::string::npos);
}

// Answers one HTTP request with `reply_body` and hands back the raw request it read.
class OneShotResponder {
 public:
  explicit OneShotResponder(std::string reply_body) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    request_ = std::async(std::launch::async, [this, body = std::move(reply_body)] { return serve(body); });
  }
  ~OneShotResponder() { ::close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string request() { return request_.get(); }

 private:
  std::string serve(const std::string& body) {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return {};
    std::string in;
    char buf[4096];
    std::size_t need = std::string::npos;
    while (in.size() < need) {
      auto n = ::read(c, buf, sizeof(buf));
      if (n <= 0) break;
      in.append(buf, static_cast<std::size_t>(n));
      auto end = in.find("\r\n\r\n");
      auto cl = in.find("Content-Length: ");
      if (end != std::string::npos && cl != std::string::npos) {
        need = end + 4 + std::stoul(in.substr(cl + 16));
      }
    }
    std::string out =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    (void)!::write(c, out.data(), out.size());
    ::close(c);
    return in;
  }
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::future<std::string> request_;
};

TEST(TaskClient, PostsTheQueryToAdminWithTheExportsTokens) {
  OneShotResponder alpha(R"({"data":{"task":{"status":"Success","lastUpdated":"2026-08-01T10:00:05Z"}}})");
  TaskClient client;
  auto r = client.query({alpha.url() + "/", "0x2a", "poor-mans-token", "jwt-of-the-request"});
  EXPECT_EQ(r.kind, Kind::status);
  EXPECT_EQ(r.status, TaskStatus::success);
  auto req = alpha.request();
  EXPECT_EQ(req.rfind("POST /admin HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_NE(req.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(req.find("X-Dgraph-AuthToken: poor-mans-token\r\n"), std::string::npos);
  EXPECT_NE(req.find("X-Dgraph-AccessToken: jwt-of-the-request\r\n"), std::string::npos);
  auto body = boost::json::parse(req.substr(req.find("\r\n\r\n") + 4)).as_object();
  EXPECT_EQ(body.at("variables").at("id").as_string(), "0x2a");
}

TEST(TaskClient, SendsNoTokenHeadersItDoesNotHave) {
  OneShotResponder alpha(R"({"data":{"task":{"status":"Queued"}}})");
  TaskClient client;
  EXPECT_EQ(client.query({alpha.url(), "0x2a", "", ""}).status, TaskStatus::queued);
  auto req = alpha.request();
  EXPECT_EQ(req.find("X-Dgraph-AuthToken"), std::string::npos);
  EXPECT_EQ(req.find("X-Dgraph-AccessToken"), std::string::npos);
}

TEST(TaskClient, AnAlphaThatIsDownIsTransient) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);  // nothing listens on this port now
  TaskClient client;
  auto r = client.query({"http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), "0x2a", "", ""});
  EXPECT_EQ(r.kind, Kind::transient);
  EXPECT_NE(r.error.find("no answer"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace dsync::dgraph
