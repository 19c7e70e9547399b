// kill -9 in the middle of a multipart upload, then a restart: the export completes from where it
// stopped (parts already stored are not sent again), verified, exactly once. dsync runs as a separate
// process (sync_driver) uploading a real Dgraph export to the real RGW through a throttled relay, so the
// kill lands between parts; the relay also counts every byte that went to the server.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/tempdir.h"
#include "support/testenv.h"
#include "sync/journal.h"
#include "sync_it_support.h"

namespace dsync::sync {
namespace {

using namespace std::chrono;

constexpr std::uint64_t kPartSize = 5 << 20;

// The driver as a child process with its stdout on a pipe.
class DriverProcess {
 public:
  explicit DriverProcess(const std::vector<std::string>& args) {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      std::vector<char*> argv;
      std::string exe = SYNC_DRIVER_PATH;
      argv.push_back(exe.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(exe.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~DriverProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    ::close(out_);
  }
  // The next line of output, or nullopt at end of output or after `limit`.
  std::optional<std::string> next_line(seconds limit) {
    const auto deadline = steady_clock::now() + limit;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        auto line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[4096];
      auto n = ::read(out_, buf, sizeof(buf));
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }
  void kill9() { ::kill(pid_, SIGKILL); }
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
};

// ~22 MB of incompressible text (base64 of random bytes): the export's data file comes out > 15 MiB,
// four 5 MiB parts. Removed again at the end so other tests' exports stay small.
void load_blob(const it::Alpha& alpha) {
  static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::mt19937_64 rng(42);
  for (int batch = 0; batch < 30; ++batch) {
    std::string nquads;
    for (int i = 0; i < 1000; ++i) {
      std::string value(750, 'A');
      for (auto& c : value) c = b64[rng() % 64];
      nquads += fmt::format("_:b{} <dsync_it_blob> \"{}\" .\n", i, value);
    }
    alpha.mutate(nquads);
  }
}

TEST(KillNineIT, AKilledUploadResumesFromItsStoredPartsAndFinishesOnce) {
  DSYNC_REQUIRE("DGRAPH");
  DSYNC_REQUIRE("RGW");
  auto alpha = it::Alpha::from_env();
  auto b = it::backend("RGW");
  testenv::TempDir tmp;
  const auto t0 = steady_clock::now();
  load_blob(alpha);
  std::cout << "loaded the blob dataset in " << duration_cast<milliseconds>(steady_clock::now() - t0).count()
            << " ms\n";
  struct DropBlob {
    const it::Alpha& a;
    ~DropBlob() { a.alter(R"({"drop_attr": "dsync_it_blob"})"); }
  } drop{alpha};

  it::OutageRelay relay(b.client.endpoint);
  relay.throttle(3 << 20);  // 3 MiB/s: a 5 MiB part takes ~1.7 s, so the kill lands between parts
  relay.up();
  const auto destination =
      (alpha.export_dir / fmt::format("it-kill-{}", std::random_device{}() % 1000000)).string();
  std::string error;
  auto task = alpha.request_export(destination, &error);
  ASSERT_TRUE(task) << error;

  std::vector<std::string> args = {"--endpoint",    relay.endpoint(),
                                   "--access-key",  b.client.access_key,
                                   "--secret",      b.client.secret_key,
                                   "--bucket",      b.client.bucket,
                                   "--key-hex",     it::test_key_hex(),
                                   "--export-dir",  alpha.export_dir.string(),
                                   "--state-dir",   (tmp.path() / "state").string(),
                                   "--prefix",      b.prefix,
                                   "--part-size",   std::to_string(kPartSize),
                                   "--parallelism", "1",
                                   "--upstream",    alpha.url};
  // Run 1: killed after two parts of the data file are stored.
  std::uint64_t bytes_run1 = 0;
  {
    auto first = args;
    first.insert(first.end(), {"--task", *task, "--destination", destination});
    DriverProcess driver(first);
    int parts = 0;
    while (parts < 2) {
      auto line = driver.next_line(seconds(180));
      ASSERT_TRUE(line) << "the driver stopped before two parts were stored";
      if (*line == fmt::format("stored {}", kPartSize)) ++parts;
    }
    driver.kill9();
    driver.wait();
    bytes_run1 = relay.bytes_to_server();
  }

  // What the journal kept across the kill, and a copy of the export to compare the object with.
  std::filesystem::path copy = tmp.path() / "copy";
  std::uint64_t data_size = 0;
  std::size_t parts_recorded = 0;
  {
    Journal journal(tmp.path() / "state");
    auto jobs = journal.unfinished_jobs();
    ASSERT_EQ(jobs.size(), 1u);
    it::copy_files(jobs[0].base_dir / jobs[0].dir_name, copy);
    for (const auto& f : journal.files(jobs[0].id)) {
      if (f.file.name.is_data()) {
        data_size = f.file.identity.size;
        parts_recorded = f.checkpoint.parts.size();
        EXPECT_FALSE(f.checkpoint.upload_id.empty());
      }
    }
  }
  const std::uint64_t total_parts = (data_size + kPartSize - 1) / kPartSize;
  ASSERT_GE(total_parts, 3u) << "the export is too small to be killed mid-upload";
  ASSERT_GE(parts_recorded, 2u);

  // Run 2: resumes from the journal alone.
  unsigned parts_run2 = 0;
  bool synced = false;
  {
    DriverProcess driver(args);
    while (auto line = driver.next_line(seconds(300))) {
      std::cout << "  driver: " << *line << "\n";
      if (line->rfind("stored ", 0) == 0 && std::stoull(line->substr(7)) > 4096)
        ++parts_run2;  // data parts; schemas are tiny
      if (line->rfind("synced ", 0) == 0) synced = true;
      if (*line == "idle") break;
    }
    EXPECT_EQ(driver.wait(), 0);
  }
  const auto bytes_run2 = relay.bytes_to_server() - bytes_run1;
  std::cout << fmt::format(
      "data file {} bytes, {} parts; journal had {} after the kill; run 2 stored {} parts "
      "and sent {} bytes; both runs sent {} bytes\n",
      data_size, total_parts, parts_recorded, parts_run2, bytes_run2, relay.bytes_to_server());
  EXPECT_TRUE(synced);
  EXPECT_LE(parts_run2 + parts_recorded, total_parts) << "a stored part was sent again";
  EXPECT_LT(bytes_run2, data_size - parts_recorded * kPartSize + (1 << 20));
  EXPECT_LT(relay.bytes_to_server(), data_size + kPartSize + (2 << 20))
      << "more than one part's worth re-sent";

  // Exactly once, verified independently: one done job, the three objects, no multipart upload left.
  {
    Journal journal(tmp.path() / "state");
    auto recent = journal.recent_jobs(10);
    ASSERT_EQ(recent.size(), 1u);
    EXPECT_EQ(recent[0].state, JobState::done) << recent[0].error;
    EXPECT_FALSE(std::filesystem::exists(recent[0].base_dir / recent[0].dir_name));
  }
  EXPECT_EQ(it::list_keys(b),
            (std::vector<std::string>{b.prefix + "transformer.gql_schema.gz", b.prefix + "transformer.rdf.gz",
                                      b.prefix + "transformer.schema.gz"}));
  auto out = tmp.path() / "object";
  auto get = it::get_with_key(b, b.prefix + "transformer.rdf.gz", out);
  ASSERT_EQ(get.exit_code, 0) << get.output;
  EXPECT_TRUE(it::read_file(out) == it::read_file(copy / "g01.rdf.gz"))
      << "the object differs from the export";
  auto uploads =
      it::aws(b, fmt::format("list-multipart-uploads --bucket {} --prefix {}", b.client.bucket, b.prefix));
  EXPECT_EQ(uploads.output.find("UploadId"), std::string::npos) << uploads.output;
  std::filesystem::remove_all(destination);
}

}  // namespace
}  // namespace dsync::sync
