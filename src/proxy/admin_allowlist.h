// Who may use Dgraph's admin paths through dsync. Dgraph trusts loopback for admin operations and never
// reads X-Forwarded-For, so behind a dsync on the same host every client would look like loopback:
// dsync checks the real TCP peer against this list of CIDRs instead (default: loopback only).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace dsync::proxy {

class AdminAllowlist {
 public:
  // Entries are CIDRs ("10.0.0.0/8", "::1/128") or single addresses. nullopt and `error` naming the
  // first bad entry otherwise.
  static std::optional<AdminAllowlist> parse(const std::vector<std::string>& entries, std::string& error);

  // IPv4-mapped IPv6 peers (from a dual-stack listener) are matched as IPv4.
  bool allows(const boost::asio::ip::address& peer) const;

 private:
  struct Network {
    bool v6 = false;
    std::array<unsigned char, 16> bytes{};
    unsigned prefix = 0;
  };
  std::vector<Network> networks_;
};

}  // namespace dsync::proxy
