// Moving one HTTP message from one stream to another through a fixed buffer, Beast's `http_relay`
// pattern with coroutines: the parser fills the buffer, the writer sends it, repeat. Constant memory
// whatever the body size; chunked bodies are re-chunked, other bodies pass byte for byte. Each read uses
// read_some so streams (server-sent events) are flushed as they arrive. Included only by session.cpp:
// Beast is expensive to compile, so it lives in as few translation units as possible.
//
// Beast parses; MessageWriter writes. The writer puts the head, the chunk framing and the body piece in
// one gather write. It replaces Beast's serializer, whose buffer-sequence machinery was the largest
// user-space cost per proxied request in profiles.
#pragma once

#include <array>
#include <chrono>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace dsync::proxy::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

inline auto token(beast::error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

// When whatever a connection is waiting for must have happened. Arming it is a clock read and a store;
// one watchdog per connection enforces it (see Session::watchdog) instead of a timer per operation,
// which cost more than the rest of the relay logic in profiles.
struct Deadline {
  std::chrono::steady_clock::time_point at = std::chrono::steady_clock::time_point::max();
  void arm(std::chrono::steady_clock::duration d) { at = std::chrono::steady_clock::now() + d; }
};

// One side of a relay: a socket, the read buffer that belongs to it, and how long one operation on it
// may take (progress timeout, so a GB body is fine as long as it keeps moving).
struct Side {
  asio::ip::tcp::socket& stream;
  beast::flat_buffer& buffer;
  Deadline& deadline;
  std::chrono::seconds timeout;
};

struct Outcome {
  beast::error_code ec;
  bool reading = false;  // the error happened reading `from` (else writing `to`)
  explicit operator bool() const { return !ec; }
};

template <bool isRequest>
using Parser = http::parser<isRequest, http::buffer_body>;
template <bool isRequest>
using Message = http::message<isRequest, http::buffer_body>;

// Writes a message head as received (start line and fields in their order), then its body pieces,
// chunk-framed when the message says `Transfer-Encoding: chunked`.
template <bool isRequest>
class MessageWriter {
 public:
  // `head` is scratch space owned by the caller (reused across messages to avoid allocations).
  MessageWriter(const Message<isRequest>& msg, std::string& head) : head_(head), chunked_(msg.chunked()) {
    head_.clear();
    if constexpr (isRequest) {
      append(msg.method_string());
      head_ += ' ';
      append(msg.target());
      head_ += msg.version() == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n";
    } else {
      head_ += msg.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
      head_ += std::to_string(msg.result_int());
      head_ += ' ';
      append(msg.reason());
      head_ += "\r\n";
    }
    for (const auto& f : msg) {
      append(f.name_string());
      head_ += ": ";
      append(f.value());
      head_ += "\r\n";
    }
    head_ += "\r\n";
  }

  bool head_written() const { return head_written_; }
  bool done() const { return done_; }

  // Sends the head now (for a response whose body may take a while, or one without a body).
  asio::awaitable<beast::error_code> write_head(Side to) {
    beast::error_code ec;
    to.deadline.arm(to.timeout);
    co_await asio::async_write(to.stream, asio::buffer(head_), token(ec));
    head_written_ = true;
    co_return ec;
  }

  // Sends `data` as the next body piece (after the head if it is still pending); `last` ends the body.
  asio::awaitable<beast::error_code> write(Side to, std::span<const char> data, bool last) {
    std::array<asio::const_buffer, 4> parts;
    std::size_t n = 0;
    if (!head_written_) parts[n++] = asio::buffer(head_);
    char size_line[24];
    if (chunked_ && !data.empty()) {
      int len = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", data.size());
      parts[n++] = asio::buffer(size_line, static_cast<std::size_t>(len));
    }
    if (!data.empty()) parts[n++] = asio::buffer(data.data(), data.size());
    static constexpr std::string_view kChunkEnd = "\r\n";
    static constexpr std::string_view kLastChunkAfterData = "\r\n0\r\n\r\n";
    static constexpr std::string_view kLastChunk = "0\r\n\r\n";
    if (chunked_ && !data.empty()) {
      auto tail = last ? kLastChunkAfterData : kChunkEnd;
      parts[n++] = asio::buffer(tail.data(), tail.size());
    } else if (chunked_ && last) {
      parts[n++] = asio::buffer(kLastChunk.data(), kLastChunk.size());
    }
    beast::error_code ec;
    if (n > 0) {
      to.deadline.arm(to.timeout);
      co_await asio::async_write(to.stream, std::span<const asio::const_buffer>(parts.data(), n), token(ec));
    }
    head_written_ = true;
    done_ = last;
    co_return ec;
  }

 private:
  void append(std::string_view s) { head_.append(s.data(), s.size()); }

  std::string& head_;
  bool chunked_;
  bool head_written_ = false;
  bool done_ = false;
};

// Reads whatever the parser can produce next into `room`; returns the number of body bytes.
template <bool isRequest>
asio::awaitable<std::size_t> read_some_body(Parser<isRequest>& p, Side from, std::span<char> room,
                                            beast::error_code& ec) {
  p.get().body().data = room.data();
  p.get().body().size = room.size();
  from.deadline.arm(from.timeout);
  co_await http::async_read_some(from.stream, from.buffer, p, token(ec));
  if (ec == http::error::need_buffer) ec = {};
  co_return room.size() - p.get().body().size;
}

// Relays the rest of the body. The head goes out at once if no body bytes are waiting, so a client of
// a slow stream sees the response start immediately; otherwise it leaves with the first piece.
template <bool isRequest>
asio::awaitable<Outcome> relay_body(Parser<isRequest>& p, MessageWriter<isRequest>& w, Side from, Side to,
                                    std::span<char> buf) {
  Outcome out;
  if (!w.head_written() && !p.is_done() && from.buffer.size() == 0) {
    out.ec = co_await w.write_head(to);
    if (out.ec) co_return out;
  }
  while (!w.done()) {
    std::size_t n = 0;
    if (!p.is_done()) {
      n = co_await read_some_body(p, from, buf, out.ec);
      if (out.ec) {
        out.reading = true;
        co_return out;
      }
      if (n == 0 && !p.is_done()) continue;  // only framing (a chunk header) was parsed
    }
    out.ec = co_await w.write(to, std::span<const char>(buf.data(), n), p.is_done());
    if (out.ec) co_return out;
  }
  co_return out;
}

// Reads the body into `out` until it is complete or `cap` bytes are held (then p.is_done() is false).
template <bool isRequest>
asio::awaitable<beast::error_code> read_body_prefix(Parser<isRequest>& p, Side from, std::string& out,
                                                    std::size_t cap) {
  beast::error_code ec;
  while (!p.is_done() && out.size() < cap) {
    std::size_t old = out.size();
    out.resize(old + std::min<std::size_t>(cap - old, std::size_t{64} * 1024));
    std::size_t n = co_await read_some_body(p, from, std::span<char>(out.data() + old, out.size() - old), ec);
    out.resize(old + n);
    if (ec) break;
  }
  co_return ec;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) and those the Connection header names, except the framing
// headers the writer relies on: naming Transfer-Encoding in Connection must not unframe a body.
inline void strip_hop_by_hop(http::fields& f, bool keep_upgrade) {
  auto [first, last] = f.equal_range(http::field::connection);
  if (first != last) {
    std::vector<std::string> named;
    for (auto it = first; it != last; ++it) {
      for (auto t : http::token_list(it->value())) named.emplace_back(t);
    }
    for (const auto& n : named) {
      if (beast::iequals(n, "transfer-encoding") || beast::iequals(n, "content-length") ||
          beast::iequals(n, "host") || (keep_upgrade && beast::iequals(n, "upgrade"))) {
        continue;
      }
      f.erase(n);
    }
    f.erase(http::field::connection);
  }
  f.erase(http::field::keep_alive);
  f.erase(http::field::proxy_connection);
  f.erase(http::field::proxy_authorization);
  f.erase(http::field::proxy_authenticate);
  f.erase(http::field::te);
  f.erase(http::field::trailer);
  if (!keep_upgrade) f.erase(http::field::upgrade);
}

}  // namespace dsync::proxy::relay
