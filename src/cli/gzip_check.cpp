#include "cli/gzip_check.h"

#include <zlib.h>

#include <cstdio>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "s3/digest.h"

namespace dsync::cli {
namespace {

constexpr std::size_t kChunk = 1 << 20;

// Inflates a stream of concatenated gzip members (Dgraph writes one; `cat a.gz b.gz` is also valid
// gzip, and gunzip accepts it), discarding the output.
class MultiMemberInflater {
 public:
  MultiMemberInflater() : out_(kChunk) { started_ = inflateInit2(&z_, 16 + MAX_WBITS) == Z_OK; }
  ~MultiMemberInflater() {
    if (started_) inflateEnd(&z_);
  }
  MultiMemberInflater(const MultiMemberInflater&) = delete;
  MultiMemberInflater& operator=(const MultiMemberInflater&) = delete;

  // Feeds the next bytes of the file; false and a problem on corrupt data.
  bool feed(const unsigned char* data, std::size_t size, std::string* problem) {
    if (!started_) return *problem = "zlib could not start", false;
    z_.next_in = const_cast<unsigned char*>(data);  // zlib's API is not const-correct
    z_.avail_in = static_cast<uInt>(size);
    while (z_.avail_in > 0) {
      if (member_done_) {
        inflateReset(&z_);  // the next member starts right after the previous trailer
        member_done_ = false;
      }
      z_.next_out = out_.data();
      z_.avail_out = static_cast<uInt>(out_.size());
      const int rc = inflate(&z_, Z_NO_FLUSH);
      inflated_ += out_.size() - z_.avail_out;
      if (rc == Z_STREAM_END) {
        ++members_;
        member_done_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        *problem = fmt::format("gzip member {}: {}", members_ + 1, z_.msg ? z_.msg : "corrupt data");
        return false;
      }
    }
    return true;
  }

  // At end of file the last member must be complete.
  bool finish(std::uint64_t file_bytes, std::string* problem) const {
    if (file_bytes == 0) return *problem = "empty file, not gzip", false;
    if (!member_done_) return *problem = fmt::format("gzip member {} is truncated", members_ + 1), false;
    return true;
  }

  unsigned members() const { return members_; }
  std::uint64_t inflated() const { return inflated_; }

 private:
  z_stream z_{};
  std::vector<unsigned char> out_;
  bool started_ = false;
  bool member_done_ = false;
  unsigned members_ = 0;
  std::uint64_t inflated_ = 0;
};

}  // namespace

FileCheck check_export_file(const std::filesystem::path& file, bool inflate) {
  FileCheck result;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!f) {
    result.problem = fmt::format("cannot open {}", file.string());
    return result;
  }
  MultiMemberInflater inflater;
  std::vector<unsigned char> buf(kChunk);
  for (;;) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
    if (n == 0) break;
    result.bytes += n;
    result.crc32c = s3::crc32c_extend(result.crc32c, buf.data(), n);
    if (inflate && !inflater.feed(buf.data(), n, &result.problem)) return result;
  }
  if (std::ferror(f.get())) {
    result.problem = fmt::format("read error on {}", file.string());
    return result;
  }
  if (inflate) {
    if (!inflater.finish(result.bytes, &result.problem)) return result;
    result.gzip_members = inflater.members();
    result.inflated_bytes = inflater.inflated();
  }
  result.ok = true;
  return result;
}

}  // namespace dsync::cli
