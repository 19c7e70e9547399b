// Looking at and cleaning up export directories without ever leaving the watched directory: every access
// is relative to an O_NOFOLLOW directory descriptor (openat/fstatat/unlinkat), names are single path
// components that match Dgraph's patterns, and symlinks are neither followed nor taken as files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sync/export_layout.h"

namespace dsync::sync {

// What identifies one version of a file: any write changes mtime or size, truncate-and-rewrite
// (Dgraph's os.Create on a reused directory) changes both, a swapped-in file changes the inode.
struct FileIdentity {
  std::uint64_t size = 0;
  std::uint64_t inode = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

struct ExportFile {
  ExportFileName name;
  FileIdentity identity;
};

struct DirectorySnapshot {
  std::uint64_t inode = 0;
  std::int64_t mtime_ns = 0;               // the directory's own mtime: when its entries were created
  std::vector<ExportFile> files;           // Dgraph's files, sorted by name
  std::vector<std::string> other_entries;  // anything else (never touched)
  std::int64_t newest_file_mtime_ns() const;
  bool same_files_as(const DirectorySnapshot& other) const;
};

struct ExportDirEntry {
  ExportDirName name;
  std::uint64_t inode = 0;
  std::int64_t mtime_ns = 0;
};

// The dgraph.r… directories directly inside `root` (real directories only, symlinks skipped).
std::vector<ExportDirEntry> list_export_dirs(const std::filesystem::path& root, std::string* why);

// The files of `root`/`dir_name`. nullopt (and *why) if it is missing, not a real directory or unreadable.
std::optional<DirectorySnapshot> snapshot_export_dir(const std::filesystem::path& root,
                                                     const std::string& dir_name, std::string* why);

// lstat of one file of an export directory; nullopt if gone or no longer a regular file.
std::optional<FileIdentity> identify_file(const std::filesystem::path& root, const std::string& dir_name,
                                          const std::string& file_name);

// Removes the listed files from `root`/`dir_name` — each only if it still has the identity it was
// uploaded with — then the directory itself if that left it empty. Returns what was kept and why
// (empty: the directory is gone).
std::vector<std::string> remove_export_files(const std::filesystem::path& root, const std::string& dir_name,
                                             const std::vector<ExportFile>& uploaded);

// CRC32C (Castagnoli) of a file of an export directory, read without following symlinks.
std::optional<std::uint32_t> crc32c_of_file(const std::filesystem::path& root, const std::string& dir_name,
                                            const std::string& file_name);

// `p` made absolute and normal, without a trailing '/', so one directory always has one spelling.
std::filesystem::path normalized_dir(const std::filesystem::path& p);

// True if `p` is `root` or lies inside it (both made absolute and normalised; no ".." escapes).
bool is_within(const std::filesystem::path& root, const std::filesystem::path& p);

}  // namespace dsync::sync
