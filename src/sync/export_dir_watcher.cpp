#include "sync/export_dir_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>

#include <spdlog/spdlog.h>

#include "sync/export_directory.h"
#include "sync/export_layout.h"

namespace dsync::sync {
namespace {

constexpr std::uint32_t kBaseEvents = IN_CREATE | IN_MOVED_TO | IN_ONLYDIR;
constexpr std::uint32_t kExportDirEvents = IN_CLOSE_WRITE | IN_ONLYDIR;

}  // namespace

ExportDirWatcher::ExportDirWatcher(std::function<void(const std::filesystem::path&)> on_closed)
    : on_closed_(std::move(on_closed)) {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (inotify_fd_ < 0 || wake_fd_ < 0) {
    spdlog::debug("inotify unavailable ({}); task polls follow their schedule only", std::strerror(errno));
    return;
  }
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

ExportDirWatcher::~ExportDirWatcher() {
  if (thread_.joinable()) {
    thread_.request_stop();
    std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

bool ExportDirWatcher::watch(const std::filesystem::path& base) {
  if (inotify_fd_ < 0) return false;
  std::lock_guard lock(mu_);
  if (watched_.contains(base)) return true;
  if (add_base(base)) return true;
  if (errno == ENOENT) {
    int parent = ::inotify_add_watch(inotify_fd_, base.parent_path().c_str(), kBaseEvents);
    if (parent >= 0) {
      pending_[parent].insert(base);
      if (add_base(base)) pending_[parent].erase(base);  // created meanwhile
      watched_.insert(base);
      return true;
    }
  }
  spdlog::debug("cannot watch {} with inotify ({}); task polls follow their schedule only", base.string(),
                std::strerror(errno));
  return false;
}

bool ExportDirWatcher::add_base(const std::filesystem::path& base) {
  int wd = ::inotify_add_watch(inotify_fd_, base.c_str(), kBaseEvents);
  if (wd < 0) return false;
  watched_.insert(base);
  bases_[wd] = base;
  std::string why;
  for (const auto& d : list_export_dirs(base, &why)) add_export_dir(wd, d.name.text);
  return true;
}

void ExportDirWatcher::add_export_dir(int base_wd, const std::string& name) {
  const auto path = bases_[base_wd] / name;
  // IN_ONLYDIR + IN_DONT_FOLLOW: a symlink planted under the export dir is not followed.
  int wd = ::inotify_add_watch(inotify_fd_, path.c_str(), kExportDirEvents | IN_DONT_FOLLOW);
  if (wd >= 0) export_dirs_[wd] = base_wd;
}

void ExportDirWatcher::run(const std::stop_token& stop) {
  alignas(inotify_event) std::array<char, std::size_t{16} << 10> buffer{};
  while (!stop.stop_requested()) {
    std::array<pollfd, 2> fds{{{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    for (;;) {
      auto n = ::read(inotify_fd_, buffer.data(), buffer.size());
      if (n <= 0) break;
      handle(buffer.data(), static_cast<std::size_t>(n));
    }
  }
}

void ExportDirWatcher::handle(const char* buffer, std::size_t length) {
  std::vector<std::filesystem::path> closed_in;
  {
    std::lock_guard lock(mu_);
    for (std::size_t off = 0; off + sizeof(inotify_event) <= length;) {
      inotify_event ev{};
      std::memcpy(&ev, buffer + off, sizeof(ev));
      const std::string name = ev.len > 0 ? std::string(buffer + off + sizeof(inotify_event)) : std::string();
      off += sizeof(inotify_event) + ev.len;
      if (ev.mask & IN_IGNORED) {  // the directory is gone (an export that was cleaned up)
        export_dirs_.erase(ev.wd);
        continue;
      }
      if (auto pending = pending_.find(ev.wd); pending != pending_.end() && (ev.mask & IN_ISDIR)) {
        for (auto it = pending->second.begin(); it != pending->second.end();) {
          it = it->filename() == name && add_base(*it) ? pending->second.erase(it) : std::next(it);
        }
      }
      if (auto base = bases_.find(ev.wd); base != bases_.end()) {
        if ((ev.mask & IN_ISDIR) && parse_export_dir_name(name)) add_export_dir(ev.wd, name);
        continue;
      }
      auto dir = export_dirs_.find(ev.wd);
      if (dir != export_dirs_.end() && (ev.mask & IN_CLOSE_WRITE) && parse_export_file_name(name)) {
        closed_in.push_back(bases_[dir->second]);
      }
    }
  }
  for (const auto& base : closed_in) on_closed_(base);
}

}  // namespace dsync::sync
