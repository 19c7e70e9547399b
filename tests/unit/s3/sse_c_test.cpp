// SSE-C key handling: the three encodings, the MD5 computed once, and reasons that never contain the key.
#include <gtest/gtest.h>

#include "s3/digest.h"
#include "s3/sse_c.h"

namespace dsync::s3 {
namespace {

using Enc = SseCustomerKey::Encoding;

const std::string kRaw = "0123456789abcdefghijklmnopqrstuv";  // 32 bytes, as the original tool took it
const std::string kBase64 = "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXY=";
std::string hex_of_raw() {
  return "30313233343536373839"
         "6162636465666768696a6b6c6d6e6f70717273747576";
}

TEST(SseCustomerKey, RawBase64AndHexOfTheSameKeyGiveTheSameHeaders) {
  auto raw = SseCustomerKey::parse(kRaw, Enc::raw, nullptr);
  auto b64 = SseCustomerKey::parse(kBase64, Enc::base64, nullptr);
  auto hex = SseCustomerKey::parse(hex_of_raw(), Enc::hex, nullptr);
  ASSERT_TRUE(raw && b64 && hex);
  EXPECT_EQ(raw->key_base64(), kBase64);
  EXPECT_EQ(b64->key_base64(), kBase64);
  EXPECT_EQ(hex->key_base64(), kBase64);
  EXPECT_EQ(raw->key_md5_base64(), to_base64(md5(kRaw)));
  EXPECT_EQ(hex->key_md5_base64(), raw->key_md5_base64());
  EXPECT_EQ(SseCustomerKey::algorithm(), "AES256");
}

TEST(SseCustomerKey, AutomaticRecognisesEachEncodingByItsLength) {
  for (const std::string& text : {kRaw, kBase64, hex_of_raw()}) {
    auto key = SseCustomerKey::parse(text, Enc::automatic, nullptr);
    ASSERT_TRUE(key) << text.size();
    EXPECT_EQ(key->key_base64(), kBase64);
  }
}

TEST(SseCustomerKey, TrailingNewlineOfAKeyFileIsNotPartOfTheKey) {
  for (Enc enc : {Enc::raw, Enc::automatic}) {
    auto key = SseCustomerKey::parse(kRaw + "\n", enc, nullptr);
    ASSERT_TRUE(key);
    EXPECT_EQ(key->key_base64(), kBase64);
  }
  auto b64 = SseCustomerKey::parse(kBase64 + "\r\n", Enc::base64, nullptr);
  ASSERT_TRUE(b64);
  EXPECT_EQ(b64->key_base64(), kBase64);
}

TEST(SseCustomerKey, WrongLengthsAndAlphabetsAreRefusedWithAReasonThatDoesNotContainTheKey) {
  struct Case {
    std::string text;
    Enc enc;
  };
  const std::vector<Case> bad = {
      {kRaw.substr(0, 31), Enc::raw},
      {kRaw + "x", Enc::raw},
      {hex_of_raw().substr(0, 62), Enc::hex},
      {"zz" + hex_of_raw().substr(2), Enc::hex},
      {kBase64.substr(0, 40), Enc::base64},
      {"!" + kBase64.substr(1), Enc::base64},
      {to_base64(std::string(31, 'k')), Enc::base64},
      {"short-secret-key-value", Enc::automatic},
  };
  for (const auto& c : bad) {
    std::string why;
    EXPECT_FALSE(SseCustomerKey::parse(c.text, c.enc, &why)) << c.text;
    EXPECT_FALSE(why.empty());
    EXPECT_EQ(why.find(c.text), std::string::npos) << why;
    EXPECT_EQ(why.find(c.text.substr(0, 8)), std::string::npos) << why;
  }
}

TEST(SseCustomerKey, ABinaryRawKeyIsAccepted) {
  std::string binary(32, '\0');
  for (int i = 0; i < 32; ++i) binary[static_cast<std::size_t>(i)] = static_cast<char>(255 - i);
  auto key = SseCustomerKey::parse(binary, Enc::raw, nullptr);
  ASSERT_TRUE(key);
  EXPECT_EQ(from_base64(key->key_base64()), binary);
}

}  // namespace
}  // namespace dsync::s3
