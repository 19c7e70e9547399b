// From the one Config to the settings struct of each module, and the checks only those modules can
// make (the S3 engine's view of the endpoint, the sync pipeline's view of the name template).
#pragma once

#include <optional>

#include "cli/config.h"
#include "proxy/proxy_server.h"
#include "sync/sync_service.h"

namespace dsync::cli {

sync::SyncSettings sync_settings(const Config& config);
proxy::ProxySettings proxy_settings(const Config& config);

// A problem the modules see in the configuration, as `dsync: --<flag>: <problem>`; nullopt if none.
std::optional<ConfigError> module_problem(const Config& config);

}  // namespace dsync::cli
