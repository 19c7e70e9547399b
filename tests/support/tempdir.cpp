#include "support/tempdir.h"

#include <cstdlib>
#include <string>
#include <system_error>

namespace dsync::testenv {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "dsync-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace dsync::testenv
