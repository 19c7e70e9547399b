// One client connection's life: read a request head, decide (route, admin allowlist, export?), relay
// the request to the upstream, relay the answer back, loop while keep-alive. Upgraded connections
// (WebSocket) become a byte tunnel. Everything a connection shares with the others is in SessionContext.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "proxy/admin_allowlist.h"
#include "proxy/connection_state.h"
#include "proxy/export_tap.h"
#include "proxy/proxy_server.h"
#include "proxy/route.h"

namespace dsync::proxy {

struct SessionContext {
  const ProxySettings& settings;
  UpstreamAddress reverse;
  std::vector<UpstreamAddress> forward_allowed;
  AdminAllowlist allowlist;
  ExportTap& tap;
  ProxyCounters& counters;
  InFlightRequests& in_flight;
  ResolverCache& resolver_cache;
};

boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket, SessionContext& context);

}  // namespace dsync::proxy
