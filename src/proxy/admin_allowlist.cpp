#include "proxy/admin_allowlist.h"

#include <boost/asio/error.hpp>

#include <algorithm>
#include <array>
#include <charconv>

namespace dsync::proxy {
namespace {

boost::asio::ip::address unmap(const boost::asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

bool prefix_matches(const unsigned char* a, const unsigned char* b, unsigned prefix) {
  unsigned full = prefix / 8, rest = prefix % 8;
  if (!std::equal(a, a + full, b)) return false;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

}  // namespace

std::optional<AdminAllowlist> AdminAllowlist::parse(const std::vector<std::string>& entries,
                                                    std::string& error) {
  AdminAllowlist list;
  for (const auto& entry : entries) {
    auto slash = entry.find('/');
    boost::system::error_code ec;
    auto addr = unmap(boost::asio::ip::make_address(entry.substr(0, slash), ec));
    Network n;
    n.v6 = addr.is_v6();
    unsigned max = n.v6 ? 128 : 32;
    n.prefix = max;
    if (!ec && slash != std::string::npos) {
      std::string_view p(entry);
      p.remove_prefix(slash + 1);
      auto [end, perr] = std::from_chars(p.data(), p.data() + p.size(), n.prefix);
      if (perr != std::errc() || end != p.data() + p.size() || p.empty() || n.prefix > max)
        ec = boost::asio::error::invalid_argument;
    }
    if (ec) {
      error = "invalid CIDR '" + entry + "' in the admin allowlist";
      return std::nullopt;
    }
    if (n.v6) {
      auto b = addr.to_v6().to_bytes();
      std::copy(b.begin(), b.end(), n.bytes.begin());
    } else {
      auto b = addr.to_v4().to_bytes();
      std::copy(b.begin(), b.end(), n.bytes.begin());
    }
    list.networks_.push_back(n);
  }
  return list;
}

bool AdminAllowlist::allows(const boost::asio::ip::address& peer) const {
  auto a = unmap(peer);
  std::array<unsigned char, 16> bytes{};
  if (a.is_v6()) {
    auto b = a.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), bytes.begin());
  } else {
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), bytes.begin());
  }
  return std::any_of(networks_.begin(), networks_.end(), [&](const Network& n) {
    return n.v6 == a.is_v6() && prefix_matches(n.bytes.data(), bytes.data(), n.prefix);
  });
}

}  // namespace dsync::proxy
