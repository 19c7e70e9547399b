#include "cli_fixture.h"

#include <zlib.h>

#include <fstream>
#include <random>
#include <sstream>

#include "s3/digest.h"

namespace dsync::testing {

std::string random_hex(std::size_t bytes) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::string raw(bytes, '\0');
  for (auto& c : raw) c = static_cast<char>(rng() & 0xff);
  return s3::to_hex(raw);
}

void CliTest::SetUp() {
  key_hex = random_hex(32);
  key_base64 = s3::to_base64(*s3::from_hex(key_hex));
  key_file = tmp.path() / "sse-c.key";
  std::ofstream(key_file) << key_hex << "\n";
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  prefix = std::string("cli-it/") + info->name() + "-" + random_hex(4) + "/";
}

void CliTest::TearDown() {
  std::string upper = key_hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto& env = testenv::Env::get();
  for (const auto& text : all_outputs()) {
    for (const std::string& secret : {key_hex, upper, key_base64, env.value_or("RGW_SECRET_KEY", "\x01"),
                                      env.value_or("MINIO_SECRET_KEY", "\x01")}) {
      EXPECT_EQ(text.find(secret), std::string::npos) << "a dsync output contains a secret:\n" << text;
    }
  }
}

EnvMap CliTest::bucket_env(const std::string& store) const {
  const auto& env = testenv::Env::get();
  EnvMap m{
      {"DSYNC_ENDPOINT", env[store + "_ENDPOINT"]},         {"DSYNC_ACCESS_KEY", env[store + "_ACCESS_KEY"]},
      {"DSYNC_SECRET", env[store + "_SECRET_KEY"]},         {"DSYNC_BUCKET_NAME", env[store + "_BUCKET"]},
      {"DSYNC_CRYPTO_KEY_FILE", key_file.string()},         {"DSYNC_OBJECT_PREFIX", prefix},
      {"DSYNC_STATE_DIR", (tmp.path() / "state").string()}, {"DSYNC_LOG_LEVEL", "debug"}};
  if (store == "MINIO") m["DSYNC_CA_FILE"] = env["MINIO_CA_FILE"];
  return m;
}

namespace {

void write_gzip_member(std::ofstream& out, const std::string& text) {
  z_stream z{};
  deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string buf(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(buf.data());
  z.avail_out = static_cast<uInt>(buf.size());
  deflate(&z, Z_FINISH);
  out.write(buf.data(), static_cast<std::streamsize>(buf.size() - z.avail_out));
  deflateEnd(&z);
}

std::string rdf_lines(std::size_t approx_bytes) {
  std::string s;
  std::mt19937_64 rng{42};
  for (std::size_t i = 0; s.size() < approx_bytes; ++i) {
    s += "<0x" + std::to_string(i) + "> <name> \"" + std::to_string(rng()) + std::to_string(rng()) +
         "\" <0x0> .\n";
  }
  return s;
}

}  // namespace

std::filesystem::path write_export(const std::filesystem::path& parent, const std::string& dir_name,
                                   std::size_t rdf_bytes) {
  const auto dir = parent / dir_name;
  std::filesystem::create_directories(dir);
  {
    std::ofstream rdf(dir / "g01.rdf.gz", std::ios::binary);
    write_gzip_member(rdf, rdf_lines(rdf_bytes / 2));
    write_gzip_member(rdf, rdf_lines(rdf_bytes / 2));
  }
  std::ofstream schema(dir / "g01.schema.gz", std::ios::binary);
  write_gzip_member(schema, "[0x0] <name>:string @index(exact) .\n");
  std::ofstream gql(dir / "g01.gql_schema.gz", std::ios::binary);
  write_gzip_member(gql, "[{\"Namespace\":0,\"Schema\":\"\"}]");
  return dir;
}

bool same_bytes(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  std::stringstream sa, sb;
  sa << fa.rdbuf();
  sb << fb.rdbuf();
  return fa && fb && sa.str() == sb.str();
}

}  // namespace dsync::testing
