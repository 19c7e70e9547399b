// The XML of S3 responses and of the one request body S3 wants in XML (CompleteMultipartUpload).
// Parsers accept any well-formed document, ignore elements they do not know and never throw; a
// document that is not what was expected gives nullopt. Fuzzed by fuzz/s3.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3/client.h"

namespace dsync::s3::xml {

struct ErrorBody {
  std::string code;
  std::string message;
  std::string request_id;
};
// <Error><Code/><Message/><RequestId/></Error>
std::optional<ErrorBody> parse_error(std::string_view doc);

// <InitiateMultipartUploadResult><UploadId/>: the upload id, nullopt if missing or empty.
std::optional<std::string> parse_upload_id(std::string_view doc);

struct CompleteResult {
  std::optional<ErrorBody> error;  // AWS may answer 200 and put an <Error> in the body
  std::string etag;                // empty on Ceph RGW's first successful completion
};
std::optional<CompleteResult> parse_complete(std::string_view doc);

template <typename T>
struct Page {
  std::vector<T> items;
  bool truncated = false;
  std::string next_marker;         // continuation token, next part number marker or next key marker
  std::string next_upload_marker;  // ListMultipartUploads only
};

std::optional<Page<CompletedPart>> parse_list_parts(std::string_view doc);
std::optional<Page<ListedObject>> parse_list_objects_v2(std::string_view doc);
std::optional<Page<std::pair<std::string, std::string>>> parse_list_multipart_uploads(std::string_view doc);

std::string complete_multipart_body(const std::vector<CompletedPart>& parts);

}  // namespace dsync::s3::xml
