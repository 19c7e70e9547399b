// The step between reading options and typing them: for each option, the strings that won under
// flag > environment > file precedence, and where they came from. Internal to src/cli.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/config.h"

namespace dsync::cli {

enum class Source { flag, env, file };

struct RawValue {
  std::vector<std::string> values;  // one for a single-valued option; a switch holds "true"/"false"
  Source source = Source::flag;
};

using RawOptions = std::map<std::string, RawValue, std::less<>>;

// Types and validates the winning values. `env` supplies $HOME and $XDG_STATE_HOME for the default
// state directory; `is_root` picks /var/lib/dsync instead.
std::optional<ConfigError> build_config(const RawOptions& raw, const EnvLookup& env, bool is_root,
                                        Config& config);

// The state directory used when --state-dir is not given.
std::optional<std::filesystem::path> default_state_dir(bool is_root, const EnvLookup& env);

// Individual checks, each returning the problem or nullopt. Public for tests and the fuzzer.
std::optional<std::string> check_endpoint(std::string_view endpoint);
std::optional<std::string> check_listen_address(std::string_view address);
std::optional<std::string> check_http_url(std::string_view url);
std::optional<std::string> check_cidr(std::string_view cidr);
std::optional<bool> parse_bool(std::string_view text);

}  // namespace dsync::cli
