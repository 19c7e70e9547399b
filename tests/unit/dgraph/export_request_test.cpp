// Which requests to /admin are export requests, and what dsync must look for in their answers.
#include <string>

#include <gtest/gtest.h>

#include "dgraph/export_recognizer.h"
#include "gzip_for_tests.h"

namespace dsync::dgraph {
namespace {

constexpr std::size_t kCap = 1 << 20;

HttpRequestView post_json(std::string_view body, std::string_view target = "/admin") {
  HttpRequestView v;
  v.method = "POST";
  v.target = target;
  v.content_type = "application/json";
  v.body = body;
  return v;
}

ExportRequest recognize(const HttpRequestView& v) {
  return recognize_export_request(v, kCap);
}

ExportRequest recognize_json(std::string_view body) {
  return recognize(post_json(body));
}

TEST(ExportRequest, PlainExportMutationIsRecognisedWithItsFormat) {
  auto r = recognize_json(
      R"({"query":"mutation { export(input: {format: \"JSON\"}) { response { code } taskId } }"})");
  ASSERT_EQ(r.kind, ExportRequest::Kind::graphql);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].response_key, "export");
  EXPECT_EQ(r.calls[0].format, "json");
  EXPECT_EQ(r.calls[0].local_destination, "");
}

TEST(ExportRequest, FormatDefaultsToRdfAsInDgraph) {
  auto r = recognize_json(R"({"query":"mutation { export(input: {}) { taskId } }"})");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].format, "rdf");
}

