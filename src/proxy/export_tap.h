// The proxy's one contact with export recognition: it asks the recognizer which requests need their
// answer inspected, and turns accepted exports into ExportEvents for the sink. No sockets here, so the
// decisions are unit-tested without a network.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "dgraph/export_event.h"
#include "dgraph/export_recognizer.h"

namespace dsync::proxy {

// Counters shared by every connection (relaxed atomics: they are statistics, not synchronisation).
struct ProxyCounters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> active_connections{0};
  std::atomic<std::uint64_t> exports_recognised{0};
  std::atomic<std::uint64_t> inspect_failures{0};
  std::atomic<std::uint64_t> upstream_errors{0};
  std::atomic<std::uint64_t> admin_denied{0};
};

class ExportTap {
 public:
  ExportTap(dgraph::ExportSink& sink, Clock& clock, std::size_t max_inspect_bytes, ProxyCounters& counters);

  // From the request head alone: may this request start an export (so its body is buffered up to the
  // cap and recognised)? `decoded_path` is the %-decoded path without query.
  static bool is_candidate(std::string_view method, std::string_view decoded_path);

  dgraph::ExportRequest recognise_request(const dgraph::HttpRequestView& request) const;

  struct Answer {
    unsigned status = 0;
    std::string_view content_encoding;
    std::string_view body;
    bool complete = true;  // false: the body was larger than the cap and only a prefix is here
  };
  struct Origin {
    std::string_view auth_token;    // X-Dgraph-AuthToken of the request
    std::string_view access_token;  // X-Dgraph-AccessToken of the request
    std::string upstream;           // base URL of the alpha that answered
  };

  // Hands every export Dgraph accepted in `answer` to the sink (before the answer is relayed, so an
  // export the client hears about is always recorded). Returns how many were handed over.
  std::size_t on_answer(const dgraph::ExportRequest& request, const Answer& answer, const Origin& origin);

  std::size_t max_inspect_bytes() const { return max_inspect_bytes_; }

 private:
  dgraph::ExportSink& sink_;
  Clock& clock_;
  std::size_t max_inspect_bytes_;
  ProxyCounters& counters_;
};

}  // namespace dsync::proxy
