// The SigV4 signer, stage by stage, against the published test suite
// (shared/testdata/aws-sigv4-test-suite, header-signed variant) and against S3's own signing examples.
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "s3/endpoint.h"
#include "s3/sigv4.h"

namespace dsync::s3 {
namespace {

namespace fs = std::filesystem;

fs::path suite_dir() {
  const char* env = std::getenv("DSYNC_SHARED_DIR");
  const fs::path shared = env != nullptr && *env != '\0' ? fs::path(env) : fs::path(DSYNC_DEFAULT_SHARED_DIR);
  return shared / "testdata" / "aws-sigv4-test-suite";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int hex_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::toupper(c) - 'A' + 10);
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// One case of the suite: the request to sign, its context and the expected stages.
struct SuiteCase {
  std::string name;
  std::string method;
  std::string path;  // raw, as in request.txt
  sigv4::Pairs query;
  sigv4::Pairs headers;
  std::string body;
  boost::json::object context;
};

SuiteCase load_case(const std::string& name) {
  SuiteCase c;
  c.name = name;
  const fs::path dir = suite_dir() / name;
  c.context = boost::json::parse(read_file(dir / "context.json")).as_object();
  std::string request = read_file(dir / "request.txt");
  auto head_end = request.find("\n\n");
  std::string head = request.substr(0, head_end);
  if (head_end != std::string::npos) c.body = request.substr(head_end + 2);
  std::istringstream lines(head);
  std::string line;
  std::getline(lines, line);
  // "GET /example space/ HTTP/1.1": the path may contain spaces.
  c.method = line.substr(0, line.find(' '));
  std::string target = line.substr(c.method.size() + 1, line.rfind(" HTTP/") - c.method.size() - 1);
  auto q = target.find('?');
  c.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::istringstream params(target.substr(q + 1));
    std::string param;
    while (std::getline(params, param, '&')) {
      auto eq = param.find('=');
      c.query.emplace_back(percent_decode(param.substr(0, eq)),
                           eq == std::string::npos ? "" : percent_decode(param.substr(eq + 1)));
    }
  }
  while (std::getline(lines, line)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {  // folded continuation of the last header
      c.headers.back().second += "\n" + line;
      continue;
    }
    auto colon = line.find(':');
    c.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return c;
}

std::chrono::system_clock::time_point parse_timestamp(const std::string& iso) {
  std::tm tm{};
  strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string expected(const std::string& name, const std::string& file) {
  return read_file(suite_dir() / name / file);
}

std::string authorization_line_of(const std::string& signed_request) {
  std::istringstream lines(signed_request);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("Authorization:", 0) == 0) return line.substr(14);
  }
  return {};
}

// Signs a suite case the way dsync signs S3 requests: the path is encoded once and never normalised.
sigv4::Signed sign_case(const SuiteCase& c) {
  const auto& creds = c.context.at("credentials").as_object();
  sigv4::Credentials credentials{std::string(creds.at("access_key_id").as_string()),
                                 std::string(creds.at("secret_access_key").as_string()), ""};
  const bool omit_token =
      c.context.contains("omit_session_token") && c.context.at("omit_session_token").as_bool();
  if (creds.contains("token") && !omit_token)
    credentials.session_token = std::string(creds.at("token").as_string());
  const bool sign_body = c.context.at("sign_body").as_bool();
  sigv4::Request request{c.method, sigv4::uri_encode(c.path, true), c.query, c.headers,
                         sign_body ? to_hex(sha256(c.body)) : std::string(sigv4::kEmptyPayloadHash)};
  sigv4::Scope scope{std::string(c.context.at("region").as_string()),
                     std::string(c.context.at("service").as_string())};
  return sigv4::sign(request, credentials, scope,
                     parse_timestamp(std::string(c.context.at("timestamp").as_string())), sign_body);
}

std::vector<std::string> all_case_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(suite_dir(), ec)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Cases that ask the signer to normalise the path ("/a/../", "//", "/./"). S3 never does: those are
// distinct object keys, so an S3 signer must sign the literal path. For these the expectation is the
// canonical request of the matching *-unnormalized case.
const std::set<std::string> kPathNormalisingCases = {
    "get-relative-normalized", "get-relative-relative-normalized",   "get-slash-dot-slash-normalized",
    "get-slash-normalized",    "get-slash-pointless-dot-normalized", "get-slashes-normalized",
};

std::string test_name(const testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

class SigV4Suite : public testing::TestWithParam<std::string> {};

TEST_P(SigV4Suite, CanonicalRequestStringToSignAndSignatureMatchTheVectors) {
  const std::string name = GetParam();
  if (kPathNormalisingCases.count(name) != 0) {
    sigv4::Signed s = sign_case(load_case(name));
    std::string sibling = name.substr(0, name.size() - std::string("normalized").size()) + "unnormalized";
    EXPECT_EQ(s.canonical_request, expected(sibling, "header-canonical-request.txt"))
        << "S3 signs the literal path, as in " << sibling;
    EXPECT_EQ(s.signature, expected(sibling, "header-signature.txt"));
    return;
  }
  sigv4::Signed s = sign_case(load_case(name));
  EXPECT_EQ(s.canonical_request, expected(name, "header-canonical-request.txt"));
  EXPECT_EQ(s.string_to_sign, expected(name, "header-string-to-sign.txt"));
  EXPECT_EQ(s.signature, expected(name, "header-signature.txt"));
  EXPECT_EQ(s.authorization, authorization_line_of(expected(name, "header-signed-request.txt")));
}

INSTANTIATE_TEST_SUITE_P(AwsTestSuite, SigV4Suite, testing::ValuesIn(all_case_names()), test_name);

TEST(SigV4SuiteCoverage, EveryCaseIsRunAndOnlyPathNormalisingCasesUseTheirLiteralSibling) {
  auto names = all_case_names();
  ASSERT_GE(names.size(), 38u) << "test suite not found under " << suite_dir();
  for (const auto& name : names) {
    auto normalize = load_case(name).context.at("normalize").as_bool();
    if (kPathNormalisingCases.count(name) != 0) {
      EXPECT_TRUE(normalize) << name;
      EXPECT_TRUE(fs::exists(suite_dir() / (name.substr(0, name.size() - 10) + "unnormalized"))) << name;
    }
  }
}

TEST(SigV4Stages, SigningKeyMatchesTheDerivationChain) {
  // kSecret -> kDate -> kRegion -> kService -> kSigning, as in the SigV4 documentation example.
  auto key = sigv4::signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", {"us-east-1", "iam"});
  EXPECT_EQ(to_hex(key), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4Encoding, PathKeepsSlashesAndEncodesEverythingOutsideTheUnreservedSet) {
  EXPECT_EQ(sigv4::uri_encode("dir/a b+c=d&e~f.g_h-i", true), "dir/a%20b%2Bc%3Dd%26e~f.g_h-i");
  EXPECT_EQ(sigv4::uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(sigv4::uri_encode("\xE1\x88\xB4", true), "%E1%88%B4");
}

TEST(SigV4Encoding, CanonicalQuerySortsByEncodedNameAndGivesEmptyValuesAnEqualsSign) {
  EXPECT_EQ(sigv4::canonical_query({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(sigv4::canonical_query({{"uploadId", "a/b+c"}, {"partNumber", "7"}}),
            "partNumber=7&uploadId=a%2Fb%2Bc");
  EXPECT_EQ(sigv4::canonical_query({{"prefix", "J"}, {"max-keys", "2"}}), "max-keys=2&prefix=J");
}

// S3's own examples (the S3 API reference's "Signature Calculations for the Authorization Header"),
// which use the x-amz-content-sha256 header and virtual-host addressing.
struct S3Example {
  std::string method;
  std::string key;
  sigv4::Pairs query;
  sigv4::Pairs extra_headers;
  std::string signature;
};

sigv4::Signed sign_s3_example(const S3Example& e) {
  Addressing addressing(*parse_endpoint("https://s3.amazonaws.com", nullptr), "examplebucket", false);
  Target t = e.key.empty() ? addressing.bucket(e.query) : addressing.object(e.key, e.query);
  sigv4::Request request{
      e.method, t.canonical_uri, e.query, {{"Host", t.host}}, std::string(sigv4::kEmptyPayloadHash)};
  request.headers.insert(request.headers.end(), e.extra_headers.begin(), e.extra_headers.end());
  return sigv4::sign(request, {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""},
                     {"us-east-1", "s3"}, parse_timestamp("2013-05-24T00:00:00Z"));
}

TEST(SigV4S3Examples, GetObjectWithRange) {
  auto s = sign_s3_example({"GET", "test.txt", {}, {{"Range", "bytes=0-9"}}, ""});
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_NE(s.canonical_request.find("host;range;x-amz-content-sha256;x-amz-date"), std::string::npos);
}

TEST(SigV4S3Examples, GetBucketLifecycleSignsTheValuelessSubresourceWithEqualsSign) {
  auto s = sign_s3_example({"GET", "", {{"lifecycle", ""}}, {}, ""});
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4S3Examples, ListObjectsSortsTheQuery) {
  auto s = sign_s3_example({"GET", "", {{"prefix", "J"}, {"max-keys", "2"}}, {}, ""});
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4S3, UnsignedPayloadIsSignedAsTheLiteralMarker) {
  sigv4::Request r{"PUT", "/b/k", {}, {{"host", "h"}}, std::string(sigv4::kUnsignedPayload)};
  auto s = sigv4::sign(r, {"A", "S", ""}, {"us-east-1", "s3"}, parse_timestamp("2026-01-01T00:00:00Z"));
  EXPECT_TRUE(s.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_NE(s.canonical_request.find("x-amz-content-sha256:UNSIGNED-PAYLOAD\n"), std::string::npos);
}

TEST(SigV4S3, SseCustomerKeyHeadersAreSignedInNameOrder) {
  // libcurl's own SigV4 put "-key-md5" before "-key"; MinIO then rejects the signature.
  sigv4::Request r{"PUT",
                   "/b/k",
                   {},
                   {{"host", "h"},
                    {"x-amz-server-side-encryption-customer-key-MD5", "m"},
                    {"x-amz-server-side-encryption-customer-key", "k"},
                    {"x-amz-server-side-encryption-customer-algorithm", "AES256"}},
                   std::string(sigv4::kEmptyPayloadHash)};
  auto s = sigv4::sign(r, {"A", "S", ""}, {"us-east-1", "s3"}, parse_timestamp("2026-01-01T00:00:00Z"));
  EXPECT_NE(s.authorization.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                                 "x-amz-server-side-encryption-customer-algorithm;"
                                 "x-amz-server-side-encryption-customer-key;"
                                 "x-amz-server-side-encryption-customer-key-md5,"),
            std::string::npos)
      << s.authorization;
}

TEST(SigV4S3, SessionTokenIsSentAndSigned) {
  sigv4::Request r{"GET", "/b", {}, {{"host", "h"}}, std::string(sigv4::kEmptyPayloadHash)};
  auto s =
      sigv4::sign(r, {"A", "S", "TOKEN123"}, {"us-east-1", "s3"}, parse_timestamp("2026-01-01T00:00:00Z"));
  EXPECT_NE(s.canonical_request.find("x-amz-security-token:TOKEN123\n"), std::string::npos);
  EXPECT_NE(s.authorization.find(";x-amz-security-token,"), std::string::npos);
  bool sent = false;
  for (const auto& [n, v] : r.headers) sent = sent || (n == "x-amz-security-token" && v == "TOKEN123");
  EXPECT_TRUE(sent);
}

TEST(SigV4S3, AmzDateIsUtcBasicFormat) {
  EXPECT_EQ(sigv4::amz_date(parse_timestamp("2015-08-30T12:36:00Z")), "20150830T123600Z");
}

}  // namespace
}  // namespace dsync::s3
