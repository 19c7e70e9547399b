// The GraphQL mini-parser: enough of the executable-document grammar to find export fields reliably.
#include "dgraph/graphql_document.h"

#include <string>

#include <gtest/gtest.h>

#include "dgraph/graphql_lexer.h"

namespace dsync::dgraph::graphql {
namespace {

Document parse_ok(std::string_view text) {
  auto r = parse_document(text);
  EXPECT_TRUE(r.document.has_value()) << r.error << " in: " << text;
  return r.document.value_or(Document{});
}

TEST(GraphqlDocument, ReadsOperationTypeNameAndAliasedFields) {
  auto doc =
      parse_ok(R"(mutation Backup { e: export(input: {format: "json"}) { taskId } health { status } })");
  ASSERT_EQ(doc.operations.size(), 1u);
  const auto& op = doc.operations[0];
  EXPECT_EQ(op.type, "mutation");
  EXPECT_EQ(op.name, "Backup");
  ASSERT_EQ(op.selections.size(), 2u);
  EXPECT_EQ(op.selections[0].name, "export");
  EXPECT_EQ(op.selections[0].alias, "e");
  EXPECT_EQ(op.selections[0].response_key(), "e");
  EXPECT_EQ(op.selections[1].response_key(), "health");
  const auto& input = op.selections[0].arguments.at(0).second;
  ASSERT_EQ(input.kind, Value::Kind::object);
  ASSERT_NE(input.field("format"), nullptr);
  EXPECT_EQ(input.field("format")->text, "json");
}

TEST(GraphqlDocument, ShorthandQueryIsAnAnonymousQuery) {
  auto doc = parse_ok("{ health { status } }");
  ASSERT_EQ(doc.operations.size(), 1u);
  EXPECT_EQ(doc.operations[0].type, "query");
  EXPECT_TRUE(doc.operations[0].name.empty());
}

TEST(GraphqlDocument, KeepsVariableDefinitionsWithDefaults) {
  auto doc = parse_ok(
      R"(mutation M($f: String = "json", $d: String!, $l: [[Int!]]) @dir(a: 1) { export(input: {format: $f}) { taskId } })");
  const auto& vars = doc.operations.at(0).variables;
  ASSERT_EQ(vars.size(), 3u);
  EXPECT_EQ(vars[0].name, "f");
  ASSERT_TRUE(vars[0].default_value.has_value());
  EXPECT_EQ(vars[0].default_value->text, "json");
  EXPECT_FALSE(vars[1].default_value.has_value());
  const auto* format = doc.operations[0].selections[0].arguments[0].second.field("format");
  ASSERT_NE(format, nullptr);
  EXPECT_EQ(format->kind, Value::Kind::variable);
  EXPECT_EQ(format->text, "f");
}

TEST(GraphqlDocument, ReadsFragmentsSpreadsAndInlineFragments) {
  auto doc = parse_ok(R"(
    mutation { ...Ex ... on Mutation { x: export(input: {}) { taskId } } ... @include(if: true) { y: export(input: {}) { taskId } } }
    fragment Ex on Mutation { export(input: {}) { taskId } })");
  const auto& sel = doc.operations.at(0).selections;
  ASSERT_EQ(sel.size(), 3u);
  EXPECT_EQ(sel[0].kind, Selection::Kind::fragment_spread);
  EXPECT_EQ(sel[0].name, "Ex");
  EXPECT_EQ(sel[1].kind, Selection::Kind::inline_fragment);
  EXPECT_EQ(sel[1].selections.at(0).alias, "x");
  EXPECT_EQ(sel[2].kind, Selection::Kind::inline_fragment);
  ASSERT_NE(doc.fragment("Ex"), nullptr);
  EXPECT_EQ(doc.fragment("Ex")->selections.at(0).name, "export");
}

TEST(GraphqlDocument, DecodesStringEscapesAndBlockStrings) {
  auto doc = parse_ok(
      "mutation { export(input: {destination: \"/data/\\u00e9t\\u00E9\\n\", format: \"\"\"\n    json\n  "
      "\"\"\"}) { taskId } }");
  const auto& input = doc.operations.at(0).selections.at(0).arguments.at(0).second;
  EXPECT_EQ(input.field("destination")->text, "/data/\xC3\xA9t\xC3\xA9\n");
  EXPECT_EQ(input.field("format")->text, "json");
}

TEST(GraphqlDocument, IgnoresCommentsCommasAndByteOrderMark) {
  auto doc =
      parse_ok("\xEF\xBB\xBF# export is below\nmutation ,,, {\n export(input:{}) # trailing\n { taskId } }");
  EXPECT_EQ(doc.operations.at(0).selections.at(0).name, "export");
}

TEST(GraphqlDocument, RejectsMalformedDocuments) {
  for (std::string_view bad :
       {"", "mutation", "mutation {", "mutation { }", "{ a(x: ) }", "{ a(x: \"unterminated) }",
        "{ a(x: 01) }", "{ a(x: 1.) }", "{ a(x: \"\\q\") }", "type T { a: Int }", "{ a } }", "{ a(x: $v) @ }",
        "mutation($v: String = $w) { a }", "{ a(x: \"\\u12\") }", "{ a } \x01"}) {
    auto r = parse_document(bad);
    EXPECT_FALSE(r.document.has_value()) << "accepted: " << bad;
    EXPECT_FALSE(r.error.empty());
  }
}

TEST(GraphqlDocument, BoundsNestingDepthInsteadOfOverflowingTheStack) {
  std::string deep_values = "{ a(x: " + std::string(100000, '[') + std::string(100000, ']') + ") }";
  EXPECT_FALSE(parse_document(deep_values).document.has_value());
  std::string deep_selections;
  for (int i = 0; i < 100000; ++i) deep_selections += "{ a ";
  EXPECT_FALSE(parse_document(deep_selections).document.has_value());
  std::string fine = "{ a(x: " + std::string(50, '[') + std::string(50, ']') + ") }";
  EXPECT_TRUE(parse_document(fine).document.has_value());
}

TEST(GraphqlLexer, BlockStringValueRemovesCommonIndentAndBlankEdges) {
  EXPECT_EQ(block_string_value("\n    a\n      b\n    "), "a\n  b");
  EXPECT_EQ(block_string_value("first\n  second"), "first\nsecond");
}

TEST(GraphqlLexer, ReportsAnErrorTokenOnceAndStaysFailed) {
  Lexer lexer("a ^ b");
  EXPECT_EQ(lexer.next().kind, TokenKind::name);
  EXPECT_EQ(lexer.next().kind, TokenKind::error);
  EXPECT_EQ(lexer.next().kind, TokenKind::error);
}

}  // namespace
}  // namespace dsync::dgraph::graphql
