// `dsync serve` (the default): the Dgraph proxy, the sync pipeline behind it, and the ops endpoints.
//   start: ops server (so /healthz answers during start-up) → journal (SyncService) → proxy listens →
//          READY=1 to systemd
//   SIGTERM/SIGINT: stop accepting → let in-flight proxied requests finish (--shutdown-grace) → stop the
//          sync workers at a checkpoint → exit 0. A second signal exits at once (the journal makes
//          that safe: unfinished jobs resume at the next start).
#include <signal.h>

#include <atomic>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/daemon_observers.h"
#include "cli/module_settings.h"
#include "cli/sd_notify.h"
#include "cli/shutdown_signals.h"
#include "ops/metrics.h"
#include "ops/ops_server.h"
#include "proxy/proxy_server.h"
#include "s3/client.h"
#include "sync/sync_service.h"

namespace dsync::cli {
namespace {

struct Readiness {
  std::atomic<bool> journal_open{false};
  std::atomic<bool> proxy_listening{false};
  std::atomic<bool> stopping{false};

  bool ready(std::string* why) const {
    if (stopping) return *why = "shutting down", false;
    if (!journal_open) return *why = "journal not open yet", false;
    if (!proxy_listening) return *why = "proxy not listening yet", false;
    return true;
  }
};

// Waits for SIGTERM/SIGINT, then shuts down in order. A second signal ends the process at once.
void wait_and_shut_down(const ShutdownSignals& signals, const Config& config, Readiness& readiness,
                        proxy::ProxyServer& proxy, sync::SyncService& sync) {
  const int sig = signals.wait();
  spdlog::info("serve: {} received: draining proxied requests (grace {} ms)",
               sig == SIGTERM ? "SIGTERM" : "SIGINT", config.shutdown_grace.count());
  readiness.stopping = true;
  sd_notify("STOPPING=1");
  std::thread([&signals] {
    signals.wait();
    spdlog::warn("serve: second signal: exiting now; unfinished jobs resume at the next start");
    std::_Exit(1);
  }).detach();
  proxy.stop_accepting();
  const bool drained = proxy.drain(config.shutdown_grace);
  if (!drained) spdlog::warn("serve: grace period over with proxied requests still running; closing them");
  proxy.stop();
  sync.shutdown();
  spdlog::info("serve: stopped cleanly");
}

}  // namespace

int run_serve(const Config& config) {
  ShutdownSignals signals;  // before any thread starts
  const auto started = std::chrono::steady_clock::now();
  Clock& clock = SystemClock::instance();
  ops::Metrics metrics(clock, all_job_states());
  MetricsObserver observer(metrics);
  Readiness readiness;
  s3::Client client(config.s3, config.key);

  std::unique_ptr<sync::SyncService> sync;
  std::unique_ptr<proxy::ProxyServer> proxy;
  auto snapshot = [&] {
    DaemonStatus st;
    st.ready = readiness.ready(&st.ready_reason);
    st.uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    if (readiness.proxy_listening) st.proxy = proxy->stats();
    if (readiness.journal_open) st.sync = sync->status();
    return st;
  };
  ops::OpsServer ops(ops::OpsSettings{config.ops_listen},
                     ops::OpsHandlers{[&] {
                                        const DaemonStatus st = snapshot();
                                        if (st.sync.last_verified_export) {
                                          metrics.set_last_verified_export(*st.sync.last_verified_export);
                                        }
                                        return metrics.render();
                                      },
                                      [&](std::string* why) { return readiness.ready(why); },
                                      [&] { return status_json(snapshot()); }});
  metrics.add_collector([&] {
    return readiness.proxy_listening ? proxy_families(proxy->stats())
                                     : std::vector<prometheus::MetricFamily>{};
  });
  try {
    ops.start();
    spdlog::info("serve: ops endpoints on {} (port {})", config.ops_listen, ops.port());
    sync = std::make_unique<sync::SyncService>(sync_settings(config), client, clock, &observer);
    sync->start();
    readiness.journal_open = true;
    spdlog::info("serve: journal open in {}", config.state_dir.string());
    proxy = std::make_unique<proxy::ProxyServer>(proxy_settings(config), *sync, clock);
    proxy->start();
    readiness.proxy_listening = true;
  } catch (const std::exception& e) {
    spdlog::error("serve: cannot start: {}", e.what());
    if (sync) sync->shutdown();
    return 1;
  }
  spdlog::info("serve: proxy listening on {} (port {}) for {}; exports in {} go to bucket {}", config.listen,
               proxy->port(), config.upstream, config.towatch.string(), config.s3.bucket);
  sd_notify("READY=1");
  wait_and_shut_down(signals, config, readiness, *proxy, *sync);
  ops.stop();
  return 0;
}

}  // namespace dsync::cli
