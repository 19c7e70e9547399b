// Fuzzes response recognition: any bytes as Dgraph's answer (plain or gzip) to a known export request,
// an undecidable one and the legacy endpoint. Never a crash, and never an event without a valid task
// id or a synchronous completion; an undecidable request yields events only from Dgraph's own messages.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dgraph/export_recognizer.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// A reported file must stay inside the export destination: relative, no "." or ".." segment.
bool stays_inside(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  std::size_t from = 0;
  while (true) {
    auto slash = path.find('/', from);
    auto segment = path.substr(from, slash == std::string::npos ? std::string::npos : slash - from);
    if (segment == ".." || segment == ".") return false;
    if (slash == std::string::npos) return true;
    from = slash + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using namespace dsync::dgraph;
  const std::uint8_t mode = data[0];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);

  ExportRequest request;
  switch (mode % 3) {
    case 0:
      request.kind = ExportRequest::Kind::graphql;
      request.calls = {{"export", "rdf", ""}, {"e", "json", "/backups"}};
      break;
    case 1:
      request.kind = ExportRequest::Kind::unknown;
      break;
    default:
      request.kind = ExportRequest::Kind::legacy;
      request.calls = {{"", "rdf", ""}};
  }
  bool gzip = (mode & 4) != 0;
  auto result = recognize_accepted_exports(request, gzip ? "gzip" : "", body, 1 << 20);
  check(result.accepted.size() <= 2 || request.kind == ExportRequest::Kind::unknown);
  for (const auto& e : result.accepted) {
    check(e.synchronous ? e.task_id.empty() : is_task_id(e.task_id));
    for (const auto& f : e.exported_files) check(stays_inside(f));
    if (request.kind == ExportRequest::Kind::unknown && !gzip) {
      check(body.find("Export queued with ID") != std::string::npos ||
            body.find("Export completed.") != std::string::npos || body.find("\\u") != std::string::npos);
    }
  }
  return 0;
}
