// The subcommands. Each takes the validated configuration and returns the process exit status:
// 0 success, 1 the operation failed (the reason was printed), 2 a bad configuration.
#pragma once

#include <string>

#include "cli/config.h"

namespace dsync::cli {

int run_serve(const Config& config);
int run_push(const Config& config);
int run_restore(const Config& config);
int run_check(const Config& config);
int run_status(const Config& config);

// The key prefix objects are listed under: the object prefix, with the '/' that ObjectNamer puts
// between it and the names ("" stays "", "a/" stays "a/", "a" becomes "a/").
std::string listing_prefix(const std::string& object_prefix);

// An address to connect to for a listen address: "" and "0.0.0.0" become 127.0.0.1, "::" becomes ::1.
std::string connect_url_for_listen(const std::string& listen);

}  // namespace dsync::cli
