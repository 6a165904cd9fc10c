#pragma once
// The mowe-cli subcommands. Each lives in its own file (regress.cpp, synth.cpp, ...), takes
// the words after its name, prints JSON to standard output, and returns the exit status:
// 0 success, 1 a runtime failure (message on stderr), 2 a usage error.

#include <string>
#include <vector>

namespace mowe::cli {

int runRegress(const std::vector<std::string> &args);
int runSynth(const std::vector<std::string> &args);
int runRestore(const std::vector<std::string> &args);
int runTrain(const std::vector<std::string> &args);
int runEval(const std::vector<std::string> &args);

} // namespace mowe::cli
