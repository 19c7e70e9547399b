#include "sync/export_locator.h"

#include <algorithm>

#include <fmt/format.h>

namespace dsync::sync {
namespace {

using std::chrono::nanoseconds;

bool matches_claim(const DirectorySnapshot& snap, const DirectoryClaim& claim) {
  if (snap.files.size() != claim.files.size()) return false;
  for (std::size_t i = 0; i < snap.files.size(); ++i) {
    auto it = std::find_if(claim.files.begin(), claim.files.end(),
                           [&](const ExportFile& f) { return f.name.text == snap.files[i].name.text; });
    if (it == claim.files.end() || !(it->identity == snap.files[i].identity)) return false;
  }
  return true;
}

bool has_data_in_format(const DirectorySnapshot& snap, const std::string& format) {
  if (format.empty()) return true;
  bool any_data = false;
  for (const auto& f : snap.files) {
    if (!f.name.is_data()) continue;
    any_data = true;
    if (to_string(f.name.kind) == format) return true;
  }
  return !any_data;  // data file not created yet: nothing contradicts the format
}

const DirectoryClaim* claim_of_other_job(const std::vector<DirectoryClaim>& claims, std::int64_t me,
                                         const std::string& name) {
  // The latest claim on a name is the one that describes what is there now.
  const DirectoryClaim* found = nullptr;
  for (const auto& c : claims) {
    if (c.dir_name == name && c.job_id != me) found = &c;
  }
  return found;
}

struct Candidate {
  ExportDirName name;
  DirectorySnapshot snapshot;
  std::int64_t blocking_job = 0;
};

// Judges a directory claimed by another job: its own export (skip), or rewritten by a later one.
enum class ClaimVerdict { free, theirs, wait };
ClaimVerdict judge_claim(const DirectorySnapshot& snap, const DirectoryClaim* claim) {
  if (!claim) return ClaimVerdict::free;
  if (matches_claim(snap, *claim)) return ClaimVerdict::theirs;
  return is_terminal(claim->state) ? ClaimVerdict::free : ClaimVerdict::wait;
}

Located found(Candidate c) {
  Located r;
  r.dir = std::move(c.name);
  r.snapshot = std::move(c.snapshot);
  r.blocking_job = c.blocking_job;
  r.kind = c.blocking_job ? Located::Kind::wait_for_job : Located::Kind::found;
  return r;
}

Located nothing(std::string why) {
  Located r;
  r.why = std::move(why);
  return r;
}

Located locate_known(const std::filesystem::path& root, const LocateRequest& req,
                     const std::vector<DirectoryClaim>& claims) {
  auto name = parse_export_dir_name(req.known_name);
  if (!name)
    return nothing(req.known_name + " is not an export directory name (dgraph.r<readTs>.u<MMDD>.<HHMM>)");
  std::string why;
  auto snap = snapshot_export_dir(root, req.known_name, &why);
  if (!snap) return nothing(why);
  if (snap->files.empty()) return nothing((root / req.known_name).string() + " holds no export files");
  const auto* claim = claim_of_other_job(claims, req.job_id, req.known_name);
  Candidate c{std::move(*name), std::move(*snap), 0};
  if (claim && !is_terminal(claim->state)) c.blocking_job = claim->job_id;
  return found(std::move(c));
}

}  // namespace

Located locate_export_dir(const std::filesystem::path& root, const LocateRequest& req,
                          const std::vector<DirectoryClaim>& claims, const LocatorSettings& settings) {
  if (!req.known_name.empty()) return locate_known(root, req, claims);
  std::string why;
  auto entries = list_export_dirs(root, &why);
  if (!why.empty()) return nothing("cannot list " + root.string() + ": " + why);

  const auto ran_before_answer = req.answered_when_done ? std::chrono::minutes(11) : std::chrono::minutes(1);
  const auto earliest = req.accepted_at - settings.clock_skew - ran_before_answer;
  const auto latest = req.finished_at + settings.clock_skew;
  const auto active_since =
      std::chrono::duration_cast<nanoseconds>((req.accepted_at - settings.activity_slack).time_since_epoch())
          .count();
  std::vector<Candidate> candidates;
  std::vector<std::string> passed_over;
  for (auto& e : entries) {
    const auto minute = e.name.minute_at(req.accepted_at);
    auto skip = [&](std::string_view reason) {
      passed_over.push_back(fmt::format("{} ({})", e.name.text, reason));
    };
    if (minute <= earliest || minute > latest) {
      skip("named for another time");
      continue;
    }
    auto snap = snapshot_export_dir(root, e.name.text, nullptr);
    if (!snap || snap->files.empty()) {
      skip("no export files");
      continue;
    }
    if (std::max(snap->mtime_ns, snap->newest_file_mtime_ns()) < active_since) {
      skip("not written since the export was requested");
      continue;
    }
    if (!has_data_in_format(*snap, req.format)) {
      skip("other format");
      continue;
    }
    const auto* claim = claim_of_other_job(claims, req.job_id, e.name.text);
    auto verdict = judge_claim(*snap, claim);
    if (verdict == ClaimVerdict::theirs) {
      skip(fmt::format("belongs to job {}", claim->job_id));
      continue;
    }
    candidates.push_back(
        {std::move(e.name), std::move(*snap), verdict == ClaimVerdict::wait ? claim->job_id : 0});
  }
  if (candidates.empty()) {
    std::string seen =
        passed_over.empty() ? "no dgraph.r… directories" : fmt::format("{}", fmt::join(passed_over, ", "));
    return nothing(fmt::format("no export directory in {} fits this export (seen: {})", root.string(), seen));
  }
  auto best = std::min_element(
      candidates.begin(), candidates.end(),
      [](const Candidate& a, const Candidate& b) { return a.name.read_ts < b.name.read_ts; });
  return found(std::move(*best));
}

}  // namespace dsync::sync
