// systemd's readiness protocol without libsystemd: one datagram to the unix socket named by
// $NOTIFY_SOCKET (a path, or '@' for the abstract namespace). A no-op when not run by systemd with
// Type=notify.
#pragma once

#include <string_view>

namespace dsync::cli {

// Sends `state` ("READY=1", "STOPPING=1", "STATUS=...") and returns whether it was delivered; false
// (and nothing sent) when NOTIFY_SOCKET is unset.
bool sd_notify(std::string_view state);

}  // namespace dsync::cli
