// mowe-cli restore: restores an image, a folder of images, or a video with a MoWE model and
// prints one JSON line per input with timings, per-layer expert load and mean entropy.
#include "cli/args.h"
#include "cli/commands.h"

#include "common/atomic_file.h"
#include "common/resources.h"
#include "mowe/engine.h"
#include "mowe/route_maps.h"
#include "weather/image_io.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

namespace mowe::cli {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const char *kUsage =
    "Usage: mowe-cli restore --in IMAGE|FOLDER|VIDEO --out OUT [--model DIR | --torchscript FILE]\n"
    "                        [--routes OUT_DIR] [--tile T] [--overlap O] [--fast] [--dense]\n"
    "                        [--force-expert E [--force-layer L]]\n"
    "Restores the input with a MoWE model (default: the shipped one). IMAGE → OUT image;\n"
    "FOLDER → every image into the OUT folder; VIDEO (.avi/.mp4/.mkv/...) → OUT video (MJPG "
    ".avi).\n"
    "--routes writes per layer: the top-1 expert map, each expert's probability map and the\n"
    "entropy map as PNGs (token resolution scaled to the image), plus routes.json.\n";

bool isVideo(const fs::path &p) {
    static const std::set<std::string> ext = {
        ".avi", ".mp4", ".mkv", ".mov", ".webm", ".mpg", ".mpeg"};
    auto e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), ::tolower);
    return ext.count(e) > 0;
}

json summaryOf(const model::RestoreResult &r) {
    json j = {{"seconds", r.seconds}, {"tiles", r.tiles}};
    j["width"] = r.restored.cols;
    j["height"] = r.restored.rows;
    j["layers"] = json::array();
    for (const auto &l : r.trace.layers)
        j["layers"].push_back({{"load", l.load}, {"mean_entropy", l.meanEntropy}});
    return j;
}

void writeRoutes(const fs::path &dir, const model::RestoreResult &r, const model::ModelInfo &info) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw WriteError("cannot create '" + dir.string() + "': " + ec.message());
    const auto &grid = r.trace.grid;
    for (std::size_t l = 0; l < r.trace.layers.size(); ++l) {
        const auto &layer = r.trace.layers[l];
        const std::string prefix = "layer" + std::to_string(l) + "_";
        weather::saveImage(dir / (prefix + "top1.png"), model::top1ColourMap(grid, layer, true));
        weather::saveImage(dir / (prefix + "entropy.png"), model::entropyMap(grid, layer, true));
        for (int e = 0; e < layer.experts; ++e)
            weather::saveImage(dir / (prefix + "prob_e" + std::to_string(e) + ".png"),
                               model::probabilityMap(grid, layer, e, true));
    }
    json j = model::traceToJson(r.trace, false);
    j["expert_labels"] = info.expertLabels;
    j["palette"] = json::array();
    for (int e = 0; e < info.experts; ++e) {
        const auto c = model::expertColour(e);
        j["palette"].push_back({c[2], c[1], c[0]});
    }
    writeFileAtomically(dir / "routes.json", j.dump(2) + "\n");
}

} // namespace

int runRestore(const std::vector<std::string> &argv) {
    const Args args(argv,
                    {"in",
                     "out",
                     "model",
                     "torchscript",
                     "routes",
                     "tile",
                     "overlap",
                     "force-expert",
                     "force-layer"},
                    {"help", "fast", "dense"});
    if (args.has("help")) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    const fs::path in = args.required("in"), out = args.required("out");
    std::shared_ptr<model::Restorer> restorer =
        args.has("torchscript")
            ? model::Restorer::loadTorchScript(args.get("torchscript"))
            : model::Restorer::load(args.get("model", shippedModelDir().string()));
    model::RestoreOptions options;
    options.tile = static_cast<int>(args.getInt("tile", options.tile));
    options.overlap = static_cast<int>(args.getInt("overlap", options.overlap));
    options.fast = args.has("fast");
    options.sparse = !args.has("dense");
    options.forcedExpert = static_cast<int>(args.getInt("force-expert", -1));
    options.forcedLayer = static_cast<int>(args.getInt("force-layer", -1));
    if (options.forcedExpert >= restorer->info().experts)
        throw UsageError("--force-expert must be below the model's " +
                         std::to_string(restorer->info().experts) + " experts");
    options.trace = true;

    std::error_code ec;
    if (fs::is_directory(in, ec)) {
        fs::create_directories(out, ec);
        int failures = 0;
        std::vector<fs::path> files;
        for (const auto &entry : fs::directory_iterator(in))
            if (entry.is_regular_file())
                files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (const auto &file : files) {
            json line = {{"input", file.string()}};
            try {
                const auto image = weather::loadImage(file);
                const auto r = restorer->restore(image.bgr, options);
                const auto target = out / (file.stem().string() + ".png");
                weather::saveImage(target, r.restored);
                if (args.has("routes"))
                    writeRoutes(fs::path(args.get("routes")) / file.stem(), r, restorer->info());
                line["output"] = target.string();
                line.update(summaryOf(r));
            } catch (const std::exception &e) {
                line["error"] = e.what();
                ++failures;
            }
            std::printf("%s\n", line.dump().c_str());
        }
        return failures ? 1 : 0;
    }
    if (isVideo(in)) {
        cv::VideoCapture capture(in.string());
        if (!capture.isOpened())
            throw std::runtime_error("cannot open video '" + in.string() + "'");
        const double fps = capture.get(cv::CAP_PROP_FPS) > 0 ? capture.get(cv::CAP_PROP_FPS) : 25.0;
        cv::VideoWriter writer;
        const fs::path tmp = out.parent_path() / ("." + out.filename().string() + ".part.avi");
        int frames = 0;
        double seconds = 0;
        cv::Mat frame;
        while (true) {
            bool ok = false;
            try {
                ok = capture.read(frame);
            } catch (const cv::Exception &) {
                ok = false; // a stream that breaks mid-way ends the video here
            }
            if (!ok || frame.empty())
                break;
            cv::Mat f;
            frame.convertTo(f, CV_32FC3, 1.0 / 255.0);
            const auto r = restorer->restore(f, options);
            seconds += r.seconds;
            if (!writer.isOpened()) {
                writer.open(
                    tmp.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, frame.size());
                if (!writer.isOpened())
                    throw WriteError("cannot write video '" + out.string() + "'");
            }
            cv::Mat u8;
            r.restored.convertTo(u8, CV_8UC3, 255.0);
            writer.write(u8);
            ++frames;
        }
        writer.release();
        if (frames == 0)
            throw std::runtime_error("video '" + in.string() + "' has no readable frame");
        fs::rename(tmp, out, ec);
        if (ec)
            throw WriteError("cannot move the restored video to '" + out.string() +
                             "': " + ec.message());
        std::printf("%s\n",
                    json({{"input", in.string()},
                          {"output", out.string()},
                          {"frames", frames},
                          {"seconds", seconds},
                          {"seconds_per_frame", seconds / frames}})
                        .dump()
                        .c_str());
        return 0;
    }
    const auto image = weather::loadImage(in);
    const auto r = restorer->restore(image.bgr, options);
    weather::saveImage(out, r.restored);
    if (args.has("routes"))
        writeRoutes(args.get("routes"), r, restorer->info());
    json line = {
        {"input", in.string()}, {"output", out.string()}, {"model", restorer->info().name}};
    line.update(summaryOf(r));
    if (!image.notes.empty())
        line["notes"] = image.notes;
    std::printf("%s\n", line.dump().c_str());
    return 0;
}

} // namespace mowe::cli
