#include "sync/object_namer.h"

#include <gtest/gtest.h>

#include "sync/export_layout.h"

namespace dsync::sync {
namespace {

using namespace std::chrono;

ExportIdentity identity(const std::string& dir, const std::string& task = "0x1a3f2c9d0",
                        system_clock::time_point accepted = sys_days{year{2026} / 8 / 5} + hours(14) +
                                                            minutes(12)) {
  return {parse_export_dir_name(dir).value(), task, accepted};
}

ExportFileName file(const std::string& name) {
  return parse_export_file_name(name).value();
}

std::string key(const ObjectNamer& n, const std::string& dir, const std::string& f,
                const std::string& task = "0x1a3f2c9d0") {
  return n.key(identity(dir, task), file(f));
}

ObjectNamer namer(const std::string& prefix = {}, const std::string& tmpl = {}) {
  std::string why;
  auto n = ObjectNamer::create(prefix, tmpl, &why);
  EXPECT_TRUE(n) << why;
  return std::move(n.value());
}

std::string rejection(const std::string& tmpl) {
  std::string why;
  EXPECT_FALSE(ObjectNamer::create("", tmpl, &why)) << tmpl;
  return why;
}

TEST(ExportLayout, ParsesDgraphDirectoryNames) {
  auto d = parse_export_dir_name("dgraph.r20010.u0805.1412");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->read_ts, 20010u);
  EXPECT_EQ(d->month, 8u);
  EXPECT_EQ(d->day, 5u);
  EXPECT_EQ(d->hour, 14u);
  EXPECT_EQ(d->minute, 12u);
  for (const char* bad :
       {"dgraph.r20010.u0805.141", "dgraph.r.u0805.1412", "dgraph.r1.u1305.1412", "dgraph.r1.u0805.2460",
        "dgraph.r1.u0805.1412x", "../dgraph.r1.u0805.1412", "dgraph.r-1.u0805.1412", "export"}) {
    EXPECT_FALSE(parse_export_dir_name(bad)) << bad;
  }
}

TEST(ExportLayout, ParsesDgraphFileNamesOnly) {
  auto f = parse_export_file_name("g02.gql_schema.gz");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->group, 2u);
  EXPECT_EQ(f->kind, FileKind::gql_schema);
  EXPECT_TRUE(parse_export_file_name("g01.json.gz")->is_data());
  EXPECT_EQ(parse_export_file_name("g100.rdf.gz")->group, 100u);
  for (const char* bad : {"g1.rdf.gz", "g01.rdf", "g01.xml.gz", "g00.rdf.gz", "g01.rdf.gz.tmp", "x01.rdf.gz",
                          "g01.schema.gz.bak", ".g01.rdf.gz"}) {
    EXPECT_FALSE(parse_export_file_name(bad)) << bad;
  }
}

TEST(ExportLayout, DirectoryMinuteTakesTheYearClosestToAcceptance) {
  auto d = parse_export_dir_name("dgraph.r5.u1231.2359").value();
  auto new_year = sys_days{year{2027} / 1 / 1} + minutes(1);
  EXPECT_EQ(d.minute_at(new_year), sys_days{year{2026} / 12 / 31} + hours(23) + minutes(59));
  auto same = sys_days{year{2026} / 12 / 31} + hours(23) + minutes(59) + seconds(30);
  EXPECT_EQ(d.minute_at(same), sys_days{year{2026} / 12 / 31} + hours(23) + minutes(59));
}

TEST(ObjectNamer, DefaultNamesMatchTheOriginalToolForGroupOne) {
  auto n = namer();
  const std::string dir = "dgraph.r20010.u0805.1412";
  EXPECT_EQ(key(n, dir, "g01.rdf.gz"), "transformer.rdf.gz");
  EXPECT_EQ(key(n, dir, "g01.json.gz"), "transformer.json.gz");
  EXPECT_EQ(key(n, dir, "g01.schema.gz"), "transformer.schema.gz");
  EXPECT_EQ(key(n, dir, "g01.gql_schema.gz"), "transformer.gql_schema.gz");
}

TEST(ObjectNamer, LaterGroupsNeverCollideWithGroupOne) {
  auto n = namer();
  const std::string dir = "dgraph.r20010.u0805.1412";
  EXPECT_EQ(key(n, dir, "g02.rdf.gz"), "transformer.g02.rdf.gz");
  EXPECT_EQ(key(n, dir, "g02.schema.gz"), "transformer.g02.schema.gz");
  EXPECT_EQ(key(n, dir, "g12.gql_schema.gz"), "transformer.g12.gql_schema.gz");
}

TEST(ObjectNamer, PrefixIsJoinedWithOneSlash) {
  EXPECT_EQ(key(namer("backups/dgraph"), "dgraph.r1.u0805.1412", "g01.rdf.gz"),
            "backups/dgraph/transformer.rdf.gz");
  EXPECT_EQ(key(namer("backups/"), "dgraph.r1.u0805.1412", "g01.rdf.gz"), "backups/transformer.rdf.gz");
}

TEST(ObjectNamer, TemplateExpandsEveryPlaceholder) {
  auto n = namer("p", "{date}/{time}/{dir}/{readts}/{task}/{group}{gsuffix}/{kind}/{ext}/{file}");
  EXPECT_EQ(
      key(n, "dgraph.r20010.u0805.1412", "g02.schema.gz"),
      "p/2026-08-05/1412/dgraph.r20010.u0805.1412/20010/0x1a3f2c9d0/g02.g02/schema/schema.gz/g02.schema.gz");
}

TEST(ObjectNamer, TaskOfAnExportWithoutTaskIsItsReadTimestamp) {
  auto n = namer("", "{task}/{file}");
  EXPECT_EQ(key(n, "dgraph.r20010.u0805.1412", "g01.rdf.gz", ""), "r20010/g01.rdf.gz");
}

TEST(ObjectNamer, HistoryTemplateKeepsTwoExportsApart) {
  auto n = namer("", "{date}/{dir}/{group}.{ext}");
  EXPECT_NE(key(n, "dgraph.r100.u0805.1412", "g01.rdf.gz"), key(n, "dgraph.r101.u0805.1412", "g01.rdf.gz"));
}

TEST(ObjectNamer, RejectsUnknownPlaceholders) {
  EXPECT_NE(rejection("{date}/{host}/{file}").find("unknown placeholder {host}"), std::string::npos);
}

TEST(ObjectNamer, RejectsTemplatesThatMixUpTheFilesOfOneExport) {
  EXPECT_NE(rejection("{date}/{group}.gz").find("{kind}"), std::string::npos);
  EXPECT_NE(rejection("{date}/transformer.{kind}.gz").find("{group}"), std::string::npos);
}

TEST(ObjectNamer, RejectsMalformedTemplates) {
  EXPECT_NE(rejection("{date/{file}").find("unbalanced"), std::string::npos);
  EXPECT_NE(rejection("date}/{file}").find("unbalanced"), std::string::npos);
  EXPECT_NE(rejection("/{file}").find("'/'"), std::string::npos);
  EXPECT_NE(rejection("a/../{file}").find(".."), std::string::npos);
}

}  // namespace
}  // namespace dsync::sync
