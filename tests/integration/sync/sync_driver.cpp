// sync_driver: a SyncService in its own process, for tests that must kill it (kill -9) and start it
// again. Not part of dsync; it wires the real S3 engine and the real task client exactly as `dsync serve`
// does, minus the proxy, and reports what the ops surface would see on stdout, one event per line:
//   state <job> <state> | stored <bytes> | synced <job> <reaction ms> | failed <job> <reason> | idle
// Usage: sync_driver --endpoint URL --access-key K --secret S --bucket B [--ca-file F] --key-hex HEX
//                    --export-dir DIR --state-dir DIR --prefix P --part-size N --parallelism N
//                    [--task ID --upstream URL [--destination DIR]]
// Without --task it resumes what the journal holds. It exits 0 when no job is unfinished.
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "s3/client.h"
#include "s3/sse_c.h"
#include "sync/sync_service.h"

namespace {

using namespace dsync;

std::mutex out_mu;
template <typename... Args>
void emit(const Args&... parts) {
  std::lock_guard l(out_mu);
  ((std::cout << parts), ...);
  std::cout << std::endl;  // flushed: the test reads it live
}

struct PrintingObserver final : sync::SyncObserver {
  void on_job_state(const sync::JobView& v) override { emit("state ", v.id, " ", sync::to_string(v.state)); }
  void on_bytes_uploaded(std::uint64_t n) override { emit("stored ", n); }
  void on_job_failed(const sync::JobView& v, const std::string& reason) override {
    emit("failed ", v.id, " ", reason);
  }
  void on_export_synced(const sync::JobView& v, std::chrono::milliseconds,
                        std::chrono::milliseconds r) override {
    emit("synced ", v.id, " ", r.count());
  }
};

std::map<std::string, std::string> parse_args(int argc, char** argv) {
  std::map<std::string, std::string> a;
  for (int i = 1; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  auto a = parse_args(argc, argv);
  log::init(log::Format::text, "info");
  s3::ClientSettings cs;
  cs.endpoint = a["--endpoint"];
  cs.access_key = a["--access-key"];
  cs.secret_key = a["--secret"];
  cs.bucket = a["--bucket"];
  cs.ca_file = a["--ca-file"];
  std::string why;
  auto key = s3::SseCustomerKey::parse(a["--key-hex"], s3::SseCustomerKey::Encoding::hex, &why);
  if (!key) {
    std::cerr << "sync_driver: key: " << why << "\n";
    return 2;
  }
  s3::Client client(cs, key);

  sync::SyncSettings s;
  s.export_dir = a["--export-dir"];
  s.state_dir = a["--state-dir"];
  s.object_prefix = a["--prefix"];
  s.default_upstream = a["--upstream"];
  s.stable_wait = std::chrono::seconds(1);
  s.upload.part_size = std::stoull(a["--part-size"]);
  s.upload.multipart_threshold = s.upload.part_size;
  s.upload.parallelism = static_cast<unsigned>(std::stoul(a["--parallelism"]));

  PrintingObserver observer;
  sync::SyncService svc(s, client, SystemClock::instance(), &observer);
  svc.start();
  if (a.contains("--task")) {
    dgraph::ExportEvent e;
    e.task_id = a["--task"];
    e.upstream = a["--upstream"];
    e.local_destination = a["--destination"];
    e.format = "rdf";
    e.accepted_at = std::chrono::system_clock::now();
    svc.on_export_accepted(e);
  }
  for (;;) {
    bool busy = false;
    for (const auto& j : svc.status().recent_jobs) busy = busy || !sync::is_terminal(j.state);
    if (!busy) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  svc.shutdown();
  emit("idle");
  return 0;
}
