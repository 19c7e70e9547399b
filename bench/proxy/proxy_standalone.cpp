// Runs dsync's proxy with a sink that only counts, for load tests of the relay path:
//   dsync_proxy_standalone LISTEN UPSTREAM_URL [THREADS]
//   e.g. dsync_proxy_standalone 127.0.0.1:18080 http://127.0.0.1:8080 1
// Stops on SIGINT/SIGTERM and prints the proxy's counters.
#include <csignal>
#include <cstdio>
#include <string>

#include "common/log.h"
#include "proxy/proxy_server.h"

namespace {

class CountingSink final : public dsync::dgraph::ExportSink {
 public:
  void on_export_accepted(dsync::dgraph::ExportEvent) override {}
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s LISTEN UPSTREAM_URL [THREADS]\n", argv[0]);
    return 2;
  }
  dsync::log::init(dsync::log::Format::text, "warn");
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the proxy threads start: they inherit it

  dsync::proxy::ProxySettings settings;
  settings.listen = argv[1];
  settings.upstream = argv[2];
  if (argc > 3) settings.threads = static_cast<unsigned>(std::stoul(argv[3]));
  CountingSink sink;
  dsync::proxy::ProxyServer server(settings, sink);
  server.start();
  std::printf("listening on port %u\n", server.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  server.stop_accepting();
  server.drain(std::chrono::seconds(5));
  server.stop();
  auto s = server.stats();
  std::printf("requests=%llu upstream_errors=%llu\n", static_cast<unsigned long long>(s.requests),
              static_cast<unsigned long long>(s.upstream_errors));
  return 0;
}
