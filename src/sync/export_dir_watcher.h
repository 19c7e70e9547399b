// Hears Dgraph finish writing an export, so the task is asked at once instead of at the next poll.
//
// Dgraph closes (flush, fsync, close) the files of an export right before it marks the task Success
// (worker/export.go, v21.03 → v25.4), and nothing else closes a written g<NN>.*.gz file there. Watching
// the export directories with inotify for IN_CLOSE_WRITE turns that into a nudge: the task watchers
// waiting on that directory poll now and restart their fast schedule. It is only a shortcut: where
// inotify sees nothing (NFS written by another host, a volume driver without events) the regular poll
// schedule still applies.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace dsync::sync {

class ExportDirWatcher {
 public:
  // `on_closed(base)` runs on the watcher's thread when an export file under base/dgraph.r…/ was
  // closed after writing.
  explicit ExportDirWatcher(std::function<void(const std::filesystem::path& base)> on_closed);
  ~ExportDirWatcher();
  ExportDirWatcher(const ExportDirWatcher&) = delete;
  ExportDirWatcher& operator=(const ExportDirWatcher&) = delete;

  // Starts watching `base` and the export directories in it (idempotent). A `base` that does not exist
  // yet (an export `destination` Dgraph creates when the task starts) is watched for from its parent.
  // False (and a debug log line) if inotify cannot watch there; polling alone then decides.
  bool watch(const std::filesystem::path& base);

 private:
  void run(const std::stop_token& stop);
  bool add_base(const std::filesystem::path& base);
  void add_export_dir(int base_wd, const std::string& name);
  void handle(const char* buffer, std::size_t length);

  std::function<void(const std::filesystem::path&)> on_closed_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: wakes the thread to stop
  std::mutex mu_;
  std::map<int, std::filesystem::path> bases_;  // watch descriptor of a base dir → its path
  std::map<int, int> export_dirs_;              // watch descriptor of a dgraph.r… dir → its base's wd
  std::map<int, std::set<std::filesystem::path>> pending_;  // wd of a parent → bases not created yet
  std::set<std::filesystem::path> watched_;
  std::jthread thread_;
};

}  // namespace dsync::sync
