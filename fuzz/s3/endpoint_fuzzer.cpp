// Feeds arbitrary text to the endpoint parser and, for what it accepts, builds request targets: an
// accepted endpoint must give a URL that starts with its scheme and carries the encoded key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "s3/endpoint.h"

using namespace dsync::s3;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto split = text.find('\n');
  std::string why;
  auto ep = parse_endpoint(text.substr(0, split), &why);
  if (!ep) {
    if (why.empty()) std::abort();  // every refusal has a reason
    return 0;
  }
  const std::string key = split == std::string::npos ? "k" : text.substr(split + 1);
  Target t = Addressing(*ep, "bucket", true).object(key, {{"uploadId", key}});
  if (t.url.rfind(ep->https ? "https://" : "http://", 0) != 0) std::abort();
  if (t.url.find(t.canonical_uri) == std::string::npos) std::abort();
  for (char c : t.canonical_uri) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) std::abort();
  }
  return 0;
}
