// Reading the command line with CLI11 and merging it with the environment and the config file.
// CLI11 only tokenises argv here: its own environment and config-file support would let the file
// override the environment (CLI11 2.1 reads the file first and then skips options already set), so
// precedence is applied below, one option (or pair of exclusive options) at a time.
#include "cli/config.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/config_file.h"
#include "cli/raw_options.h"

#ifndef DSYNC_VERSION
#define DSYNC_VERSION "unknown"
#endif

namespace dsync::cli {
namespace {

constexpr std::string_view kFooter =
    "Every option can also be given as an environment variable (DSYNC_ + the name in upper snake case, "
    "e.g. --bucket-name as DSYNC_BUCKET_NAME) or as `name = value` in the --config file. Precedence: "
    "flag, then environment, then file, then default. See docs/USAGE.md.";

// Options that set the same thing two ways: at one precedence level only one may be given.
constexpr std::array<std::pair<std::string_view, std::string_view>, 2> kExclusivePairs{{
    {"crypto-key", "crypto-key-file"},
    {"path-style", "virtual-host"},
}};

struct Registered {
  const OptionSpec* spec;
  CLI::Option* option;
};

struct Subcommand {
  Command command;
  std::string_view summary;
};

constexpr std::array<Subcommand, 5> kSubcommands{{
    {Command::serve, "Run the Dgraph proxy and the export sync daemon (the default)."},
    {Command::push, "Upload one existing export directory, verify it, and (unless --keep-local) remove it."},
    {Command::restore,
     "List the exports in the bucket, or download one, verify it and write it to --to DIR."},
    {Command::check, "Preflight: configuration, Dgraph, bucket, an SSE-C round trip, export directory."},
    {Command::status, "Ask a running dsync (at --ops-listen) what it is doing."},
}};

void add_options(CLI::App& app, Command command, std::vector<Registered>& out) {
  for (const auto& spec : all_options()) {
    if (!spec.applies_to(command)) continue;
    const std::string flag = "--" + std::string(spec.name);
    const std::string help = std::string(spec.help) + "  [env " + env_name(spec.name) +
                             (spec.fallback_env.empty() ? "" : ", " + std::string(spec.fallback_env)) + "]";
    CLI::Option* opt = spec.is_switch() ? app.add_flag(flag) : app.add_option(flag);
    opt->description(help)->group(std::string(spec.group));
    if (!spec.is_switch()) {
      opt->type_name(std::string(spec.value_name));
      opt->multi_option_policy(spec.repeatable ? CLI::MultiOptionPolicy::TakeAll
                                               : CLI::MultiOptionPolicy::TakeLast);
    }
    out.push_back({&spec, opt});
  }
}

// Go's flag package, which the original tool used, also accepts `-endpoint=x` and `-endpoint x`.
// Existing deployments may be written that way, so a single dash before a known long name is read
// as two.
std::vector<std::string> normalise_single_dash(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() > 2 && arg[0] == '-' && arg[1] != '-') {
      const std::string name = arg.substr(1, arg.find('=') - 1);
      if (find_option(name) != nullptr || name == "help" || name == "version") arg.insert(0, "-");
    }
    args.push_back(std::move(arg));
  }
  return args;
}

