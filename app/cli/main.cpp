// mowe-cli: the command-line face of MoWE Studio. Thin: each subcommand parses its options
// and calls core/.

#include "cli/args.h"
#include "cli/commands.h"
#include "common/log.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

struct Entry {
    const char *name;
    mowe::cli::Command run;
    const char *summary;
};

const Entry kCommands[] = {
    {"regress",
     mowe::cli::runRegress,
     "regression problems: eval|newton|spectrum|landscape|context|generate"},
    {"synth", mowe::cli::runSynth, "render synthetic weather onto a clean photo"},
    {"restore", mowe::cli::runRestore, "restore an image, folder or video with a MoWE model"},
    {"train", mowe::cli::runTrain, "train a MoWE model on synthetic weather"},
    {"eval", mowe::cli::runEval, "evaluate a model (PSNR, SSIM, BRISQUE, detection F1, routing)"},
};

void printUsage(std::FILE *out) {
    std::fprintf(out,
                 "Usage: mowe-cli [--verbose] [--threads N] COMMAND [OPTIONS]\n"
                 "       mowe-cli --help | --version\n\nCommands:\n");
    for (const auto &c : kCommands)
        std::fprintf(out, "  %-8s %s\n", c.name, c.summary);
    std::fprintf(out, "\n'mowe-cli COMMAND --help' describes a command's options.\n");
}

} // namespace

int main(int argc, char **argv) {
    std::vector<std::string> words(argv + 1, argv + argc);
    std::size_t i = 0;
    for (; i < words.size() && words[i].rfind("--", 0) == 0; ++i) {
        const std::string &w = words[i];
        if (w == "--help" || w == "-h") {
            printUsage(stdout);
            return 0;
        }
        if (w == "--version") {
            std::printf("mowe-cli %s\n", MOWE_VERSION);
            return 0;
        }
        if (w == "--verbose") {
            mowe::log::setLevel(mowe::log::Level::Debug);
            continue;
        }
        if (w == "--threads" && i + 1 < words.size()) {
            // Read by the model code through the environment so core stays option-free.
            setenv("MOWE_THREADS", words[++i].c_str(), 1);
            continue;
        }
        std::fprintf(stderr, "mowe-cli: unknown option '%s'\n\n", w.c_str());
        printUsage(stderr);
        return 2;
    }
    if (i >= words.size()) {
        printUsage(stderr);
        return 2;
    }
    const std::string name = words[i];
    const std::vector<std::string> rest(words.begin() + static_cast<long>(i) + 1, words.end());
    for (const auto &c : kCommands) {
        if (name != c.name)
            continue;
        try {
            return c.run(rest);
        } catch (const mowe::cli::UsageError &e) {
            std::fprintf(
                stderr, "mowe-cli %s: %s\n(see 'mowe-cli %s --help')\n", c.name, e.what(), c.name);
            return 2;
        } catch (const std::exception &e) {
            std::fprintf(stderr, "mowe-cli %s: error: %s\n", c.name, e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "mowe-cli: unknown command '%s'\n\n", name.c_str());
    printUsage(stderr);
    return 2;
}
