#include "sync/job_board.h"

#include <algorithm>

namespace dsync::sync {

JobBoard::JobBoard(Journal& journal, unsigned upload_slots)
    : journal_(journal), free_slots_(std::max(1u, upload_slots)) {}

void JobBoard::changed() {
  {
    std::lock_guard lock(mu_);
    ++generation_;
  }
  cv_.notify_all();
}

std::vector<JobRecord> JobBoard::peers(const JobRecord& me) const {
  std::vector<JobRecord> out;
  for (auto& j : journal_.unfinished_jobs()) {
    if (j.id != me.id && j.upstream == me.upstream && j.base_dir == me.base_dir) out.push_back(std::move(j));
  }
  return out;
}

bool JobBoard::wait(const std::stop_token& stop, const std::function<bool()>& ready) {
  std::unique_lock lock(mu_);
  for (;;) {
    const auto seen = generation_;
    lock.unlock();
    const bool done = ready();  // reads the journal: never under mu_
    lock.lock();
    if (done) return true;
    if (!cv_.wait(lock, stop, [&] { return generation_ != seen; })) return false;
  }
}

bool JobBoard::wait_for_earlier_claims(const JobRecord& me, const std::stop_token& stop) {
  if (me.origin == JobOrigin::push) return true;  // its directory was named by the operator
  return wait(stop, [&] {
    bool ready = true;
    for (const auto& p : peers(me)) {
      if (p.id < me.id && !p.claimed()) {
        nudge(p.id);
        ready = false;
      }
    }
    return ready;
  });
}

bool JobBoard::wait_until_finished(std::int64_t job, const std::stop_token& stop) {
  return wait(stop, [&] {
    auto j = journal_.job(job);
    return !j || is_terminal(j->state);
  });
}

bool JobBoard::wait_for_later_tasks(const JobRecord& me, const std::stop_token& stop) {
  return wait(stop, [&] {
    auto all = peers(me);
    return std::none_of(all.begin(), all.end(),
                        [&](const JobRecord& p) { return p.id > me.id && !p.success_at; });
  });
}

bool JobBoard::has_later_unfinished(const JobRecord& me) const {
  auto all = peers(me);
  return std::any_of(all.begin(), all.end(), [&](const JobRecord& p) { return p.id > me.id; });
}

bool JobBoard::acquire_upload_slot(const std::stop_token& stop) {
  std::unique_lock lock(mu_);
  if (!cv_.wait(lock, stop, [&] { return free_slots_ > 0; })) return false;
  --free_slots_;
  return true;
}

void JobBoard::release_upload_slot() {
  {
    std::lock_guard lock(mu_);
    ++free_slots_;
  }
  cv_.notify_all();
}

void JobBoard::set_nudge(std::int64_t job, const std::filesystem::path& base, std::function<void()> nudge) {
  std::lock_guard lock(mu_);
  nudges_[job] = {base, std::move(nudge)};
}

void JobBoard::clear_nudge(std::int64_t job) {
  std::lock_guard lock(mu_);
  nudges_.erase(job);
}

// Nudges run under mu_: clear_nudge() then guarantees that no nudge reaches a watcher that is gone.
void JobBoard::nudge(std::int64_t job) {
  std::lock_guard lock(mu_);
  if (auto it = nudges_.find(job); it != nudges_.end()) it->second.fn();
}

void JobBoard::nudge_waiting_in(const std::filesystem::path& base) {
  std::lock_guard lock(mu_);
  for (const auto& [job, n] : nudges_) {
    if (n.base == base) n.fn();
  }
}

}  // namespace dsync::sync
