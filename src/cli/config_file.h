// The --config file: TOML-like `key = value` lines whose keys are the long flag names.
//
//   # comment
//   endpoint = "rgw.example.net:7480"
//   bucket-name = backups          # bare words are fine
//   part-size = 16MiB
//   keep-local = true
//   admin-allow = ["127.0.0.0/8", "10.0.0.0/8"]
//
// Not CLI11's own reader: it cuts a value at the first '#', even inside quotes, which would silently
// truncate a secret such as `secret = "ab#cd"`. Errors name the line, never the value (it may be a
// secret).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dsync::cli {

struct ConfigEntry {
  std::string key;  // as written, with '_' normalised to '-'
  std::vector<std::string> values;
  int line = 0;
};

struct ConfigFileError {
  int line = 0;  // 0: not about a line (e.g. the file could not be read)
  std::string problem;
};

using ConfigFileResult = std::variant<std::vector<ConfigEntry>, ConfigFileError>;

ConfigFileResult parse_config_text(std::string_view text);

// Reads and parses `path`. Refuses files larger than 1 MiB (a config file is a few hundred bytes;
// the cap keeps `--config /dev/zero` from eating memory).
ConfigFileResult read_config_file(const std::string& path);

}  // namespace dsync::cli
