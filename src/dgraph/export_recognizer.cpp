#include "dgraph/export_recognizer.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include "dgraph/graphql_document.h"

namespace dsync::dgraph {
namespace {

namespace gql = graphql;
namespace json = boost::json;

constexpr std::string_view kQueuedPrefix = "Export queued with ID ";  // v23+ (and v21.09/v21.12)
constexpr std::string_view kCompleted = "Export completed.";          // v20.11–v22

ExportRequest none(std::string note) {
  ExportRequest r;
  r.note = std::move(note);
  return r;
}

ExportRequest unknown(std::string note) {
  ExportRequest r;
  r.kind = ExportRequest::Kind::unknown;
  r.note = std::move(note);
  return r;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A value from the document, or the JSON a variable was bound to.
struct Resolved {
  const gql::Value* literal = nullptr;
  const json::value* bound = nullptr;
};

struct Scope {
  const gql::Operation& operation;
  const json::object& variables;
};

Resolved resolve(const gql::Value* v, const Scope& scope) {
  if (v == nullptr) return {};
  if (v->kind != gql::Value::Kind::variable) return {v, nullptr};
  if (const auto* bound = scope.variables.if_contains(v->text)) return {nullptr, bound};
  for (const auto& def : scope.operation.variables) {
    if (def.name == v->text && def.default_value) return {&*def.default_value, nullptr};
  }
  return {};
}

Resolved member(Resolved object, std::string_view name, const Scope& scope) {
  if (object.literal != nullptr && object.literal->kind == gql::Value::Kind::object) {
    return resolve(object.literal->field(name), scope);
  }
  if (object.bound != nullptr && object.bound->is_object()) {
    return {nullptr, object.bound->get_object().if_contains(name)};
  }
  return {};
}

std::optional<std::string> string_of(Resolved r) {
  if (r.literal != nullptr && r.literal->kind == gql::Value::Kind::string) return r.literal->text;
  if (r.bound != nullptr && r.bound->is_string()) return std::string(r.bound->get_string());
  return std::nullopt;
}

// Dgraph's NewExportStorage: "/..." is a local directory, minio:// and s3:// (scheme case-insensitive,
// as url.Parse lowers it) are remote; anything else falls back to --export.
enum class Destination { default_dir, local, remote };
Destination classify_destination(const std::optional<std::string>& d) {
  if (!d || d->empty()) return Destination::default_dir;
  if (d->front() == '/') return Destination::local;
  if (starts_with_nocase(*d, "s3://") || starts_with_nocase(*d, "minio://")) return Destination::remote;
  return Destination::default_dir;
}

// Top-level `export` fields of the operation, including those inside fragments (a fragment on Mutation
// can carry the export), deduplicated by response key as GraphQL merges them.
void collect_export_fields(const std::vector<gql::Selection>& selections, const gql::Document& doc,
                           std::set<std::string>& visited_fragments, int depth,
                           std::vector<const gql::Selection*>& out) {
  if (depth > gql::kMaxDepth) return;
  for (const auto& s : selections) {
    if (s.kind == gql::Selection::Kind::field) {
      if (s.name != "export") continue;
      bool seen = std::any_of(out.begin(), out.end(),
                              [&](const gql::Selection* o) { return o->response_key() == s.response_key(); });
      if (!seen) out.push_back(&s);
    } else if (s.kind == gql::Selection::Kind::inline_fragment) {
      collect_export_fields(s.selections, doc, visited_fragments, depth + 1, out);
    } else if (const auto* f = doc.fragment(s.name);
               f != nullptr && visited_fragments.insert(s.name).second) {
      collect_export_fields(f->selections, doc, visited_fragments, depth + 1, out);
    }
  }
}

// gqlparser's OperationList.ForName, which Dgraph uses to pick the operation to run.
const gql::Operation* select_operation(const gql::Document& doc, const std::string& name) {
  if (name.empty() && doc.operations.size() == 1) return &doc.operations.front();
  for (const auto& op : doc.operations) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

ExportRequest from_graphql(const GraphqlRequest& req) {
  if (req.query.empty()) {
    return req.has_persisted_query ? unknown("persisted query without text") : none("no query");
  }
  // A field name has no escapes in GraphQL: a document without this substring has no export field.
  if (req.query.find("export") == std::string::npos) return none("no export field");
  auto parsed = gql::parse_document(req.query);
  if (!parsed.document) return unknown("GraphQL document not parsed: " + parsed.error);
  const auto& doc = *parsed.document;
  const auto* op = select_operation(doc, req.operation_name);
  if (op == nullptr) return none("no operation named '" + req.operation_name + "'");
  if (op->type != "mutation") return none("operation is a " + op->type);

  std::vector<const gql::Selection*> fields;
  std::set<std::string> visited;
  collect_export_fields(op->selections, doc, visited, 0, fields);

  ExportRequest result;
  result.kind = ExportRequest::Kind::graphql;
  Scope scope{*op, req.variables};
  for (const auto* field : fields) {
    const gql::Value* input_arg = nullptr;
    for (const auto& [name, value] : field->arguments) {
      if (name == "input") input_arg = &value;
    }
    Resolved input = resolve(input_arg, scope);
    auto destination = string_of(member(input, "destination", scope));
    auto where = classify_destination(destination);
    if (where == Destination::remote) continue;  // Dgraph uploads it itself
    ExportCall call;
    call.response_key = field->response_key();
    call.format = lower(string_of(member(input, "format", scope)).value_or("rdf"));
    if (where == Destination::local) call.local_destination = *destination;
    result.calls.push_back(std::move(call));
  }
  if (result.calls.empty()) return none(fields.empty() ? "no export field" : "remote destination");
  return result;
}

const json::object* object_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

std::optional<std::string_view> string_member(const json::object* o, std::string_view key) {
  if (o == nullptr) return std::nullopt;
  const auto* v = o->if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string_view(v->get_string());
}

// Dgraph returns paths relative to the destination; anything else is not trusted.
bool is_safe_relative_path(std::string_view p) {
  if (p.empty() || p.front() == '/' || p.find('\0') != std::string_view::npos) return false;
  std::size_t from = 0;
  while (from <= p.size()) {
    auto slash = p.find('/', from);
    auto segment = p.substr(from, slash == std::string_view::npos ? std::string_view::npos : slash - from);
    if (segment == ".." || segment == ".") return false;
    if (slash == std::string_view::npos) break;
    from = slash + 1;
  }
  return true;
}

// Reads one `data.<key>` value. `strict`: the request did not say this is an export, so only Dgraph's
// own export messages count (a backup answers with the same shape, "Backup queued with ID ...").
std::optional<ExportEvent> accepted_export(const json::value& v, bool strict, std::string& problem) {
  if (!v.is_object()) return std::nullopt;
  const auto& payload = v.get_object();
  const auto* response = object_member(payload, "response");
  auto code = string_member(response, "code");
  auto message = string_member(response, "message");
  if (code && *code != "Success") return std::nullopt;
  bool queued_message = message && message->substr(0, kQueuedPrefix.size()) == kQueuedPrefix;
  bool completed_message = message && *message == kCompleted;
  if (strict && !queued_message && !completed_message) return std::nullopt;

  ExportEvent event;
  auto task_id = string_member(&payload, "taskId");
  if (!task_id && queued_message) task_id = message->substr(kQueuedPrefix.size());
  if (task_id) {
    if (!is_task_id(*task_id)) return std::nullopt;
    event.task_id = std::string(*task_id);
    return event;
  }
  const auto* files = payload.if_contains("exportedFiles");
  bool has_files = files != nullptr && files->is_array();
  if (!completed_message && !(has_files && !code)) {
    if (code) problem = "export accepted but neither taskId nor its message was selected: cannot follow it";
    return std::nullopt;
  }
  event.synchronous = true;
  if (has_files) {
    for (const auto& f : files->get_array()) {
      if (f.is_string() && is_safe_relative_path(f.get_string()))
        event.exported_files.emplace_back(f.get_string());
    }
  }
  return event;
}

}  // namespace

AdminRoute admin_route(std::string_view method, std::string_view path) {
  if (path == "/admin" && (method == "GET" || method == "POST")) return AdminRoute::graphql_admin;
  if (path == "/admin/export" && method == "GET") return AdminRoute::legacy_export;
  return AdminRoute::none;
}

bool is_task_id(std::string_view id) {
  if (id.size() < 3 || id.size() > 18 || id.substr(0, 2) != "0x") return false;
  return std::all_of(id.begin() + 2, id.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

ExportRequest recognize_export_request(const HttpRequestView& request, std::size_t max_decoded_bytes) {
  auto route = admin_route(request.method, request_path(request.target));
  if (route == AdminRoute::none) return none("not an export route");
  if (route == AdminRoute::legacy_export) {
    ExportRequest r;
    r.kind = ExportRequest::Kind::legacy;
    // v20.11 ignores `format` and always writes RDF (reference §1.6), so "json" is only a wish.
    auto format = lower(query_parameter(request.target, "format").value_or("rdf"));
    r.calls.push_back(ExportCall{"", format == "rdf" ? format : "", ""});
    return r;
  }
  auto decoded = decode_graphql_request(request, max_decoded_bytes);
  switch (decoded.outcome) {
    case GraphqlDecode::Outcome::rejected:
      return none(decoded.reason);
    case GraphqlDecode::Outcome::undecidable:
      return unknown(decoded.reason);
    case GraphqlDecode::Outcome::decoded:
      break;
  }
  return from_graphql(decoded.request);
}

ResponseInspection recognize_accepted_exports(const ExportRequest& request, std::string_view content_encoding,
                                              std::string_view body, std::size_t max_decoded_bytes) {
  ResponseInspection result;
  if (!request.needs_response_inspection()) return result;
  std::optional<std::string> inflated;
  if (is_gzip_coding(content_encoding)) {
    inflated = inflate_gzip(body, max_decoded_bytes);
    if (!inflated) {
      result.problem = "response body is not valid gzip or inflates beyond the cap";
      return result;
    }
    body = *inflated;
  }
  auto parsed = parse_json_prefix(body);
  if (!parsed || !parsed->is_object()) {
    result.problem = "response body is not a JSON object";
    return result;
  }
  const auto& top = parsed->get_object();

  if (request.kind == ExportRequest::Kind::legacy) {
    if (string_member(&top, "code") == "Success" && string_member(&top, "message") == kCompleted) {
      ExportEvent e;
      e.synchronous = true;
      e.format = request.calls.front().format;
      result.accepted.push_back(std::move(e));
    }
    return result;
  }
  const auto* data = object_member(top, "data");
  if (data == nullptr) return result;
  if (request.kind == ExportRequest::Kind::unknown) {
    for (const auto& kv : *data) {
      if (auto e = accepted_export(kv.value(), /*strict=*/true, result.problem))
        result.accepted.push_back(*e);
    }
    return result;
  }
  for (const auto& call : request.calls) {
    const auto* v = data->if_contains(call.response_key);
    if (v == nullptr) continue;
    if (auto e = accepted_export(*v, /*strict=*/false, result.problem)) {
      e->format = call.format;
      e->local_destination = call.local_destination;
      result.accepted.push_back(std::move(*e));
    }
  }
  return result;
}

}  // namespace dsync::dgraph
