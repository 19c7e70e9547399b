// `dsync restore`: list the exports in the bucket, or download one with the key, check every file end
// to end (each gzip member inflated, the CRC32C recorded at upload compared), and write it to --to so
// `dgraph live -f <dir>/... -s <dir>/...` or `dgraph bulk` can load it.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/gzip_check.h"
#include "cli/progress.h"
#include "cli/restore_catalog.h"
#include "cli/units.h"
#include "s3/client.h"
#include "s3/digest.h"
#include "s3/settings.h"

namespace dsync::cli {
namespace {

namespace fs = std::filesystem;

std::string metadata_value(const s3::ObjectInfo& info, std::string_view name) {
  for (const auto& [k, v] : info.metadata) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return v;
    }
  }
  return {};
}

void print_exports(const std::vector<StoredExport>& exports) {
  std::printf("%-24s  %6s  %12s  %s\n", "LAST MODIFIED", "FILES", "SIZE", "NAME");
  for (const auto& e : exports) {
    std::printf("%-24s  %6zu  %12s  %s\n", e.last_modified.c_str(), e.objects.size(),
                format_bytes(static_cast<double>(e.bytes)).c_str(), e.name.c_str());
  }
  if (exports.empty()) std::printf("(no exports)\n");
}

// An empty or missing directory, so a restore never mixes with or overwrites other files.
bool prepare_target(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    std::fprintf(stderr, "dsync: restore: %s is not empty; choose an empty or new directory\n", dir.c_str());
    return false;
  }
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "dsync: restore: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return false;
  }
  return true;
}

// Downloads one object to `dest` (through a hidden .part name) and checks it; "" on success.
std::string restore_object(s3::Client& client, const Config& config, const s3::ListedObject& object,
                           const fs::path& dest, ProgressReporter& progress) {
  const fs::path part = dest.parent_path() / ("." + dest.filename().string() + ".part");
  std::uint64_t reported = 0;
  auto got = client.get_object_to_file(object.key, part, [&](std::uint64_t done) {
    if (done > reported) progress.add(done - reported), reported = done;
  });
  if (!got.ok()) return got.error.describe();
  const s3::ObjectInfo& info = *got.value;
  // RGW ignores a key sent for an object stored without SSE-C, so only the echo proves the encryption.
  if (info.sse_algorithm.empty()) {
    spdlog::warn("restore: object={} was stored without SSE-C (not encrypted at rest)", object.key);
  } else if (info.sse_key_md5 != config.key->key_md5_base64()) {
    return "the server echoed a different key MD5";
  }
  const FileCheck check = check_export_file(part, config.gzip_check);
  const std::string recorded = metadata_value(info, s3::kCrc32cMetadata);
  std::string problem = check.problem;
  if (check.ok && !recorded.empty() && recorded != s3::crc32c_base64(check.crc32c)) {
    problem = fmt::format("CRC32C {} differs from the {} recorded at upload", s3::crc32c_base64(check.crc32c),
                          recorded);
  }
  if (!problem.empty()) {
    std::error_code ignored;
    fs::remove(part, ignored);  // a restored folder holds verified files only
    return problem;
  }
  std::error_code ec;
  fs::rename(part, dest, ec);
  if (ec) return fmt::format("cannot rename to {}: {}", dest.string(), ec.message());
  spdlog::info("restore: object={} file={} bytes={} gzip_members={} crc32c={}", object.key, dest.string(),
               check.bytes, check.gzip_members, recorded.empty() ? "not recorded" : "matches");
  return {};
}

}  // namespace

std::string listing_prefix(const std::string& object_prefix) {
  if (object_prefix.empty() || object_prefix.back() == '/') return object_prefix;
  return object_prefix + "/";
}

int run_restore(const Config& config) {
  s3::Client client(config.s3, config.key);
  const std::string prefix = listing_prefix(config.object_prefix);
  auto listed = client.list_objects(prefix);
  if (!listed.ok()) {
    std::fprintf(stderr, "dsync: restore: listing %s: %s\n", prefix.empty() ? "the bucket" : prefix.c_str(),
                 listed.error.describe().c_str());
    return 1;
  }
  const auto exports = group_exports(*listed.value, prefix);
  if (config.restore_list) {
    print_exports(exports);
    return 0;
  }
  std::string why;
  const StoredExport* chosen = choose_export(exports, config.restore_from, &why);
  if (chosen == nullptr) {
    std::fprintf(stderr, "dsync: restore: %s\n", why.c_str());
    return 1;
  }
  if (!prepare_target(config.restore_to)) return 1;
  spdlog::info("restore: export={} files={} bytes={} to={}", chosen->name, chosen->objects.size(),
               chosen->bytes, config.restore_to.string());
  ProgressReporter progress = make_progress_reporter(SystemClock::instance(), "restore");
  progress.set_total(chosen->bytes);
  for (const auto& object : chosen->objects) {
    const std::string name = local_name(*chosen, object, prefix);
    if (name.empty()) {
      progress.finish("failed");
      std::fprintf(stderr, "dsync: restore: object=%s: not a plain file name; refusing to write it\n",
                   object.key.c_str());
      return 1;
    }
    if (auto problem = restore_object(client, config, object, config.restore_to / name, progress);
        !problem.empty()) {
      progress.finish("failed");
      std::fprintf(stderr, "dsync: restore: object=%s: %s\n", object.key.c_str(), problem.c_str());
      return 1;
    }
  }
  progress.finish("done");
  std::printf("restored %zu files of export %s to %s; every file verified\n", chosen->objects.size(),
              chosen->name.c_str(), config.restore_to.c_str());
  return 0;
}

}  // namespace dsync::cli
