// dsync's entry point: read the configuration, set up logging, run one subcommand. The whole flow of
// the daemon (proxy → sync → bucket) is in serve.cpp.
#include <cstdio>
#include <exception>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/config.h"
#include "cli/module_settings.h"
#include "common/log.h"

int main(int argc, char** argv) {
  using namespace dsync::cli;
  ParseResult parsed = parse_command_line(argc, argv, process_env());
  hide_secrets_in_argv(argc, argv);
  if (!parsed.output.empty()) std::fputs(parsed.output.c_str(), stdout);
  if (parsed.error) {
    std::fprintf(stderr, "%s\n", dsync::log::scrub(parsed.error->line()).c_str());
    return parsed.exit_code;
  }
  if (!parsed.config) return parsed.exit_code;
  const Config& config = *parsed.config;
  if (auto problem = module_problem(config)) {
    std::fprintf(stderr, "%s\n", dsync::log::scrub(problem->line()).c_str());
    return 2;
  }
  dsync::log::init(config.log_format, config.log_level);
  if (config.key_on_command_line) {
    spdlog::warn(
        "the key was given with --crypto-key: other local users can see it with ps while dsync starts; "
        "prefer --crypto-key-file or DSYNC_CRYPTO_KEY");
  }
  try {
    switch (config.command) {
      case Command::serve:
        return run_serve(config);
      case Command::push:
        return run_push(config);
      case Command::restore:
        return run_restore(config);
      case Command::check:
        return run_check(config);
      case Command::status:
        return run_status(config);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dsync: %s: %s\n", std::string(command_name(config.command)).c_str(),
                 dsync::log::scrub(e.what()).c_str());
    return 1;
  }
  return 1;
}
