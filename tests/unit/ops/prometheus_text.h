// A strict reader of the Prometheus text exposition format (0.0.4), written from the format's
// description, to check that what dsync serves at /metrics is valid and to read values back.
// Shared by the ops unit tests and the cli integration tests.
#pragma once

#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

namespace dsync::testing {

struct PrometheusText {
  std::map<std::string, std::string> types;  // family name -> counter, gauge, histogram, ...
  std::map<std::string, double> samples;     // "name{a=\"b\"}" exactly as written -> value
  std::string error;                         // empty when every line parsed

  std::optional<double> value(const std::string& series) const {
    auto it = samples.find(series);
    if (it == samples.end()) return std::nullopt;
    return it->second;
  }
};

inline PrometheusText parse_prometheus_text(const std::string& text) {
  static const std::regex help(R"(# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*)");
  static const std::regex type(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? )"
      R"(([-+]?([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|\.[0-9]+|Inf|NaN))( -?[0-9]+)?)");
  PrometheusText out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    std::smatch m;
    if (std::regex_match(line, m, type)) {
      out.types[m[1]] = m[2];
    } else if (std::regex_match(line, help)) {
    } else if (std::regex_match(line, m, sample)) {
      const std::string name = m[1];
      const std::string number = m[5];
      auto base = name;
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        if (base.size() > std::strlen(suffix) && base.ends_with(suffix) && !out.types.count(base)) {
          base = base.substr(0, base.size() - std::strlen(suffix));
        }
      }
      if (!out.types.count(base) && !out.types.count(name)) {
        out.error = "line " + std::to_string(n) + ": sample before its # TYPE: " + line;
        return out;
      }
      out.samples[line.substr(0, line.find(' ', name.size() + (m[2].matched ? m[2].length() : 0)))] =
          number == "Inf" || number == "+Inf" ? 1e308 : std::strtod(number.c_str(), nullptr);
    } else {
      out.error = "line " + std::to_string(n) + ": not Prometheus text: " + line;
      return out;
    }
  }
  return out;
}

}  // namespace dsync::testing
