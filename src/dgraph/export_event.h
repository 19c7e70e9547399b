// What the proxy hands to the sync side when Dgraph accepted an export. This header is the whole
// interface between the two: the proxy knows nothing of S3, the sync pipeline nothing of HTTP relaying.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace dsync::dgraph {

struct ExportEvent {
  // v23+ (asynchronous): the task id Dgraph returned, e.g. "0x1a3f2c9d0". Empty for synchronous exports.
  std::string task_id;
  // v20.11–v22 (synchronous): the files are complete when the response arrives. `exported_files` lists
  // only the receiving alpha's group (Dgraph discards the other groups' lists), relative to the destination.
  bool synchronous = false;
  std::vector<std::string> exported_files;
  // "rdf" or "json" as requested (lower-case); empty if unknown (then both are accepted).
  std::string format;
  // An absolute local `destination` the request named; empty means Dgraph's --export directory.
  std::string local_destination;
  // When dsync saw Dgraph's answer. Used to tell this export's directory from older ones.
  std::chrono::system_clock::time_point accepted_at;
  // Credentials the task query needs, copied from the export request (poor-man's token; the task
  // query has no ACL middleware, but the JWT is kept for alphas fronted by other checks).
  std::string auth_token;    // X-Dgraph-AuthToken
  std::string access_token;  // X-Dgraph-AccessToken
  // The upstream alpha that accepted the export (base URL, e.g. "http://127.0.0.1:8080").
  std::string upstream;
};

// Implemented by the sync pipeline. The proxy calls it on a proxy thread after Dgraph's answer to an
// export request was read (export answers are small and buffered up to a cap) and *before* relaying that
// answer to the client, so an export the client was told about is always recorded. Implementations
// record the event durably (one quick journal insert) and return: no network I/O, no waiting on uploads,
// so proxied traffic is never slowed by sync work. Must not throw.
class ExportSink {
 public:
  virtual ~ExportSink() = default;
  virtual void on_export_accepted(ExportEvent event) = 0;
};

}  // namespace dsync::dgraph
