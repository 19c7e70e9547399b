// Shared by the S3 integration tests: client settings for the real servers in the env file, a fixed
// test key, unique key prefixes (so tests run in any order and in parallel), files with distinct
// content per MiB (so a part written at the wrong offset is caught), and byte-exact comparison.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "s3/client.h"
#include "s3/file_upload.h"
#include "s3/settings.h"
#include "s3/sse_c.h"

namespace dsync::s3::testing {

// "RGW" (Ceph RGW over HTTP) or "MINIO" (MinIO over TLS with the env file's CA).
ClientSettings settings_for(const std::string& server);
SseCustomerKey test_key();
SseCustomerKey other_key();
// "s3it/<test name>/<random>/": every object a test creates lives under its own prefix.
std::string unique_prefix();

// Writes `size` bytes: a random 1 MiB block (from `seed`) whose first 16 bytes are replaced by the
// seed and the block index, so every MiB differs. Returns the file's CRC32C.
std::uint32_t write_test_file(const std::filesystem::path& path, std::uint64_t size, std::uint64_t seed);
// Empty string if equal, else where they differ.
std::string compare_files(const std::filesystem::path& a, const std::filesystem::path& b);

// Deletes every object and aborts every multipart upload under `prefix` (test cleanup).
void clean_prefix(Client& client, const std::string& prefix);

// Peak resident set size of this process so far (getrusage), in bytes.
std::uint64_t peak_rss_bytes();

// Records every observer call (thread-safe).
struct RecordingObserver : UploadObserver {
  std::mutex mu;
  std::string started_upload_id;
  std::uint64_t started_part_size = 0;
  std::vector<CompletedPart> parts;
  std::uint64_t bytes = 0;
  std::vector<Error> retries;
  std::vector<std::string> abandoned;
  std::function<void(const CompletedPart&)> after_part;  // optional hook (e.g. request a stop)

  void on_multipart_started(const std::string& id, std::uint64_t part_size) override;
  void on_part_stored(const CompletedPart& part) override;
  void on_bytes_sent(std::uint64_t n) override;
  void on_retry(const Error& e, unsigned attempt) override;
  void on_multipart_abandoned(const std::string& id) override;
  UploadCheckpoint checkpoint();
};

std::string server_name(const ::testing::TestParamInfo<std::string>& info);

}  // namespace dsync::s3::testing
