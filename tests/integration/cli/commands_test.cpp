// push, restore and check, run as the real binary against the real servers of scripts/testenv.sh.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "cli_fixture.h"
#include "s3/client.h"
#include "s3/sse_c.h"

namespace dsync::testing {
namespace {

namespace fs = std::filesystem;

int count_lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

class CommandsTest : public CliTest {
 protected:
  // Pushes a ~24 MiB export (multipart with 5 MiB parts) and restores it; both must succeed.
  void push_and_restore(const std::string& store) {
    const fs::path exports = tmp.path() / "export";
    const fs::path dir = write_export(exports, "dgraph.r1000.u0101.1200", 24u << 20);
    const fs::path copy = tmp.path() / "original";
    fs::copy(dir, copy);
    auto env = bucket_env(store);
    env["DSYNC_TOWATCH"] = exports.string();
    env["DSYNC_NAME_TEMPLATE"] = "{dir}/{file}";

    auto push = run_dsync({"push", dir.string(), "--part-size", "5MiB", "--parallel-parts", "3"}, env);
    ASSERT_EQ(push.exit_code, 0) << push.out << push.err;
    EXPECT_NE(push.out.find("pushed 3 files"), std::string::npos) << push.out;
    EXPECT_FALSE(fs::exists(dir)) << "without --keep-local the verified directory is removed";

    auto list = run_dsync({"restore", "--list"}, env);
    ASSERT_EQ(list.exit_code, 0) << list.err;
    EXPECT_NE(list.out.find("dgraph.r1000.u0101.1200"), std::string::npos) << list.out;

    const fs::path out = tmp.path() / "restored";
    auto restore = run_dsync({"restore", "--from", "dgraph.r1000.u0101.1200", "--to", out.string()}, env);
    ASSERT_EQ(restore.exit_code, 0) << restore.out << restore.err;
    for (const char* f : {"g01.rdf.gz", "g01.schema.gz", "g01.gql_schema.gz"}) {
      EXPECT_TRUE(same_bytes(copy / f, out / f)) << f << " differs after push and restore";
    }
    EXPECT_NE(restore.err.find("gzip_members=2"), std::string::npos) << "both gzip members were inflated";
    EXPECT_NE(restore.err.find("crc32c=matches"), std::string::npos) << restore.err;
  }
};

TEST_F(CommandsTest, PushThenRestoreGivesBackTheSameBytesOnRgw) {
  DSYNC_REQUIRE("RGW");
  push_and_restore("RGW");
}

TEST_F(CommandsTest, PushThenRestoreGivesBackTheSameBytesOverTlsOnMinio) {
  DSYNC_REQUIRE("MINIO");
  push_and_restore("MINIO");
}

TEST_F(CommandsTest, PushKeepsTheDirectoryWithKeepLocalAndLogsJsonLinesWhenAsked) {
  DSYNC_REQUIRE("RGW");
  const fs::path dir = write_export(tmp.path() / "export", "dgraph.r7.u0203.0405", 1u << 20);
  auto env = bucket_env("RGW");
  env["DSYNC_TOWATCH"] = (tmp.path() / "export").string();
  env["DSYNC_LOG_FORMAT"] = "json";
  auto push = run_dsync({"push", dir.string(), "--keep-local"}, env);
  ASSERT_EQ(push.exit_code, 0) << push.err;
  EXPECT_TRUE(fs::exists(dir / "g01.rdf.gz"));
  EXPECT_NE(push.out.find("local directory kept"), std::string::npos) << push.out;
  EXPECT_EQ(push.err.find('\r'), std::string::npos) << "no carriage returns outside a terminal";
  // Outside a terminal even the progress lines are log lines, so stderr is pure JSON lines.
  std::istringstream lines(push.err);
  int objects = 0, progress = 0;
  for (std::string line; std::getline(lines, line);) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    const std::string msg(doc.as_object().at("msg").as_string());
    objects += msg.find("object=" + prefix) != std::string::npos;
    progress += msg.rfind("push: done:", 0) == 0;
  }
  EXPECT_GE(objects, 3) << push.err;
  EXPECT_EQ(progress, 1) << push.err;
}

TEST_F(CommandsTest, RestoreRefusesToDecryptWithAnotherKey) {
  DSYNC_REQUIRE("RGW");
  const fs::path dir = write_export(tmp.path() / "export", "dgraph.r8.u0203.0405", 64 << 10);
  auto env = bucket_env("RGW");
  env["DSYNC_TOWATCH"] = (tmp.path() / "export").string();
  ASSERT_EQ(run_dsync({"push", dir.string()}, env).exit_code, 0);
  std::ofstream(key_file) << random_hex(32) << "\n";
  auto restore = run_dsync({"restore", "--to", (tmp.path() / "out").string()}, env);
  EXPECT_EQ(restore.exit_code, 1);
  EXPECT_NE(restore.err.find("HTTP 400"), std::string::npos) << restore.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "out" / "g01.rdf.gz"));
}

