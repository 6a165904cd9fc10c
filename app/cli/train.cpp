// mowe-cli train: trains (or resumes) a MoWE model on synthetic weather.
#include "cli/args.h"
#include "cli/commands.h"

#include "common/atomic_file.h"
#include "mowe/train.h"

#include <c10/util/Exception.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>

namespace mowe::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;

void onSignal(int) {
    g_stop = 1;
}

const char *kUsage =
    "Usage: mowe-cli train --config FILE --out DIR [--steps N] [--max-minutes M] [--threads N]\n"
    "                      [--world-size W --rank R --store FILE]\n"
    "Trains a MoWE model; re-running with the same --out resumes from its checkpoint.\n"
    "SIGINT/SIGTERM stop after the current step and save a checkpoint.\n"
    "Data parallel: start W processes with ranks 0..W-1 and the same --store path.\n";

} // namespace

int runTrain(const std::vector<std::string> &argv) {
    const Args args(
        argv,
        {"config", "out", "steps", "max-minutes", "threads", "world-size", "rank", "store"},
        {"help"});
    if (args.has("help")) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    const std::filesystem::path configPath = args.required("config");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(readFile(configPath, 1u << 20));
    } catch (const nlohmann::json::parse_error &e) {
        throw std::runtime_error("'" + configPath.string() + "' is not valid JSON: " + e.what());
    }
    auto config = model::TrainConfig::fromJson(j);
    if (args.has("steps"))
        config.steps = static_cast<int>(args.getInt("steps", config.steps));
    if (args.has("max-minutes"))
        config.maxMinutes = args.getDouble("max-minutes", 0);
    if (args.has("threads"))
        config.threads = static_cast<int>(args.getInt("threads", 0));
    model::DistributedOptions dist;
    dist.worldSize = static_cast<int>(args.getInt("world-size", 1));
    dist.rank = static_cast<int>(args.getInt("rank", 0));
    if (dist.worldSize < 1 || dist.rank < 0 || dist.rank >= dist.worldSize)
        throw UsageError("--rank must be in [0, --world-size)");
    if (dist.worldSize > 1)
        dist.storeFile = args.required("store");

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    model::TrainSummary summary;
    try {
        summary = model::train(
            config,
            std::filesystem::absolute(configPath).parent_path(),
            args.required("out"),
            dist,
            [](const model::TrainReport &r) {
                std::fprintf(
                    stderr,
                    "step %d/%d  loss %.5f (rec %.5f con %.4f bal %.4f)  lr %.2e  %.1f ex/s  "
                    "%.0f min left",
                    r.step,
                    r.steps,
                    r.loss,
                    r.reconstruction,
                    r.contrastive,
                    r.balance,
                    r.lr,
                    r.examplesPerSecond,
                    r.secondsLeft / 60.0);
                if (r.validationPsnrOutput >= 0)
                    std::fprintf(stderr,
                                 "  val PSNR %.2f -> %.2f dB",
                                 r.validationPsnrInput,
                                 r.validationPsnrOutput);
                std::fputc('\n', stderr);
            },
            [] { return g_stop != 0; });
    } catch (const c10::Error &e) {
        throw std::runtime_error(e.what_without_backtrace()); // LibTorch's backtrace helps no user
    }
    nlohmann::json out = {{"steps_done", summary.stepsDone},
                          {"resumed", summary.resumed},
                          {"resumed_from", summary.resumedFrom},
                          {"stopped_by_budget", summary.stoppedByBudget},
                          {"interrupted", g_stop != 0},
                          {"seconds", summary.seconds},
                          {"model", summary.modelDir.string()},
                          {"loss", summary.last.loss}};
    if (summary.last.validationPsnrOutput >= 0)
        out["validation_psnr"] = {{"input", summary.last.validationPsnrInput},
                                  {"output", summary.last.validationPsnrOutput}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
}

} // namespace mowe::cli
