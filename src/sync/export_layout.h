// Dgraph's on-disk export layout, as names (worker/export.go, identical from v20.11 to v25.4):
//   <export dir>/dgraph.r<readTs>.u<MMDD>.<HHMM>/g<NN>.{rdf|json}.gz, g<NN>.schema.gz, g<NN>.gql_schema.gz
// The time in the directory name is UTC and has no year; NN is the group id printed with %02d (so g100
// is possible). Anything else in the export dir is not Dgraph's and is never touched.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dsync::sync {

struct ExportDirName {
  std::string text;  // "dgraph.r20010.u0805.1412"
  std::uint64_t read_ts = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0;

  // The minute the name stands for, in the year that makes it closest to `reference` (names carry no
  // year: an export named u1231 seen on January 1st belongs to the previous year).
  std::chrono::sys_seconds minute_at(std::chrono::system_clock::time_point reference) const;
};

std::optional<ExportDirName> parse_export_dir_name(std::string_view name);

enum class FileKind { rdf, json, schema, gql_schema };

struct ExportFileName {
  std::string text;  // "g01.rdf.gz"
  unsigned group = 0;
  FileKind kind = FileKind::rdf;
  bool is_data() const { return kind == FileKind::rdf || kind == FileKind::json; }
};

std::optional<ExportFileName> parse_export_file_name(std::string_view name);

std::string_view to_string(FileKind k);  // "rdf", "json", "schema", "gql_schema"

}  // namespace dsync::sync
