#include "s3/xml_responses.h"

#include <charconv>

#include <pugixml.hpp>

namespace dsync::s3::xml {
namespace {

// Parses into `doc` and returns the root element (empty if not well-formed).
pugi::xml_node load_root(pugi::xml_document& doc, std::string_view text) {
  auto result = doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  return result ? doc.document_element() : pugi::xml_node();
}

bool named(const pugi::xml_node& node, std::string_view name) {
  return node && node.name() == name;
}

// Parses into `doc` and returns the root element if it has the expected name.
pugi::xml_node root_named(pugi::xml_document& doc, std::string_view text, std::string_view name) {
  pugi::xml_node root = load_root(doc, text);
  return named(root, name) ? root : pugi::xml_node();
}

std::string text_of(const pugi::xml_node& node, const char* child) {
  return node.child(child).text().as_string();
}

bool is_true(const pugi::xml_node& node, const char* child) {
  return text_of(node, child) == "true";
}

template <typename Int>
bool parse_int(std::string_view s, Int* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

ErrorBody error_from(const pugi::xml_node& root) {
  return {text_of(root, "Code"), text_of(root, "Message"), text_of(root, "RequestId")};
}

void escape_into(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
}

}  // namespace

std::optional<ErrorBody> parse_error(std::string_view text) {
  pugi::xml_document doc;
  pugi::xml_node root = root_named(doc, text, "Error");
  if (!root) return std::nullopt;
  return error_from(root);
}

std::optional<std::string> parse_upload_id(std::string_view text) {
  pugi::xml_document doc;
  pugi::xml_node root = root_named(doc, text, "InitiateMultipartUploadResult");
  std::string id = root ? text_of(root, "UploadId") : std::string();
  if (id.empty()) return std::nullopt;
  return id;
}

std::optional<CompleteResult> parse_complete(std::string_view text) {
  pugi::xml_document doc;
  pugi::xml_node root = load_root(doc, text);
  if (named(root, "Error")) return CompleteResult{error_from(root), {}};
  if (!named(root, "CompleteMultipartUploadResult")) return std::nullopt;
  return CompleteResult{std::nullopt, text_of(root, "ETag")};
}

std::optional<Page<CompletedPart>> parse_list_parts(std::string_view text) {
  pugi::xml_document doc;
  pugi::xml_node root = root_named(doc, text, "ListPartsResult");
  if (!root) return std::nullopt;
  Page<CompletedPart> page;
  for (pugi::xml_node p : root.children("Part")) {
    CompletedPart part;
    if (!parse_int(text_of(p, "PartNumber"), &part.number) || !parse_int(text_of(p, "Size"), &part.size)) {
      return std::nullopt;
    }
    part.etag = text_of(p, "ETag");
    page.items.push_back(std::move(part));
  }
  page.truncated = is_true(root, "IsTruncated");
  page.next_marker = text_of(root, "NextPartNumberMarker");
  return page;
}

std::optional<Page<ListedObject>> parse_list_objects_v2(std::string_view text) {
  pugi::xml_document doc;
  pugi::xml_node root = root_named(doc, text, "ListBucketResult");
  if (!root) return std::nullopt;
  Page<ListedObject> page;
  for (pugi::xml_node c : root.children("Contents")) {
    ListedObject obj;
    obj.key = text_of(c, "Key");
    if (obj.key.empty() || !parse_int(text_of(c, "Size"), &obj.size)) return std::nullopt;
    obj.last_modified = text_of(c, "LastModified");
    obj.etag = text_of(c, "ETag");
    page.items.push_back(std::move(obj));
  }
  page.truncated = is_true(root, "IsTruncated");
  page.next_marker = text_of(root, "NextContinuationToken");
  return page;
}

std::optional<Page<std::pair<std::string, std::string>>> parse_list_multipart_uploads(std::string_view text) {
  pugi::xml_document doc;
  pugi::xml_node root = root_named(doc, text, "ListMultipartUploadsResult");
  if (!root) return std::nullopt;
  Page<std::pair<std::string, std::string>> page;
  for (pugi::xml_node u : root.children("Upload")) {
    page.items.emplace_back(text_of(u, "Key"), text_of(u, "UploadId"));
  }
  page.truncated = is_true(root, "IsTruncated");
  page.next_marker = text_of(root, "NextKeyMarker");
  page.next_upload_marker = text_of(root, "NextUploadIdMarker");
  return page;
}

std::string complete_multipart_body(const std::vector<CompletedPart>& parts) {
  std::string out = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  out.reserve(out.size() + parts.size() * 96);
  for (const auto& p : parts) {
    out += "<Part><PartNumber>";
    out += std::to_string(p.number);
    out += "</PartNumber><ETag>";
    escape_into(out, p.etag);
    out += "</ETag></Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

}  // namespace dsync::s3::xml
