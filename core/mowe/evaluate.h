#pragma once
// Evaluation of a restorer on clean photos with synthetic weather (spec/mowe.md §4),
// torch-free. For every photo × weather setting: synthesise (seeded), restore, and score
//   - PSNR / SSIM of the weather input, the restored output, and the classical baseline for
//     that weather (dark-channel dehazing for fog, the median filter for rain, snow and drops);
//   - the label-free perception metric (HOG + Haar people detections on the clean photo as
//     pseudo-labels; F1 at IoU ≥ 0.5), counting only photos whose clean version has people;
//   - routing: per-expert load, mean entropy, and the uncertainty coefficient
//     I(top-1 expert; token weather label) / H(weather label) over all tokens of all settings,
//     against a shuffled-label baseline; the same restricted to rain and snow tokens says
//     whether the router separates those two.
// Real photos without a clean version get BRISQUE of input and output.

#include "mowe/engine.h"
#include "weather/synth.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace mowe::model {

struct EvalOptions {
    std::vector<weather::WeatherSpec> weathers; ///< empty: defaultEvalWeathers()
    std::uint64_t seed = 1;
    int maxSide = 512; ///< clean photos are downscaled to this long side first (0: keep)
    int maxPhotos = 0; ///< > 0: only the first N photos (sorted by name)
    bool baselines = true;
    bool perception = true;
    RestoreOptions restore;
    std::function<void(const std::string &)> progress; ///< one line per photo × weather
};

/// rain, snow, fog and raindrops at intensities 0.3 and 0.7, and two mixtures.
std::vector<weather::WeatherSpec> defaultEvalWeathers();

/// The dominant weather of a setting ("rain", ..., "mixed") and its band ("low" < 0.5 ≤ "high").
std::string weatherKind(const weather::WeatherSpec &spec);
std::string intensityBand(const weather::WeatherSpec &spec);

/// Evaluates `restorer` on `photos` (clean). Unreadable photos are skipped and listed under
/// "skipped". Returns the JSON report described in docs/evaluation.md.
nlohmann::json evaluate(const Restorer &restorer,
                        const std::vector<std::filesystem::path> &photos,
                        const EvalOptions &options);

/// BRISQUE of each real (weather) photo and of its restoration.
nlohmann::json evaluateReal(const Restorer &restorer,
                            const std::vector<std::filesystem::path> &photos,
                            const EvalOptions &options);

} // namespace mowe::model
