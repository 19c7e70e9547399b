#include "sync/export_directory.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "s3/digest.h"

namespace dsync::sync {
namespace {

// A file descriptor closed at scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::int64_t mtime_ns_of(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

Fd open_dir(const std::filesystem::path& root, std::string* why) {
  Fd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok() && why) *why = errno_text(root.string());
  return fd;
}

// Opens root/name as a directory, refusing a symlink in place of `name`.
Fd open_subdir(const std::filesystem::path& root, const std::string& name, std::string* why) {
  Fd parent = open_dir(root, why);
  if (!parent.ok()) return Fd();
  Fd fd(::openat(parent.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.ok() && why) *why = errno_text((root / name).string());
  return fd;
}

// Calls fn(name) for each entry of the directory `fd` (consumes a duplicate of it).
template <typename Fn>
bool for_each_entry(int fd, Fn&& fn) {
  int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return false;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(dup), &::closedir);
  if (!dir) {
    ::close(dup);
    return false;
  }
  while (auto* e = ::readdir(dir.get())) {
    std::string name = e->d_name;
    if (name != "." && name != "..") fn(name);
  }
  return true;
}

std::optional<FileIdentity> identify_at(int dir_fd, const std::string& name) {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  return FileIdentity{static_cast<std::uint64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino),
                      mtime_ns_of(st)};
}

}  // namespace

std::int64_t DirectorySnapshot::newest_file_mtime_ns() const {
  std::int64_t newest = 0;
  for (const auto& f : files) newest = std::max(newest, f.identity.mtime_ns);
  return newest;
}

bool DirectorySnapshot::same_files_as(const DirectorySnapshot& other) const {
  if (inode != other.inode || files.size() != other.files.size()) return false;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (files[i].name.text != other.files[i].name.text || !(files[i].identity == other.files[i].identity))
      return false;
  }
  return true;
}

std::vector<ExportDirEntry> list_export_dirs(const std::filesystem::path& root, std::string* why) {
  std::vector<ExportDirEntry> out;
  Fd fd = open_dir(root, why);
  if (!fd.ok()) return out;
  for_each_entry(fd.get(), [&](const std::string& name) {
    auto parsed = parse_export_dir_name(name);
    struct stat st {};
    if (!parsed || ::fstatat(fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
      return;
    out.push_back({std::move(*parsed), static_cast<std::uint64_t>(st.st_ino), mtime_ns_of(st)});
  });
  return out;
}

std::optional<DirectorySnapshot> snapshot_export_dir(const std::filesystem::path& root,
                                                     const std::string& dir_name, std::string* why) {
  if (!parse_export_dir_name(dir_name)) {
    if (why) *why = dir_name + " is not an export directory name";
    return std::nullopt;
  }
  Fd fd = open_subdir(root, dir_name, why);
  if (!fd.ok()) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    if (why) *why = errno_text((root / dir_name).string());
    return std::nullopt;
  }
  DirectorySnapshot snap;
  snap.inode = static_cast<std::uint64_t>(st.st_ino);
  snap.mtime_ns = mtime_ns_of(st);
  bool listed = for_each_entry(fd.get(), [&](const std::string& name) {
    auto file = parse_export_file_name(name);
    auto identity = file ? identify_at(fd.get(), name) : std::nullopt;
    if (identity) {
      snap.files.push_back({std::move(*file), *identity});
    } else {
      snap.other_entries.push_back(name);
    }
  });
  if (!listed) {
    if (why) *why = errno_text((root / dir_name).string());
    return std::nullopt;
  }
  std::sort(snap.files.begin(), snap.files.end(),
            [](const ExportFile& a, const ExportFile& b) { return a.name.text < b.name.text; });
  return snap;
}

std::optional<FileIdentity> identify_file(const std::filesystem::path& root, const std::string& dir_name,
                                          const std::string& file_name) {
  Fd fd = open_subdir(root, dir_name, nullptr);
  if (!fd.ok()) return std::nullopt;
  return identify_at(fd.get(), file_name);
}

std::vector<std::string> remove_export_files(const std::filesystem::path& root, const std::string& dir_name,
                                             const std::vector<ExportFile>& uploaded) {
  std::vector<std::string> kept;
  std::vector<std::string> explained;
  std::string why;
  Fd fd = open_subdir(root, dir_name, &why);
  if (!fd.ok()) return {why};
  for (const auto& f : uploaded) {
    // Re-checked right before unlinking: a second export reusing this directory name may have
    // truncated the file since it was verified, and that data is not in the bucket.
    auto now = identify_at(fd.get(), f.name.text);
    if (!now) continue;  // already gone
    if (!(*now == f.identity)) {
      kept.push_back(f.name.text + " changed after it was uploaded");
      explained.push_back(f.name.text);
    } else if (::unlinkat(fd.get(), f.name.text.c_str(), 0) != 0) {
      kept.push_back(errno_text(f.name.text));
      explained.push_back(f.name.text);
    }
  }
  Fd parent = open_dir(root, &why);
  if (parent.ok() && ::unlinkat(parent.get(), dir_name.c_str(), AT_REMOVEDIR) != 0) {
    if (errno == ENOTEMPTY || errno == EEXIST) {
      for_each_entry(fd.get(), [&](const std::string& name) {
        if (std::find(explained.begin(), explained.end(), name) == explained.end()) {
          kept.push_back(name + " was not uploaded");
        }
      });
    } else if (errno != ENOENT) {
      kept.push_back(errno_text((root / dir_name).string()));
    }
  }
  return kept;
}

std::optional<std::uint32_t> crc32c_of_file(const std::filesystem::path& root, const std::string& dir_name,
                                            const std::string& file_name) {
  Fd dir = open_subdir(root, dir_name, nullptr);
  if (!dir.ok()) return std::nullopt;
  Fd fd(::openat(dir.get(), file_name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.ok()) return std::nullopt;
  std::vector<unsigned char> buf(1 << 20);
  std::uint32_t crc = 0;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    crc = s3::crc32c_extend(crc, buf.data(), static_cast<std::size_t>(n));  // the engine's convention
  }
  return crc;
}

std::filesystem::path normalized_dir(const std::filesystem::path& p) {
  auto n = std::filesystem::absolute(p).lexically_normal();
  if (!n.has_filename() && n.has_parent_path() && n != n.root_path()) n = n.parent_path();
  return n;
}

bool is_within(const std::filesystem::path& root, const std::filesystem::path& p) {
  auto r = std::filesystem::absolute(root).lexically_normal();
  auto q = std::filesystem::absolute(p).lexically_normal();
  auto rel = q.lexically_relative(r);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace dsync::sync
