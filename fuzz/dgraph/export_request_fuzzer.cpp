// Fuzzes request recognition: any bytes as a GraphQL document, a JSON body, a gzip body or a query
// string. Must never crash, hang or blow the stack, and what it reports must be well-formed.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dgraph/export_recognizer.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using namespace dsync::dgraph;
  const std::uint8_t mode = data[0];
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);

  static constexpr const char* kTypes[] = {"application/json", "application/graphql",
                                           "application/json; charset=utf-8", "text/plain"};
  HttpRequestView view;
  std::string target = "/admin";
  if ((mode & 3) == 3) {
    view.method = "GET";
    target = (mode & 4) ? "/admin?" + input : "/admin/export?format=" + input;
  } else {
    view.method = "POST";
    view.content_type = kTypes[(mode >> 2) & 3];
    view.content_encoding = (mode & 16) ? "gzip" : "";
    view.body = input;
    view.body_complete = (mode & 32) == 0;
  }
  view.target = target;

  auto request = recognize_export_request(view, 1 << 20);
  for (const auto& call : request.calls) {
    check(call.format.empty() || call.format == "rdf" || call.format == "json" ||
          request.kind == ExportRequest::Kind::graphql);
    check(call.local_destination.empty() || call.local_destination.front() == '/');
  }
  check(request.kind != ExportRequest::Kind::legacy || request.calls.size() == 1);
  check(request.kind != ExportRequest::Kind::graphql || !request.calls.empty());
  return 0;
}
