#include "dgraph/graphql_lexer.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace dsync::dgraph::graphql {
namespace {

bool is_name_start(char c) {
  return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_continue(char c) {
  return is_name_start(c) || is_digit(c);
}

std::optional<unsigned> hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return std::nullopt;
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::size_t leading_whitespace(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return n;
}

}  // namespace

Lexer::Lexer(std::string_view source) : src_(source) {}

void Lexer::skip_ignored() {
  while (pos_ < src_.size()) {
    char c = src_[pos_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
      ++pos_;
    } else if (c == '#') {
      while (pos_ < src_.size() && src_[pos_] != '\n' && src_[pos_] != '\r') ++pos_;
    } else if (src_.substr(pos_, 3) == "\xEF\xBB\xBF") {
      pos_ += 3;
    } else {
      return;
    }
  }
}

Token Lexer::error_at(std::size_t at) {
  failed_ = true;
  Token t;
  t.kind = TokenKind::error;
  t.offset = at;
  t.text = src_.substr(std::min(at, src_.size()), 1);
  return t;
}

Token Lexer::next() {
  if (failed_) return error_at(pos_);
  skip_ignored();
  Token t;
  t.offset = pos_;
  if (pos_ >= src_.size()) return t;
  char c = src_[pos_];
  if (src_.substr(pos_, 3) == "...") {
    t.kind = TokenKind::punctuator;
    t.text = src_.substr(pos_, 3);
    pos_ += 3;
    return t;
  }
  if (std::string_view("!$&()[]{}:=@|").find(c) != std::string_view::npos) {
    t.kind = TokenKind::punctuator;
    t.text = src_.substr(pos_, 1);
    ++pos_;
    return t;
  }
  if (is_name_start(c)) {
    std::size_t end = pos_ + 1;
    while (end < src_.size() && is_name_continue(src_[end])) ++end;
    t.kind = TokenKind::name;
    t.text = src_.substr(pos_, end - pos_);
    pos_ = end;
    return t;
  }
  if (c == '-' || is_digit(c)) return lex_number();
  if (src_.substr(pos_, 3) == "\"\"\"") return lex_block_string();
  if (c == '"') return lex_string();
  return error_at(pos_);
}

Token Lexer::lex_number() {
  std::size_t start = pos_;
  std::size_t p = pos_;
  auto digits = [&] {
    std::size_t from = p;
    while (p < src_.size() && is_digit(src_[p])) ++p;
    return p > from;
  };
  if (src_[p] == '-') ++p;
  if (p < src_.size() && src_[p] == '0') {
    ++p;
    if (p < src_.size() && is_digit(src_[p])) return error_at(p);  // leading zeros are not allowed
  } else if (!digits()) {
    return error_at(p);
  }
  bool is_float = false;
  if (p < src_.size() && src_[p] == '.') {
    ++p;
    if (!digits()) return error_at(p);
    is_float = true;
  }
  if (p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
    ++p;
    if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
    if (!digits()) return error_at(p);
    is_float = true;
  }
  if (p < src_.size() && (src_[p] == '.' || is_name_start(src_[p]))) return error_at(p);
  Token t;
  t.kind = is_float ? TokenKind::float_value : TokenKind::int_value;
  t.offset = start;
  t.text = src_.substr(start, p - start);
  pos_ = p;
  return t;
}

Token Lexer::lex_string() {
  std::size_t start = pos_;
  std::size_t p = pos_ + 1;
  std::string value;
  while (true) {
    if (p >= src_.size() || src_[p] == '\n' || src_[p] == '\r') return error_at(p);
    char c = src_[p];
    if (c == '"') break;
    if (c != '\\') {
      value.push_back(c);
      ++p;
      continue;
    }
    if (p + 1 >= src_.size()) return error_at(p);
    char e = src_[p + 1];
    p += 2;
    switch (e) {
      case '"':
        value.push_back('"');
        break;
      case '\\':
        value.push_back('\\');
        break;
      case '/':
        value.push_back('/');
        break;
      case 'b':
        value.push_back('\b');
        break;
      case 'f':
        value.push_back('\f');
        break;
      case 'n':
        value.push_back('\n');
        break;
      case 'r':
        value.push_back('\r');
        break;
      case 't':
        value.push_back('\t');
        break;
      case 'u': {
        unsigned cp = 0;
        for (int i = 0; i < 4; ++i, ++p) {
          auto h = p < src_.size() ? hex_value(src_[p]) : std::nullopt;
          if (!h) return error_at(p);
          cp = cp * 16 + *h;
        }
        append_utf8(value, cp);
        break;
      }
      default:
        return error_at(p - 1);
    }
  }
  Token t;
  t.kind = TokenKind::string_value;
  t.offset = start;
  t.text = src_.substr(start, p + 1 - start);
  t.value = std::move(value);
  pos_ = p + 1;
  return t;
}

Token Lexer::lex_block_string() {
  std::size_t start = pos_;
  std::size_t p = pos_ + 3;
  std::string raw;
  while (true) {
    if (p >= src_.size()) return error_at(p);
    if (src_.substr(p, 4) == "\\\"\"\"") {
      raw += "\"\"\"";
      p += 4;
    } else if (src_.substr(p, 3) == "\"\"\"") {
      break;
    } else {
      raw.push_back(src_[p++]);
    }
  }
  Token t;
  t.kind = TokenKind::string_value;
  t.offset = start;
  t.text = src_.substr(start, p + 3 - start);
  t.value = block_string_value(raw);
  pos_ = p + 3;
  return t;
}

std::string block_string_value(std::string_view raw) {
  std::vector<std::string_view> lines;
  std::size_t from = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n' || raw[i] == '\r') {
      lines.push_back(raw.substr(from, i - from));
      if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
      from = i + 1;
    }
  }
  lines.push_back(raw.substr(from));

  std::optional<std::size_t> common;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::size_t ws = leading_whitespace(lines[i]);
    if (ws < lines[i].size() && (!common || ws < *common)) common = ws;
  }
  if (common) {
    for (std::size_t i = 1; i < lines.size(); ++i) lines[i].remove_prefix(std::min(*common, lines[i].size()));
  }
  auto blank = [](std::string_view l) { return leading_whitespace(l) == l.size(); };
  std::size_t first = 0, last = lines.size();
  while (first < last && blank(lines[first])) ++first;
  while (last > first && blank(lines[last - 1])) --last;

  std::string out;
  for (std::size_t i = first; i < last; ++i) {
    if (i > first) out.push_back('\n');
    out.append(lines[i]);
  }
  return out;
}

}  // namespace dsync::dgraph::graphql
