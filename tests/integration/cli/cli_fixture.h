// Shared set-up of the cli integration tests: a fresh random key per test (written to a key file, as
// operators are told to), a unique object prefix, environments for RGW and MinIO, fake-free export
// directories written with zlib, and a check after every test that no output contained the key.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "dsync_process.h"
#include "support/tempdir.h"
#include "support/testenv.h"

namespace dsync::testing {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;  // fails if any dsync output of this test contains the key or the secret

  // DSYNC_* variables for the bucket on `store` ("RGW" or "MINIO"), with the key file and a unique prefix.
  EnvMap bucket_env(const std::string& store) const;

  testenv::TempDir tmp;
  std::filesystem::path key_file;
  std::string key_hex;
  std::string key_base64;
  std::string prefix;  // "cli-it/<test name>-<random>/"
};

// Writes an export directory as Dgraph v25 would: dgraph.r<ts>.u<MMDD>.<HHMM>/g01.{rdf,schema,gql_schema}.gz.
// The RDF file is about `rdf_bytes` long and made of two gzip members. Returns the directory.
std::filesystem::path write_export(const std::filesystem::path& parent, const std::string& dir_name,
                                   std::size_t rdf_bytes);

// Byte-for-byte equality of two files.
bool same_bytes(const std::filesystem::path& a, const std::filesystem::path& b);

std::string random_hex(std::size_t bytes);

}  // namespace dsync::testing
