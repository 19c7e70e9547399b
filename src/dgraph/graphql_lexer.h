// Tokenizer for GraphQL executable documents (the October 2021 spec's lexical grammar), just enough to
// find `export` mutations in what clients send to Dgraph's /admin. Works on untrusted bytes: it never
// reads out of bounds and reports malformed input as an error token instead of throwing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dsync::dgraph::graphql {

enum class TokenKind { end, punctuator, name, int_value, float_value, string_value, error };

struct Token {
  TokenKind kind = TokenKind::end;
  std::string_view text;  // the raw source text of the token ("..." for a spread)
  std::string value;      // string_value only: the decoded string (escapes resolved, block strings dedented)
  std::size_t offset = 0;

  bool is(std::string_view punct) const { return kind == TokenKind::punctuator && text == punct; }
  bool is_name(std::string_view name) const { return kind == TokenKind::name && text == name; }
};

class Lexer {
 public:
  explicit Lexer(std::string_view source);
  // The next token; TokenKind::end at the end of input, TokenKind::error (text = the offending byte)
  // on bytes that cannot start or continue a token. After an error every later call returns error.
  Token next();

 private:
  void skip_ignored();
  Token error_at(std::size_t at);
  Token lex_number();
  Token lex_string();
  Token lex_block_string();

  std::string_view src_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

// Applies the spec's BlockStringValue() algorithm (common indentation removed, blank first and last
// lines dropped) to the raw text between the triple quotes. Exposed for tests.
std::string block_string_value(std::string_view raw);

}  // namespace dsync::dgraph::graphql
