// Placeholder until the subcommand lands; it says so rather than pretending to work.
#include "cli/commands.h"

#include <cstdio>

namespace mowe::cli {

int runEval(const std::vector<std::string> &) {
    std::fprintf(stderr, "mowe-cli eval: not available in this build yet\n");
    return 1;
}

} // namespace mowe::cli
