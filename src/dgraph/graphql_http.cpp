#include "dgraph/graphql_http.h"

#include <algorithm>
#include <cctype>

#include <zlib.h>

#include <boost/json/parse_options.hpp>
#include <boost/json/stream_parser.hpp>

namespace dsync::dgraph {
namespace {

// Go's json.Decoder allows 10000 levels; dsync stops earlier to bound the cost of destroying a parsed
// value. A request nested deeper is "undecidable" (its response is still inspected), never ignored.
constexpr std::size_t kMaxJsonDepth = 1000;

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Go's case folding for JSON keys also maps the Kelvin sign to 'k' and the long s to 's'.
std::string fold_key(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (key.substr(i, 3) == "\xE2\x84\xAA") {
      out.push_back('k');
      i += 2;
    } else if (key.substr(i, 2) == "\xC5\xBF") {
      out.push_back('s');
      i += 1;
    } else {
      out.push_back(ascii_lower(key[i]));
    }
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space = true) {
  std::string out;
  out.reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = ascii_lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

GraphqlDecode undecidable(std::string reason) {
  GraphqlDecode d;
  d.outcome = GraphqlDecode::Outcome::undecidable;
  d.reason = std::move(reason);
  return d;
}

GraphqlDecode rejected(std::string reason) {
  GraphqlDecode d;
  d.outcome = GraphqlDecode::Outcome::rejected;
  d.reason = std::move(reason);
  return d;
}

bool has_persisted_hash(const boost::json::value* extensions) {
  if (extensions == nullptr || !extensions->is_object()) return false;
  const auto* pq = go_json_field(extensions->get_object(), "persistedQuery");
  if (pq == nullptr || !pq->is_object()) return false;
  const auto* hash = go_json_field(pq->get_object(), "sha256Hash");
  return hash != nullptr && hash->is_string() && !hash->get_string().empty();
}

// Fills `req.variables` from a JSON value; false if Dgraph would refuse it (not an object or null).
bool take_variables(const boost::json::value* v, GraphqlRequest& req) {
  if (v == nullptr || v->is_null()) return true;
  if (!v->is_object()) return false;
  req.variables = v->get_object();
  return true;
}

GraphqlDecode decode_get(std::string_view target) {
  GraphqlDecode d;
  d.outcome = GraphqlDecode::Outcome::decoded;
  auto& req = d.request;
  req.query = query_parameter(target, "query").value_or("");
  req.operation_name = query_parameter(target, "operationName").value_or("");
  if (auto vars = query_parameter(target, "variables")) {
    auto json = parse_json_prefix(*vars);
    if (!json) return undecidable("variables parameter is not JSON");
    if (!take_variables(&*json, req)) return rejected("variables parameter is not an object");
  }
  if (auto ext = query_parameter(target, "extensions")) {
    auto json = parse_json_prefix(*ext);
    if (json) req.has_persisted_query = has_persisted_hash(&*json);
  }
  return d;
}

GraphqlDecode decode_json_body(std::string_view body) {
  auto json = parse_json_prefix(body);
  if (!json) return undecidable("body is not JSON");
  if (!json->is_object()) return rejected("body is not a JSON object");
  const auto& obj = json->get_object();
  GraphqlDecode d;
  d.outcome = GraphqlDecode::Outcome::decoded;
  auto& req = d.request;
  if (const auto* q = go_json_field(obj, "query"); q != nullptr && !q->is_null()) {
    if (!q->is_string()) return rejected("query is not a string");
    req.query = std::string(q->get_string());
  }
  if (const auto* op = go_json_field(obj, "operationName"); op != nullptr && !op->is_null()) {
    if (!op->is_string()) return rejected("operationName is not a string");
    req.operation_name = std::string(op->get_string());
  }
  if (!take_variables(go_json_field(obj, "variables"), req)) return rejected("variables is not an object");
  req.has_persisted_query = has_persisted_hash(go_json_field(obj, "extensions"));
  return d;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_query_string(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty() || pair.find(';') != std::string_view::npos) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (key && value) out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

std::string request_path(std::string_view target) {
  auto raw = target.substr(0, target.find_first_of("?#"));
  return percent_decode(raw, /*plus_is_space=*/false).value_or(std::string(raw));
}

std::optional<std::string> query_parameter(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  auto fragment = target.find('#', q);
  for (auto& [k, v] : parse_query_string(target.substr(q + 1, fragment - q - 1))) {
    if (k == name) return std::move(v);
  }
  return std::nullopt;
}

std::optional<std::string> inflate_gzip(std::string_view compressed, std::size_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return std::nullopt;
  std::string out;
  char chunk[16384];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(std::min<std::size_t>(compressed.size(), UINT32_MAX));
  bool ok = !compressed.empty();
  while (ok) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - zs.avail_out);
    if (rc == Z_STREAM_END && out.size() <= max_bytes) {
      if (zs.avail_in == 0) break;
      ok = inflateReset(&zs) == Z_OK;  // another gzip member follows
      continue;
    }
    // Go on only while within the cap, not corrupt, and not truncated (out of input while inflate
    // still has room to write, i.e. it wants more).
    ok = out.size() <= max_bytes && rc == Z_OK && !(zs.avail_in == 0 && zs.avail_out != 0);
  }
  inflateEnd(&zs);
  if (!ok) return std::nullopt;
  return out;
}

std::optional<boost::json::value> parse_json_prefix(std::string_view text) {
  boost::json::parse_options opts;
  opts.max_depth = kMaxJsonDepth;
  opts.allow_invalid_utf8 = true;
  boost::json::stream_parser parser({}, opts);
  boost::system::error_code ec;
  parser.write_some(text.data(), text.size(), ec);
  if (!ec && !parser.done()) parser.finish(ec);
  if (ec || !parser.done()) return std::nullopt;
  return parser.release();
}

const boost::json::value* go_json_field(const boost::json::object& object, std::string_view name) {
  const boost::json::value* found = nullptr;
  std::string folded = fold_key(name);
  for (const auto& kv : object) {
    if (kv.key() == name || fold_key(kv.key()) == folded) found = &kv.value();
  }
  return found;
}

std::string media_type(std::string_view content_type) {
  std::string out(trim(content_type.substr(0, content_type.find(';'))));
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

bool is_gzip_coding(std::string_view content_encoding) {
  std::string coding = media_type(content_encoding);
  return coding == "gzip" || coding == "x-gzip";
}

GraphqlDecode decode_graphql_request(const HttpRequestView& request, std::size_t max_decoded_bytes) {
  if (request.method == "GET") return decode_get(request.target);
  if (request.method != "POST") return rejected("method is neither GET nor POST");

  std::string type = media_type(request.content_type);
  if (type != "application/json" && type != "application/graphql") return rejected("content type " + type);
  if (!request.body_complete) return undecidable("request body is larger than the inspection cap");

  std::string_view body = request.body;
  std::optional<std::string> inflated;
  if (is_gzip_coding(request.content_encoding)) {
    inflated = inflate_gzip(body, max_decoded_bytes);
    if (!inflated) return undecidable("gzip request body is invalid or inflates beyond the cap");
    body = *inflated;
  }
  if (type == "application/graphql") {
    GraphqlDecode d;
    d.outcome = GraphqlDecode::Outcome::decoded;
    d.request.query = std::string(body);
    return d;
  }
  return decode_json_body(body);
}

}  // namespace dsync::dgraph
