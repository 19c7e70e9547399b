#include "cli/config_file.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

namespace dsync::cli {
namespace {

constexpr std::size_t kMaxFileBytes = 1 << 20;

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Reads one value from the front of `s`: "basic string", 'literal string' or a bare word that ends
// at a comma, a closing bracket, or a '#' that follows whitespace. Advances `s`.
std::optional<std::string> take_scalar(std::string_view& s, bool in_array, std::string* why) {
  s = trim(s);
  if (s.empty()) {
    *why = "missing value";
    return std::nullopt;
  }
  std::string out;
  if (s.front() == '\'') {
    auto end = s.find('\'', 1);
    if (end == std::string_view::npos) {
      *why = "unterminated quoted value";
      return std::nullopt;
    }
    out = std::string(s.substr(1, end - 1));
    s.remove_prefix(end + 1);
    return out;
  }
  if (s.front() == '"') {
    for (std::size_t i = 1; i < s.size(); ++i) {
      char c = s[i];
      if (c == '"') {
        s.remove_prefix(i + 1);
        return out;
      }
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (++i == s.size()) break;
      switch (s[i]) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        default:
          *why = "unknown escape in quoted value";
          return std::nullopt;
      }
    }
    *why = "unterminated quoted value";
    return std::nullopt;
  }
  std::size_t end = 0;
  while (end < s.size()) {
    char c = s[end];
    if (in_array && (c == ',' || c == ']')) break;
    if (c == '#' && end > 0 && std::isspace(static_cast<unsigned char>(s[end - 1]))) break;
    ++end;
  }
  out = std::string(trim(s.substr(0, end)));
  s.remove_prefix(end);
  if (out.empty()) {
    *why = "missing value";
    return std::nullopt;
  }
  return out;
}

// After a value only whitespace and a comment may follow.
bool only_comment_left(std::string_view s) {
  s = trim(s);
  return s.empty() || s.front() == '#';
}

// `[a, "b", 'c']`, the opening bracket already consumed. `more_lines` supplies continuation lines.
template <typename NextLine>
std::optional<std::vector<std::string>> take_array(std::string_view& s, NextLine&& more_lines,
                                                   std::string* why) {
  std::vector<std::string> values;
  for (;;) {
    s = trim(s);
    if (s.empty() || s.front() == '#') {
      if (!more_lines(s)) {
        *why = "unterminated list (missing ']')";
        return std::nullopt;
      }
      continue;
    }
    if (s.front() == ']') {
      s.remove_prefix(1);
      return values;
    }
    auto v = take_scalar(s, true, why);
    if (!v) return std::nullopt;
    values.push_back(std::move(*v));
    s = trim(s);
    if (!s.empty() && s.front() == ',')
      s.remove_prefix(1);
    else if (!s.empty() && s.front() != ']' && s.front() != '#') {
      *why = "expected ',' or ']' in list";
      return std::nullopt;
    }
  }
}

}  // namespace

ConfigFileResult parse_config_text(std::string_view text) {
  std::vector<ConfigEntry> entries;
  std::set<std::string, std::less<>> seen;
  int line_no = 0;
  auto next_line = [&](std::string_view& line) {
    if (text.empty()) return false;
    auto nl = text.find('\n');
    line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    return true;
  };
  auto fail = [&](std::string problem) { return ConfigFileError{line_no, std::move(problem)}; };

  std::string_view line;
  while (next_line(line)) {
    line = trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') return fail("sections are not supported; write every key at the top level");
    std::size_t k = 0;
    while (k < line.size() && is_key_char(line[k])) ++k;
    std::string key(line.substr(0, k));
    for (auto& c : key) c = c == '_' ? '-' : c;
    std::string_view rest = trim(line.substr(k));
    if (key.empty()) return fail("expected 'key = value'");
    if (rest.empty() || rest.front() != '=') return fail("expected '=' after '" + key + "'");
    rest.remove_prefix(1);
    rest = trim(rest);
    const int entry_line = line_no;
    std::string why;
    ConfigEntry entry{key, {}, entry_line};
    if (!rest.empty() && rest.front() == '[') {
      rest.remove_prefix(1);
      auto values = take_array(rest, next_line, &why);
      if (!values) return fail(key + ": " += why);
      entry.values = std::move(*values);
    } else {
      auto value = take_scalar(rest, false, &why);
      if (!value) return fail(key + ": " += why);
      entry.values.push_back(std::move(*value));
    }
    if (!only_comment_left(rest)) return fail(key + ": unexpected text after the value");
    if (!seen.insert(key).second) return ConfigFileError{entry_line, key + ": given twice"};
    entries.push_back(std::move(entry));
  }
  return entries;
}

ConfigFileResult read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigFileError{0, std::string("cannot open: ") + std::strerror(errno)};
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return ConfigFileError{0, std::string("cannot read: ") + std::strerror(errno)};
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes) return ConfigFileError{0, "larger than 1 MiB; not a dsync config file"};
  return parse_config_text(text);
}

}  // namespace dsync::cli
