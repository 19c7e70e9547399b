// What `restore` finds in the bucket: the objects under the prefix grouped into exports. An export is
// the set of `.gz` objects that share one folder below the prefix (with the default names, which the
// original tool overwrote on every export, there is one export at the top level, shown as ".").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "s3/client.h"

namespace dsync::cli {

struct StoredExport {
  std::string name;  // folder below the prefix, "." for the top level
  std::vector<s3::ListedObject> objects;
  std::uint64_t bytes = 0;
  std::string last_modified;  // of its newest object (ISO 8601, so strings compare in time order)
};

// Groups `objects` (keys include `prefix`) into exports, oldest first. Keys that are not export files
// (no ".gz" suffix, e.g. `check`'s probe objects) are left out.
std::vector<StoredExport> group_exports(const std::vector<s3::ListedObject>& objects,
                                        std::string_view prefix);

// The export `from` names ("latest" = the one with the newest object); nullptr and *why if none.
const StoredExport* choose_export(const std::vector<StoredExport>& exports, std::string_view from,
                                  std::string* why);

// The file name an object is written to below --to: the part of its key after the export's folder.
// Empty if that would not be a plain file name (no "..", no '/').
std::string local_name(const StoredExport& e, const s3::ListedObject& object, std::string_view prefix);

}  // namespace dsync::cli
