// gzip compression for building test inputs (dsync itself only inflates).
#pragma once

#include <string>
#include <string_view>

namespace dsync::testing {

std::string gzip(std::string_view plain);

}  // namespace dsync::testing
