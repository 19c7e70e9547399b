// Which answers from Dgraph mean an export was accepted. Bodies are the shapes Dgraph v20.11–v25.4
// sends (shared/reference/dgraph-admin-api.md §1.4).
#include <string>

#include <gtest/gtest.h>

#include "dgraph/export_recognizer.h"
#include "gzip_for_tests.h"

namespace dsync::dgraph {
namespace {

constexpr std::size_t kCap = 1 << 20;

ExportRequest graphql_request(std::vector<ExportCall> calls) {
  ExportRequest r;
  r.kind = ExportRequest::Kind::graphql;
  r.calls = std::move(calls);
  return r;
}

ExportRequest plain_export() {
  return graphql_request({{"export", "rdf", ""}});
}

ResponseInspection inspect(const ExportRequest& r, std::string_view body, std::string_view encoding = "") {
  return recognize_accepted_exports(r, encoding, body, kCap);
}

constexpr std::string_view kAsyncSuccess =
    R"({"data":{"export":{"response":{"code":"Success","message":"Export queued with ID 0x1a3f2c9d0"},"taskId":"0x1a3f2c9d0"}},"extensions":{"tracing":{"version":1,"duration":3001234567}}})";

TEST(ExportResponse, AsyncSuccessYieldsOneEventWithTheTaskId) {
  auto r = inspect(graphql_request({{"export", "json", "/backups"}}), kAsyncSuccess);
  ASSERT_EQ(r.accepted.size(), 1u);
  EXPECT_EQ(r.accepted[0].task_id, "0x1a3f2c9d0");
  EXPECT_FALSE(r.accepted[0].synchronous);
  EXPECT_EQ(r.accepted[0].format, "json");
  EXPECT_EQ(r.accepted[0].local_destination, "/backups");
  EXPECT_TRUE(r.problem.empty());
}

TEST(ExportResponse, GzipAnswersAreInflatedForInspection) {
  auto r = inspect(plain_export(), testing::gzip(kAsyncSuccess), "gzip");
  ASSERT_EQ(r.accepted.size(), 1u);
  EXPECT_EQ(r.accepted[0].task_id, "0x1a3f2c9d0");
}

TEST(ExportResponse, TaskIdAloneIsEnoughBecauseFailuresReturnNull) {
  auto r = inspect(plain_export(), R"({"data":{"export":{"taskId":"0xabc"}}})");
  ASSERT_EQ(r.accepted.size(), 1u);
  EXPECT_EQ(r.accepted[0].task_id, "0xabc");
}

TEST(ExportResponse, TaskIdIsTakenFromTheMessageWhenNotSelected) {
  auto r = inspect(
      plain_export(),
      R"({"data":{"export":{"response":{"code":"Success","message":"Export queued with ID 0x9d2e13e8a"}}}})");
  ASSERT_EQ(r.accepted.size(), 1u);
  EXPECT_EQ(r.accepted[0].task_id, "0x9d2e13e8a");
}

TEST(ExportResponse, SyncSuccessYieldsASynchronousEventWithItsFiles) {
  auto r = inspect(
      plain_export(),
      R"({"data":{"export":{"response":{"code":"Success","message":"Export completed."},"exportedFiles":["dgraph.r20010.u0805.1412/g01.rdf.gz","dgraph.r20010.u0805.1412/g01.schema.gz","../../etc/passwd","/abs"]}}})");
  ASSERT_EQ(r.accepted.size(), 1u);
  EXPECT_TRUE(r.accepted[0].synchronous);
  EXPECT_TRUE(r.accepted[0].task_id.empty());
  EXPECT_EQ(r.accepted[0].exported_files,
            (std::vector<std::string>{"dgraph.r20010.u0805.1412/g01.rdf.gz",
                                      "dgraph.r20010.u0805.1412/g01.schema.gz"}))
      << "paths escaping the destination are dropped";
}

TEST(ExportResponse, SyncSuccessWithOnlyExportedFilesSelectedCounts) {
  auto r = inspect(plain_export(), R"({"data":{"export":{"exportedFiles":["d/g01.rdf.gz"]}}})");
  ASSERT_EQ(r.accepted.size(), 1u);
  EXPECT_TRUE(r.accepted[0].synchronous);
}

TEST(ExportResponse, FailuresProduceNoEvent) {
  for (
      std::string_view body : {
          R"({"errors":[{"message":"resolving export failed because task failed","locations":[{"line":1,"column":12}]}],"data":{"export":null}})",
          R"({"errors":[{"message":"Cannot query field \"taskId\" on type \"ExportPayload\"."}]})",
          R"({"errors":[{"message":"Invalid X-Dgraph-AuthToken","extensions":{"code":"ErrorUnauthorized"}}]})",
          R"({"data":{"export":{"response":{"code":"Failure","message":"x"},"taskId":"0x1"}}})",
          R"({"data":{"export":{"taskId":"not-a-task"}}})",
          R"({"data":{"export":{"taskId":"0x"}}})",
          R"({"data":{"export":{"taskId":"0x12345678901234567"}}})",
          R"({"data":{"export":"0x1"}})",
          R"({"data":{"other":{"taskId":"0x1"}}})",
          R"({"data":null})",
          R"([1,2])",
      }) {
    auto r = inspect(plain_export(), body);
    EXPECT_TRUE(r.accepted.empty()) << body;
  }
}