std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::size_t start = 0;
    for (;;) {
      auto comma = v.find(',', start);
      auto item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      while (!item.empty() && item.front() == ' ') item.erase(0, 1);
      while (!item.empty() && item.back() == ' ') item.pop_back();
      if (!item.empty()) out.push_back(item);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

RawValue normalised(const OptionSpec& spec, std::vector<std::string> values, Source source) {
  if (spec.repeatable) return {split_commas(values), source};
  return {{values.empty() ? std::string() : values.back()}, source};
}

// The three places an option can come from, already filtered to the running subcommand.
class Sources {
 public:
  Sources(Command command, const EnvLookup& env) : command_(command), env_(env) {}

  void add_flag(const OptionSpec& spec, std::vector<std::string> values) {
    flags_[std::string(spec.name)] = normalised(spec, std::move(values), Source::flag);
  }

  std::optional<ConfigError> load_file(const std::string& path) {
    auto parsed = read_config_file(path);
    if (auto* err = std::get_if<ConfigFileError>(&parsed)) {
      return ConfigError{"config",
                         path + (err->line > 0 ? ":" + std::to_string(err->line) : "") + ": " + err->problem};
    }
    for (auto& entry : std::get<std::vector<ConfigEntry>>(parsed)) {
      const OptionSpec* spec = find_option(entry.key);
      if (spec == nullptr || spec->name == "config") {
        return ConfigError{"config",
                           path + ":" + std::to_string(entry.line) + ": unknown option '" + entry.key + "'"};
      }
      if (!spec->applies_to(command_)) continue;  // one file can serve every subcommand
      file_[entry.key] = normalised(*spec, std::move(entry.values), Source::file);
    }
    return std::nullopt;
  }

  std::optional<RawValue> at(const OptionSpec& spec, Source level) const {
    const std::string name(spec.name);
    switch (level) {
      case Source::flag:
        return lookup(flags_, name);
      case Source::env:
        return from_env(spec);
      case Source::file:
        return lookup(file_, name);
    }
    return std::nullopt;
  }

  std::optional<RawValue> from_env(const OptionSpec& spec) const {
    // An empty variable counts as unset: compose files often declare `DSYNC_X:` with no value.
    for (const std::string& name : {env_name(spec.name), std::string(spec.fallback_env)}) {
      if (name.empty()) continue;
      auto v = env_(name);
      if (v && !v->empty()) return normalised(spec, {*v}, Source::env);
    }
    return std::nullopt;
  }

 private:
  static std::optional<RawValue> lookup(const RawOptions& m, const std::string& name) {
    auto it = m.find(name);
    if (it == m.end()) return std::nullopt;
    return it->second;
  }

  Command command_;
  const EnvLookup& env_;
  RawOptions flags_;
  RawOptions file_;
};

std::string_view source_name(Source s) {
  switch (s) {
    case Source::flag:
      return "on the command line";
    case Source::env:
      return "in the environment";
    case Source::file:
      return "in the config file";
  }
  return "";
}

// Applies flag > env > file to every option of `command`, pairs of exclusive options together.
std::optional<ConfigError> resolve(Command command, const Sources& sources, RawOptions& out) {
  auto partner_of = [](std::string_view name) -> std::string_view {
    for (const auto& [a, b] : kExclusivePairs) {
      if (name == a) return b;
      if (name == b) return a;
    }
    return {};
  };
  for (const auto& spec : all_options()) {
    if (!spec.applies_to(command) || spec.name == "config" || out.count(spec.name) != 0) continue;
    const OptionSpec* partner = find_option(partner_of(spec.name));
    for (Source level : {Source::flag, Source::env, Source::file}) {
      auto mine = sources.at(spec, level);
      auto theirs = partner ? sources.at(*partner, level) : std::nullopt;
      if (mine && theirs) {
        return ConfigError{std::string(spec.name), "conflicts with --" + std::string(partner->name) +
                                                       " (both given " + std::string(source_name(level)) +
                                                       ")"};
      }
      if (mine) {
        out[std::string(spec.name)] = std::move(*mine);
        break;
      }
      if (theirs) {
        out[std::string(partner->name)] = std::move(*theirs);
        break;
      }
    }
  }
  return std::nullopt;
}

ConfigError from_cli11(const CLI::ParseError& e, std::string_view command) {
  std::string what = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    auto colon = what.find(": ");
    std::string args = colon == std::string::npos ? what : what.substr(colon + 2);
    return ConfigError{"", args + ": not an option of `dsync " + std::string(command) + "` (see dsync " +
                               std::string(command) + " --help)"};
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    auto colon = what.find(':');
    return ConfigError{"", what.substr(0, colon) + ": needs a value"};
  }
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
    return ConfigError{"", std::string(command) + ": " + what};
  }
  return ConfigError{"", what};
}

// The subcommand apps, with the options each one registered.
struct Parser {
  CLI::App app{
      "dsync: a proxy in front of a Dgraph alpha that ships every export to an S3 bucket, "
      "encrypted with your key (SSE-C), verified, then removed locally.",
      "dsync"};
  std::map<Command, CLI::App*> subapps;
  std::map<Command, std::vector<Registered>> registered;
  std::string push_dir;

