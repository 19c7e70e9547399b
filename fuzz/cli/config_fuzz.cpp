// libFuzzer target for everything dsync parses from an operator: the config file, sizes, durations,
// listen addresses, CIDRs, and whole command lines (argv split at NUL bytes, no environment).
// Properties checked beyond "no crash": a size or duration that parses is within range, and
// format_duration's output parses back to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cli/config.h"
#include "cli/config_file.h"
#include "cli/raw_options.h"
#include "cli/units.h"

namespace {

void fuzz_scalars(std::string_view text) {
  using namespace dsync::cli;
  if (auto d = parse_duration(text)) {
    if (d->count() < 0) std::abort();
    if (parse_duration(format_duration(*d)) != d) std::abort();
  }
  (void)parse_size(text);
  (void)check_endpoint(text);
  (void)check_listen_address(text);
  (void)check_http_url(text);
  (void)check_cidr(text);
  (void)parse_bool(text);
}

void fuzz_command_line(std::string_view text) {
  std::vector<std::string> args{"dsync"};
  std::size_t start = 0;
  while (start <= text.size() && args.size() < 64) {
    const auto nul = text.find('\0', start);
    args.emplace_back(
        text.substr(start, nul == std::string_view::npos ? std::string_view::npos : nul - start));
    if (nul == std::string_view::npos) break;
    start = nul + 1;
  }
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  const dsync::cli::EnvLookup no_env = [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  };
  auto r = dsync::cli::parse_command_line(static_cast<int>(argv.size()), argv.data(), no_env);
  if (r.config.has_value() == r.error.has_value()) {
    if (r.output.empty()) std::abort();  // neither a config, an error, nor help text
  }
  if (r.error && r.exit_code != 2) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      (void)dsync::cli::parse_config_text(text);
      break;
    case 1:
      fuzz_scalars(text);
      break;
    default:
      fuzz_command_line(text);
      break;
  }
  return 0;
}
