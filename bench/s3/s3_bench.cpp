// Micro-benchmarks of the S3 engine's hot paths. The per-part costs decide client CPU per GiB:
// per 16 MiB part, one signature, one SHA-256 (signed payload), optionally one MD5, and the part read
// twice from the page cache (once to hash, once to send).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <benchmark/benchmark.h>

#include "s3/body_digest.h"
#include "s3/digest.h"
#include "s3/endpoint.h"
#include "s3/sigv4.h"

namespace dsync::s3 {
namespace {

constexpr std::size_t kPart = 16u << 20;

const std::string& part_bytes() {
  static const std::string bytes = [] {
    std::string b(kPart, '\0');
    std::uint64_t x = 88172645463325252ull;
    for (std::size_t i = 0; i + 8 <= b.size(); i += 8) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      std::memcpy(b.data() + i, &x, 8);
    }
    return b;
  }();
  return bytes;
}

// A 16 MiB file in the page cache, created on first use and removed by main() after the run.
std::filesystem::path g_part_file;

const std::filesystem::path& part_file() {
  if (g_part_file.empty()) {
    g_part_file = std::filesystem::temp_directory_path() / ("dsync-bench-part-" + std::to_string(getpid()));
    std::ofstream(g_part_file, std::ios::binary)
        .write(part_bytes().data(), static_cast<std::streamsize>(kPart));
  }
  return g_part_file;
}

void BM_SignUploadPartRequest(benchmark::State& state) {
  Addressing addressing(*parse_endpoint("http://127.0.0.1:7480", nullptr), "dsync-test", true);
  const auto now = std::chrono::system_clock::now();
  for (auto _ : state) {
    Target t = addressing.object("exports/dgraph.r20071.u0101.1200/g01.rdf.gz",
                                 {{"partNumber", "17"}, {"uploadId", "2~QmFzZTY0IGlzIG5vdCBhIHNlY3JldA"}});
    sigv4::Request r{
        "PUT",
        t.canonical_uri,
        {{"partNumber", "17"}, {"uploadId", "2~QmFzZTY0IGlzIG5vdCBhIHNlY3JldA"}},
        {{"host", t.host},
         {"x-amz-server-side-encryption-customer-algorithm", "AES256"},
         {"x-amz-server-side-encryption-customer-key", "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXY="},
         {"x-amz-server-side-encryption-customer-key-md5", "ZGVhZGJlZWZkZWFkYmVlZg=="}},
        "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"};
    benchmark::DoNotOptimize(sigv4::sign(r, {"AKID", "secret", ""}, {"us-east-1", "s3"}, now));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignUploadPartRequest);

void BM_Sha256OfPart(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sha256(part_bytes()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPart));
}
BENCHMARK(BM_Sha256OfPart)->Unit(benchmark::kMillisecond);

void BM_Md5OfPart(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(md5(part_bytes()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPart));
}
BENCHMARK(BM_Md5OfPart)->Unit(benchmark::kMillisecond);

void BM_Crc32cOfPart(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(crc32c_extend(0, part_bytes().data(), kPart));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPart));
}
BENCHMARK(BM_Crc32cOfPart)->Unit(benchmark::kMillisecond);

// The client's real per-part hashing: pread in chunks from the page cache, SHA-256 (and MD5 if asked).
void BM_DigestPartFromFile(benchmark::State& state) {
  const Body body{.file = part_file(), .offset = 0, .length = kPart};
  const bool with_md5 = state.range(0) != 0;
  for (auto _ : state) benchmark::DoNotOptimize(digest_body(body, true, with_md5, nullptr));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPart));
  state.SetLabel(with_md5 ? "sha256+md5" : "sha256");
}
BENCHMARK(BM_DigestPartFromFile)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_Crc32cOfFile(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(crc32c_of_file(part_file(), nullptr));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPart));
}
BENCHMARK(BM_Crc32cOfFile)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dsync::s3

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!dsync::s3::g_part_file.empty()) std::filesystem::remove(dsync::s3::g_part_file);
  return 0;
}
