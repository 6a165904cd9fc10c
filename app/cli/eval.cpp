// mowe-cli eval: scores a model on clean photos with synthetic weather, and on real weather
// photos with BRISQUE, and prints one JSON report.
#include "cli/args.h"
#include "cli/commands.h"

#include "common/resources.h"
#include "mowe/dataset.h"
#include "mowe/evaluate.h"

#include <cstdio>
#include <sstream>

namespace mowe::cli {
namespace fs = std::filesystem;

namespace {

const char *kUsage =
    "Usage: mowe-cli eval [--model DIR] --clean DIR [--split FILE] [--seed S]\n"
    "                     [--weather SPEC[;SPEC...]] [--max-side N] [--photos N] [--real DIR]\n"
    "                     [--no-baselines] [--no-perception] [--tile T] [--overlap O]\n"
    "Synthesises each weather SPEC (e.g. 'rain=0.7;fog=0.3,snow=0.2') on every clean photo\n"
    "(only the validation photos named in --split, if given), restores it and prints PSNR/SSIM\n"
    "per weather and intensity band, classical baselines, detection F1 and routing statistics.\n"
    "--real adds BRISQUE for real weather photos. Clean photos are downscaled to --max-side\n"
    "(default 512) before weather is drawn.\n";

} // namespace

int runEval(const std::vector<std::string> &argv) {
    const Args args(argv,
                    {"model",
                     "clean",
                     "split",
                     "seed",
                     "weather",
                     "max-side",
                     "photos",
                     "real",
                     "tile",
                     "overlap"},
                    {"help", "no-baselines", "no-perception", "progress"});
    if (args.has("help")) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    auto restorer = model::Restorer::load(args.get("model", shippedModelDir().string()));
    model::EvalOptions options;
    options.seed = static_cast<std::uint64_t>(args.getInt("seed", 1));
    options.maxSide = static_cast<int>(args.getInt("max-side", 512));
    options.maxPhotos = static_cast<int>(args.getInt("photos", 0));
    options.baselines = !args.has("no-baselines");
    options.perception = !args.has("no-perception");
    options.restore.tile = static_cast<int>(args.getInt("tile", 256));
    options.restore.overlap = static_cast<int>(args.getInt("overlap", 32));
    if (args.has("weather")) {
        std::stringstream list(args.get("weather"));
        std::string item;
        while (std::getline(list, item, ';'))
            options.weathers.push_back(weather::parseWeatherSpec(item));
    }
    if (args.has("progress"))
        options.progress = [](const std::string &line) {
            std::fprintf(stderr, "%s\n", line.c_str());
        };

    const fs::path clean = args.required("clean");
    std::vector<std::string> validation;
    if (args.has("split"))
        validation = model::readValidationList(args.get("split"));
    const auto split = model::splitPhotos(clean, validation);
    auto report =
        model::evaluate(*restorer, args.has("split") ? split.validation : split.train, options);
    if (args.has("real")) {
        const auto real = model::splitPhotos(args.get("real"), {});
        report["real_photos"] = model::evaluateReal(*restorer, real.train, options);
    }
    std::printf("%s\n", report.dump(2).c_str());
    return 0;
}

} // namespace mowe::cli
