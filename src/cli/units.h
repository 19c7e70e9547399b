// Human-friendly quantities on the command line: sizes ("16MiB") and durations ("500ms", "1h30m"),
// and their inverse for progress lines ("12.3 MiB", "1:05:09").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dsync::cli {

// "1048576", "512KiB", "16MiB", "1.5GiB", "64MB". IEC suffixes (KiB, MiB, GiB, TiB) and the bare
// letters K, M, G, T are powers of 1024; SI suffixes (kB, MB, GB, TB) are powers of 1000; "B" or no
// suffix means bytes. Case-insensitive. nullopt on a malformed value or on overflow.
std::optional<std::uint64_t> parse_size(std::string_view text);

// Go-style durations: one or more <number><unit> with units ms, s, m, h ("500ms", "5s", "10m", "6h",
// "1h30m", "1.5s"). A bare "0" is zero. nullopt on anything else (a bare number has no unit and is
// rejected, because "30" could mean seconds or minutes).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "0 B", "999 B", "1.0 KiB", "12.3 MiB", "4.00 GiB".
std::string format_bytes(double bytes);

// "0:07", "12:34", "1:05:09".
std::string format_clock(std::chrono::seconds s);

// "500ms", "5s", "10m", "6h", "1h30m": the shortest form parse_duration reads back.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace dsync::cli
