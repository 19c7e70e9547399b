#include "dgraph/graphql_document.h"

#include <string>

#include "dgraph/graphql_lexer.h"

namespace dsync::dgraph::graphql {
namespace {

// Thrown inside the parser only; parse_document turns it into ParseResult::error.
struct SyntaxError {
  std::string what;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) { advance(); }

  Document document() {
    Document doc;
    if (tok_.kind == TokenKind::end) fail("empty document");
    while (tok_.kind != TokenKind::end) {
      if (tok_.is("{")) {
        doc.operations.push_back(Operation{"query", "", {}, selection_set(0)});
      } else if (tok_.is_name("query") || tok_.is_name("mutation") || tok_.is_name("subscription")) {
        doc.operations.push_back(operation());
      } else if (tok_.is_name("fragment")) {
        doc.fragments.push_back(fragment());
      } else {
        fail("expected an operation or fragment");
      }
    }
    return doc;
  }

 private:
  [[noreturn]] void fail(std::string_view why) {
    throw SyntaxError{std::string(why) + " at offset " + std::to_string(tok_.offset)};
  }

  void advance() {
    tok_ = lexer_.next();
    if (tok_.kind == TokenKind::error) fail("invalid character");
  }

  void expect(std::string_view punct) {
    if (!tok_.is(punct)) fail("expected '" + std::string(punct) + "'");
    advance();
  }

  std::string name() {
    if (tok_.kind != TokenKind::name) fail("expected a name");
    std::string n(tok_.text);
    advance();
    return n;
  }

  void check_depth(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
  }

  Operation operation() {
    Operation op;
    op.type = name();
    if (tok_.kind == TokenKind::name) op.name = name();
    if (tok_.is("(")) op.variables = variable_definitions();
    directives(0);
    op.selections = selection_set(0);
    return op;
  }

  Fragment fragment() {
    advance();  // "fragment"
    Fragment f;
    if (tok_.is_name("on")) fail("a fragment cannot be named 'on'");
    f.name = name();
    if (!tok_.is_name("on")) fail("expected 'on'");
    advance();
    name();
    directives(0);
    f.selections = selection_set(0);
    return f;
  }

  std::vector<VariableDefinition> variable_definitions() {
    std::vector<VariableDefinition> defs;
    expect("(");
    do {
      VariableDefinition def;
      expect("$");
      def.name = name();
      expect(":");
      type_reference(0);
      if (tok_.is("=")) {
        advance();
        def.default_value = value(0, /*constant=*/true);
      }
      directives(0);
      defs.push_back(std::move(def));
    } while (!tok_.is(")"));
    advance();
    return defs;
  }

  void type_reference(int depth) {
    check_depth(depth);
    if (tok_.is("[")) {
      advance();
      type_reference(depth + 1);
      expect("]");
    } else {
      name();
    }
    if (tok_.is("!")) advance();
  }

  void directives(int depth) {
    while (tok_.is("@")) {
      advance();
      name();
      if (tok_.is("(")) arguments(depth);
    }
  }

  Arguments arguments(int depth) {
    Arguments args;
    expect("(");
    do {
      std::string n = name();
      expect(":");
      args.emplace_back(std::move(n), value(depth + 1, /*constant=*/false));
    } while (!tok_.is(")"));
    advance();
    return args;
  }

  std::vector<Selection> selection_set(int depth) {
    check_depth(depth);
    std::vector<Selection> selections;
    expect("{");
    do {
      selections.push_back(tok_.is("...") ? fragment_selection(depth) : field(depth));
    } while (!tok_.is("}"));
    advance();
    return selections;
  }

  Selection field(int depth) {
    Selection s;
    s.kind = Selection::Kind::field;
    s.name = name();
    if (tok_.is(":")) {
      advance();
      s.alias = std::move(s.name);
      s.name = name();
    }
    if (tok_.is("(")) s.arguments = arguments(depth);
    directives(depth);
    if (tok_.is("{")) s.selections = selection_set(depth + 1);
    return s;
  }

  Selection fragment_selection(int depth) {
    advance();  // "..."
    Selection s;
    if (tok_.kind == TokenKind::name && !tok_.is_name("on")) {
      s.kind = Selection::Kind::fragment_spread;
      s.name = name();
      directives(depth);
      return s;
    }
    s.kind = Selection::Kind::inline_fragment;
    if (tok_.is_name("on")) {
      advance();
      name();
    }
    directives(depth);
    s.selections = selection_set(depth + 1);
    return s;
  }

  Value value(int depth, bool constant) {
    check_depth(depth);
    Value v;
    switch (tok_.kind) {
      case TokenKind::int_value:
        v.kind = Value::Kind::integer;
        break;
      case TokenKind::float_value:
        v.kind = Value::Kind::floating;
        break;
      case TokenKind::string_value:
        v.kind = Value::Kind::string;
        v.text = std::move(tok_.value);
        advance();
        return v;
      case TokenKind::name:
        if (tok_.text == "true" || tok_.text == "false") {
          v.kind = Value::Kind::boolean;
        } else if (tok_.text == "null") {
          v.kind = Value::Kind::null;
        } else {
          v.kind = Value::Kind::enumeration;
        }
        break;
      case TokenKind::punctuator:
        return composite_value(depth, constant);
      default:
        fail("expected a value");
    }
    v.text = std::string(tok_.text);
    advance();
    return v;
  }

  Value composite_value(int depth, bool constant) {
    Value v;
    if (tok_.is("$")) {
      if (constant) fail("variable in a constant value");
      advance();
      v.kind = Value::Kind::variable;
      v.text = name();
    } else if (tok_.is("[")) {
      advance();
      v.kind = Value::Kind::list;
      while (!tok_.is("]")) v.items.push_back(value(depth + 1, constant));
      advance();
    } else if (tok_.is("{")) {
      advance();
      v.kind = Value::Kind::object;
      while (!tok_.is("}")) {
        std::string n = name();
        expect(":");
        v.fields.push_back(ObjectMember{std::move(n), value(depth + 1, constant)});
      }
      advance();
    } else {
      fail("expected a value");
    }
    return v;
  }

  Lexer lexer_;
  Token tok_;
};

}  // namespace

const Value* Value::field(std::string_view name) const {
  // GraphQL rejects duplicate input-object fields, so the first match is the only one that counts.
  for (const auto& [n, v] : fields) {
    if (n == name) return &v;
  }
  return nullptr;
}

const Fragment* Document::fragment(std::string_view name) const {
  for (const auto& f : fragments) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

ParseResult parse_document(std::string_view text) {
  ParseResult result;
  try {
    Parser parser(text);
    result.document = parser.document();
  } catch (const SyntaxError& e) {
    result.error = e.what;
  }
  return result;
}

}  // namespace dsync::dgraph::graphql
