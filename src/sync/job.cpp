#include "sync/job.h"

namespace dsync::sync {

std::string_view to_string(JobState s) {
  switch (s) {
    case JobState::accepted:
      return "accepted";
    case JobState::waiting_task:
      return "waiting_task";
    case JobState::uploading:
      return "uploading";
    case JobState::verifying:
      return "verifying";
    case JobState::cleaning:
      return "cleaning";
    case JobState::done:
      return "done";
    case JobState::failed:
      break;
  }
  return "failed";
}

std::optional<JobState> job_state_from_string(std::string_view s) {
  for (auto st : {JobState::accepted, JobState::waiting_task, JobState::uploading, JobState::verifying,
                  JobState::cleaning, JobState::done, JobState::failed}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

}  // namespace dsync::sync
