#include "mowe/evaluate.h"

#include "mowe/dataset.h"
#include "weather/baselines.h"
#include "weather/image_io.h"
#include "weather/metrics.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <map>

namespace mowe::model {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::vector<weather::WeatherSpec> defaultEvalWeathers() {
    std::vector<weather::WeatherSpec> w;
    for (float i : {0.3f, 0.7f}) {
        w.push_back({i, 0, 0, 0});
        w.push_back({0, i, 0, 0});
        w.push_back({0, 0, i, 0});
        w.push_back({0, 0, 0, i});
    }
    w.push_back({0.5f, 0, 0.3f, 0});
    w.push_back({0, 0.5f, 0, 0.4f});
    return w;
}

std::string weatherKind(const weather::WeatherSpec &s) {
    const int layers = (s.rain > 0) + (s.snow > 0) + (s.fog > 0) + (s.raindrops > 0);
    if (layers == 0)
        return "clear";
    if (layers > 1)
        return "mixed";
    return s.rain > 0 ? "rain" : s.snow > 0 ? "snow" : s.fog > 0 ? "fog" : "raindrops";
}

std::string intensityBand(const weather::WeatherSpec &s) {
    const float top = std::max({s.rain, s.snow, s.fog, s.raindrops});
    return top < 0.5f ? "low" : "high";
}

namespace {

cv::Mat limitSide(const cv::Mat &img, int maxSide) {
    const int side = std::max(img.rows, img.cols);
    if (maxSide <= 0 || side <= maxSide)
        return img;
    cv::Mat out;
    const double f = static_cast<double>(maxSide) / side;
    cv::resize(img, out, cv::Size(), f, f, cv::INTER_AREA);
    return out;
}

/// The classical baseline for a weather setting: dehazing for fog, the median filter for
/// streaks, flakes and drops; for mixtures with fog, the median filter then dehazing.
cv::Mat baselineFor(const weather::WeatherSpec &s, const cv::Mat &input, std::string &name) {
    const bool streaks = s.rain > 0 || s.snow > 0 || s.raindrops > 0;
    cv::Mat out = input;
    name.clear();
    if (streaks) {
        out = weather::derainFilter(out);
        name = "median";
    }
    if (s.fog > 0) {
        out = weather::dehazeDarkChannel(out).image;
        name += name.empty() ? "dark_channel" : "+dark_channel";
    }
    return out;
}

struct Mean {
    double sum = 0;
    int n = 0;
    void add(double v) {
        sum += v;
        ++n;
    }
    double value() const { return n ? sum / n : 0.0; }
};

struct Group {
    Mean psnrIn, psnrOut, psnrBase, ssimIn, ssimOut, ssimBase;
    std::string baseline;
    json toJson() const {
        json j = {{"count", psnrIn.n},
                  {"psnr_input", psnrIn.value()},
                  {"psnr_output", psnrOut.value()},
                  {"psnr_gain", psnrOut.value() - psnrIn.value()},
                  {"ssim_input", ssimIn.value()},
                  {"ssim_output", ssimOut.value()}};
        if (psnrBase.n) {
            j["baseline"] = baseline;
            j["psnr_baseline"] = psnrBase.value();
            j["ssim_baseline"] = ssimBase.value();
        }
        return j;
    }
};

} // namespace

json evaluate(const Restorer &restorer,
              const std::vector<fs::path> &photosIn,
              const EvalOptions &options) {
    const auto weathers = options.weathers.empty() ? defaultEvalWeathers() : options.weathers;
    std::vector<fs::path> photos = photosIn;
    std::sort(photos.begin(), photos.end());
    if (options.maxPhotos > 0 && static_cast<int>(photos.size()) > options.maxPhotos)
        photos.resize(options.maxPhotos);

    std::unique_ptr<weather::PeopleDetector> detector;
    if (options.perception)
        detector = std::make_unique<weather::PeopleDetector>();

    const auto &info = restorer.info();
    std::map<std::string, Group> byKind, byKindBand;
    Group all;
    std::vector<weather::PerceptionResult> perception;
    std::vector<std::vector<int>> top1(info.depth), labels(info.depth);
    std::vector<std::vector<float>> entropy(info.depth);
    json skipped = json::array(), used = json::array();
    double seconds = 0;

    for (std::size_t p = 0; p < photos.size(); ++p) {
        cv::Mat clean;
        try {
            clean = limitSide(weather::loadImage(photos[p]).bgr, options.maxSide);
        } catch (const std::exception &e) {
            skipped.push_back({{"photo", photos[p].filename().string()}, {"reason", e.what()}});
            continue;
        }
        used.push_back(photos[p].filename().string());
        for (std::size_t w = 0; w < weathers.size(); ++w) {
            const auto &spec = weathers[w];
            const auto synth =
                weather::synthesize(clean, spec, mixSeed(options.seed, p * 1000 + w));
            const auto result = restorer.restore(synth.image, options.restore);
            seconds += result.seconds;
            const double pin = weather::psnr(clean, synth.image),
                         pout = weather::psnr(clean, result.restored);
            const double sin = weather::ssim(clean, synth.image),
                         sout = weather::ssim(clean, result.restored);
            std::string baselineName;
            cv::Mat base;
            if (options.baselines)
                base = baselineFor(spec, synth.image, baselineName);
            const std::string kind = weatherKind(spec);
            for (Group *g : {&byKind[kind], &byKindBand[kind + "/" + intensityBand(spec)], &all}) {
                g->psnrIn.add(pin);
                g->psnrOut.add(pout);
                g->ssimIn.add(sin);
                g->ssimOut.add(sout);
                if (!base.empty()) {
                    g->psnrBase.add(weather::psnr(clean, base));
                    g->ssimBase.add(weather::ssim(clean, base));
                    g->baseline = g == &all ? "per weather" : baselineName;
                }
            }
            if (detector)
                perception.push_back(
                    weather::perceptionScore(*detector, clean, synth.image, result.restored));
            const auto tokenWeather = tokenLabels(synth.labels, result.trace.grid.patch);
            for (int l = 0; l < info.depth && l < static_cast<int>(result.trace.layers.size());
                 ++l) {
                const auto &layer = result.trace.layers[l];
                for (int t = 0; t < result.trace.grid.tokens(); ++t) {
                    top1[l].push_back(layer.topk[t * layer.topK]);
                    labels[l].push_back(tokenWeather[t]);
                    entropy[l].push_back(layer.entropy[t]);
                }
            }
            if (options.progress)
                options.progress(photos[p].filename().string() + " " + weather::toString(spec) +
                                 ": PSNR " + std::to_string(pin) + " -> " + std::to_string(pout));
        }
    }

    json report;
    report["model"] = info.name;
    report["seed"] = options.seed;
    report["max_side"] = options.maxSide;
    report["photos"] = used;
    report["skipped"] = skipped;
    report["weathers"] = json::array();
    for (const auto &w : weathers)
        report["weathers"].push_back(weather::toString(w));
    report["restore_seconds"] = seconds;
    report["overall"] = all.toJson();
    for (const auto &[k, g] : byKind)
        report["by_weather"][k] = g.toJson();
    for (const auto &[k, g] : byKindBand)
        report["by_weather_band"][k] = g.toJson();

    if (detector) {
        const auto s = weather::summarize(perception);
        report["perception"] = {{"photos_with_people", s.photosWithPeople},
                                {"settings", s.photos},
                                {"weather_f1", s.meanWeatherF1},
                                {"restored_f1", s.meanRestoredF1},
                                {"gain", s.meanGain()},
                                {"note", "counted only where the clean photo has a detection"}};
    }
    report["routing"] = json::array();
    for (int l = 0; l < info.depth; ++l) {
        if (top1[l].empty())
            continue;
        const auto stats = weather::routingStats(
            top1[l], labels[l], entropy[l], info.experts, weather::kWeatherClasses);
        const auto shuffled = weather::shuffledUncertaintyCoefficient(
            top1[l], labels[l], info.experts, weather::kWeatherClasses, options.seed);
        // Rain against snow alone: does the router tell them apart?
        std::vector<int> rsTop, rsLabel;
        for (std::size_t i = 0; i < top1[l].size(); ++i)
            if (labels[l][i] == weather::kRain || labels[l][i] == weather::kSnow) {
                rsTop.push_back(top1[l][i]);
                rsLabel.push_back(labels[l][i]);
            }
        json layer = {{"layer", l},
                      {"tokens", stats.tokens},
                      {"load", stats.load},
                      {"mean_entropy", stats.meanEntropy},
                      {"uncertainty_coefficient", stats.uncertaintyCoefficient},
                      {"shuffled_uncertainty_coefficient", shuffled.mean},
                      {"shuffled_stddev", shuffled.stddev},
                      {"contingency_expert_by_weather", stats.contingency}};
        if (!rsTop.empty()) {
            const auto rs =
                weather::routingStats(rsTop, rsLabel, {}, info.experts, weather::kWeatherClasses);
            layer["rain_vs_snow_uncertainty_coefficient"] = rs.uncertaintyCoefficient;
        }
        report["routing"].push_back(layer);
    }
    report["weather_labels"] = {"clear", "rain", "snow", "fog", "raindrops"};
    return report;
}

json evaluateReal(const Restorer &restorer,
                  const std::vector<fs::path> &photos,
                  const EvalOptions &options) {
    weather::BrisqueScorer brisque;
    json out = json::array();
    for (const auto &path : photos) {
        try {
            const auto img = limitSide(weather::loadImage(path).bgr, options.maxSide);
            const auto r = restorer.restore(img, options.restore);
            out.push_back({{"photo", path.filename().string()},
                           {"brisque_input", brisque.score(img)},
                           {"brisque_output", brisque.score(r.restored)}});
        } catch (const std::exception &e) {
            out.push_back({{"photo", path.filename().string()}, {"error", e.what()}});
        }
    }
    return out;
}

} // namespace mowe::model
