#include "cli/units.h"

#include <gtest/gtest.h>

namespace dsync::cli {
namespace {

using std::chrono::milliseconds;

TEST(ParseSize, ReadsBinaryAndDecimalSuffixes) {
  EXPECT_EQ(parse_size("1048576"), 1048576u);
  EXPECT_EQ(parse_size("512KiB"), 512u * 1024);
  EXPECT_EQ(parse_size("16MiB"), 16u << 20);
  EXPECT_EQ(parse_size("16M"), 16u << 20);
  EXPECT_EQ(parse_size("16Mi"), 16u << 20);
  EXPECT_EQ(parse_size("16mib"), 16u << 20);
  EXPECT_EQ(parse_size("64MB"), 64'000'000u);
  EXPECT_EQ(parse_size("1.5GiB"), 3ull << 29);
  EXPECT_EQ(parse_size("2 TiB"), 2ull << 40);
  EXPECT_EQ(parse_size("7B"), 7u);
}

TEST(ParseSize, RejectsMalformedValuesAndOverflow) {
  for (const char* bad : {"", "MiB", "16XiB", "-1", "16 MiB x", "1e6", "16MiBs", ".", "99999999999TiB"}) {
    EXPECT_FALSE(parse_size(bad).has_value()) << bad;
  }
}

TEST(ParseDuration, ReadsGoStyleDurations) {
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("5s"), milliseconds(5000));
  EXPECT_EQ(parse_duration("10m"), milliseconds(600'000));
  EXPECT_EQ(parse_duration("6h"), milliseconds(6 * 3'600'000));
  EXPECT_EQ(parse_duration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parse_duration("0"), milliseconds(0));
}

TEST(ParseDuration, RejectsBareNumbersUnknownUnitsAndAbsurdLengths) {
  for (const char* bad : {"", "30", "5 s", "5d", "s", "1h30", "-5s", "100000000h"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(FormatDuration, IsReadBackByParseDuration) {
  for (auto ms : {0, 50, 1500, 5000, 600'000, 5'400'000, 6 * 3'600'000, 3'661'000}) {
    auto text = format_duration(milliseconds(ms));
    EXPECT_EQ(parse_duration(text), milliseconds(ms)) << text;
  }
  EXPECT_EQ(format_duration(std::chrono::hours(6)), "6h");
  EXPECT_EQ(format_duration(milliseconds(5'400'000)), "1h30m");
}

TEST(FormatBytes, UsesBinaryUnitsWithThreeSignificantDigits) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(999), "999 B");
  EXPECT_EQ(format_bytes(1024), "1.00 KiB");
  EXPECT_EQ(format_bytes(12.5 * 1024 * 1024), "12.5 MiB");
  EXPECT_EQ(format_bytes(4.0 * (1ull << 30)), "4.00 GiB");
}

TEST(FormatClock, ShowsHoursOnlyWhenNeeded) {
  EXPECT_EQ(format_clock(std::chrono::seconds(7)), "0:07");
  EXPECT_EQ(format_clock(std::chrono::seconds(754)), "12:34");
  EXPECT_EQ(format_clock(std::chrono::seconds(3909)), "1:05:09");
}

}  // namespace
}  // namespace dsync::cli
