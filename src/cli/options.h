// Every option dsync understands, in one table: its flag, its environment variable, its config-file
// key, which subcommands use it, and its help text. The command line, the environment and the config
// file are all read through this table, so the three can never disagree about what exists.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace dsync::cli {

enum class Command { serve, push, restore, check, status };

std::string_view command_name(Command c);

// Bit set of the subcommands an option applies to.
enum Scope : unsigned {
  kServe = 1u << 0,
  kPush = 1u << 1,
  kRestore = 1u << 2,
  kCheck = 1u << 3,
  kStatus = 1u << 4,
  kAll = kServe | kPush | kRestore | kCheck | kStatus,
  kBucket = kServe | kPush | kRestore | kCheck,  // everything that talks to the bucket
};

unsigned scope_of(Command c);

struct OptionSpec {
  std::string_view name;        // long flag without dashes; also the config-file key
  std::string_view value_name;  // "URL", "SIZE", ...; empty for a switch (a flag without a value)
  std::string_view group;       // section of --help
  std::string_view help;        // one sentence, with the default
  unsigned scopes = 0;
  std::string_view fallback_env;  // a second variable read when DSYNC_<NAME> is unset
  bool repeatable = false;        // may be given several times; also comma-separated
  bool secret = false;            // never echoed in messages

  constexpr OptionSpec with_fallback_env(std::string_view env) const {
    OptionSpec o = *this;
    o.fallback_env = env;
    return o;
  }
  constexpr OptionSpec as_list() const {
    OptionSpec o = *this;
    o.repeatable = true;
    return o;
  }
  constexpr OptionSpec as_secret() const {
    OptionSpec o = *this;
    o.secret = true;
    return o;
  }
  bool is_switch() const { return value_name.empty(); }
  bool applies_to(Command c) const { return (scopes & scope_of(c)) != 0; }
};

std::span<const OptionSpec> all_options();
const OptionSpec* find_option(std::string_view name);

// "DSYNC_" + upper snake case: "bucket-name" -> "DSYNC_BUCKET_NAME".
std::string env_name(std::string_view option_name);

}  // namespace dsync::cli
