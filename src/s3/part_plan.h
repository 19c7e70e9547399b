// How a file is cut into parts. S3's limits: at most 10,000 parts, every part but the last at least
// 5 MiB, no part over 5 GiB, no object over 5 TiB.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace dsync::s3 {

inline constexpr std::uint64_t kMiB = 1ull << 20;
inline constexpr std::uint64_t kMinPartSize = 5 * kMiB;
inline constexpr std::uint64_t kMaxPartSize = 5ull << 30;
inline constexpr std::uint64_t kMaxObjectSize = 5ull << 40;
inline constexpr int kMaxParts = 10'000;

struct PartRange {
  int number = 0;  // 1-based, as S3 counts
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

class PartPlan {
 public:
  // A new upload: the requested part size, raised to S3's minimum and, for very large files, to the
  // next MiB multiple that fits the file in 10,000 parts. nullopt (and *why) if the file is too large.
  static std::optional<PartPlan> for_new_upload(std::uint64_t file_size, std::uint64_t requested_part_size,
                                                std::string* why);
  // A resumed upload must keep the part size it started with; nullopt if that size cannot carry this file.
  static std::optional<PartPlan> with_part_size(std::uint64_t file_size, std::uint64_t part_size,
                                                std::string* why);

  std::uint64_t file_size() const { return file_size_; }
  std::uint64_t part_size() const { return part_size_; }
  int part_count() const { return part_count_; }
  PartRange part(int number) const;  // number in [1, part_count()]

 private:
  PartPlan(std::uint64_t file_size, std::uint64_t part_size);
  std::uint64_t file_size_;
  std::uint64_t part_size_;
  int part_count_;
};

}  // namespace dsync::s3
