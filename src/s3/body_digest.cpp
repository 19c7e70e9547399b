#include "s3/body_digest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "s3/digest.h"

namespace dsync::s3 {
namespace {

// Big enough that hashing runs at memory speed, small enough that four parts in flight stay cheap.
constexpr std::size_t kChunk = 512u << 10;

class FileReader {
 public:
  explicit FileReader(const std::filesystem::path& file) : fd_(::open(file.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~FileReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  bool ok() const { return fd_ >= 0; }

  // Calls `sink(data, n)` for each chunk of [offset, offset + length). False on a read error or EOF
  // before the end of the range (errno 0 then).
  template <typename Sink>
  bool each_chunk(std::uint64_t offset, std::uint64_t length, Sink&& sink) {
    auto buffer = std::make_unique<char[]>(kChunk);
    while (length > 0) {
      ssize_t got =
          ::pread(fd_, buffer.get(), static_cast<std::size_t>(std::min<std::uint64_t>(length, kChunk)),
                  static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        if (got == 0) errno = 0;
        return false;
      }
      sink(buffer.get(), static_cast<std::size_t>(got));
      offset += static_cast<std::uint64_t>(got);
      length -= static_cast<std::uint64_t>(got);
    }
    return true;
  }

 private:
  int fd_;
};

void set_read_error(Error* error, const std::filesystem::path& file, std::string_view what) {
  if (error == nullptr) return;
  error->code = std::string(codes::kFileError);
  error->message = errno == 0 ? fmt::format("{}: {} ended early (file shrank?)", what, file.string())
                              : fmt::format("{} {}: {}", what, file.string(), std::strerror(errno));
}

}  // namespace

std::optional<BodyDigests> digest_body(const Body& body, bool want_sha256, bool want_md5, Error* error) {
  BodyDigests out;
  if (!want_sha256 && !want_md5) return out;
  StreamingDigest sha(StreamingDigest::Kind::sha256);
  StreamingDigest md5sum(StreamingDigest::Kind::md5);
  auto consume = [&](const char* data, std::size_t n) {
    if (want_sha256) sha.update(data, n);
    if (want_md5) md5sum.update(data, n);
  };
  if (body.file.empty()) {
    consume(body.bytes.data(), body.bytes.size());
  } else {
    FileReader reader(body.file);
    if (!reader.ok() || !reader.each_chunk(body.offset, body.length, consume)) {
      set_read_error(error, body.file, "hashing");
      return std::nullopt;
    }
  }
  if (want_sha256) out.sha256_hex = to_hex(sha.finish());
  if (want_md5) out.md5_base64 = to_base64(md5sum.finish());
  return out;
}

std::optional<std::uint32_t> crc32c_of_file(const std::filesystem::path& file, Error* error) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    if (error != nullptr) *error = Error::local(codes::kFileError, file.string() + ": " + ec.message());
    return std::nullopt;
  }
  FileReader reader(file);
  std::uint32_t crc = 0;
  if (!reader.ok() || !reader.each_chunk(0, size, [&](const char* data, std::size_t n) {
        crc = crc32c_extend(crc, data, n);
      })) {
    set_read_error(error, file, "checksumming");
    return std::nullopt;
  }
  return crc;
}

}  // namespace dsync::s3
