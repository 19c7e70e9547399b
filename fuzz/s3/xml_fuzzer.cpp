// Feeds arbitrary bytes to every S3 answer parser. They must never crash, hang or throw, and what they
// accept must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "s3/xml_responses.h"

using namespace dsync::s3::xml;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view doc(reinterpret_cast<const char*>(data), size);
  (void)parse_error(doc);
  if (auto id = parse_upload_id(doc); id && id->empty()) std::abort();  // an empty id is never accepted
  (void)parse_complete(doc);
  if (auto parts = parse_list_parts(doc)) {
    // What was parsed can be sent back as a Complete body, and that body parses as XML-safe text.
    std::string body = complete_multipart_body(parts->items);
    if (body.find("<CompleteMultipartUpload") != 0) std::abort();
  }
  if (auto objects = parse_list_objects_v2(doc)) {
    for (const auto& o : objects->items) {
      if (o.key.empty()) std::abort();  // an object without a key is refused, not returned
    }
  }
  (void)parse_list_multipart_uploads(doc);
  return 0;
}
