// What running jobs need to know of each other, in one place:
//  - claims are made in the order Dgraph accepted the exports (one alpha runs its exports first in first
//    out, so when a job looks for its directory every earlier export of that alpha must already have
//    taken its own);
//  - a job whose directory name was reused by a later export waits for the earlier job to finish with it;
//  - a limited number of jobs upload at once (upload slots); jobs waiting for Dgraph hold no slot, so a
//    slow export never keeps another one from uploading.
// The journal is the truth about states and claims; the board adds wake-ups (a condition variable
// notified whenever a job changes) and nudges (ask a job's task watcher to poll now).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <stop_token>
#include <utility>

#include "sync/journal.h"

namespace dsync::sync {

class JobBoard {
 public:
  JobBoard(Journal& journal, unsigned upload_slots);

  // A job's state, claim or task outcome changed: wake every waiter to re-check.
  void changed();

  // Blocks until every earlier unfinished job of the same alpha and export directory has claimed its
  // directory (nudging their task watchers so they look now). False if stopped.
  bool wait_for_earlier_claims(const JobRecord& me, const std::stop_token& stop);
  // Blocks until `job` is done or failed. False if stopped.
  bool wait_until_finished(std::int64_t job, const std::stop_token& stop);
  // Blocks until no later job of the same alpha and export directory still waits for its task (one of
  // them may be rewriting a reused directory right now). False if stopped.
  bool wait_for_later_tasks(const JobRecord& me, const std::stop_token& stop);
  // Some later job of the same alpha and export directory is unfinished (it may want a reused directory).
  bool has_later_unfinished(const JobRecord& me) const;

  // Upload slots. acquire() false if stopped while waiting.
  bool acquire_upload_slot(const std::stop_token& stop);
  void release_upload_slot();

  // Held while a job looks for its directory and records its claim, so two jobs never take the same one.
  std::unique_lock<std::mutex> claim_lock() { return std::unique_lock(claim_mu_); }

  // Task watchers register a nudge while they wait, so an earlier job can be asked to look now, and all
  // jobs waiting on `base` when Dgraph closes export files there.
  void set_nudge(std::int64_t job, const std::filesystem::path& base, std::function<void()> nudge);
  void clear_nudge(std::int64_t job);
  void nudge_waiting_in(const std::filesystem::path& base);

 private:
  std::vector<JobRecord> peers(const JobRecord& me) const;  // unfinished jobs sharing alpha and directory
  bool wait(const std::stop_token& stop, const std::function<bool()>& ready);
  void nudge(std::int64_t job);

  Journal& journal_;
  std::mutex claim_mu_;
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::uint64_t generation_ = 0;
  unsigned free_slots_;
  struct Nudge {
    std::filesystem::path base;
    std::function<void()> fn;
  };
  std::map<std::int64_t, Nudge> nudges_;
};

// Holds an upload slot for a scope.
class UploadSlot {
 public:
  UploadSlot(JobBoard& board, const std::stop_token& stop)
      : board_(board), held_(board.acquire_upload_slot(stop)) {}
  ~UploadSlot() {
    if (held_) board_.release_upload_slot();
  }
  UploadSlot(const UploadSlot&) = delete;
  UploadSlot& operator=(const UploadSlot&) = delete;
  bool held() const { return held_; }
  void release() {
    if (std::exchange(held_, false)) board_.release_upload_slot();
  }

 private:
  JobBoard& board_;
  bool held_;
};

}  // namespace dsync::sync
