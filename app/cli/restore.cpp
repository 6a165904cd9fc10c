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
            throw std::runtime_error("cannot open video '" + in.string() +
                                     "': OpenCV's video reader does not recognise it (unsupported "
                                     "codec, or not a video)");
        const double fps = capture.get(cv::CAP_PROP_FPS) > 0 ? capture.get(cv::CAP_PROP_FPS) : 25.0;
        const auto claimedFrames = static_cast<long>(capture.get(cv::CAP_PROP_FRAME_COUNT));
        // A stream that breaks mid-way (a half-copied file) ends the video at its last good frame.
        const auto readFrame = [&](cv::Mat &frame) {
            try {
                return capture.read(frame) && !frame.empty();
            } catch (const cv::Exception &) {
                return false;
            }
        };
        cv::Mat frame;
        if (!readFrame(frame))
            throw std::runtime_error("video '" + in.string() +
                                     "' has no readable frame (empty or corrupt)");
        int frames = 0;
        double seconds = 0;
        // The whole video goes to a temporary file renamed over OUT at the end, so a failure
        // half-way (or a full disk) leaves the previous OUT, if any, as it was.
        writeAtomicallyWith(out, [&](const fs::path &tmp) {
            cv::VideoWriter writer(
                tmp.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, frame.size());
            if (!writer.isOpened())
                throw WriteError("OpenCV cannot write an MJPG video there");
            do {
                cv::Mat f;
                frame.convertTo(f, CV_32FC3, 1.0 / 255.0);
                const auto r = restorer->restore(f, options);
                seconds += r.seconds;
                cv::Mat u8;
                r.restored.convertTo(u8, CV_8UC3, 255.0);
                writer.write(u8);
                ++frames;
            } while (readFrame(frame));
            writer.release();
            // cv::VideoWriter reports no write error (a full disk leaves a cut file): read the
            // result back and count its frames before it may replace anything.
            cv::VideoCapture check(tmp.string());
            int readable = 0;
            for (cv::Mat f; check.isOpened() && readable < frames && check.read(f) && !f.empty();)
                ++readable;
            if (readable < frames)
                throw WriteError("the video written has " + std::to_string(readable) + " of its " +
                                 std::to_string(frames) + " frames (disk full?)");
            return true;
        });
        json line = {{"input", in.string()},
                     {"output", out.string()},
                     {"frames", frames},
                     {"seconds", seconds},
                     {"seconds_per_frame", seconds / frames}};
        if (claimedFrames > frames) {
            line["truncated"] = true;
            line["notes"] = {"the video stopped after " + std::to_string(frames) + " of the " +
                             std::to_string(claimedFrames) +
                             " frames its header claims (broken or truncated stream); the frames "
                             "read were restored"};
        }
        std::printf("%s\n", line.dump().c_str());
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