TEST(ExportResponse, EachAcceptedAliasCountsOnce) {
  auto request = graphql_request({{"a", "rdf", ""}, {"b", "json", ""}});
  auto r = inspect(
      request,
      R"({"errors":[{"message":"resolving export failed because too many pending tasks, please try again later"}],"data":{"a":{"taskId":"0x10000000a"},"b":null}})");
  ASSERT_EQ(r.accepted.size(), 1u);
  EXPECT_EQ(r.accepted[0].task_id, "0x10000000a");
  EXPECT_EQ(r.accepted[0].format, "rdf");
}

TEST(ExportResponse, UnknownRequestsCountOnlyDgraphsOwnExportMessages) {
  ExportRequest unknown;
  unknown.kind = ExportRequest::Kind::unknown;
  auto exported = inspect(unknown, kAsyncSuccess);
  ASSERT_EQ(exported.accepted.size(), 1u);
  EXPECT_EQ(exported.accepted[0].task_id, "0x1a3f2c9d0");
  EXPECT_EQ(exported.accepted[0].format, "");
  auto backup = inspect(
      unknown,
      R"({"data":{"backup":{"response":{"code":"Success","message":"Backup queued with ID 0x5"},"taskId":"0x5"}}})");
  EXPECT_TRUE(backup.accepted.empty());
  auto bare = inspect(unknown, R"({"data":{"x":{"taskId":"0x5"}}})");
  EXPECT_TRUE(bare.accepted.empty());
}

TEST(ExportResponse, LegacyExportCountsOnlyOnCompletion) {
  ExportRequest legacy;
  legacy.kind = ExportRequest::Kind::legacy;
  legacy.calls.push_back({"", "rdf", ""});
  auto ok = inspect(legacy, R"({"code": "Success", "message": "Export completed."})");
  ASSERT_EQ(ok.accepted.size(), 1u);
  EXPECT_TRUE(ok.accepted[0].synchronous);
  EXPECT_EQ(ok.accepted[0].format, "rdf");
  EXPECT_TRUE(inspect(legacy, R"({"errors":[{"message":"Export failed.","extensions":{"code":"boom"}}]})")
                  .accepted.empty());
  EXPECT_TRUE(
      inspect(legacy, R"({"errors":[{"message":"Invalid export format.","extensions":{"code":"error"}}]})")
          .accepted.empty());
}

TEST(ExportResponse, UnreadableBodiesAreReportedAsProblemsWithoutEvents) {
  auto bad_gzip = inspect(plain_export(), "\x1f\x8b\x08 not really", "gzip");
  EXPECT_TRUE(bad_gzip.accepted.empty());
  EXPECT_FALSE(bad_gzip.problem.empty());
  auto not_json = inspect(plain_export(), "<html>502</html>");
  EXPECT_TRUE(not_json.accepted.empty());
  EXPECT_FALSE(not_json.problem.empty());
  auto truncated = inspect(plain_export(), kAsyncSuccess.substr(0, kAsyncSuccess.size() / 2));
  EXPECT_TRUE(truncated.accepted.empty());
}

TEST(ExportResponse, RequestsThatAreNotExportsAreNeverInspected) {
  auto r = inspect(ExportRequest{}, kAsyncSuccess);
  EXPECT_TRUE(r.accepted.empty());
}

TEST(ExportResponse, SuccessWithoutAnythingToFollowIsAProblemNotAnEvent) {
  auto r = inspect(plain_export(), R"({"data":{"export":{"response":{"code":"Success"}}}})");
  EXPECT_TRUE(r.accepted.empty());
  EXPECT_FALSE(r.problem.empty());
}

}  // namespace
}  // namespace dsync::dgraph
