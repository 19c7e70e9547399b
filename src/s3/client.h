// An S3 client for one bucket: SigV4-signed requests over libcurl, SSE-C on every request that needs
// it. Knows nothing of Dgraph. Thread-safe: any number of threads may issue requests concurrently;
// connections are pooled and reused across requests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "s3/error.h"
#include "s3/settings.h"
#include "s3/sse_c.h"

namespace dsync::s3 {

template <typename T>
struct Result {
  std::optional<T> value;
  Error error;
  bool ok() const { return value.has_value(); }
};

struct ObjectInfo {
  std::uint64_t size = 0;
  std::string etag;
  std::string sse_algorithm;    // echoed x-amz-server-side-encryption-customer-algorithm ("" if none)
  std::string sse_key_md5;      // echoed x-amz-server-side-encryption-customer-key-MD5
  std::string checksum_crc32c;  // x-amz-checksum-crc32c if the server returned one
  std::string last_modified;
  std::vector<std::pair<std::string, std::string>> metadata;  // x-amz-meta-* (name without prefix)
};

struct ListedObject {
  std::string key;
  std::uint64_t size = 0;
  std::string last_modified;
  std::string etag;
};

struct CompletedPart {
  int number = 0;
  std::string etag;
  std::uint64_t size = 0;
};

struct Empty {};

// Body of a request: bytes in memory, or a range of a file read with pread (constant memory).
struct Body {
  std::string_view bytes{};  // used when `file` is empty
  std::filesystem::path file{};
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

using ProgressFn = std::function<void(std::uint64_t bytes_done)>;

class Client {
 public:
  // Throws std::invalid_argument when settings_problem(settings) names a problem (check it first to
  // report it as a configuration error). Without a key no SSE-C headers are sent.
  Client(ClientSettings settings, std::optional<SseCustomerKey> key);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ClientSettings& settings() const;
  bool has_key() const;
  // Base64 MD5 of the SSE-C key (what servers echo in ...-customer-key-MD5); empty without a key.
  std::string sse_key_md5_base64() const;

  Result<Empty> head_bucket();
  Result<ObjectInfo> head_object(const std::string& key);  // with the SSE-C key when configured
  // `metadata` pairs become x-amz-meta-<name> headers; a pair named "content-type" sets the object's
  // Content-Type instead. `stop` cancels the transfer in flight (error code "Stopped").
  Result<std::string> put_object(const std::string& key, const Body& body,
                                 const std::vector<std::pair<std::string, std::string>>& metadata = {},
                                 std::stop_token stop = {});
  // Streams the body to `dest` (created or truncated; removed again on failure). `progress` gets the
  // bytes written so far.
  Result<ObjectInfo> get_object_to_file(const std::string& key, const std::filesystem::path& dest,
                                        const ProgressFn& progress = {}, std::stop_token stop = {});
  Result<std::string> get_object(const std::string& key);  // small objects only
  Result<Empty> delete_object(const std::string& key);
  Result<std::vector<ListedObject>> list_objects(const std::string& prefix);  // all pages

  Result<std::string> create_multipart_upload(
      const std::string& key, const std::vector<std::pair<std::string, std::string>>& metadata = {});
  Result<std::string> upload_part(const std::string& key, const std::string& upload_id, int part_number,
                                  const Body& body, std::stop_token stop = {});  // returns the part's ETag
  Result<std::string> complete_multipart_upload(
      const std::string& key, const std::string& upload_id,
      const std::vector<CompletedPart>& parts);  // returns ETag (may be empty on RGW)
  Result<Empty> abort_multipart_upload(const std::string& key, const std::string& upload_id);
  Result<std::vector<CompletedPart>> list_parts(const std::string& key, const std::string& upload_id);
  // (key, upload id) of the uploads in progress under `prefix` (ListMultipartUploads): finds orphans.
  Result<std::vector<std::pair<std::string, std::string>>> list_multipart_uploads(const std::string& prefix);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dsync::s3
