// Built instead of restore.cpp, train.cpp and eval.cpp when MOWE_BUILD_TORCH is OFF (e.g. the
// sanitizer build): the model commands then say why they are missing.
#include "cli/commands.h"

#include <cstdio>

namespace mowe::cli {
namespace {

int unavailable(const char *name) {
    std::fprintf(stderr,
                 "mowe-cli %s: this build has no LibTorch (configured with MOWE_BUILD_TORCH=OFF); "
                 "rebuild with scripts/build to use the model\n",
                 name);
    return 1;
}

} // namespace

int runRestore(const std::vector<std::string> &) {
    return unavailable("restore");
}
int runTrain(const std::vector<std::string> &) {
    return unavailable("train");
}
int runEval(const std::vector<std::string> &) {
    return unavailable("eval");
}

} // namespace mowe::cli
