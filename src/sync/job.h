// A job is one export on its way to the bucket. Its life, as recorded in the journal:
//   accepted → waiting_task → uploading → verifying → cleaning → done
//                    ↘ failed (task Failed/forgotten/timed out, no directory, permanent S3 error)
// Exports without a task (Dgraph ≤ v22, `dsync push`) go straight from accepted to uploading.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dsync::sync {

enum class JobState { accepted, waiting_task, uploading, verifying, cleaning, done, failed };

std::string_view to_string(JobState s);
std::optional<JobState> job_state_from_string(std::string_view s);
inline bool is_terminal(JobState s) {
  return s == JobState::done || s == JobState::failed;
}

struct JobView {
  std::int64_t id = 0;
  std::string task_id;
  JobState state = JobState::accepted;
  std::string export_dir;  // full path of the claimed dgraph.r… directory ("" until known)
  std::string error;       // why it failed, or what is being retried; "" when all is well
  std::uint64_t bytes_total = 0;
  std::uint64_t bytes_done = 0;
  unsigned files_total = 0;
  unsigned files_verified = 0;
  unsigned retries = 0;
  std::chrono::system_clock::time_point created;
  std::chrono::system_clock::time_point updated;
};

}  // namespace dsync::sync
