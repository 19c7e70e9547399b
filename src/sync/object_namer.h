// Object keys for the files of one export. Deterministic: the same export always gets the same keys, so
// a resumed or repeated upload lands on the same objects.
//
// Default (empty template) — compatible with the original tool, which wrote every export over the same
// two keys:
//   g01.rdf.gz → transformer.rdf.gz        g01.schema.gz     → transformer.schema.gz
//   g01.json.gz → transformer.json.gz      g01.gql_schema.gz → transformer.gql_schema.gz (the original
//   skipped it) g02.rdf.gz → transformer.g02.rdf.gz    ... (groups after g01 get ".gNN" so they never
//   collide)
// i.e. the template "transformer{gsuffix}.{kind}.gz".
//
// A template keeps history instead. Placeholders:
//   {date}    YYYY-MM-DD of the export (UTC, from the directory name)   {time}  HHMM (UTC)
//   {dir}     the directory name, dgraph.r<readTs>.u<MMDD>.<HHMM>          {readts} the readTs
//   {task}    the task id (0x…), or r<readTs> for exports without a task (Dgraph ≤ v22, `dsync push`)
//   {group}   g01, g02, ...                        {gsuffix} "" for g01, ".gNN" for later groups
//   {kind}    rdf, json, schema, gql_schema        {ext}     rdf.gz, json.gz, schema.gz, gql_schema.gz
//   {file}    the file name, g01.rdf.gz
// e.g. "{date}/{time}-{task}/{group}.{ext}". A template must keep the files of one export apart: it needs
// {kind}, {ext} or {file}, and {group}, {gsuffix} or {file}; anything else is rejected at start-up, as are
// unknown placeholders, unbalanced braces, a leading '/' and ".." segments.
//
// The object prefix is prepended to every key, joined with '/' unless it is empty or already ends in '/'.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "sync/export_layout.h"

namespace dsync::sync {

// What a key may depend on besides the file name.
struct ExportIdentity {
  ExportDirName dir;
  std::string task_id;                                // empty when the export had no task
  std::chrono::system_clock::time_point accepted_at;  // gives the directory name its year
};

class ObjectNamer {
 public:
  // nullopt and *why (one line naming the problem) if the template is not acceptable.
  static std::optional<ObjectNamer> create(std::string prefix, const std::string& name_template,
                                           std::string* why);

  std::string key(const ExportIdentity& id, const ExportFileName& file) const;

 private:
  struct Piece {
    bool placeholder = false;
    std::string text;  // literal text, or the placeholder name without braces
  };
  ObjectNamer(std::string prefix, std::vector<Piece> pieces)
      : prefix_(std::move(prefix)), pieces_(std::move(pieces)) {}
  std::string expand(const std::string& name, const ExportIdentity& id, const ExportFileName& file) const;

  std::string prefix_;
  std::vector<Piece> pieces_;
};

}  // namespace dsync::sync
