#include "cli/restore_catalog.h"

#include <algorithm>
#include <map>

namespace dsync::cli {
namespace {

std::string_view relative_key(std::string_view key, std::string_view prefix) {
  key.remove_prefix(std::min(prefix.size(), key.size()));
  while (!key.empty() && key.front() == '/') key.remove_prefix(1);
  return key;
}

std::string folder_of(std::string_view relative) {
  const auto slash = relative.rfind('/');
  return slash == std::string_view::npos ? "." : std::string(relative.substr(0, slash));
}

}  // namespace

std::vector<StoredExport> group_exports(const std::vector<s3::ListedObject>& objects,
                                        std::string_view prefix) {
  std::map<std::string, StoredExport> by_name;
  for (const auto& o : objects) {
    if (!o.key.starts_with(prefix) || !o.key.ends_with(".gz")) continue;
    const std::string name = folder_of(relative_key(o.key, prefix));
    auto& e = by_name[name];
    e.name = name;
    e.objects.push_back(o);
    e.bytes += o.size;
    e.last_modified = std::max(e.last_modified, o.last_modified);
  }
  std::vector<StoredExport> out;
  out.reserve(by_name.size());
  for (auto& [name, e] : by_name) out.push_back(std::move(e));
  std::stable_sort(out.begin(), out.end(), [](const StoredExport& a, const StoredExport& b) {
    return a.last_modified < b.last_modified;
  });
  return out;
}

const StoredExport* choose_export(const std::vector<StoredExport>& exports, std::string_view from,
                                  std::string* why) {
  if (exports.empty()) {
    *why = "no exports (no .gz objects) under the prefix";
    return nullptr;
  }
  if (from == "latest") return &exports.back();
  std::string_view wanted = from;
  while (wanted.size() > 1 && wanted.back() == '/') wanted.remove_suffix(1);
  for (const auto& e : exports) {
    if (e.name == wanted) return &e;
  }
  *why = "no export named '" + std::string(from) + "' (dsync restore --list shows them)";
  return nullptr;
}

std::string local_name(const StoredExport& e, const s3::ListedObject& object, std::string_view prefix) {
  std::string_view rel = relative_key(object.key, prefix);
  if (e.name != ".") rel.remove_prefix(std::min(rel.size(), e.name.size() + 1));
  if (rel.empty() || rel == "." || rel == ".." || rel.find('/') != std::string_view::npos) return {};
  return std::string(rel);
}

}  // namespace dsync::cli