TEST_F(CommandsTest, RestoreRejectsAnObjectThatIsNotValidGzip) {
  DSYNC_REQUIRE("RGW");
  const auto& e = testenv::Env::get();
  s3::ClientSettings settings;
  settings.endpoint = e["RGW_ENDPOINT"];
  settings.access_key = e["RGW_ACCESS_KEY"];
  settings.secret_key = e["RGW_SECRET_KEY"];
  settings.bucket = e["RGW_BUCKET"];
  std::string why;
  auto key = s3::SseCustomerKey::parse(key_hex, s3::SseCustomerKey::Encoding::hex, &why);
  s3::Client client(settings, key);
  const std::string truncated("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x4b\x4c", 12);
  ASSERT_TRUE(
      client.put_object(prefix + "dgraph.r9.u0101.0000/g01.rdf.gz", s3::Body{.bytes = truncated}).ok());
  auto restore = run_dsync({"restore", "--to", (tmp.path() / "out").string()}, bucket_env("RGW"));
  EXPECT_EQ(restore.exit_code, 1);
  EXPECT_NE(restore.err.find("truncated"), std::string::npos) << restore.err;
  EXPECT_TRUE(fs::is_empty(tmp.path() / "out")) << "a restored folder holds verified files only";
}

class CheckTest : public CliTest {
 protected:
  EnvMap env() {
    auto m = bucket_env("RGW");
    m["DSYNC_UPSTREAM"] = testenv::Env::get()["DGRAPH_ALPHA"];
    m["DSYNC_TOWATCH"] = tmp.path().string();
    return m;
  }
};

TEST_F(CheckTest, PassesAgainstTheRealServers) {
  DSYNC_REQUIRE("RGW");
  DSYNC_REQUIRE("DGRAPH");
  auto check = run_dsync({"check"}, env());
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  for (const char* line : {"OK    config", "OK    dgraph", "OK    bucket", "OK    sse-c", "OK    exports",
                           "OK    towatch", "OK    state-dir"}) {
    EXPECT_NE(check.out.find(line), std::string::npos) << line << "\n" << check.out;
  }
}

TEST_F(CheckTest, FailsClearlyWhenExistingExportsUseAnotherKey) {
  DSYNC_REQUIRE("RGW");
  DSYNC_REQUIRE("DGRAPH");
  auto e = env();
  const fs::path dir = write_export(tmp.path(), "dgraph.r3.u0101.0000", 4096);
  ASSERT_EQ(run_dsync({"push", dir.string(), "--keep-local"}, e).exit_code, 0);
  std::ofstream(key_file) << random_hex(32) << "\n";
  auto check = run_dsync({"check"}, e);
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.out.find("FAIL  exports   " + prefix), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("was encrypted with a different key"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("OK    sse-c"), std::string::npos) << "the new key itself works";
}

TEST_F(CheckTest, FailsClearlyForAMissingBucket) {
  DSYNC_REQUIRE("RGW");
  DSYNC_REQUIRE("DGRAPH");
  auto e = env();
  e["DSYNC_BUCKET_NAME"] = "dsync-no-such-bucket-" + random_hex(4);
  auto check = run_dsync({"check"}, e);
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.out.find("FAIL  bucket    " + e["DSYNC_BUCKET_NAME"] + ": HeadBucket: HTTP 404"),
            std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("create it or fix --bucket-name"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("SKIP  sse-c"), std::string::npos) << check.out;
}

TEST_F(CheckTest, FailsClearlyForAnUnreachableDgraph) {
  DSYNC_REQUIRE("RGW");
  auto e = env();
  e["DSYNC_UPSTREAM"] = "http://127.0.0.1:1";
  auto check = run_dsync({"check"}, e);
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.out.find("FAIL  dgraph    http://127.0.0.1:1/health: "), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("is alpha running and --upstream right?"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("OK    bucket"), std::string::npos) << "other checks still run";
}

TEST_F(CheckTest, FailsForAWrongSecret) {
  DSYNC_REQUIRE("RGW");
  auto e = env();
  e["DSYNC_SECRET"] = "definitely-not-the-secret";
  auto check = run_dsync({"check"}, e);
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.out.find("FAIL  bucket    "), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("HTTP 403"), std::string::npos) << check.out;
}

TEST_F(CliTest, ABadConfigurationExitsTwoWithOneLineAndNoKey) {
  auto env = bucket_env("RGW");
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--part-size", "1MiB"},
                                             {"--crypto-key", key_hex.substr(1)},
                                             {"push", "/nonexistent"},
                                             {"--endpoint", "ftp://x"},
                                             {"--bogus"}}) {
    auto r = run_dsync(args, env);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_EQ(r.err.rfind("dsync: ", 0), 0u) << r.err;
    EXPECT_EQ(r.out, "");
  }
  env["DSYNC_CRYPTO_KEY"] = key_hex + "00";  // 66 hex digits
  env.erase("DSYNC_CRYPTO_KEY_FILE");
  auto r = run_dsync({"check"}, env);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.find(key_hex), std::string::npos);
}

TEST_F(CliTest, StatusWithoutADaemonSaysSo) {
  auto r = run_dsync({"status", "--ops-listen", "127.0.0.1:1"}, {});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is dsync serve running with this --ops-listen?"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dsync::testing
