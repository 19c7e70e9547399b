// Asking an alpha how an asynchronous task (a v23+ export) stands: one GraphQL `task` query on /admin.
// One call is one blocking HTTP request; the poll loop that repeats it lives in src/sync (TaskWatcher).
//
// Dgraph facts this encodes (graphql/admin/task.go, v21.03.1 → v25.4):
//  - errors come back with HTTP 200 and an `errors` array, so the body decides, not the status;
//  - "task does not exist or has expired" means the alpha forgot the task: it restarted (tasks still
//    Queued/Running are rewritten to Failed on start, or --tmp was ephemeral) or 7 days passed;
//  - the `task` query has no ACL middleware: only the poor-man's X-Dgraph-AuthToken protects it, and a
//    wrong one is answered with "Invalid X-Dgraph-AuthToken";
//  - any alpha of the cluster can answer for any task (it routes by the raft id in the task id).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace dsync::dgraph {

enum class TaskStatus { queued, running, success, failed, unknown };

struct TaskQuery {
  std::string upstream;      // alpha base URL, e.g. "http://127.0.0.1:8080"
  std::string task_id;       // "0x1a3f2c9d0"
  std::string auth_token;    // X-Dgraph-AuthToken, sent when not empty
  std::string access_token;  // X-Dgraph-AccessToken, sent when not empty
};

struct TaskReply {
  enum class Kind {
    status,     // the alpha answered with a status
    not_found,  // "does not exist or has expired": the alpha restarted or the task aged out
    rejected,   // the alpha refused the query (bad token, invalid id): polling again will not help
    transient,  // no answer or an error that may go away (alpha down, peer alpha unavailable)
  };
  Kind kind = Kind::transient;
  TaskStatus status = TaskStatus::unknown;
  std::string last_updated;  // RFC 3339 as Dgraph sent it (1-second resolution)
  std::string error;         // why, when kind != status
};

// The seam the poll loop depends on; tests script replies through it.
class TaskStatusSource {
 public:
  virtual ~TaskStatusSource() = default;
  virtual TaskReply query(const TaskQuery& q) = 0;
};

struct TaskClientSettings {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{10000};
};

// libcurl, one easy handle per call: /admin answers always carry `Connection: close`, so there is no
// connection to keep between polls.
class TaskClient final : public TaskStatusSource {
 public:
  explicit TaskClient(TaskClientSettings settings = {});
  TaskReply query(const TaskQuery& q) override;

 private:
  TaskClientSettings settings_;
};

// The request body: the id travels as a GraphQL variable, never spliced into the query text.
std::string task_request_body(std::string_view task_id);

// Interprets an alpha's answer to the task query (exposed for tests).
TaskReply parse_task_reply(long http_status, std::string_view body);

std::string_view to_string(TaskStatus s);

}  // namespace dsync::dgraph
