// The one logger: spdlog's default logger, configured once here. Every line is one event; sync lines
// carry `task=` and `object=` fields. Secrets registered with `redact()` are masked in every line,
// whatever code path produced it — defence in depth on top of never formatting them.
#pragma once

#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace dsync::log {

enum class Format { text, json };

// Configures the default logger (stderr). `level` is an spdlog level name: trace, debug, info, warn, error.
// Returns false (and leaves logging as it was) if the level name is unknown.
bool init(Format format, std::string_view level);

// Masks `secret` (and nothing shorter than 8 bytes, to avoid masking common words) in all later lines.
void redact(std::string secret);

// Applies the registered redactions to `text` (used by the formatter and by error paths that print
// outside the logger, e.g. exit messages).
std::string scrub(std::string text);

}  // namespace dsync::log
