#include "cli/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "cli/raw_options.h"
#include "common/log.h"
#include "support/tempdir.h"

namespace dsync::cli {
namespace {

// A key no real deployment uses; every test output is checked for it.
constexpr std::string_view kHexKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
constexpr std::string_view kSecret = "unit-test-secret-value-0001";

class ConfigTest : public ::testing::Test {
 protected:
  std::map<std::string, std::string> env{
      {"DSYNC_ENDPOINT", "rgw.example.net:7480"}, {"DSYNC_ACCESS_KEY", "AKIDTEST"},
      {"DSYNC_SECRET", std::string(kSecret)},     {"DSYNC_BUCKET_NAME", "backups"},
      {"DSYNC_CRYPTO_KEY", std::string(kHexKey)}, {"HOME", "/home/op"}};
  testenv::TempDir dir;

  ParseResult parse(std::vector<std::string> args) {
    args.insert(args.begin(), "dsync");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    EnvLookup lookup = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), lookup);
  }

  Config config(std::vector<std::string> args) {
    auto r = parse(std::move(args));
    if (r.error) ADD_FAILURE() << r.error->line();
    return r.config.value_or(Config{});
  }

  // The one line main would print, for a configuration that must be refused.
  std::string error_line(std::vector<std::string> args) {
    auto r = parse(std::move(args));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_FALSE(r.config.has_value());
    return r.error ? r.error->line() : "(accepted)";
  }

