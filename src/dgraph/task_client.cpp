#include "dgraph/task_client.h"

#include <memory>
#include <mutex>
#include <optional>

#include <curl/curl.h>
#include <boost/json.hpp>

namespace dsync::dgraph {
namespace {

namespace json = boost::json;

// A task answer is a few hundred bytes; anything far larger is not an alpha talking.
constexpr std::size_t kMaxReplyBytes = std::size_t{64} << 10;

struct CurlEasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct CurlListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::size_t append_capped(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  std::size_t bytes = size * n;
  if (out->size() + bytes > kMaxReplyBytes) return 0;  // aborts the transfer: CURLE_WRITE_ERROR
  out->append(data, bytes);
  return bytes;
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string admin_url(std::string upstream) {
  while (!upstream.empty() && upstream.back() == '/') upstream.pop_back();
  return upstream + "/admin";
}

TaskReply failure(TaskReply::Kind kind, std::string why) {
  TaskReply r;
  r.kind = kind;
  r.error = std::move(why);
  return r;
}

std::optional<TaskStatus> status_from_name(std::string_view name) {
  if (name == "Queued") return TaskStatus::queued;
  if (name == "Running") return TaskStatus::running;
  if (name == "Success") return TaskStatus::success;
  if (name == "Failed") return TaskStatus::failed;
  if (name == "Unknown") return TaskStatus::unknown;
  return std::nullopt;
}

TaskReply classify_graphql_error(std::string message) {
  auto has = [&](std::string_view s) { return message.find(s) != std::string::npos; };
  if (has("does not exist or has expired")) return failure(TaskReply::Kind::not_found, std::move(message));
  // A bad poor-man's token or a malformed id will be refused the same way on every poll.
  if (has("X-Dgraph-AuthToken") || has("invalid task ID") || has("task ID is missing") ||
      has("unauthorized ip address")) {
    return failure(TaskReply::Kind::rejected, std::move(message));
  }
  // e.g. "the Alpha that served that task is not available": that alpha may come back.
  return failure(TaskReply::Kind::transient, std::move(message));
}

}  // namespace

std::string_view to_string(TaskStatus s) {
  switch (s) {
    case TaskStatus::queued:
      return "Queued";
    case TaskStatus::running:
      return "Running";
    case TaskStatus::success:
      return "Success";
    case TaskStatus::failed:
      return "Failed";
    case TaskStatus::unknown:
      break;
  }
  return "Unknown";
}

std::string task_request_body(std::string_view task_id) {
  json::object body;
  body["query"] = "query($id: String!) { task(input: {id: $id}) { status lastUpdated kind } }";
  body["variables"] = json::object{{"id", task_id}};
  return json::serialize(body);
}

TaskReply parse_task_reply(long http_status, std::string_view body) {
  if (http_status >= 500 || http_status == 408 || http_status == 429) {
    return failure(TaskReply::Kind::transient, "HTTP " + std::to_string(http_status));
  }
  if (http_status >= 400) return failure(TaskReply::Kind::rejected, "HTTP " + std::to_string(http_status));
  json::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return failure(TaskReply::Kind::transient, "answer is not JSON");
  const auto& root = doc.get_object();
  if (const auto* errors = root.if_contains("errors");
      errors && errors->is_array() && !errors->get_array().empty()) {
    const auto& first = errors->get_array().front();
    const auto* message = first.is_object() ? first.get_object().if_contains("message") : nullptr;
    return classify_graphql_error(message && message->is_string() ? std::string(message->get_string())
                                                                  : "unexpected error answer");
  }
  const auto* data = root.if_contains("data");
  const auto* task = data && data->is_object() ? data->get_object().if_contains("task") : nullptr;
  const auto* status = task && task->is_object() ? task->get_object().if_contains("status") : nullptr;
  if (!status || !status->is_string())
    return failure(TaskReply::Kind::transient, "answer has no task status");
  auto parsed = status_from_name(status->get_string());
  if (!parsed)
    return failure(TaskReply::Kind::transient, "unknown task status " + std::string(status->get_string()));
  TaskReply r;
  r.kind = TaskReply::Kind::status;
  r.status = *parsed;
  if (const auto* updated = task->get_object().if_contains("lastUpdated"); updated && updated->is_string()) {
    r.last_updated = std::string(updated->get_string());
  }
  return r;
}

TaskClient::TaskClient(TaskClientSettings settings) : settings_(settings) {
  init_curl_once();
}

TaskReply TaskClient::query(const TaskQuery& q) {
  std::unique_ptr<CURL, CurlEasyDeleter> curl(curl_easy_init());
  if (!curl) return failure(TaskReply::Kind::transient, "curl_easy_init failed");
  std::unique_ptr<curl_slist, CurlListDeleter> headers;
  auto add_header = [&](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  add_header("Content-Type: application/json");
  add_header("Expect:");
  if (!q.auth_token.empty()) add_header("X-Dgraph-AuthToken: " + q.auth_token);
  if (!q.access_token.empty()) add_header("X-Dgraph-AccessToken: " + q.access_token);

  const std::string url = admin_url(q.upstream);
  const std::string request = task_request_body(q.task_id);
  std::string reply;
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &append_capped);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.request_timeout.count()));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // alpha gzips when asked; curl inflates
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    return failure(TaskReply::Kind::transient,
                   std::string("no answer from ") + url + ": " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  return parse_task_reply(status, reply);
}

}  // namespace dsync::dgraph
