// Routing (reverse/forward), admin path detection, upstream parsing and the admin allowlist.
#include "proxy/route.h"

#include <gtest/gtest.h>

#include "proxy/admin_allowlist.h"

namespace dsync::proxy {
namespace {

const UpstreamAddress kAlpha{"alpha", 8080};

TEST(Route, OriginFormGoesToTheReverseUpstreamUnchanged) {
  auto r = route_request("POST", "/query?timeout=1s", kAlpha, {});
  EXPECT_EQ(r.kind, RoutedRequest::Kind::reverse);
  EXPECT_EQ(r.upstream, kAlpha);
  EXPECT_EQ(r.origin_target, "/query?timeout=1s");
  EXPECT_EQ(r.path, "/query");
}

TEST(Route, AbsoluteFormGoesOnlyToConfiguredUpstreams) {
  auto r = route_request("GET", "http://ALPHA:8080/admin?query=x", kAlpha, {});
  EXPECT_EQ(r.kind, RoutedRequest::Kind::forward);
  EXPECT_EQ(r.origin_target, "/admin?query=x");
  EXPECT_EQ(r.path, "/admin");
  auto other = route_request("GET", "http://10.0.0.2:8080/", kAlpha, {{"10.0.0.2", 8080}});
  EXPECT_EQ(other.kind, RoutedRequest::Kind::forward);
  auto no_path = route_request("GET", "http://alpha:8080", kAlpha, {});
  EXPECT_EQ(no_path.origin_target, "/");
  auto query_only = route_request("GET", "http://alpha:8080?x=1", kAlpha, {});
  EXPECT_EQ(query_only.origin_target, "/?x=1");

  for (std::string_view t : {"http://alpha:8081/", "http://alpha/", "http://evil.example:8080/",
                             "http://user@alpha:8080/", "https://alpha:8080/"}) {
    EXPECT_EQ(route_request("GET", t, kAlpha, {}).kind, RoutedRequest::Kind::refused) << t;
  }
  EXPECT_EQ(route_request("GET", "ftp://alpha/", kAlpha, {}).refusal_status, 400);
  EXPECT_EQ(route_request("CONNECT", "alpha:8080", kAlpha, {}).refusal_status, 405);
}

TEST(Route, AdminPathsAreDetectedInEverySpelling) {
  for (std::string_view p : {"/admin", "/admin/export", "/admin/schema", "/alter", "/login", "//admin",
                             "/./admin", "/q/../admin", "/Admin", "/ALTER"}) {
    EXPECT_TRUE(is_admin_path(p)) << p;
  }
  for (std::string_view p : {"/query", "/mutate", "/graphql", "/health", "/", "/adm", "/q/admin"}) {
    EXPECT_FALSE(is_admin_path(p)) << p;
  }
}

TEST(Route, CleanPathFollowsGoPathClean) {
  EXPECT_EQ(clean_path("//a/./b/../c/"), "/a/c");
  EXPECT_EQ(clean_path("/../.."), "/");
  EXPECT_EQ(clean_path(""), "/");
}

TEST(Route, UpstreamUrlMustBePlainHttpHostAndPort) {
  std::string error;
  auto a = parse_upstream_url("http://localhost:8080/", error);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->authority(), "localhost:8080");
  EXPECT_EQ(a->base_url(), "http://localhost:8080");
  auto v6 = parse_upstream_url("http://[::1]:9080", error);
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->authority(), "[::1]:9080");
  EXPECT_EQ(parse_upstream_url("http://alpha", error)->port, 80);
  for (std::string_view bad : {"https://alpha:8080", "alpha:8080", "http://", "http://alpha:99999",
                               "http://a:b", "http://alpha:8080/path"}) {
    EXPECT_FALSE(parse_upstream_url(bad, error).has_value()) << bad;
  }
}

TEST(Route, DgraphStyleErrorBodiesAreValidJson) {
  EXPECT_EQ(dgraph_error_body("say \"no\"\n", "ErrorUnauthorized"),
            R"({"errors":[{"message":"say \"no\"\u000a","extensions":{"code":"ErrorUnauthorized"}}]})");
}

TEST(AdminAllowlist, DefaultLoopbackAllowsOnlyLoopbackIncludingMappedV4) {
  std::string error;
  auto list = AdminAllowlist::parse({"127.0.0.0/8", "::1/128"}, error);
  ASSERT_TRUE(list.has_value()) << error;
  using boost::asio::ip::make_address;
  EXPECT_TRUE(list->allows(make_address("127.0.0.1")));
  EXPECT_TRUE(list->allows(make_address("127.255.0.9")));
  EXPECT_TRUE(list->allows(make_address("::1")));
  EXPECT_TRUE(list->allows(make_address("::ffff:127.0.0.1")));
  EXPECT_FALSE(list->allows(make_address("10.0.0.1")));
  EXPECT_FALSE(list->allows(make_address("::ffff:10.0.0.1")));
  EXPECT_FALSE(list->allows(make_address("fe80::1")));
}

TEST(AdminAllowlist, PrefixesThatAreNotByteAlignedMatchExactly) {
  std::string error;
  auto list = AdminAllowlist::parse({"192.168.4.0/22", "2001:db8::/33", "203.0.113.7"}, error);
  ASSERT_TRUE(list.has_value()) << error;
  using boost::asio::ip::make_address;
  EXPECT_TRUE(list->allows(make_address("192.168.7.255")));
  EXPECT_FALSE(list->allows(make_address("192.168.8.0")));
  EXPECT_TRUE(list->allows(make_address("2001:db8:7fff::1")));
  EXPECT_FALSE(list->allows(make_address("2001:db8:8000::1")));
  EXPECT_TRUE(list->allows(make_address("203.0.113.7")));
  EXPECT_FALSE(list->allows(make_address("203.0.113.8")));
}

TEST(AdminAllowlist, EmptyListAllowsNobodyAndBadEntriesAreNamed) {
  std::string error;
  auto empty = AdminAllowlist::parse({}, error);
  ASSERT_TRUE(empty.has_value());
  EXPECT_FALSE(empty->allows(boost::asio::ip::make_address("127.0.0.1")));
  for (std::string bad : {"10.0.0.0/33", "10.0.0/8", "::1/129", "x", "10.0.0.0/", "10.0.0.0/8/8"}) {
    EXPECT_FALSE(AdminAllowlist::parse({bad}, error).has_value()) << bad;
    EXPECT_NE(error.find(bad), std::string::npos);
  }
}

}  // namespace
}  // namespace dsync::proxy
