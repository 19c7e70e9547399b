// Error classification (the one place that decides retry or fail) and error text that never carries
// the SSE-C key or the secret.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "common/log.h"
#include "s3/client.h"
#include "s3/digest.h"
#include "s3/error.h"

namespace dsync::s3 {
namespace {

Error http(int status, std::string code, std::string message = {}, std::string operation = "UploadPart") {
  Error e;
  e.http_status = status;
  e.code = std::move(code);
  e.message = std::move(message);
  e.operation = std::move(operation);
  return e;
}

TEST(Classify, ServerSideAndThrottlingErrorsAreTransient) {
  for (const Error& e : {http(500, "InternalError"), http(503, "SlowDown"), http(503, "ServiceUnavailable"),
                         http(400, "RequestTimeout"), http(429, "TooManyRequests"), http(502, "HTTP502"),
                         http(400, "BadDigest"), http(400, "XAmzContentSHA256Mismatch")}) {
    EXPECT_EQ(classify(e), ErrorClass::transient) << e.describe();
  }
}

TEST(Classify, TransportFailuresAreTransientExceptTlsVerificationFileErrorsAndStops) {
  for (auto code : {codes::kConnectionReset, codes::kConnectFailed, codes::kTimeout,
                    codes::kResponseHeaderTimeout, codes::kStalled, codes::kDnsFailed, codes::kTlsFailed}) {
    EXPECT_EQ(classify(Error::local(code, "x")), ErrorClass::transient) << code;
  }
  for (auto code :
       {codes::kTlsVerifyFailed, codes::kFileError, codes::kStopped, codes::kCompletionUnconfirmed}) {
    EXPECT_EQ(classify(Error::local(code, "x")), ErrorClass::permanent) << code;
  }
}

TEST(Classify, ClientErrorsArePermanent) {
  for (const Error& e : {http(403, "AccessDenied"), http(404, "NoSuchBucket"), http(404, "NoSuchUpload"),
                         http(400, "InvalidArgument", "The calculated MD5 hash of the key did not match"),
                         http(400, "InvalidPart"), http(400, "EntityTooSmall"),
                         http(403, "SignatureDoesNotMatch"), http(501, "NotImplemented")}) {
    EXPECT_EQ(classify(e), ErrorClass::permanent) << e.describe();
  }
}

TEST(Classify, RgwsAlreadyInProgressOnCompleteIsAmbiguousNotTransient) {
  Error e = http(500, "InternalError", "This multipart completion is already in progress",
                 "CompleteMultipartUpload");
  EXPECT_EQ(classify(e), ErrorClass::ambiguous_completion);
  e.operation = "UploadPart";
  EXPECT_EQ(classify(e), ErrorClass::transient);
}

TEST(Classify, UploadGoneCoversRgwsNoSuchKeyFromListParts) {
  EXPECT_TRUE(is_upload_gone(http(404, "NoSuchUpload")));
  EXPECT_TRUE(is_upload_gone(http(404, "NoSuchKey", "", "ListParts")));
  EXPECT_FALSE(is_upload_gone(http(404, "NoSuchBucket")));
  EXPECT_FALSE(is_upload_gone(http(500, "InternalError")));
}

TEST(ErrorDescribe, OneLineWithOperationObjectStatusCodeMessageAndRequestId) {
  Error e = http(503, "SlowDown", "Please reduce your request rate.");
  e.key = "exports/g01.rdf.gz";
  e.request_id = "tx00001";
  EXPECT_EQ(e.describe(),
            "UploadPart object=exports/g01.rdf.gz: HTTP 503 SlowDown: Please reduce your request rate. "
            "(request id tx00001)");
  EXPECT_EQ(Error::local(codes::kConnectionReset, "reset by peer", "PutObject").describe(),
            "PutObject: ConnectionReset: reset by peer");
}

const std::string kRawKey = "raw-key-material-0123456789abcde";  // 32 printable bytes

// A fake S3 endpoint for what no real server can be made to do on demand: echo the SSE-C key back in
// its error answer (header and body). Serves one connection, then stops.
class KeyEchoingServer {
 public:
  KeyEchoingServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 4) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve_one(); });
  }
  ~KeyEchoingServer() {
    thread_.join();
    close(fd_);
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void serve_one() {
    int c = accept(fd_, nullptr, nullptr);
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    const std::string b64 = to_base64(kRawKey);
    const std::string body = "<Error><Code>InvalidArgument</Code><Message>key " + b64 + " raw " + kRawKey +
                             " hex " + to_hex(kRawKey) + "</Message><RequestId>" + b64 +
                             "</RequestId></Error>";
    const std::string response =
        "HTTP/1.1 400 Bad Request\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nx-amz-request-id: " + b64 + "\r\nConnection: close\r\n\r\n" + body;
    ssize_t ignored = write(c, response.data(), response.size());
    (void)ignored;
    close(c);
  }

  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

ClientSettings settings_for(const std::string& endpoint) {
  ClientSettings s;
  s.endpoint = endpoint;
  s.access_key = "AKIDEXAMPLE";
  s.secret_key = "secret-key-that-must-not-leak";
  s.bucket = "dsync-test";
  s.connect_timeout = std::chrono::seconds(2);
  return s;
}

void expect_no_secret(const std::string& text) {
  EXPECT_EQ(text.find(to_base64(kRawKey)), std::string::npos) << text;
  EXPECT_EQ(text.find(kRawKey), std::string::npos) << text;
  EXPECT_EQ(text.find(to_hex(kRawKey)), std::string::npos) << text;
  EXPECT_EQ(text.find("secret-key-that-must-not-leak"), std::string::npos) << text;
}

TEST(ErrorText, AServerEchoingTheKeyCannotGetItIntoAnErrorOrALogLine) {
  KeyEchoingServer server;
  auto key = SseCustomerKey::parse(kRawKey, SseCustomerKey::Encoding::raw, nullptr);
  Client client(settings_for(server.endpoint()), key);
  auto r = client.put_object("k", Body{.bytes = "data"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.http_status, 400);
  EXPECT_EQ(r.error.code, "InvalidArgument");
  EXPECT_NE(r.error.message.find("***"), std::string::npos)
      << "the echoed key was masked, not dropped silently";
  expect_no_secret(r.error.describe());
  expect_no_secret(r.error.request_id);
  expect_no_secret(log::scrub("logged: " + to_base64(kRawKey)));
}

TEST(ErrorText, TransportErrorsForAKeyedRequestCarryNoKey) {
  auto key = SseCustomerKey::parse(kRawKey, SseCustomerKey::Encoding::raw, nullptr);
  Client client(settings_for("http://127.0.0.1:1"), key);
  auto r = client.head_object("exports/g01.rdf.gz");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.http_status, 0);
  EXPECT_EQ(r.error.code, codes::kConnectFailed);
  EXPECT_EQ(classify(r.error), ErrorClass::transient);
  EXPECT_EQ(r.error.operation, "HeadObject");
  EXPECT_EQ(r.error.key, "exports/g01.rdf.gz");
  expect_no_secret(r.error.describe());
}

TEST(ErrorText, ClientRefusesInvalidSettingsWithoutEchoingTheSecret) {
  ClientSettings s = settings_for("ftp://nowhere");
  try {
    Client c(s, std::nullopt);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("endpoint"), std::string::npos);
    expect_no_secret(e.what());
  }
}

}  // namespace
}  // namespace dsync::s3