  Parser() {
    app.footer(std::string(kFooter));
    app.set_version_flag("--version", "dsync " DSYNC_VERSION);
    app.require_subcommand(0, 1);
    add_options(app, Command::serve, registered[Command::serve]);  // `dsync [options]` is serve
    for (const auto& sub : kSubcommands) {
      CLI::App* s = app.add_subcommand(std::string(command_name(sub.command)), std::string(sub.summary));
      s->footer(std::string(kFooter));
      if (sub.command == Command::push) {
        s->add_option("DIR", push_dir, "The export directory to upload (dgraph.r<ts>.u<date>.<time>).")
            ->required();
      }
      add_options(*s, sub.command, registered[sub.command]);
      subapps[sub.command] = s;
    }
  }

  Command chosen() const {
    for (const auto& [command, sub] : subapps) {
      if (sub->parsed()) return command;
    }
    return Command::serve;
  }
};

}  // namespace

std::string ConfigError::line() const {
  if (option.empty()) return "dsync: " + problem;
  return "dsync: --" + option + ": " + problem;
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

ParseResult parse_command_line(int argc, const char* const* argv, const EnvLookup& env) {
  ParseResult result;
  auto fail = [&](ConfigError e) {
    result.exit_code = 2;
    result.error = std::move(e);
    return std::move(result);
  };
  auto parser = std::make_unique<Parser>();
  std::vector<std::string> args = normalise_single_dash(argc, argv);
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments as a stack
  try {
    parser->app.parse(args);
  } catch (const CLI::CallForHelp&) {
    CLI::App* target = &parser->app;
    for (auto* sub : parser->app.get_subcommands()) target = sub;
    result.output = target == &parser->app ? target->help() : target->help("dsync");
    return result;
  } catch (const CLI::CallForVersion&) {
    result.output = "dsync " DSYNC_VERSION "\n";
    return result;
  } catch (const CLI::ParseError& e) {
    return fail(from_cli11(e, command_name(parser->chosen())));
  }

  const Command command = parser->chosen();
  Sources sources(command, env);
  // Options given before the subcommand name land on the top-level app; keep those the subcommand uses.
  for (Command app_of : {Command::serve, command}) {
    for (const auto& r : parser->registered[app_of]) {
      if (app_of == Command::serve && command != Command::serve && r.option->count() > 0 &&
          !r.spec->applies_to(command)) {
        return fail(ConfigError{std::string(r.spec->name),
                                "not used by `dsync " + std::string(command_name(command)) + "`"});
      }
      if (r.option->count() > 0) sources.add_flag(*r.spec, r.option->results());
    }
  }

  auto config_path = sources.at(*find_option("config"), Source::flag);
  if (!config_path) config_path = sources.from_env(*find_option("config"));
  if (config_path) {
    if (auto err = sources.load_file(config_path->values.back())) return fail(*err);
  }

  RawOptions raw;
  if (auto err = resolve(command, sources, raw)) return fail(*err);
  Config config;
  config.command = command;
  config.push_dir = parser->push_dir;
  if (auto err = build_config(raw, env, geteuid() == 0, config)) return fail(*err);
  result.config = std::move(config);
  return result;
}

void hide_secrets_in_argv(int argc, char** argv) {
  auto is = [](const char* arg, std::string_view name) {
    std::string_view a(arg);
    while (!a.empty() && a.front() == '-') a.remove_prefix(1);
    return a.substr(0, a.find('=')) == name && arg[0] == '-';
  };
  for (int i = 1; i < argc; ++i) {
    for (std::string_view name : {"crypto-key", "secret"}) {
      if (!is(argv[i], name)) continue;
      char* value = std::strchr(argv[i], '=');
      if (value != nullptr) {
        std::memset(value + 1, 'x', std::strlen(value + 1));
      } else if (i + 1 < argc) {
        std::memset(argv[i + 1], 'x', std::strlen(argv[i + 1]));
      }
    }
  }
}

}  // namespace dsync::cli
