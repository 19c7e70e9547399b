#include "sync_it_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include <curl/curl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <boost/json.hpp>

#include "dgraph/task_client.h"
#include "s3/sse_c.h"
#include "support/testenv.h"

namespace dsync::sync::it {
namespace {

namespace json = boost::json;

std::string random_hex(std::size_t bytes) {
  std::random_device rd;
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) out += fmt::format("{:02x}", rd() & 0xff);
  return out;
}

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct HttpReply {
  long status = 0;
  std::string body;
};

HttpReply post(const std::string& url, const std::string& body, const std::string& content_type) {
  HttpReply r;
  CURL* h = curl_easy_init();
  curl_slist* headers = curl_slist_append(nullptr, ("Content-Type: " + content_type).c_str());
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  return r;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::uint16_t port_of(const std::string& endpoint) {
  auto colon = endpoint.rfind(':');
  return static_cast<std::uint16_t>(std::stoi(endpoint.substr(colon + 1)));
}

int listen_on(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

// ---- key and backends --------------------------------------------------------------------------------

std::string test_key_hex() {
  static const std::string key = random_hex(32);
  return key;
}

std::filesystem::path test_key_file() {
  static const std::filesystem::path file = [] {
    auto p = std::filesystem::temp_directory_path() / ("dsync-sync-it-key-" + random_hex(6));
    std::string raw;
    for (std::size_t i = 0; i < 64; i += 2)
      raw += static_cast<char>(std::stoi(test_key_hex().substr(i, 2), nullptr, 16));
    std::ofstream(p, std::ios::binary) << raw;
    std::filesystem::permissions(p, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return p;
  }();
  return file;
}

Backend backend(const std::string& name) {
  const auto& env = testenv::Env::get();
  Backend b;
  b.name = name;
  b.client.endpoint = env[name + "_ENDPOINT"];
  b.client.access_key = env[name + "_ACCESS_KEY"];
  b.client.secret_key = env[name + "_SECRET_KEY"];
  b.client.bucket = env[name + "_BUCKET"];
  b.client.ca_file = env.value_or(name + "_CA_FILE", "");
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = info ? std::string(info->test_suite_name()) + "." + info->name() : "test";
  for (char& c : test) c = std::isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : '-';
  b.prefix = "it-sync/" + test + "/" + random_hex(4) + "/";
  return b;
}

std::unique_ptr<s3::Client> make_client(const Backend& b) {
  std::string why;
  auto key = s3::SseCustomerKey::parse(test_key_hex(), s3::SseCustomerKey::Encoding::hex, &why);
  EXPECT_TRUE(key) << why;
  return std::make_unique<s3::Client>(b.client, key);
}

// ---- Dgraph --------------------------------------------------------------------------------------------

Alpha Alpha::from_env() {
  const auto& env = testenv::Env::get();
  return {env["DGRAPH_ALPHA"], env["DGRAPH_EXPORT_DIR"]};
}

std::optional<std::string> Alpha::request_export(const std::string& destination, std::string* error,
                                                 const std::string& format) const {
  json::object input{{"format", format}};
  if (!destination.empty()) input["destination"] = destination;
  json::object req{
      {"query", "mutation($in: ExportInput!) { export(input: $in) { response { code message } taskId } }"},
      {"variables", json::object{{"in", input}}}};
  auto r = post(url + "/admin", json::serialize(req), "application/json");
  json::error_code ec;
  auto doc = json::parse(r.body, ec);
  const json::value* task = nullptr;
  if (!ec && doc.is_object()) {
    if (auto* data = doc.as_object().if_contains("data"); data && data->is_object()) {
      if (auto* e = data->as_object().if_contains("export"); e && e->is_object())
        task = e->as_object().if_contains("taskId");
    }
  }
  if (task && task->is_string()) return std::string(task->as_string());
  if (error) *error = r.body;
  return std::nullopt;
}

std::string Alpha::hold_task_queue(std::uint16_t black_hole_port) const {
  std::string error;
  auto task = request_export(fmt::format("minio://127.0.0.1:{}/held?secure=false", black_hole_port), &error);
  EXPECT_TRUE(task) << error;
  return task.value_or("");
}

void Alpha::mutate(const std::string& nquads) const {
  auto r = post(url + "/mutate?commitNow=true", "{ set { " + nquads + " } }", "application/rdf");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("\"errors\""), std::string::npos) << r.body.substr(0, 500);
}

void Alpha::alter(const std::string& body) const {
  auto r = post(url + "/alter", body, "application/dql");
  EXPECT_EQ(r.body.find("\"errors\""), std::string::npos) << r.body.substr(0, 500);
}

dgraph::ExportEvent Alpha::event(const std::string& task_id, const std::string& destination) const {
  dgraph::ExportEvent e;
  e.task_id = task_id;
  e.format = "rdf";
  e.local_destination = destination;
  e.accepted_at = std::chrono::system_clock::now();
  e.upstream = url;
  return e;
}

std::optional<std::chrono::steady_clock::time_point> Alpha::wait_success(const std::string& task_id,
                                                                         std::chrono::seconds limit) const {
  dgraph::TaskClient client;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = client.query({url, task_id, "", ""});
    if (r.kind == dgraph::TaskReply::Kind::status && r.status == dgraph::TaskStatus::success) {
      return std::chrono::steady_clock::now();
    }
    if (r.kind == dgraph::TaskReply::Kind::status && r.status == dgraph::TaskStatus::failed)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

BlackHole::BlackHole() {
  listen_fd_ = listen_on(0);
  port_ = bound_port(listen_fd_);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { run(); });
}

BlackHole::~BlackHole() {
  close();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void BlackHole::run() {
  for (;;) {
    std::array<pollfd, 2> fds{{{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0 || fds[1].revents != 0) return;
    int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c >= 0) {
      std::lock_guard l(mu_);
      accepted_.push_back(c);
    }
  }
}

void BlackHole::close() {
  if (!thread_.joinable()) return;
  std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
  thread_.join();
  ::close(listen_fd_);
  std::lock_guard l(mu_);
  for (int c : accepted_) ::close(c);
  accepted_.clear();
}

// ---- awscli --------------------------------------------------------------------------------------------

AwsResult aws(const Backend& b, const std::string& s3api_args) {
  std::string cmd = fmt::format(
      "env -u AWS_CA_BUNDLE AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_DEFAULT_REGION=us-east-1 "
      "AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required "
      "timeout 120 aws --endpoint-url {} {} s3api {} 2>&1",
      shell_quote(b.client.access_key), shell_quote(b.client.secret_key), shell_quote(b.client.endpoint),
      b.client.ca_file.empty() ? std::string() : "--ca-bundle " + shell_quote(b.client.ca_file), s3api_args);
  AwsResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), p)) r.output.append(buf.data(), n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

namespace {
std::string sse_args() {
  return "--sse-customer-algorithm AES256 --sse-customer-key " +
         shell_quote("fileb://" + test_key_file().string());
}
}  // namespace

AwsResult head_with_key(const Backend& b, const std::string& key) {
  return aws(b, fmt::format("head-object --bucket {} --key {} {}", shell_quote(b.client.bucket),
                            shell_quote(key), sse_args()));
}

AwsResult head_without_key(const Backend& b, const std::string& key) {
  return aws(b,
             fmt::format("head-object --bucket {} --key {}", shell_quote(b.client.bucket), shell_quote(key)));
}

AwsResult get_with_key(const Backend& b, const std::string& key, const std::filesystem::path& out) {
  return aws(b, fmt::format("get-object --bucket {} --key {} {} {}", shell_quote(b.client.bucket),
                            shell_quote(key), sse_args(), shell_quote(out.string())));
}

std::vector<std::string> list_keys(const Backend& b) {
  auto r = aws(b, fmt::format("list-objects-v2 --bucket {} --prefix {} --query Contents[].Key --output text",
                              shell_quote(b.client.bucket), shell_quote(b.prefix)));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> keys;
  std::istringstream in(r.output);
  for (std::string k; in >> k;) {
    if (k != "None") keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

// ---- OutageRelay ---------------------------------------------------------------------------------------

OutageRelay::OutageRelay(const std::string& target_endpoint) {
  target_port_ = port_of(target_endpoint);
  int probe = listen_on(0);
  port_ = bound_port(probe);
  ::close(probe);
  endpoint_ = target_endpoint.substr(0, target_endpoint.rfind(':') + 1) + std::to_string(port_);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

OutageRelay::~OutageRelay() {
  down();
  ::close(wake_fd_);
}

void OutageRelay::up() {
  std::lock_guard l(mu_);
  if (listen_fd_ >= 0) return;
  cut_ = false;
  listen_fd_ = listen_on(port_);
  EXPECT_GE(listen_fd_, 0) << "relay port " << port_ << " taken meanwhile";
  acceptor_ = std::thread([this] { accept_loop(); });
}

void OutageRelay::down() {
  std::vector<std::thread> relays;
  {
    std::lock_guard l(mu_);
    if (listen_fd_ < 0) return;
    cut_ = true;
    std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    relays.swap(relays_);
  }
  acceptor_.join();
  for (auto& t : relays) t.join();
  std::lock_guard l(mu_);
  ::close(listen_fd_);
  listen_fd_ = -1;
  std::uint64_t drained = 0;
  (void)!::read(wake_fd_, &drained, sizeof(drained));
  for (int fd : open_fds_) ::close(fd);
  open_fds_.clear();
}

void OutageRelay::accept_loop() {
  for (;;) {
    std::array<pollfd, 2> fds{{{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0 || fds[1].revents != 0) return;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard l(mu_);
    if (cut_) {
      ::close(client);
      return;
    }
    open_fds_.push_back(client);
    relays_.emplace_back([this, client] { relay(client); });
  }
}

void OutageRelay::relay(int client) {
  int server = connect_to(target_port_);
  if (server < 0) return;
  {
    std::lock_guard l(mu_);
    open_fds_.push_back(server);
  }
  std::array<char, 64 * 1024> buf{};
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t sent = 0;
  while (!cut_) {
    std::array<pollfd, 2> fds{{{client, POLLIN, 0}, {server, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), 200) < 0) break;
    bool closed = false;
    for (int i = 0; i < 2 && !closed; ++i) {
      if (fds[i].revents == 0) continue;
      auto n = ::read(fds[i].fd, buf.data(),
                      i == 0 && rate_ ? std::min<std::size_t>(buf.size(), 16 * 1024) : buf.size());
      if (n <= 0 || ::send(fds[1 - i].fd, buf.data(), static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) {
        closed = true;
        break;
      }
      if (i == 0) {
        to_server_ += static_cast<std::uint64_t>(n);
        sent += static_cast<std::uint64_t>(n);
        if (auto rate = rate_.load(); rate != 0) {  // a slow link: hold the pace
          auto due = start + std::chrono::microseconds(sent * 1'000'000 / rate);
          std::this_thread::sleep_until(due);
        }
      }
    }
    if (closed) break;
  }
  ::shutdown(client, SHUT_RDWR);
  ::shutdown(server, SHUT_RDWR);
}

// ---- files ---------------------------------------------------------------------------------------------

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void set_mtime(const std::filesystem::path& p, std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  timespec times[2];
  times[0].tv_sec = ns / 1'000'000'000;
  times[0].tv_nsec = ns % 1'000'000'000;
  times[1] = times[0];
  ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, 0), 0) << p;
}

void copy_files(const std::filesystem::path& dir, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) std::filesystem::copy_file(e.path(), to / e.path().filename());
  }
}

std::optional<std::string> gunzip(const std::string& bytes) {
  std::string out;
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  std::array<char, 64 * 1024> buf{};
  int rc = Z_OK;
  while (rc != Z_STREAM_END || z.avail_in > 0) {
    if (rc == Z_STREAM_END) inflateReset(&z);  // the next gzip member
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return std::nullopt;
    }
    out.append(buf.data(), buf.size() - z.avail_out);
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) break;  // truncated
  }
  bool complete = rc == Z_STREAM_END;
  inflateEnd(&z);
  if (!complete) return std::nullopt;
  return out;
}

}  // namespace dsync::sync::it
