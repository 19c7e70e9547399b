// Endpoint parsing, path-style and virtual-host addressing, and settings validation.
#include <gtest/gtest.h>

#include "s3/endpoint.h"
#include "s3/settings.h"

namespace dsync::s3 {
namespace {

Endpoint parsed(const std::string& text) {
  std::string why;
  auto ep = parse_endpoint(text, &why);
  EXPECT_TRUE(ep) << text << ": " << why;
  return ep.value_or(Endpoint{});
}

TEST(Endpoint, HostAndPortAloneMeanHttpsLikeTheOriginalTool) {
  Endpoint ep = parsed("minio.example.com:9000");
  EXPECT_TRUE(ep.https);
  EXPECT_EQ(ep.host, "minio.example.com");
  EXPECT_EQ(ep.port, 9000u);
  EXPECT_EQ(ep.authority(), "minio.example.com:9000");
}

TEST(Endpoint, FullUrlsKeepTheirSchemeAndDropADefaultPort) {
  EXPECT_FALSE(parsed("http://127.0.0.1:7480").https);
  EXPECT_EQ(parsed("http://127.0.0.1:7480").authority(), "127.0.0.1:7480");
  EXPECT_EQ(parsed("HTTPS://s3.example.com:443/").authority(), "s3.example.com");
  EXPECT_EQ(parsed("http://s3.example.com:80").authority(), "s3.example.com");
  EXPECT_EQ(parsed("https://[::1]:9000").authority(), "[::1]:9000");
  EXPECT_EQ(parsed("  s3.example.com  ").authority(), "s3.example.com");
}

TEST(Endpoint, MalformedEndpointsAreRefusedWithAReason) {
  for (const char* bad : {"", "ftp://host", "host:0", "host:70000", "host:", "user:pw@host",
                          "https://host/bucket", "host?x=1", "ho st", "[::1"}) {
    std::string why;
    EXPECT_FALSE(parse_endpoint(bad, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

TEST(Addressing, PathStylePutsTheBucketInThePathAndEncodesTheKeyOnce) {
  Addressing a(parsed("http://127.0.0.1:7480"), "dsync-test", true);
  Target t =
      a.object("exports/dgraph.r10.u0101.1200/g01 rdf+x.gz", {{"partNumber", "3"}, {"uploadId", "2~a/b"}});
  EXPECT_EQ(t.host, "127.0.0.1:7480");
  EXPECT_EQ(t.canonical_uri, "/dsync-test/exports/dgraph.r10.u0101.1200/g01%20rdf%2Bx.gz");
  EXPECT_EQ(t.url,
            "http://127.0.0.1:7480/dsync-test/exports/dgraph.r10.u0101.1200/g01%20rdf%2Bx.gz"
            "?partNumber=3&uploadId=2~a%2Fb");
}

TEST(Addressing, VirtualHostStylePutsTheBucketInTheHost) {
  Addressing a(parsed("s3.example.com"), "backups", false);
  Target t = a.object("a/b.gz");
  EXPECT_EQ(t.host, "backups.s3.example.com");
  EXPECT_EQ(t.canonical_uri, "/a/b.gz");
  EXPECT_EQ(t.url, "https://backups.s3.example.com/a/b.gz");
  EXPECT_EQ(a.bucket({{"list-type", "2"}}).url, "https://backups.s3.example.com/?list-type=2");
}

TEST(Addressing, ValuelessSubresourceIsSentBare) {
  Addressing a(parsed("http://h:1"), "bkt", true);
  EXPECT_EQ(a.object("k", {{"uploads", ""}}).url, "http://h:1/bkt/k?uploads");
  EXPECT_EQ(a.bucket({{"uploads", ""}, {"prefix", "p/"}}).url, "http://h:1/bkt?prefix=p%2F&uploads");
}

ClientSettings valid() {
  ClientSettings s;
  s.endpoint = "http://127.0.0.1:7480";
  s.access_key = "AK";
  s.secret_key = "very-secret-value";
  s.bucket = "dsync-test";
  return s;
}

TEST(SettingsProblem, ValidSettingsHaveNone) {
  EXPECT_FALSE(settings_problem(valid()));
}

TEST(SettingsProblem, EachProblemNamesTheSettingAndNeverTheSecret) {
  std::vector<std::pair<std::function<void(ClientSettings&)>, std::string>> cases = {
      {[](ClientSettings& s) { s.endpoint = "ftp://x"; }, "endpoint"},
      {[](ClientSettings& s) { s.bucket = "b1"; }, "bucket"},  // RGW: InvalidBucketName with no message
      {[](ClientSettings& s) { s.bucket = "no/slash"; }, "bucket"},
      {[](ClientSettings& s) { s.access_key.clear(); }, "access key"},
      {[](ClientSettings& s) { s.secret_key.clear(); }, "secret key"},
      {[](ClientSettings& s) { s.payload_signing = PayloadSigning::unsigned_payload; }, "payload signing"},
      {[](ClientSettings& s) { s.ca_file = "/nonexistent/ca.pem"; }, "CA file"},
      {[](ClientSettings& s) { s.stall_timeout = std::chrono::seconds(0); }, "timeouts"},
      {[](ClientSettings& s) { s.path_style = false; }, "path style"},  // an IP cannot carry bucket.host
      {[](ClientSettings& s) { s.list_page_size = 5000; }, "list page size"},
  };
  for (auto& [mutate, setting] : cases) {
    ClientSettings s = valid();
    mutate(s);
    auto problem = settings_problem(s);
    ASSERT_TRUE(problem) << setting;
    EXPECT_EQ(problem->rfind(setting, 0), 0u) << *problem;
    EXPECT_EQ(problem->find("very-secret-value"), std::string::npos);
  }
}

TEST(SettingsProblem, UnsignedPayloadIsAllowedOverHttps) {
  ClientSettings s = valid();
  s.endpoint = "https://s3.example.com";
  s.payload_signing = PayloadSigning::unsigned_payload;
  EXPECT_FALSE(settings_problem(s));
}

}  // namespace
}  // namespace dsync::s3
