// Hashes of request bodies, read the same way the transport sends them: a file range with pread in
// bounded chunks (memory never depends on the part or file size), or bytes in memory. Headers such as
// x-amz-content-sha256 and Content-MD5 must precede the body, so a part is read twice: once here to hash
// it, once by the transport to send it; the second read comes from the page cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "s3/client.h"
#include "s3/error.h"

namespace dsync::s3 {

struct BodyDigests {
  std::string sha256_hex;  // empty unless asked for
  std::string md5_base64;  // empty unless asked for
};

// On a read failure returns nullopt and sets *error (code FileError).
std::optional<BodyDigests> digest_body(const Body& body, bool want_sha256, bool want_md5, Error* error);

// CRC32C of a whole file (ISA-L, ~30 GB/s, so the cost is the read from the page cache).
std::optional<std::uint32_t> crc32c_of_file(const std::filesystem::path& file, Error* error);

}  // namespace dsync::s3