  std::string write(const std::string& name, const std::string& text) {
    auto path = dir.path() / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
};

TEST_F(ConfigTest, PrecedenceIsFlagThenEnvironmentThenFileThenDefault) {
  const auto file = write("dsync.conf", "part-size = 32MiB\nregion = eu-file-1\n");
  env["DSYNC_PART_SIZE"] = "24MiB";
  EXPECT_EQ(config({"--config", file, "--part-size", "8MiB"}).upload.part_size, 8u << 20);
  EXPECT_EQ(config({"--config", file}).upload.part_size, 24u << 20);
  env.erase("DSYNC_PART_SIZE");
  EXPECT_EQ(config({"--config", file}).upload.part_size, 32u << 20);
  EXPECT_EQ(config({}).upload.part_size, 16u << 20);
  EXPECT_EQ(config({"--config", file}).s3.region, "eu-file-1");
  EXPECT_EQ(config({}).s3.region, "us-east-1");
}

TEST_F(ConfigTest, ConfigFileCanBeNamedInTheEnvironmentAndCarryEverySetting) {
  env.clear();
  env["DSYNC_CONFIG"] =
      write("all.conf",
            "endpoint = https://s3.example.net\naccess-key = AK\nsecret = \"se#cret-value\"\n"
            "bucket-name = b-1\ncrypto-key = " +
                std::string(kHexKey) + "\nkeep-local = true\nadmin-allow = [\"10.0.0.0/8\"]\n");
  auto c = config({});
  EXPECT_EQ(c.s3.endpoint, "https://s3.example.net");
  EXPECT_EQ(c.s3.secret_key, "se#cret-value");
  EXPECT_TRUE(c.keep_local);
  EXPECT_EQ(c.admin_allow, std::vector<std::string>{"10.0.0.0/8"});
}

TEST_F(ConfigTest, AcceptsTheOriginalToolsFlagsInGoStyle) {
  env.clear();
  env["HOME"] = "/home/op";
  auto c = config({"-endpoint=minio.local:9000", "-access-key", "AK", "-secret=" + std::string(kSecret),
                   "-bucket-name", "exports", "-crypto-key", "0123456789abcdef0123456789abcdef", "-towatch",
                   "/data/export"});
  EXPECT_EQ(c.command, Command::serve);
  EXPECT_EQ(c.s3.endpoint, "minio.local:9000");
  EXPECT_EQ(c.s3.bucket, "exports");
  EXPECT_EQ(c.towatch, "/data/export");
  ASSERT_TRUE(c.key.has_value());
  EXPECT_TRUE(c.key_on_command_line);
}

TEST_F(ConfigTest, UsesAwsVariablesOnlyWhenTheDsyncOnesAreUnset) {
  env.erase("DSYNC_ACCESS_KEY");
  env.erase("DSYNC_SECRET");
  env["AWS_ACCESS_KEY_ID"] = "AKAWS";
  env["AWS_SECRET_ACCESS_KEY"] = "aws-secret-value";
  EXPECT_EQ(config({}).s3.access_key, "AKAWS");
  EXPECT_EQ(config({}).s3.secret_key, "aws-secret-value");
  env["DSYNC_ACCESS_KEY"] = "AKDSYNC";
  EXPECT_EQ(config({}).s3.access_key, "AKDSYNC");
}

TEST_F(ConfigTest, TreatsAnEmptyVariableAsUnset) {
  env["DSYNC_REGION"] = "";
  EXPECT_EQ(config({}).s3.region, "us-east-1");
}

TEST_F(ConfigTest, ReadsTheKeyFromAFileInEachEncoding) {
  env.erase("DSYNC_CRYPTO_KEY");
  const std::string raw(32, '\x7f');
  auto from_raw = config({"--crypto-key-file", write("raw.key", raw)});
  auto from_hex = config({"--crypto-key-file", write("hex.key", std::string(kHexKey) + "\n")});
  auto from_b64 =
      config({"--crypto-key-file", write("b64.key", "ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=\n")});
  ASSERT_TRUE(from_raw.key && from_hex.key && from_b64.key);
  EXPECT_EQ(from_hex.key->key_base64(), from_b64.key->key_base64()) << "hex and base64 of the same bytes";
  EXPECT_NE(from_raw.key->key_base64(), from_hex.key->key_base64());
  EXPECT_FALSE(from_hex.key_on_command_line);
}

TEST_F(ConfigTest, AFlagKeyFileBeatsAnEnvironmentKeyButNotBothAtOneLevel) {
  const std::string other = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
  auto c = config({"--crypto-key-file", write("k", other)});
  auto env_only = config({});
  EXPECT_NE(c.key->key_base64(), env_only.key->key_base64());
  EXPECT_EQ(error_line({"--crypto-key", std::string(kHexKey), "--crypto-key-file", write("k2", other)}),
            "dsync: --crypto-key: conflicts with --crypto-key-file (both given on the command line)");
}

TEST_F(ConfigTest, VirtualHostAndPathStyleChooseTheAddressing) {
  EXPECT_TRUE(config({}).s3.path_style);
  EXPECT_FALSE(config({"--virtual-host"}).s3.path_style);
  env["DSYNC_VIRTUAL_HOST"] = "true";
  EXPECT_FALSE(config({}).s3.path_style);
  EXPECT_TRUE(config({"--path-style"}).s3.path_style) << "the flag beats the environment";
}

TEST_F(ConfigTest, RepeatedAndCommaSeparatedListsAreMerged) {
  auto c = config({"--admin-allow", "10.0.0.0/8,192.168.1.0/24", "--admin-allow", "::1"});
  EXPECT_EQ(c.admin_allow, (std::vector<std::string>{"10.0.0.0/8", "192.168.1.0/24", "::1"}));
  env["DSYNC_FORWARD_UPSTREAM"] = "http://a:8080, http://b:8080";
  EXPECT_EQ(config({}).forward_upstreams, (std::vector<std::string>{"http://a:8080", "http://b:8080"}));
}

TEST_F(ConfigTest, ParsesDurationsSizesAndSwitches) {
  auto c = config({"--poll-interval", "500ms", "--task-timeout", "1h30m", "--shutdown-grace", "10s",
                   "--part-size", "64MiB", "--parallel-parts", "8", "--keep-local", "--log-format", "json",
                   "--log-level", "DEBUG"});
  EXPECT_EQ(c.poll_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(c.task_timeout, std::chrono::minutes(90));
  EXPECT_EQ(c.shutdown_grace, std::chrono::seconds(10));
  EXPECT_EQ(c.upload.part_size, 64u << 20);
  EXPECT_EQ(c.upload.multipart_threshold, 64u << 20);
  EXPECT_EQ(c.upload.parallelism, 8u);
  EXPECT_TRUE(c.keep_local);
  EXPECT_EQ(c.log_format, log::Format::json);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_FALSE(config({"--keep-local=false"}).keep_local);
}

struct BadOption {
  std::vector<std::string> args;
  std::string line;
};

TEST_F(ConfigTest, RefusesEachBadOptionWithOneLineNamingIt) {
  const std::vector<BadOption> cases = {
      {{"--endpoint", "ftp://x"}, "dsync: --endpoint: 'ftp://x': the scheme must be http:// or https://"},
      {{"--endpoint", "host:99999"}, "dsync: --endpoint: 'host:99999': invalid port (0 to 65535)"},
      {{"--bucket-name", "ab"}, "dsync: --bucket-name: 'ab': bucket names have 3 to 255 characters"},
      {{"--region", "eu west"}, "dsync: --region: 'eu west': not a region name"},
      {{"--part-size", "1MiB"}, "dsync: --part-size: 1MiB is outside 5.00 MiB to 5.00 GiB"},
      {{"--part-size", "lots"}, "dsync: --part-size: 'lots' is not a size (e.g. 16MiB)"},
      {{"--parallel-parts", "0"}, "dsync: --parallel-parts: '0' is not a whole number from 1 to 64"},
      {{"--poll-interval", "30"}, "dsync: --poll-interval: '30' is not a duration (e.g. 500ms, 5s, 10m, 6h)"},
      {{"--task-timeout", "10ms"}, "dsync: --task-timeout: 10ms is outside 1s to 720h"},
      {{"--listen", "10080"}, "dsync: --listen: '10080': needs a port, e.g. 127.0.0.1:10080 or :10080"},
      {{"--ops-listen", "127.0.0.1:99999"},
       "dsync: --ops-listen: '127.0.0.1:99999': invalid port (0 to 65535)"},
      {{"--upstream", "localhost:8080"},
       "dsync: --upstream: 'localhost:8080': must start with http:// or https://"},
      {{"--admin-allow", "10.0.0.0/33"}, "dsync: --admin-allow: '10.0.0.0/33': invalid prefix length"},
      {{"--admin-allow", "example.com"}, "dsync: --admin-allow: 'example.com': not an IP address or CIDR"},
      {{"--log-format", "xml"}, "dsync: --log-format: 'xml' is not text or json"},
      {{"--log-level", "loud"},
       "dsync: --log-level: 'loud' is not one of trace, debug, info, warn, error, off"},
      {{"--crypto-key-encoding", "rot13"},
       "dsync: --crypto-key-encoding: 'rot13' is not auto, raw, hex or base64"},
      {{"--crypto-key-file", "/nonexistent/key"}, "dsync: --crypto-key-file: cannot read /nonexistent/key"},
      {{"--ca-file", "/nonexistent/ca.pem"}, "dsync: --ca-file: cannot read /nonexistent/ca.pem"},
      {{"--object-prefix", "/backups"},
       "dsync: --object-prefix: '/backups': must not start with '/' (object names have no leading slash)"},
      {{"--shutdown-grace", "2h"}, "dsync: --shutdown-grace: 2h is outside 0s to 1h"},
      {{"--keep-local=maybe"}, "dsync: --keep-local: 'maybe' is not a boolean (true/false)"},
      {{"--no-such-option"},
       "dsync: --no-such-option: not an option of `dsync serve` (see dsync serve --help)"},
      {{"--part-size"}, "dsync: --part-size: needs a value"},
      {{"restore"}, "dsync: --to: is required (where to write the export)"},
      {{"push", "/nonexistent/dgraph.r1.u0101.0000"},
       "dsync: push: /nonexistent/dgraph.r1.u0101.0000: not a directory"},
      {{"--listen", ":1", "status"}, "dsync: --listen: not used by `dsync status`"},
  };
  for (const auto& c : cases) EXPECT_EQ(error_line(c.args), c.line);
}

TEST_F(ConfigTest, NamesEachMissingRequiredOptionAndWhereElseItCanBeSet) {
  for (const auto& [var, line] : std::vector<std::pair<std::string, std::string>>{
           {"DSYNC_ENDPOINT", "dsync: --endpoint: is required (or set DSYNC_ENDPOINT)"},
           {"DSYNC_ACCESS_KEY",
            "dsync: --access-key: is required (or set DSYNC_ACCESS_KEY or AWS_ACCESS_KEY_ID)"},
           {"DSYNC_SECRET", "dsync: --secret: is required (or set DSYNC_SECRET or AWS_SECRET_ACCESS_KEY)"},
           {"DSYNC_BUCKET_NAME", "dsync: --bucket-name: is required (or set DSYNC_BUCKET_NAME)"},
           {"DSYNC_CRYPTO_KEY",
            "dsync: --crypto-key: is required: set --crypto-key-file, DSYNC_CRYPTO_KEY or --crypto-key"},
       }) {
    auto saved = env[var];
    env.erase(var);
    EXPECT_EQ(error_line({}), line);
    env[var] = saved;
  }
}

TEST_F(ConfigTest, NeverEchoesTheKeyOrTheSecretInAnError) {
  const std::string almost_key = std::string(kHexKey).substr(0, 63);  // one digit short
  const std::string line = error_line({"--crypto-key", almost_key});
  EXPECT_EQ(line.find(almost_key), std::string::npos) << line;
  EXPECT_NE(line.find("--crypto-key"), std::string::npos) << line;
  env["DSYNC_CRYPTO_KEY"] = "not-a-key-" + std::string(kSecret);
  const std::string env_line = error_line({});
  EXPECT_EQ(env_line.find(kSecret), std::string::npos) << env_line;
  const std::string conflict = error_line({"--crypto-key", std::string(kHexKey), "--crypto-key-file", "/x"});
  EXPECT_EQ(conflict.find(kHexKey), std::string::npos) << conflict;
}

TEST_F(ConfigTest, RegistersTheKeyInEverySpellingForRedaction) {
  config({});
  EXPECT_EQ(log::scrub("key " + std::string(kHexKey)), "key ***");
  EXPECT_EQ(log::scrub("KEY 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"), "KEY ***");
  EXPECT_EQ(log::scrub("b64 ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8="), "b64 ***");
  EXPECT_EQ(log::scrub(std::string("secret ") + std::string(kSecret)), "secret ***");
}

TEST_F(ConfigTest, ReportsConfigFileMistakesWithTheirLine) {
  EXPECT_EQ(error_line({"--config", write("bad.conf", "region = x\nbogus = 1\n")}),
            "dsync: --config: " + (dir.path() / "bad.conf").string() + ":2: unknown option 'bogus'");
  EXPECT_EQ(
      error_line({"--config", write("bad2.conf", "secret = \"unterminated\n")}),
      "dsync: --config: " + (dir.path() / "bad2.conf").string() + ":1: secret: unterminated quoted value");
  EXPECT_EQ(error_line({"--config", "/nonexistent.conf"}),
            "dsync: --config: /nonexistent.conf: cannot open: No such file or directory");
}

TEST_F(ConfigTest, OneConfigFileServesEverySubcommand) {
  // listen and restore's `to` are ignored where they do not apply instead of being errors.
  const auto file = write("shared.conf", "listen = :1\nto = /tmp/restore-here\nops-listen = 127.0.0.1:9\n");
  EXPECT_EQ(config({"--config", file, "status"}).ops_listen, "127.0.0.1:9");
  EXPECT_EQ(config({"--config", file}).listen, ":1");
  EXPECT_EQ(config({"--config", file, "restore"}).restore_to, "/tmp/restore-here");
}

TEST_F(ConfigTest, AcceptsTheShippedExampleConfigFile) {
  env.clear();
  env["DSYNC_SECRET"] = std::string(kSecret);
  env["DSYNC_CRYPTO_KEY"] = std::string(kHexKey);  // the example names a key file; the variable wins
  env["HOME"] = "/home/op";
  auto c = config({"--config", DSYNC_SOURCE_DIR "/packaging/dsync.conf.example", "check"});
  EXPECT_EQ(c.s3.bucket, "dgraph-backups");
  EXPECT_EQ(c.towatch, "/dgraph/export");
  EXPECT_EQ(c.upstream, "http://localhost:8080");
}

TEST_F(ConfigTest, ChoosesTheSubcommandAndItsArguments) {
  EXPECT_EQ(config({"serve"}).command, Command::serve);
  EXPECT_EQ(config({"check"}).command, Command::check);
  auto push = config({"push", dir.path().string(), "--keep-local"});
  EXPECT_EQ(push.command, Command::push);
  EXPECT_EQ(push.push_dir, dir.path());
  auto restore = config({"restore", "--from", "2026-01-01/x", "--to", "out", "--skip-gzip-check"});
  EXPECT_EQ(restore.restore_from, "2026-01-01/x");
  EXPECT_TRUE(restore.restore_to.is_absolute());
  EXPECT_FALSE(restore.gzip_check);
  EXPECT_TRUE(config({"restore", "--list"}).restore_list);
  env.clear();
  EXPECT_EQ(config({"status", "--ops-listen", "[::1]:10081"}).ops_listen, "[::1]:10081")
      << "status needs no bucket settings";
}

TEST_F(ConfigTest, DefaultStateDirDependsOnTheUser) {
  EnvLookup xdg = [](const std::string& n) -> std::optional<std::string> {
    if (n == "XDG_STATE_HOME") return "/home/op/.state";
    return "/home/op";
  };
  EnvLookup home_only = [](const std::string& n) -> std::optional<std::string> {
    if (n == "HOME") return "/home/op";
    return std::nullopt;
  };
  EnvLookup nothing = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  EXPECT_EQ(default_state_dir(true, xdg), "/var/lib/dsync");
  EXPECT_EQ(default_state_dir(false, xdg), "/home/op/.state/dsync");
  EXPECT_EQ(default_state_dir(false, home_only), "/home/op/.local/state/dsync");
  EXPECT_FALSE(default_state_dir(false, nothing).has_value());
}

TEST_F(ConfigTest, HelpListsEveryOptionOfTheSubcommandWithItsVariable) {
  auto serve = parse({"--help"});
  EXPECT_EQ(serve.exit_code, 0);
  EXPECT_FALSE(serve.config.has_value());
  for (const auto& spec : all_options()) {
    const std::string flag = "--" + std::string(spec.name);
    for (Command c : {Command::serve, Command::push, Command::restore, Command::check, Command::status}) {
      auto help = c == Command::serve ? serve.output : parse({std::string(command_name(c)), "--help"}).output;
      // Option lines start with two spaces and the flag.
      const bool listed = help.find("\n  " + flag + " ") != std::string::npos ||
                          help.find("\n  " + flag + "\n") != std::string::npos;
      EXPECT_EQ(listed, spec.applies_to(c)) << flag << " in help of " << command_name(c);
      if (spec.applies_to(c)) {
        EXPECT_NE(help.find(env_name(spec.name)), std::string::npos) << env_name(spec.name);
      }
    }
  }
  EXPECT_NE(parse({"push", "--help"}).output.find("DIR"), std::string::npos);
  EXPECT_EQ(parse({"--version"}).output.rfind("dsync ", 0), 0u);
}

TEST(HideSecretsInArgv, OverwritesKeyAndSecretValuesInPlace) {
  std::string a0 = "dsync", a1 = "--crypto-key", a2 = "0123456789abcdef0123456789abcdef",
              a3 = "-secret=hunter2hunter2", a4 = "--bucket-name", a5 = "b1b";
  char* argv[] = {a0.data(), a1.data(), a2.data(), a3.data(), a4.data(), a5.data()};
  hide_secrets_in_argv(6, argv);
  EXPECT_STREQ(argv[2], std::string(32, 'x').c_str());
  EXPECT_STREQ(argv[3], "-secret=xxxxxxxxxxxxxx");
  EXPECT_STREQ(argv[5], "b1b");
}

TEST(CheckFunctions, AcceptAndRefuseAddresses) {
  EXPECT_FALSE(check_listen_address(":10080"));
  EXPECT_FALSE(check_listen_address("127.0.0.1:0"));
  EXPECT_FALSE(check_listen_address("[::1]:10081"));
  EXPECT_TRUE(check_listen_address("[::1]"));
  EXPECT_TRUE(check_listen_address("a b:1"));
  EXPECT_FALSE(check_endpoint("s3.example.net"));
  EXPECT_FALSE(check_endpoint("http://127.0.0.1:7480/"));
  EXPECT_TRUE(check_endpoint("https://s3.example.net/bucket"));
  EXPECT_FALSE(check_cidr("::1/128"));
  EXPECT_FALSE(check_cidr("10.1.2.3"));
  EXPECT_TRUE(check_cidr("10.1.2.3/"));
  EXPECT_EQ(parse_bool("Yes"), true);
  EXPECT_EQ(parse_bool("off"), false);
  EXPECT_FALSE(parse_bool("2").has_value());
}

}  // namespace
}  // namespace dsync::cli
