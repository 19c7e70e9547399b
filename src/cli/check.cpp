// `dsync check`: a preflight an operator runs before trusting dsync with exports. Each line is OK, FAIL
// (with the reason and what to do), WARN or SKIP; the exit status is 1 if any line failed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/commands.h"
#include "cli/http_get.h"
#include "s3/client.h"

namespace dsync::cli {
namespace {

namespace fs = std::filesystem;

class Report {
 public:
  void ok(std::string_view what, const std::string& detail) { line("OK", what, detail); }
  void fail(std::string_view what, const std::string& detail) {
    line("FAIL", what, detail);
    failed_ = true;
  }
  void warn(std::string_view what, const std::string& detail) { line("WARN", what, detail); }
  void skip(std::string_view what, const std::string& detail) { line("SKIP", what, detail); }
  bool failed() const { return failed_; }

 private:
  static void line(std::string_view status, std::string_view what, const std::string& detail) {
    std::printf("%-4s  %-9s %s\n", std::string(status).c_str(), std::string(what).c_str(), detail.c_str());
    std::fflush(stdout);
  }
  bool failed_ = false;
};

void check_config(Report& r, const Config& c) {
  r.ok("config",
       fmt::format("endpoint {}, bucket {}, region {}, {} addressing, key MD5 {}", c.s3.endpoint, c.s3.bucket,
                   c.s3.region, c.s3.path_style ? "path-style" : "virtual-host", c.key->key_md5_base64()));
  if (c.key_on_command_line) {
    r.warn("config",
           "the key was given with --crypto-key: any local user can read it with ps while dsync "
           "starts; prefer --crypto-key-file or DSYNC_CRYPTO_KEY");
  }
  if (!c.s3.verify_tls)
    r.warn("config", "--insecure-skip-verify: the S3 server's certificate is not checked");
}

// GET <upstream>/health: Dgraph answers a JSON array of instances, or 503 with text when unhealthy.
void check_dgraph(Report& r, const Config& c) {
  std::string base = c.upstream;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = base + "/health";
  const HttpReply reply = http_get(url, std::chrono::seconds(5));
  if (!reply.ok) {
    return r.fail("dgraph", fmt::format("{}: {}; is alpha running and --upstream right?", url, reply.error));
  }
  if (reply.status != 200) {
    return r.fail("dgraph", fmt::format("{}: HTTP {}: {}", url, reply.status, reply.body.substr(0, 200)));
  }
  std::string version = "unknown version", status = "unknown status";
  boost::system::error_code ec;
  const auto doc = boost::json::parse(reply.body, ec);
  if (!ec && doc.is_array() && !doc.as_array().empty() && doc.as_array()[0].is_object()) {
    const auto& first = doc.as_array()[0].as_object();
    if (const auto* v = first.if_contains("version"); v && v->is_string()) version = v->as_string().c_str();
    if (const auto* s = first.if_contains("status"); s && s->is_string()) status = s->as_string().c_str();
  } else {
    return r.fail("dgraph",
                  fmt::format("{}: answered, but not like a Dgraph alpha (no JSON health array)", url));
  }
  r.ok("dgraph", fmt::format("{} answers: {} {}", url, status, version));
}

bool check_bucket(Report& r, s3::Client& client, const Config& c) {
  auto head = client.head_bucket();
  if (head.ok()) {
    r.ok("bucket", fmt::format("{} is reachable with these credentials", c.s3.bucket));
    return true;
  }
  std::string hint;
  if (head.error.http_status == 404) hint = "; create it or fix --bucket-name";
  if (head.error.http_status == 403) hint = "; check --access-key/--secret and the bucket policy";
  if (head.error.http_status == 0) hint = "; check --endpoint, TLS (--ca-file) and the network";
  r.fail("bucket", fmt::format("{}: {}{}", c.s3.bucket, head.error.describe(), hint));
  return false;
}

// A small object through the same SSE-C path exports take: put, head (the server must echo the key MD5),
// get (the bytes must come back), delete.
void check_round_trip(Report& r, s3::Client& client, const Config& c) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const auto stamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const std::string key =
      fmt::format("{}.dsync-check/{}-{}-{}", listing_prefix(c.object_prefix), host, ::getpid(), stamp);
  std::string body = fmt::format("dsync check probe {} {}\n", key, stamp);
  body.resize(4096, '.');
  if (auto put = client.put_object(key, s3::Body{.bytes = body}); !put.ok()) {
    std::string hint;
    if (put.error.http_status == 400 && c.s3.endpoint.starts_with("http://")) {
      hint = "; most servers refuse SSE-C over plain http: use https";
    }
    return r.fail("sse-c", fmt::format("put {}: {}{}", key, put.error.describe(), hint));
  }
  std::string problem;
  if (auto head = client.head_object(key); !head.ok()) {
    problem = "head: " + head.error.describe();
  } else if (head.value->sse_algorithm != "AES256" || head.value->sse_key_md5 != c.key->key_md5_base64()) {
    problem =
        "head: the server did not echo SSE-C AES256 with our key MD5: the object is not encrypted with the "
        "key";
  } else if (head.value->size != body.size()) {
    problem = fmt::format("head: size {} instead of {}", head.value->size, body.size());
  } else if (auto get = client.get_object(key); !get.ok()) {
    problem = "get: " + get.error.describe();
  } else if (*get.value != body) {
    problem = "get: the bytes read back differ from the bytes written";
  }
  auto del = client.delete_object(key);
  if (!problem.empty()) return r.fail("sse-c", fmt::format("{}: {}", key, problem));
  if (!del.ok()) return r.fail("sse-c", fmt::format("delete {}: {}", key, del.error.describe()));
  r.ok("sse-c", fmt::format("put, head (key MD5 echoed), get (bytes match), delete of {}", key));
}

// Exports already in the bucket must be readable with this key: a changed key would make every restore
// of them fail, and S3 only says so when the object is read.
void check_existing_exports(Report& r, s3::Client& client, const Config& c) {
  const std::string prefix = listing_prefix(c.object_prefix);
  auto listed = client.list_objects(prefix);
  if (!listed.ok()) return r.fail("exports", "list: " + listed.error.describe());
  const s3::ListedObject* newest = nullptr;
  for (const auto& o : *listed.value) {
    if (o.key.ends_with(".gz") && (newest == nullptr || o.last_modified > newest->last_modified)) newest = &o;
  }
  if (newest == nullptr) return r.ok("exports", fmt::format("none yet under '{}'", prefix));
  auto head = client.head_object(newest->key);
  if (!head.ok()) {
    if (head.error.http_status == 400 || head.error.http_status == 403) {
      return r.fail("exports",
                    fmt::format("{} was encrypted with a different key (the server rejected this key's "
                                "MD5: {}); restoring it needs the old key",
                                newest->key, head.error.describe()));
    }
    return r.fail("exports", fmt::format("head {}: {}", newest->key, head.error.describe()));
  }
  if (head.value->sse_algorithm.empty()) {
    return r.warn("exports", fmt::format("{} is stored without SSE-C (not written by dsync?)", newest->key));
  }
  r.ok("exports", fmt::format("newest export object {} opens with this key", newest->key));
}

// dsync reads the export directory and, unless --keep-local, deletes what it uploaded.
void check_directory(Report& r, std::string_view what, const fs::path& dir, bool create) {
  std::error_code ec;
  if (create) fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec)) return r.fail(what, fmt::format("{}: no such directory", dir.string()));
  if (::access(dir.c_str(), R_OK | X_OK) != 0)
    return r.fail(what, fmt::format("{}: not readable", dir.string()));
  const fs::path probe = dir / fmt::format(".dsync-check-{}", ::getpid());
  {
    std::ofstream out(probe);
    if (!out) {
      return r.fail(what,
                    fmt::format("{}: not writable by this user (uid {}); dsync must delete verified exports "
                                "and Dgraph creates export folders 0700",
                                dir.string(), ::geteuid()));
    }
  }
  fs::remove(probe, ec);
  r.ok(what, fmt::format("{} is readable and writable", dir.string()));
}

}  // namespace

int run_check(const Config& config) {
  Report r;
  check_config(r, config);
  check_dgraph(r, config);
  s3::Client client(config.s3, config.key);
  if (check_bucket(r, client, config)) {
    check_round_trip(r, client, config);
    check_existing_exports(r, client, config);
  } else {
    r.skip("sse-c", "the bucket is not reachable");
    r.skip("exports", "the bucket is not reachable");
  }
  check_directory(r, "towatch", config.towatch, false);
  check_directory(r, "state-dir", config.state_dir, true);
  std::printf("%s\n", r.failed() ? "check failed" : "all checks passed");
  return r.failed() ? 1 : 0;
}

}  // namespace dsync::cli
