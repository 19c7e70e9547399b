// dsync's configuration: one struct built from the command line, the environment and a config file,
// validated before anything starts. Precedence, per option: flag > environment > file > default.
//
// A bad configuration is reported as one ConfigError naming the flag and the problem; main prints
// it as `dsync: --<flag>: <problem>` and exits 2. Messages never contain the key or the secret:
// they are registered with log::redact() the moment they are read.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/options.h"
#include "common/log.h"
#include "s3/settings.h"
#include "s3/sse_c.h"

namespace dsync::cli {

struct Config {
  Command command = Command::serve;

  log::Format log_format = log::Format::text;
  std::string log_level = "info";

  // The bucket. s3.endpoint keeps the original tool's meaning: "host[:port]" is HTTPS.
  s3::ClientSettings s3;
  std::optional<s3::SseCustomerKey> key;
  s3::UploadSettings upload;
  std::string object_prefix;
  std::string name_template;

  // The proxy in front of Dgraph.
  std::string listen = ":10080";
  std::string upstream = "http://localhost:8080";
  std::vector<std::string> forward_upstreams;
  std::vector<std::string> admin_allow = {"127.0.0.0/8", "::1/128"};
  std::string auth_token;

  // Following exports and syncing them.
  std::filesystem::path towatch = "/dgraph/export";
  std::filesystem::path state_dir;  // set from the environment when not configured
  std::chrono::milliseconds poll_interval{2000};
  std::chrono::milliseconds task_timeout{std::chrono::hours(6)};
  bool keep_local = false;

  // Operations.
  std::string ops_listen = "127.0.0.1:10081";
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(30)};
  bool key_on_command_line = false;  // warn: visible to every user through `ps`

  // push DIR
  std::filesystem::path push_dir;
  // restore
  bool restore_list = false;
  std::string restore_from = "latest";
  std::filesystem::path restore_to;
  bool gzip_check = true;
};

struct ConfigError {
  std::string option;  // without dashes, e.g. "part-size"; empty for errors not about one option
  std::string problem;
  std::string line() const;  // "dsync: --part-size: must be at least 5MiB"
};

// Where environment variables come from (tests pass a map; main passes getenv).
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

// What parsing the command line led to: a configuration to run with, or text to print and an exit
// status (help, version: 0; a bad configuration: 2).
struct ParseResult {
  std::optional<Config> config;
  int exit_code = 0;
  std::string output;  // for stdout (help, version)
  std::optional<ConfigError> error;
};

// Parses argv (argv[0] is the program name) with `env` for the environment. Does not touch the process
// beyond reading files named by --config and --crypto-key-file.
ParseResult parse_command_line(int argc, const char* const* argv, const EnvLookup& env);

// Overwrites the values of --crypto-key and --secret in the process's own argv, so `ps` and
// /proc/<pid>/cmdline no longer show them once parsing is done.
void hide_secrets_in_argv(int argc, char** argv);

}  // namespace dsync::cli
