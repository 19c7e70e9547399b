// Decoding GraphQL requests the way Dgraph (Go's net/http, net/url and encoding/json) does.
#include "dgraph/graphql_http.h"

#include <gtest/gtest.h>

#include "gzip_for_tests.h"

namespace dsync::dgraph {
namespace {

HttpRequestView req(std::string_view method, std::string_view target, std::string_view type,
                    std::string_view encoding, std::string_view body) {
  HttpRequestView v;
  v.method = method;
  v.target = target;
  v.content_type = type;
  v.content_encoding = encoding;
  v.body = body;
  return v;
}

TEST(GraphqlHttp, QueryStringDecodesPercentAndPlusAndDropsBrokenPairs) {
  auto pairs = parse_query_string("query=mutation+%7Bx%7D&bad=%zz&semi=a;b&&operationName=Op&flag");
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0], (std::pair<std::string, std::string>{"query", "mutation {x}"}));
  EXPECT_EQ(pairs[1], (std::pair<std::string, std::string>{"operationName", "Op"}));
  EXPECT_EQ(pairs[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(query_parameter("/admin?format=json&format=rdf", "format"), "json");
  EXPECT_EQ(query_parameter("/admin", "format"), std::nullopt);
}

TEST(GraphqlHttp, RequestPathIsPercentDecodedWithoutQuery) {
  EXPECT_EQ(request_path("/%61dmin?query=x"), "/admin");
  EXPECT_EQ(request_path("/a+b#frag"), "/a+b");
  EXPECT_EQ(request_path("/bad%zz"), "/bad%zz");
}

TEST(GraphqlHttp, InflatesGzipIncludingSeveralMembers) {
  EXPECT_EQ(inflate_gzip(testing::gzip("hello ") + testing::gzip("world"), 100), "hello world");
}

TEST(GraphqlHttp, RefusesInvalidTruncatedOrOversizedGzip) {
  std::string z = testing::gzip(std::string(10000, 'a'));
  EXPECT_EQ(inflate_gzip(z, 9999), std::nullopt);
  EXPECT_EQ(inflate_gzip(z.substr(0, z.size() - 5), 1 << 20), std::nullopt);
  EXPECT_EQ(inflate_gzip("not gzip at all", 1 << 20), std::nullopt);
  EXPECT_EQ(inflate_gzip("", 1 << 20), std::nullopt);
  EXPECT_EQ(inflate_gzip(z + "garbage", 1 << 20), std::nullopt);
}

TEST(GraphqlHttp, JsonIsParsedLikeGoDecoder) {
  auto v = parse_json_prefix(R"({"query":"x"} trailing bytes)");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->at("query").as_string(), "x");
  EXPECT_TRUE(parse_json_prefix("{\"q\":\"\xff\xfe\"}").has_value()) << "Go accepts invalid UTF-8";
  EXPECT_FALSE(parse_json_prefix("{\"q\":").has_value());
  EXPECT_FALSE(parse_json_prefix(std::string(5000, '[') + std::string(5000, ']')).has_value());
}

TEST(GraphqlHttp, JsonFieldsMatchCaseInsensitivelyLastOneWins) {
  auto v = parse_json_prefix(R"({"query":"a","QUERY":"b","Operationname":"op","variableſ":{}})");
  const auto& o = v->as_object();
  EXPECT_EQ(go_json_field(o, "query")->as_string(), "b");
  EXPECT_EQ(go_json_field(o, "operationName")->as_string(), "op");
  EXPECT_NE(go_json_field(o, "variables"), nullptr) << "Go folds the long s to s";
  EXPECT_EQ(go_json_field(o, "extensions"), nullptr);
}

TEST(GraphqlHttp, DecodesPostJsonWithVariablesAndOperationName) {
  std::string body =
      R"({"query":"mutation M { export(input:{}) { taskId } }","variables":{"a":1},"operationName":"M"})";
  auto d =
      decode_graphql_request(req("POST", "/admin", "application/json; charset=utf-8", "", body), 1 << 20);
  ASSERT_EQ(d.outcome, GraphqlDecode::Outcome::decoded);
  EXPECT_EQ(d.request.operation_name, "M");
  EXPECT_EQ(d.request.variables.at("a").as_int64(), 1);
}

TEST(GraphqlHttp, DecodesGzipPostGraphqlAndGetForms) {
  auto post = decode_graphql_request(
      req("POST", "/admin", "application/graphql", "gzip", testing::gzip("{ health }")), 1 << 20);
  ASSERT_EQ(post.outcome, GraphqlDecode::Outcome::decoded);
  EXPECT_EQ(post.request.query, "{ health }");
  auto get = decode_graphql_request(
      req("GET", "/admin?query=mutation%20%7Bx%7D&variables=%7B%22v%22%3A2%7D&operationName=O", "", "", ""),
      1 << 20);
  ASSERT_EQ(get.outcome, GraphqlDecode::Outcome::decoded);
  EXPECT_EQ(get.request.query, "mutation {x}");
  EXPECT_EQ(get.request.operation_name, "O");
  EXPECT_EQ(get.request.variables.at("v").as_int64(), 2);
}

TEST(GraphqlHttp, RequestsDgraphRefusesAreRejected) {
  EXPECT_EQ(decode_graphql_request(req("PUT", "/admin", "application/json", "", "{}"), 100).outcome,
            GraphqlDecode::Outcome::rejected);
  EXPECT_EQ(decode_graphql_request(req("POST", "/admin", "text/plain", "", "{}"), 100).outcome,
            GraphqlDecode::Outcome::rejected);
  EXPECT_EQ(decode_graphql_request(req("POST", "/admin", "application/json", "", "[1]"), 100).outcome,
            GraphqlDecode::Outcome::rejected);
  EXPECT_EQ(
      decode_graphql_request(req("POST", "/admin", "application/json", "", R"({"query":5})"), 100).outcome,
      GraphqlDecode::Outcome::rejected);
}

TEST(GraphqlHttp, UndecodableBodiesAreUndecidableNotIgnored) {
  EXPECT_EQ(decode_graphql_request(req("POST", "/admin", "application/json", "gzip", "nope"), 100).outcome,
            GraphqlDecode::Outcome::undecidable);
  EXPECT_EQ(
      decode_graphql_request(req("POST", "/admin", "application/json", "", "{\"query\": "), 100).outcome,
      GraphqlDecode::Outcome::undecidable);
  HttpRequestView partial = req("POST", "/admin", "application/json", "", "{\"query\": \"mut");
  partial.body_complete = false;
  EXPECT_EQ(decode_graphql_request(partial, 100).outcome, GraphqlDecode::Outcome::undecidable);
}

TEST(GraphqlHttp, PersistedQueryHashIsNoticed) {
  auto d = decode_graphql_request(req("POST", "/admin", "application/json", "",
                                      R"({"extensions":{"persistedQuery":{"sha256Hash":"abc"}}})"),
                                  1000);
  ASSERT_EQ(d.outcome, GraphqlDecode::Outcome::decoded);
  EXPECT_TRUE(d.request.has_persisted_query);
  EXPECT_TRUE(d.request.query.empty());
}

}  // namespace
}  // namespace dsync::dgraph
