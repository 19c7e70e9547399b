// Hashes and encodings against published values.
#include <gtest/gtest.h>

#include "s3/digest.h"

namespace dsync::s3 {
namespace {

TEST(Digest, Sha256AndMd5OfKnownInputs) {
  EXPECT_EQ(to_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(to_base64(md5("abc")), "kAFQmDzST7DWlj99KOF/cg==");
}

TEST(Digest, StreamingDigestEqualsOneShotAndResetsAfterFinish) {
  StreamingDigest d(StreamingDigest::Kind::sha256);
  d.update("ab");
  d.update("c");
  EXPECT_EQ(to_hex(d.finish()), to_hex(sha256("abc")));
  d.update("abc");
  EXPECT_EQ(to_hex(d.finish()), to_hex(sha256("abc")));
}

TEST(Digest, HmacSha256OfRfc4231Case2) {
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Digest, Crc32cCheckValueAndChaining) {
  EXPECT_EQ(crc32c_extend(0, "123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c_extend(crc32c_extend(0, "1234", 4), "56789", 5), 0xE3069283u);
  EXPECT_EQ(crc32c_extend(0, "", 0), 0u);
  EXPECT_EQ(crc32c_base64(0xE3069283u), "4waSgw==");
}

TEST(Digest, Base64RoundTripsAndRejectsMalformedInput) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar",
                                                       std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(from_base64(to_base64(s)), s);
  }
  EXPECT_EQ(to_base64("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(from_base64("Zm9"));
  EXPECT_FALSE(from_base64("Zm9v YmFy"));
  EXPECT_FALSE(from_base64("Zm9*"));
}

TEST(Digest, HexRoundTripsAndRejectsOddOrNonHex) {
  EXPECT_EQ(to_hex(std::string("\x01\xab\xff", 3)), "01abff");
  EXPECT_EQ(from_hex("01ABff"), std::string("\x01\xab\xff", 3));
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
}

}  // namespace
}  // namespace dsync::s3
