// Which directory in the watched directory belongs to this export.
//
// Dgraph gives no file list for asynchronous exports (v23+), only a task id, and writes no marker file.
// It names the directory dgraph.r<readTs>.u<MMDD>.<HHMM> after the minute the task started (UTC) and
// Zero's read timestamp, which grows with time. One alpha runs its exports one at a time, first in
// first out, so when this export's task reports Success, every export requested before it on that alpha
// has finished and a later one may already be writing its own directory. The rule:
//   candidates = real directories (no symlinks) matching the pattern, holding Dgraph files, whose minute
//                lies in [accepted_at − skew, finished_at + skew] (the start can be earlier for Dgraph ≤ v22,
//                which answers when done), written to since accepted_at − slack,
//                with data files of the requested format, and not the recorded directory of another job;
//   choice     = the lowest readTs (the oldest of the exports that can be this one).
// The caller makes jobs of one alpha choose in the order Dgraph accepted them, so an earlier export's
// directory is already claimed when a later one looks.
//
// Same-minute reuse: two exports in one minute with no write in between get the same readTs and so the
// same name, and the second truncates the first's files (os.Create). A directory claimed by another job
// whose files no longer match that job's record was rewritten by a later export: while that job is
// unfinished the answer is "wait for it"; once it is finished the directory is a candidate again.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sync/export_directory.h"
#include "sync/journal.h"

namespace dsync::sync {

struct LocatorSettings {
  // Between dsync's clock and the clock that named the directory (the alpha's).
  std::chrono::seconds clock_skew{60};
  // How long before dsync saw the answer the export may have been written: Dgraph's export mutation
  // waits up to 3 s before answering and a small export can be complete by then.
  std::chrono::seconds activity_slack{30};
};

struct LocateRequest {
  std::int64_t job_id = 0;
  WallTime accepted_at;
  WallTime finished_at;    // when the task was seen to succeed (sync exports: accepted_at)
  std::string format;      // "rdf", "json" or "" (either)
  std::string known_name;  // the directory is already known (sync export file list, push): only check it
  // Dgraph ≤ v22 answered only when the export was done: it may have started up to alpha's 10-minute
  // write timeout before the answer (an async export starts at most ~3 s before it).
  bool answered_when_done = false;
};

struct Located {
  enum class Kind { found, wait_for_job, none } kind = Kind::none;
  ExportDirName dir;
  DirectorySnapshot snapshot;
  std::int64_t blocking_job = 0;  // wait_for_job: the unfinished job whose directory this export reused
  std::string why;                // none: what was looked at and why nothing fit
};

Located locate_export_dir(const std::filesystem::path& root, const LocateRequest& request,
                          const std::vector<DirectoryClaim>& claims, const LocatorSettings& settings);

}  // namespace dsync::sync
