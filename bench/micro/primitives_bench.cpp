// What one pass over a part costs on this CPU, per algorithm dsync could use to protect or carry an upload:
// Content-MD5 (checked by every S3 server), the signed payload SHA-256 (checked by every SigV4 server),
// CRC32C and CRC32 (flexible checksums: RGW 16 neither checks nor echoes them), and AES-256-GCM (the TLS
// record cipher that every HTTPS upload pays). Bytes/s here convert directly into the CPU-s/GiB budget of
// docs/BENCHMARKS.md.
#include <benchmark/benchmark.h>
#include <isa-l/crc.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace {

constexpr std::size_t kBlock = 1 << 20;  // one relay/read buffer's worth

std::vector<unsigned char> random_block() {
  std::vector<unsigned char> buf(kBlock);
  std::uint32_t x = 2463534242U;
  for (auto& b : buf) {
    x ^= x << 13U;
    x ^= x >> 17U;
    x ^= x << 5U;
    b = static_cast<unsigned char>(x);
  }
  return buf;
}

void digest_bench(benchmark::State& state, const EVP_MD* md) {
  const auto buf = random_block();
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  for (auto _ : state) {
    EVP_DigestInit_ex(ctx.get(), md, nullptr);
    EVP_DigestUpdate(ctx.get(), buf.data(), buf.size());
    EVP_DigestFinal_ex(ctx.get(), out.data(), &len);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(kBlock));
}

void BM_Md5(benchmark::State& state) {
  digest_bench(state, EVP_md5());
}
void BM_Sha256(benchmark::State& state) {
  digest_bench(state, EVP_sha256());
}

void BM_Crc32cIsal(benchmark::State& state) {
  const auto buf = random_block();
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        crc32_iscsi(const_cast<unsigned char*>(buf.data()), static_cast<int>(buf.size()), 0));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(kBlock));
}

void BM_Crc32Zlib(benchmark::State& state) {
  const auto buf = random_block();
  for (auto _ : state) {
    benchmark::DoNotOptimize(crc32(0, buf.data(), static_cast<uInt>(buf.size())));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(kBlock));
}

void BM_Aes256GcmEncrypt(benchmark::State& state) {
  const auto buf = random_block();
  std::vector<unsigned char> out(kBlock + 16);
  const std::array<unsigned char, 32> key{};
  const std::array<unsigned char, 12> iv{};
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  int len = 0;
  for (auto _ : state) {
    EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), iv.data());
    EVP_EncryptUpdate(ctx.get(), out.data(), &len, buf.data(), static_cast<int>(buf.size()));
    EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &len);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(kBlock));
}

}  // namespace

BENCHMARK(BM_Md5);
BENCHMARK(BM_Sha256);
BENCHMARK(BM_Crc32cIsal);
BENCHMARK(BM_Crc32Zlib);
BENCHMARK(BM_Aes256GcmEncrypt);
BENCHMARK_MAIN();
