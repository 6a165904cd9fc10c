// mowe-cli synth: renders synthetic weather onto a clean photo (core/weather/synth.h) and
// writes the weather image and, on request, its per-pixel label map.

#include "weather/synth.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "common/atomic_file.h"
#include "weather/image_io.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace mowe::cli {
namespace {

constexpr const char *kUsage =
    "Usage: mowe-cli synth --in CLEAN --weather SPEC --seed S --out IMG\n"
    "                      [--labels LABELS.png] [--labels-color PICTURE.png]\n\n"
    "  --in FILE            clean photo (PNG, JPEG, TIFF, BMP, WebP, ...)\n"
    "  --weather SPEC       intensities in [0,1], e.g. rain=0.6,fog=0.3\n"
    "                       (rain, snow, fog, raindrops; 'clear' for none)\n"
    "  --seed S             the same seed gives the same weather (default 0)\n"
    "  --out FILE           the weather image (8-bit; format from the extension)\n"
    "  --labels FILE        raw label map, 8-bit single-channel PNG, one value per pixel:\n"
    "                       0 clear, 1 rain, 2 snow, 3 fog, 4 raindrops\n"
    "  --labels-color FILE  the label map as a colour picture, for looking at\n\n"
    "Prints a JSON summary (size, weather, seed, fraction of pixels per label).\n";

// 8-bit maps (raw labels, their colour picture): encoded in memory, then written atomically
// with every write checked (cv::imwrite does not notice a full disk).
void writePng(const std::filesystem::path &path, const cv::Mat &image) {
    std::vector<uchar> png;
    if (!cv::imencode(".png", image, png))
        throw WriteError("could not write '" + path.string() + "': cannot encode the PNG");
    writeFileAtomically(path,
                        std::string_view(reinterpret_cast<const char *>(png.data()), png.size()));
}

} // namespace

int runSynth(const std::vector<std::string> &argv) {
    const Args args(argv, {"in", "weather", "seed", "out", "labels", "labels-color"}, {"help"});
    if (args.has("help")) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (!args.positional().empty())
        throw UsageError("unexpected argument '" + args.positional().front() + "'");
    const std::string in = args.required("in");
    const std::string out = args.required("out");
    weather::WeatherSpec spec;
    try {
        spec = weather::parseWeatherSpec(args.required("weather"));
    } catch (const std::invalid_argument &e) {
        throw UsageError(std::string("--weather: ") + e.what());
    }
    const long long seed = args.getInt("seed", 0);
    if (seed < 0)
        throw UsageError("--seed must be a non-negative integer");

    const weather::LoadedImage clean = weather::loadImage(in);
    const weather::SynthResult result =
        weather::synthesize(clean.bgr, spec, static_cast<std::uint64_t>(seed));

    weather::saveImage(out, result.image);
    if (args.has("labels"))
        writePng(args.get("labels"), result.labels);
    if (args.has("labels-color"))
        writePng(args.get("labels-color"), weather::colorizeLabels(result.labels));

    nlohmann::json summary;
    summary["in"] = in;
    summary["out"] = out;
    summary["width"] = result.image.cols;
    summary["height"] = result.image.rows;
    summary["weather"] = weather::toString(spec);
    summary["seed"] = seed;
    summary["loadNotes"] = clean.notes;
    const double pixels = static_cast<double>(result.labels.total());
    for (int label = 0; label < weather::kWeatherClasses; ++label)
        summary["labelFraction"][weather::weatherName(label)] =
            cv::countNonZero(result.labels == label) / pixels;
    std::printf("%s\n", summary.dump(2).c_str());
    return 0;
}

} // namespace mowe::cli
