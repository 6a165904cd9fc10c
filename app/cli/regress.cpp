// Placeholder until the subcommand lands; it says so rather than pretending to work.
#include "cli/commands.h"

#include <cstdio>

namespace mowe::cli {

int runRegress(const std::vector<std::string> &) {
    std::fprintf(stderr, "mowe-cli regress: not available in this build yet\n");
    return 1;
}

} // namespace mowe::cli
