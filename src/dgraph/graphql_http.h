// GraphQL over HTTP as Dgraph's /admin reads it (`getRequest` in graphql/admin/http.go, the same from
// v20.11 to v25.4): POST application/json or application/graphql, GET with ?query=, gzip request
// bodies. Decoding follows Go's behaviour where it differs from the letter of the standards, because an
// export Dgraph accepts but dsync fails to decode would be missed: JSON keys match case-insensitively,
// invalid UTF-8 is accepted, trailing bytes after the JSON object are ignored, `+` in a query string
// is a space.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace dsync::dgraph {

struct GraphqlRequest {
  std::string query;
  std::string operation_name;
  boost::json::object variables;
  bool has_persisted_query = false;  // extensions.persistedQuery.sha256Hash was sent
};

struct GraphqlDecode {
  enum class Outcome {
    decoded,      // `request` holds what Dgraph will execute
    rejected,     // Dgraph refuses this request outright (wrong method or content type): nothing runs
    undecidable,  // dsync cannot tell what Dgraph will run (bad gzip, too deep, over the size cap, ...)
  };
  Outcome outcome = Outcome::rejected;
  GraphqlRequest request;
  std::string reason;  // for rejected/undecidable: why, for logs
};

struct HttpRequestView {
  std::string_view method;
  std::string_view target;  // origin-form, e.g. "/admin?query=..."
  std::string_view content_type;
  std::string_view content_encoding;
  std::string_view body;      // as received (gzip-compressed if content_encoding says so)
  bool body_complete = true;  // false when the body was larger than the inspection cap
};

GraphqlDecode decode_graphql_request(const HttpRequestView& request, std::size_t max_decoded_bytes);

// Splits "a=1&b=x+y" into decoded pairs the way Go's url.ParseQuery does (`+` is a space; pairs with a
// bad %-escape or a ';' are dropped).
std::vector<std::pair<std::string, std::string>> parse_query_string(std::string_view query);

// The path of an origin-form target, %-decoded as Go's net/url does (no `+` rule in paths), without the
// query. An invalid escape leaves the path as sent (Go's server answers 400 to it).
std::string request_path(std::string_view target);

// The first value of `name` in `target`'s query string.
std::optional<std::string> query_parameter(std::string_view target, std::string_view name);

// Inflates a gzip body (several members allowed, as Go's gzip reader does). nullopt if it is not valid
// gzip or inflates to more than `max_bytes`.
std::optional<std::string> inflate_gzip(std::string_view compressed, std::size_t max_bytes);

// Parses the first JSON value in `text` the way Go's json.Decoder does (trailing bytes ignored, invalid
// UTF-8 accepted, nesting bounded). nullopt if it is not JSON.
std::optional<boost::json::value> parse_json_prefix(std::string_view text);

// Go's encoding/json field matching: the last member whose key equals `name` ignoring case.
const boost::json::value* go_json_field(const boost::json::object& object, std::string_view name);

// "application/json; charset=utf-8" -> "application/json"
std::string media_type(std::string_view content_type);

bool is_gzip_coding(std::string_view content_encoding);

}  // namespace dsync::dgraph
