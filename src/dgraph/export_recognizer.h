// Export recognition: which requests to Dgraph's /admin ask for an export, and which answers say Dgraph
// accepted one. Pure functions over bytes (no I/O), so the proxy, the unit tests and the fuzzers drive
// the same code. Facts: shared/reference/dgraph-admin-api.md.
//
// The request side decides whether a response must be inspected and what to look for; it
// over-approximates on purpose (anything undecidable is inspected). The response side is strict: an event
// comes only from a Dgraph answer that reports an accepted export for a field the request asked for.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dgraph/export_event.h"
#include "dgraph/graphql_http.h"

namespace dsync::dgraph {

// Which Dgraph handler a request head reaches, as far as exports are concerned.
enum class AdminRoute {
  none,           // cannot start an export
  graphql_admin,  // GET/POST /admin: the GraphQL admin API (its body decides)
  legacy_export,  // GET /admin/export?format=: v20.11–v22 only (removed in v23.0.0)
};

// `path` is the decoded path without query.
AdminRoute admin_route(std::string_view method, std::string_view path);

// One `export` field of the request, answered by Dgraph under `response_key` in `data`.
struct ExportCall {
  std::string response_key;
  std::string format;             // "rdf", "json", or "" when it cannot be known
  std::string local_destination;  // an absolute local directory, or "" for Dgraph's --export
};

struct ExportRequest {
  enum class Kind {
    none,     // not an export: relay without inspection
    graphql,  // `calls` are export fields with a local destination; inspect exactly these
    legacy,   // GET /admin/export; `calls` has one entry with an empty key
    unknown,  // might be an export (persisted query hash, undecodable body): inspect strictly
  };
  Kind kind = Kind::none;
  std::vector<ExportCall> calls;
  std::string note;  // why unknown/none, for debug logs

  bool needs_response_inspection() const { return kind != Kind::none; }
};

ExportRequest recognize_export_request(const HttpRequestView& request, std::size_t max_decoded_bytes);

// An export counts when Dgraph accepted it: v23+ answers with `taskId` (and `response.code` "Success"),
// v20.11–v22 with `response.code` "Success" / "Export completed." (and `exportedFiles` if selected).
struct ResponseInspection {
  // Events with task_id / synchronous / exported_files / format / local_destination filled in; the caller
  // adds the time, the credentials and the upstream.
  std::vector<ExportEvent> accepted;
  std::string problem;  // non-empty when the body could not be read (invalid gzip, not JSON)
};

ResponseInspection recognize_accepted_exports(const ExportRequest& request, std::string_view content_encoding,
                                              std::string_view body, std::size_t max_decoded_bytes);

// "0x" followed by 1–16 hex digits: how Dgraph prints task ids (%#x of a uint64).
bool is_task_id(std::string_view id);

}  // namespace dsync::dgraph
