// End-to-end checks of a downloaded export file, in one pass over its bytes: every gzip member is
// inflated (zlib checks each member's CRC-32 and length), and the CRC32C of the stored bytes is
// computed to compare with the x-amz-meta-dsync-crc32c the upload recorded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace dsync::cli {

struct FileCheck {
  bool ok = false;
  std::string problem;               // when !ok: "gzip member 2: invalid distance too far back", ...
  std::uint32_t crc32c = 0;          // of the file's bytes as stored
  std::uint64_t bytes = 0;           // file size
  std::uint64_t inflated_bytes = 0;  // total size of the decompressed members
  unsigned gzip_members = 0;
};

// `inflate` false: only the CRC32C (for exports Dgraph encrypted itself, which are not gzip).
FileCheck check_export_file(const std::filesystem::path& file, bool inflate);

}  // namespace dsync::cli
