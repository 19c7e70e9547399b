#include "sync/export_layout.h"

#include <array>
#include <charconv>

namespace dsync::sync {
namespace {

// Consumes `literal` at the front of `s`.
bool take(std::string_view& s, std::string_view literal) {
  if (s.substr(0, literal.size()) != literal) return false;
  s.remove_prefix(literal.size());
  return true;
}

// Consumes a run of decimal digits (exactly `width` of them when width > 0).
template <typename T>
bool take_number(std::string_view& s, T& out, std::size_t width = 0) {
  std::size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  if (n == 0 || (width != 0 && n != width) || n > 19) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + n, out);
  if (ec != std::errc() || end != s.data() + n) return false;
  s.remove_prefix(n);
  return true;
}

}  // namespace

std::optional<ExportDirName> parse_export_dir_name(std::string_view name) {
  ExportDirName d;
  d.text = std::string(name);
  unsigned mmdd = 0, hhmm = 0;
  std::string_view s = name;
  if (!take(s, "dgraph.r") || !take_number(s, d.read_ts) || !take(s, ".u") || !take_number(s, mmdd, 4) ||
      !take(s, ".") || !take_number(s, hhmm, 4) || !s.empty()) {
    return std::nullopt;
  }
  d.month = mmdd / 100;
  d.day = mmdd % 100;
  d.hour = hhmm / 100;
  d.minute = hhmm % 100;
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31 || d.hour > 23 || d.minute > 59)
    return std::nullopt;
  return d;
}

std::chrono::sys_seconds ExportDirName::minute_at(std::chrono::system_clock::time_point reference) const {
  using namespace std::chrono;
  const auto ref_day = floor<days>(reference);
  const int ref_year = static_cast<int>(year_month_day(ref_day).year());
  std::optional<sys_seconds> best;
  for (int y : {ref_year - 1, ref_year, ref_year + 1}) {
    year_month_day ymd{year(y), std::chrono::month(month), std::chrono::day(day)};
    if (!ymd.ok()) continue;  // u0229 outside a leap year
    sys_seconds t = sys_days(ymd) + hours(hour) + minutes(minute);
    auto distance = [&](sys_seconds x) { return x > reference ? x - reference : reference - x; };
    if (!best || distance(t) < distance(*best)) best = t;
  }
  return best.value_or(sys_seconds{});
}

std::string_view to_string(FileKind k) {
  switch (k) {
    case FileKind::rdf:
      return "rdf";
    case FileKind::json:
      return "json";
    case FileKind::schema:
      return "schema";
    case FileKind::gql_schema:
      break;
  }
  return "gql_schema";
}

std::optional<ExportFileName> parse_export_file_name(std::string_view name) {
  ExportFileName f;
  f.text = std::string(name);
  std::string_view s = name;
  if (!take(s, "g") || !take_number(s, f.group) || f.group == 0 || !take(s, ".")) return std::nullopt;
  // %02d: one-digit groups are zero-padded, so "g1.rdf.gz" is not Dgraph's.
  if (name.find('.') < 3) return std::nullopt;
  static constexpr std::array kinds{FileKind::rdf, FileKind::json, FileKind::schema, FileKind::gql_schema};
  for (FileKind k : kinds) {
    std::string_view rest = s;
    if (take(rest, to_string(k)) && rest == ".gz") {
      f.kind = k;
      return f;
    }
  }
  return std::nullopt;
}

}  // namespace dsync::sync
