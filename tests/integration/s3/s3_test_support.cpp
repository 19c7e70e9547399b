#include "s3_test_support.h"

#include <sys/resource.h>

#include <cstring>
#include <fstream>
#include <random>

#include "s3/digest.h"
#include "support/testenv.h"

namespace dsync::s3::testing {

ClientSettings settings_for(const std::string& server) {
  const auto& env = testenv::Env::get();
  ClientSettings s;
  s.endpoint = env[server + "_ENDPOINT"];
  s.access_key = env[server + "_ACCESS_KEY"];
  s.secret_key = env[server + "_SECRET_KEY"];
  s.bucket = env[server + "_BUCKET"];
  s.region = env.value_or(server + "_REGION", "us-east-1");
  s.ca_file = env.value_or(server + "_CA_FILE", "");
  return s;
}

SseCustomerKey test_key() {
  return *SseCustomerKey::parse("dsync-integration-test-key-32byt", SseCustomerKey::Encoding::raw, nullptr);
}

SseCustomerKey other_key() {
  return *SseCustomerKey::parse("another-key-that-is-32-bytes-lng", SseCustomerKey::Encoding::raw, nullptr);
}

std::string unique_prefix() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (auto& c : name) {
    if (c == '/') c = '_';
  }
  std::random_device rd;
  return "s3it/" + name + "/" + std::to_string(rd()) + "/";
}

std::uint32_t write_test_file(const std::filesystem::path& path, std::uint64_t size, std::uint64_t seed) {
  constexpr std::size_t kBlock = 1u << 20;
  std::vector<char> block(kBlock);
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < kBlock; i += 8) {
    std::uint64_t v = rng();
    std::memcpy(block.data() + i, &v, 8);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::uint32_t crc = 0;
  for (std::uint64_t written = 0, index = 0; written < size; ++index) {
    std::memcpy(block.data(), &seed, 8);
    std::memcpy(block.data() + 8, &index, 8);
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, size - written));
    out.write(block.data(), static_cast<std::streamsize>(n));
    crc = crc32c_extend(crc, block.data(), n);
    written += n;
  }
  return crc;
}

std::string compare_files(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::ifstream fa(a, std::ios::binary);
  std::ifstream fb(b, std::ios::binary);
  if (!fa || !fb) return "cannot open one of the files";
  if (std::filesystem::file_size(a) != std::filesystem::file_size(b)) {
    return "sizes differ: " + std::to_string(std::filesystem::file_size(a)) + " vs " +
           std::to_string(std::filesystem::file_size(b));
  }
  constexpr std::size_t kChunk = 1u << 20;
  std::vector<char> ba(kChunk), bb(kChunk);
  for (std::uint64_t offset = 0;; offset += kChunk) {
    fa.read(ba.data(), kChunk);
    fb.read(bb.data(), kChunk);
    auto na = fa.gcount();
    if (na != fb.gcount()) return "short read at " + std::to_string(offset);
    if (na == 0) return {};
    if (std::memcmp(ba.data(), bb.data(), static_cast<std::size_t>(na)) != 0) {
      return "bytes differ in the MiB at offset " + std::to_string(offset);
    }
  }
}

void clean_prefix(Client& client, const std::string& prefix) {
  if (auto listed = client.list_objects(prefix); listed.ok()) {
    for (const auto& o : *listed.value) client.delete_object(o.key);
  }
  if (auto uploads = client.list_multipart_uploads(prefix); uploads.ok()) {
    for (const auto& [key, id] : *uploads.value) client.abort_multipart_upload(key, id);
  }
}

std::uint64_t peak_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;
}

void RecordingObserver::on_multipart_started(const std::string& id, std::uint64_t part_size) {
  std::lock_guard lock(mu);
  started_upload_id = id;
  started_part_size = part_size;
}

void RecordingObserver::on_part_stored(const CompletedPart& part) {
  {
    std::lock_guard lock(mu);
    parts.push_back(part);
  }
  if (after_part) after_part(part);
}

void RecordingObserver::on_bytes_sent(std::uint64_t n) {
  std::lock_guard lock(mu);
  bytes += n;
}

void RecordingObserver::on_retry(const Error& e, unsigned /*attempt*/) {
  std::lock_guard lock(mu);
  retries.push_back(e);
}

void RecordingObserver::on_multipart_abandoned(const std::string& id) {
  std::lock_guard lock(mu);
  abandoned.push_back(id);
}

UploadCheckpoint RecordingObserver::checkpoint() {
  std::lock_guard lock(mu);
  return UploadCheckpoint{started_upload_id, started_part_size, parts};
}

std::string server_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace dsync::s3::testing
