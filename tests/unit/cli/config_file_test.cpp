#include "cli/config_file.h"

#include <gtest/gtest.h>

namespace dsync::cli {
namespace {

std::vector<ConfigEntry> entries(std::string_view text) {
  auto r = parse_config_text(text);
  if (auto* e = std::get_if<ConfigFileError>(&r)) {
    ADD_FAILURE() << "line " << e->line << ": " << e->problem;
    return {};
  }
  return std::get<std::vector<ConfigEntry>>(r);
}

ConfigFileError error_of(std::string_view text) {
  auto r = parse_config_text(text);
  if (auto* e = std::get_if<ConfigFileError>(&r)) return *e;
  ADD_FAILURE() << "expected an error for: " << text;
  return {};
}

TEST(ConfigFile, ReadsQuotedBareAndListValuesWithComments) {
  auto e = entries(
      "# dsync\n"
      "endpoint = \"rgw.example.net:7480\"\n"
      "  bucket-name = backups   # trailing comment\n"
      "part_size = 16MiB\n"
      "\n"
      "; ini-style comment\n"
      "admin-allow = [\"127.0.0.0/8\", '10.0.0.0/8', ::1/128]\n"
      "keep-local = true\n");
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].key, "endpoint");
  EXPECT_EQ(e[0].values, std::vector<std::string>{"rgw.example.net:7480"});
  EXPECT_EQ(e[0].line, 2);
  EXPECT_EQ(e[1].values, std::vector<std::string>{"backups"});
  EXPECT_EQ(e[2].key, "part-size") << "underscores are read as dashes";
  EXPECT_EQ(e[3].values, (std::vector<std::string>{"127.0.0.0/8", "10.0.0.0/8", "::1/128"}));
  EXPECT_EQ(e[4].values, std::vector<std::string>{"true"});
}

TEST(ConfigFile, KeepsHashSignsInsideValues) {
  // A secret may contain '#': only a '#' after whitespace, outside quotes, starts a comment.
  auto e = entries("secret = \"ab#cd # ef\"\nauth-token = x#y\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].values[0], "ab#cd # ef");
  EXPECT_EQ(e[1].values[0], "x#y");
}

TEST(ConfigFile, ReadsEscapesAndListsOverSeveralLines) {
  auto e = entries(
      "name-template = \"a\\\"b\\\\c\"\nforward-upstream = [\n  \"http://a:8080\", # first\n  "
      "\"http://b:8080\",\n]\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].values[0], "a\"b\\c");
  EXPECT_EQ(e[1].values, (std::vector<std::string>{"http://a:8080", "http://b:8080"}));
}

TEST(ConfigFile, NamesTheLineOfEachMistakeWithoutEchoingTheValue) {
  EXPECT_EQ(error_of("endpoint = x\nsecret = \"s3cr3t-value\n").line, 2);
  EXPECT_EQ(error_of("endpoint = x\nsecret = \"s3cr3t-value\n").problem.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(error_of("\n\njust-a-word\n").line, 3);
  EXPECT_EQ(error_of("[serve]\nlisten = :1\n").line, 1);
  EXPECT_EQ(error_of("a = 1\na = 2\n").line, 2);
  EXPECT_EQ(error_of("a = \"x\" trailing\n").line, 1);
  EXPECT_EQ(error_of("a = [1, 2\n").line, 1);
  EXPECT_EQ(error_of("a = \"\\q\"\n").line, 1);
  EXPECT_EQ(error_of("a =\n").line, 1);
}

TEST(ConfigFile, ReportsAnUnreadableFile) {
  auto r = read_config_file("/nonexistent/dsync.conf");
  ASSERT_TRUE(std::holds_alternative<ConfigFileError>(r));
  EXPECT_EQ(std::get<ConfigFileError>(r).line, 0);
}

}  // namespace
}  // namespace dsync::cli
