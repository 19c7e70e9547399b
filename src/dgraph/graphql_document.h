// A parsed GraphQL executable document: operations, fragments, selections and argument values. This is
// not a validator: it keeps what is needed to find `export` fields and their `input` argument, and
// rejects anything it cannot parse. Input is untrusted; nesting is bounded (kMaxDepth) so hostile
// documents cannot exhaust the stack.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dsync::dgraph::graphql {

inline constexpr int kMaxDepth = 128;

struct ObjectMember;

struct Value {
  enum class Kind { null, boolean, integer, floating, string, enumeration, list, object, variable };
  Kind kind = Kind::null;
  std::string text;  // boolean/number/enum: source text; string: decoded value; variable: name without '$'
  std::vector<Value> items;          // list
  std::vector<ObjectMember> fields;  // object, in source order

  const Value* field(std::string_view name) const;
};

struct ObjectMember {
  std::string name;
  Value value;
};

using Arguments = std::vector<std::pair<std::string, Value>>;

struct Selection {
  enum class Kind { field, fragment_spread, inline_fragment };
  Kind kind = Kind::field;
  std::string alias;  // field only; empty when the field has none
  std::string name;   // field name, or the spread fragment's name
  Arguments arguments;
  std::vector<Selection> selections;  // a field's sub-selections, or an inline fragment's body

  // The key this field's result has in the response's `data` object.
  const std::string& response_key() const { return alias.empty() ? name : alias; }
};

struct VariableDefinition {
  std::string name;
  std::optional<Value> default_value;
};

struct Operation {
  std::string type;  // "query", "mutation" or "subscription"
  std::string name;  // empty for anonymous operations
  std::vector<VariableDefinition> variables;
  std::vector<Selection> selections;
};

struct Fragment {
  std::string name;
  std::vector<Selection> selections;
};

struct Document {
  std::vector<Operation> operations;
  std::vector<Fragment> fragments;

  const Fragment* fragment(std::string_view name) const;
};

struct ParseResult {
  std::optional<Document> document;
  std::string error;  // why parsing failed, with the byte offset
};

ParseResult parse_document(std::string_view text);

}  // namespace dsync::dgraph::graphql