TEST(ExportRequest, AliasesBecomeTheResponseKeysToInspect) {
  auto r = recognize_json(
      R"({"query":"mutation { a: export(input: {format: \"rdf\"}) { taskId } b: export(input: {format: \"json\"}) { taskId } }"})");
  ASSERT_EQ(r.calls.size(), 2u);
  EXPECT_EQ(r.calls[0].response_key, "a");
  EXPECT_EQ(r.calls[1].response_key, "b");
  EXPECT_EQ(r.calls[1].format, "json");
}

TEST(ExportRequest, OperationNameSelectsTheOperationThatRuns) {
  std::string doc = R"(query Q { health { status } } mutation E { export(input: {}) { taskId } })";
  auto body = [&](std::string_view op) {
    return R"({"query":")" + doc + R"(","operationName":")" + std::string(op) + R"("})";
  };
  EXPECT_EQ(recognize_json(body("E")).kind, ExportRequest::Kind::graphql);
  EXPECT_EQ(recognize_json(body("Q")).kind, ExportRequest::Kind::none);
  EXPECT_EQ(recognize_json(body("Missing")).kind, ExportRequest::Kind::none);
  EXPECT_EQ(recognize_json(body("")).kind, ExportRequest::Kind::none) << "Dgraph needs a name to choose";
}

TEST(ExportRequest, VariablesProvideTheInputObjectOrItsFields) {
  auto whole = recognize_json(
      R"({"query":"mutation($in: ExportInput!) { export(input: $in) { taskId } }","variables":{"in":{"format":"json","destination":"/backups/x"}}})");
  ASSERT_EQ(whole.calls.size(), 1u);
  EXPECT_EQ(whole.calls[0].format, "json");
  EXPECT_EQ(whole.calls[0].local_destination, "/backups/x");

  auto fields = recognize_json(
      R"({"query":"mutation($f: String = \"json\", $d: String) { export(input: {format: $f, destination: $d}) { taskId } }","variables":{"d":"/mnt/e"}})");
  ASSERT_EQ(fields.calls.size(), 1u);
  EXPECT_EQ(fields.calls[0].format, "json") << "default value of $f";
  EXPECT_EQ(fields.calls[0].local_destination, "/mnt/e");
}

TEST(ExportRequest, RemoteDestinationsAreDgraphsOwnUploadAndIgnored) {
  for (std::string_view dest : {"s3://s3.amazonaws.com/bucket/x", "minio://minio:9000/b", "S3:///bucket"}) {
    std::string body = R"({"query":"mutation { export(input: {destination: \")" + std::string(dest) +
                       R"(\"}) { taskId } }"})";
    EXPECT_EQ(recognize_json(body).kind, ExportRequest::Kind::none) << dest;
  }
}

TEST(ExportRequest, RelativeOrFileDestinationsFallBackToTheExportDirectory) {
  for (std::string_view dest : {"relative/dir", "file:///tmp/x", ""}) {
    std::string body = R"({"query":"mutation { export(input: {destination: \")" + std::string(dest) +
                       R"(\"}) { taskId } }"})";
    auto r = recognize_json(body);
    ASSERT_EQ(r.calls.size(), 1u) << dest;
    EXPECT_EQ(r.calls[0].local_destination, "") << dest;
  }
}

TEST(ExportRequest, MixedRemoteAndLocalExportsKeepOnlyTheLocalOne) {
  auto r = recognize_json(
      R"({"query":"mutation { r: export(input: {destination: \"s3:///b\"}) { taskId } l: export(input: {}) { taskId } }"})");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].response_key, "l");
}

TEST(ExportRequest, ExportsInsideFragmentsAreFound) {
  auto r = recognize_json(
      R"({"query":"mutation { ...F ... on Mutation { i: export(input: {}) { taskId } } } fragment F on Mutation { f: export(input: {format: \"json\"}) { taskId } }"})");
  ASSERT_EQ(r.calls.size(), 2u);
  EXPECT_EQ(r.calls[0].response_key, "f");
  EXPECT_EQ(r.calls[1].response_key, "i");
}

TEST(ExportRequest, SelfReferencingFragmentsTerminate) {
  auto r = recognize_json(
      R"({"query":"mutation { ...F } fragment F on Mutation { ...F export(input: {}) { taskId } }"})");
  EXPECT_EQ(r.calls.size(), 1u);
}

TEST(ExportRequest, GraphqlContentTypeGzipBodiesAndGetQueriesAreRecognised) {
  HttpRequestView gql;
  gql.method = "POST";
  gql.target = "/admin";
  gql.content_type = "application/graphql";
  gql.body = "mutation { export(input: {}) { taskId } }";
  EXPECT_EQ(recognize(gql).kind, ExportRequest::Kind::graphql);

  std::string zipped = testing::gzip(R"({"query":"mutation { export(input: {}) { taskId } }"})");
  auto gz = post_json(zipped);
  gz.content_encoding = "gzip";
  EXPECT_EQ(recognize(gz).kind, ExportRequest::Kind::graphql);

  HttpRequestView get;
  get.method = "GET";
  get.target = "/admin?query=mutation+%7B+export(input%3A+%7B%7D)+%7B+taskId+%7D+%7D";
  EXPECT_EQ(recognize(get).kind, ExportRequest::Kind::graphql);
}

TEST(ExportRequest, LegacyGetAdminExportIsASynchronousExport) {
  HttpRequestView get;
  get.method = "GET";
  get.target = "/admin/export?format=rdf";
  auto r = recognize(get);
  ASSERT_EQ(r.kind, ExportRequest::Kind::legacy);
  EXPECT_EQ(r.calls.at(0).format, "rdf");
  get.target = "/admin/export?format=json";
  EXPECT_EQ(recognize(get).calls.at(0).format, "") << "v20.11 ignores format=json";
  get.method = "POST";
  EXPECT_EQ(recognize(get).kind, ExportRequest::Kind::none);
}

TEST(ExportRequest, NonExportAdminTrafficIsNotInspected) {
  EXPECT_EQ(recognize_json(R"({"query":"{ health { status version } }"})").kind, ExportRequest::Kind::none);
  EXPECT_EQ(recognize_json(R"({"query":"query { export }"})").kind, ExportRequest::Kind::none);
  EXPECT_EQ(
      recognize_json(R"({"query":"mutation { backup(input: {destination: \"/b\"}) { taskId } }"})").kind,
      ExportRequest::Kind::none);
  EXPECT_EQ(recognize_json(R"({"query":"mutation { exportX: backup(input: {}) { taskId } }"})").kind,
            ExportRequest::Kind::none);
  EXPECT_EQ(recognize(post_json(R"({"query":"mutation { export(input: {}) { taskId } }"})", "/graphql")).kind,
            ExportRequest::Kind::none);
  EXPECT_EQ(
      recognize(post_json(R"({"query":"mutation { export(input: {}) { taskId } }"})", "/admin/schema")).kind,
      ExportRequest::Kind::none);
}

TEST(ExportRequest, WhatCannotBeDecidedIsInspectedStrictly) {
  EXPECT_EQ(recognize_json(R"({"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab12"}}})").kind,
            ExportRequest::Kind::unknown);
  EXPECT_EQ(recognize_json(R"({"query":"mutation { export(input: {) }"})").kind,
            ExportRequest::Kind::unknown);
  auto bad_gzip = post_json("\x1f\x8b garbage");
  bad_gzip.content_encoding = "gzip";
  EXPECT_EQ(recognize(bad_gzip).kind, ExportRequest::Kind::unknown);
  auto partial = post_json(R"({"query":"mutation { export(in)");
  partial.body_complete = false;
  EXPECT_EQ(recognize(partial).kind, ExportRequest::Kind::unknown);
}

TEST(ExportRequest, PercentEncodedPathStillReachesTheAdminHandler) {
  EXPECT_EQ(recognize(post_json(R"({"query":"mutation { export(input: {}) { taskId } }"})", "/%61dmin")).kind,
            ExportRequest::Kind::graphql);
}

TEST(ExportRequest, UpperCaseJsonKeysAreReadLikeGoDoes) {
  auto r = recognize_json(R"({"Query":"mutation { export(input: {format: \"json\"}) { taskId } }"})");
  ASSERT_EQ(r.kind, ExportRequest::Kind::graphql);
  EXPECT_EQ(r.calls.at(0).format, "json");
}

}  // namespace
}  // namespace dsync::dgraph
