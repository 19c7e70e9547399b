#include "s3/part_plan.h"

#include <algorithm>

#include <fmt/format.h>

namespace dsync::s3 {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

PartPlan::PartPlan(std::uint64_t file_size, std::uint64_t part_size)
    : file_size_(file_size),
      part_size_(part_size),
      // An empty file is still one (empty) part.
      part_count_(static_cast<int>(std::max<std::uint64_t>(1, ceil_div(file_size, part_size)))) {}

std::optional<PartPlan> PartPlan::for_new_upload(std::uint64_t file_size, std::uint64_t requested_part_size,
                                                 std::string* why) {
  if (file_size > kMaxObjectSize) {
    if (why != nullptr) *why = fmt::format("file of {} bytes exceeds S3's 5 TiB object limit", file_size);
    return std::nullopt;
  }
  std::uint64_t part_size = std::clamp(requested_part_size, kMinPartSize, kMaxPartSize);
  if (ceil_div(file_size, part_size) > kMaxParts) {
    part_size = ceil_div(ceil_div(file_size, kMaxParts), kMiB) * kMiB;
  }
  return PartPlan(file_size, part_size);
}

std::optional<PartPlan> PartPlan::with_part_size(std::uint64_t file_size, std::uint64_t part_size,
                                                 std::string* why) {
  auto fail = [&](std::string text) {
    if (why != nullptr) *why = std::move(text);
    return std::nullopt;
  };
  if (part_size > kMaxPartSize) return fail(fmt::format("part size {} exceeds 5 GiB", part_size));
  if (part_size < kMinPartSize && file_size > part_size) {
    return fail(fmt::format("part size {} is below S3's 5 MiB minimum", part_size));
  }
  if (part_size == 0 || ceil_div(file_size, part_size) > kMaxParts) {
    return fail(fmt::format("part size {} cannot carry {} bytes in 10,000 parts", part_size, file_size));
  }
  return PartPlan(file_size, part_size);
}

PartRange PartPlan::part(int number) const {
  const std::uint64_t offset = static_cast<std::uint64_t>(number - 1) * part_size_;
  return PartRange{number, offset, std::min(part_size_, file_size_ - std::min(offset, file_size_))};
}

}  // namespace dsync::s3
