#include "s3/settings.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "s3/endpoint.h"

namespace dsync::s3 {
namespace {

// S3 bucket naming rules. Ceph RGW (16.2) rejects names under 3 characters with an InvalidBucketName
// that has an empty message, so this is checked here where the reason can be spelled out.
std::optional<std::string> bucket_problem(const std::string& bucket) {
  if (bucket.empty()) return "bucket: is empty";
  if (bucket.size() < 3 || bucket.size() > 63) {
    return fmt::format("bucket: '{}' must be 3 to 63 characters long", bucket);
  }
  // Upper case and '_' are outside today's AWS rules but legal in older buckets and on RGW/MinIO.
  auto ok = [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_'; };
  if (!std::all_of(bucket.begin(), bucket.end(), ok)) {
    return fmt::format("bucket: '{}' may contain only letters, digits, '-', '.' and '_'", bucket);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> settings_problem(const ClientSettings& s) {
  std::string why;
  auto endpoint = parse_endpoint(s.endpoint, &why);
  if (!endpoint) return "endpoint: " + why;
  if (auto p = bucket_problem(s.bucket)) return p;
  if (!s.path_style && !endpoint->host.empty() &&
      (endpoint->host.front() == '[' ||
       std::all_of(endpoint->host.begin(), endpoint->host.end(),
                   [](unsigned char c) { return std::isdigit(c) || c == '.'; }))) {
    return "path style: virtual-host style needs a DNS name as endpoint, not an IP address";
  }
  if (s.access_key.empty()) return "access key: is empty";
  if (s.secret_key.empty()) return "secret key: is empty";
  if (s.region.empty()) return "region: is empty";
  if (s.payload_signing == PayloadSigning::unsigned_payload && !endpoint->https) {
    return "payload signing: UNSIGNED-PAYLOAD is only allowed over https (plain http would leave parts "
           "unchecked)";
  }
  if (!s.ca_file.empty() && ::access(s.ca_file.c_str(), R_OK) != 0) {
    return fmt::format("CA file: '{}' is not readable", s.ca_file);
  }
  if (s.connect_timeout.count() <= 0 || s.response_header_timeout.count() <= 0 ||
      s.stall_timeout.count() <= 0 || s.idle_connection_timeout.count() <= 0) {
    return "timeouts: must be positive";
  }
  if (s.list_page_size == 0 || s.list_page_size > 1000) return "list page size: must be 1 to 1000";
  return std::nullopt;
}

}  // namespace dsync::s3
