// Part planning within S3's limits.
#include <gtest/gtest.h>

#include "s3/part_plan.h"
#include "s3/settings.h"

namespace dsync::s3 {
namespace {

TEST(PartPlan, UsesTheRequestedPartSizeWhenTheFileFits) {
  auto plan = PartPlan::for_new_upload(100 * kMiB + 1, 16 * kMiB, nullptr);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->part_size(), 16 * kMiB);
  EXPECT_EQ(plan->part_count(), 7);
  EXPECT_EQ(plan->part(1).offset, 0u);
  EXPECT_EQ(plan->part(7).offset, 96 * kMiB);
  EXPECT_EQ(plan->part(7).length, 4 * kMiB + 1);
}

TEST(PartPlan, PartsCoverTheFileExactlyOnce) {
  auto plan = PartPlan::for_new_upload(123456789, 5 * kMiB, nullptr);
  ASSERT_TRUE(plan);
  std::uint64_t next = 0;
  for (int n = 1; n <= plan->part_count(); ++n) {
    auto p = plan->part(n);
    EXPECT_EQ(p.number, n);
    EXPECT_EQ(p.offset, next);
    EXPECT_GT(p.length, 0u);
    next += p.length;
  }
  EXPECT_EQ(next, 123456789u);
}

TEST(PartPlan, RaisesThePartSizeToTheNextMibSoAnyFileFitsInTenThousandParts) {
  for (std::uint64_t size : {std::uint64_t{160} << 30, std::uint64_t{1} << 40, kMaxObjectSize}) {
    auto plan = PartPlan::for_new_upload(size, UploadSettings{}.part_size, nullptr);
    ASSERT_TRUE(plan) << size;
    EXPECT_LE(plan->part_count(), kMaxParts);
    EXPECT_EQ(plan->part_size() % kMiB, 0u);
    EXPECT_LE(plan->part_size(), kMaxPartSize);
    EXPECT_LT(plan->part_size() - kMiB, (size + kMaxParts - 1) / kMaxParts) << "not raised more than needed";
  }
}

TEST(PartPlan, RaisesATooSmallPartSizeToTheFiveMibMinimum) {
  auto plan = PartPlan::for_new_upload(50 * kMiB, 1 * kMiB, nullptr);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->part_size(), kMinPartSize);
}

TEST(PartPlan, EmptyFileIsOneEmptyPart) {
  auto plan = PartPlan::for_new_upload(0, 16 * kMiB, nullptr);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->part_count(), 1);
  EXPECT_EQ(plan->part(1).length, 0u);
}

TEST(PartPlan, RefusesFilesOverFiveTib) {
  std::string why;
  EXPECT_FALSE(PartPlan::for_new_upload(kMaxObjectSize + 1, 16 * kMiB, &why));
  EXPECT_NE(why.find("5 TiB"), std::string::npos);
}

TEST(PartPlan, ResumeKeepsTheOriginalPartSizeOrRefusesOneThatCannotCarryTheFile) {
  auto kept = PartPlan::with_part_size(40 * kMiB, 8 * kMiB, nullptr);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->part_size(), 8 * kMiB);
  EXPECT_EQ(kept->part_count(), 5);
  std::string why;
  EXPECT_FALSE(PartPlan::with_part_size(100 * kMiB, 1 * kMiB, &why));     // below S3's minimum
  EXPECT_FALSE(PartPlan::with_part_size(100000 * kMiB, 5 * kMiB, &why));  // over 10,000 parts
  EXPECT_FALSE(PartPlan::with_part_size(10 * kMiB, 0, &why));
  EXPECT_FALSE(why.empty());
}

}  // namespace
}  // namespace dsync::s3
