#include "sync/object_namer.h"

#include <algorithm>
#include <array>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace dsync::sync {
namespace {

constexpr std::string_view kDefaultTemplate = "transformer{gsuffix}.{kind}.gz";
constexpr std::array<std::string_view, 10> kPlaceholders = {"date",  "time",    "dir",  "readts", "task",
                                                            "group", "gsuffix", "kind", "ext",    "file"};

bool uses(const std::vector<std::string>& names, std::initializer_list<std::string_view> any_of) {
  return std::any_of(any_of.begin(), any_of.end(), [&](std::string_view n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  });
}

bool has_dot_dot_segment(std::string_view literal_text) {
  for (std::size_t start = 0; start <= literal_text.size();) {
    auto end = literal_text.find('/', start);
    if (end == std::string_view::npos) end = literal_text.size();
    if (literal_text.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::optional<ObjectNamer> ObjectNamer::create(std::string prefix, const std::string& name_template,
                                               std::string* why) {
  const std::string_view tmpl = name_template.empty() ? kDefaultTemplate : std::string_view(name_template);
  auto reject = [&](std::string problem) -> std::optional<ObjectNamer> {
    if (why) *why = std::move(problem);
    return std::nullopt;
  };
  std::vector<Piece> pieces;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] == '}') return reject("unbalanced '}' at position " + std::to_string(i));
    if (tmpl[i] != '{') {
      auto next = tmpl.find_first_of("{}", i);
      pieces.push_back({false, std::string(tmpl.substr(i, next - i))});
      i = next == std::string_view::npos ? tmpl.size() : next;
      continue;
    }
    auto close = tmpl.find('}', i);
    if (close == std::string_view::npos) return reject("unbalanced '{' at position " + std::to_string(i));
    std::string name(tmpl.substr(i + 1, close - i - 1));
    if (name.find('{') != std::string::npos) return reject("unbalanced '{' at position " + std::to_string(i));
    if (std::find(kPlaceholders.begin(), kPlaceholders.end(), name) == kPlaceholders.end()) {
      return reject("unknown placeholder {" + name +
                    "} (known: {date} {time} {dir} {readts} {task} {group} {gsuffix} {kind} {ext} {file})");
    }
    names.push_back(name);
    pieces.push_back({true, std::move(name)});
    i = close + 1;
  }
  if (!uses(names, {"kind", "ext", "file"})) {
    return reject(
        "the template must contain {kind}, {ext} or {file}, or the files of one export overwrite each other");
  }
  if (!uses(names, {"group", "gsuffix", "file"})) {
    return reject(
        "the template must contain {group}, {gsuffix} or {file}, or groups after g01 overwrite g01's files");
  }
  if (tmpl.front() == '/') return reject("object names must not start with '/'");
  for (const auto& p : pieces) {
    if (!p.placeholder && has_dot_dot_segment(p.text))
      return reject("object names must not contain '..' segments");
  }
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  return ObjectNamer(std::move(prefix), std::move(pieces));
}

std::string ObjectNamer::key(const ExportIdentity& id, const ExportFileName& file) const {
  std::string out = prefix_;
  for (const auto& p : pieces_) out += p.placeholder ? expand(p.text, id, file) : p.text;
  return out;
}

std::string ObjectNamer::expand(const std::string& name, const ExportIdentity& id,
                                const ExportFileName& file) const {
  const auto& d = id.dir;
  if (name == "date") return fmt::format("{:%Y-%m-%d}", d.minute_at(id.accepted_at));
  if (name == "time") return fmt::format("{:02}{:02}", d.hour, d.minute);
  if (name == "dir") return d.text;
  if (name == "readts") return std::to_string(d.read_ts);
  if (name == "task") return id.task_id.empty() ? "r" + std::to_string(d.read_ts) : id.task_id;
  if (name == "group") return fmt::format("g{:02}", file.group);
  if (name == "gsuffix") return file.group == 1 ? std::string() : fmt::format(".g{:02}", file.group);
  if (name == "kind") return std::string(to_string(file.kind));
  if (name == "ext") return std::string(to_string(file.kind)) + ".gz";
  return file.text;  // "file": create() admits no other name
}

}  // namespace dsync::sync
