#include "mowe/dataset.h"

#include "common/atomic_file.h"
#include "common/log.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <random>
#include <set>
#include <stdexcept>

namespace mowe::model {
namespace fs = std::filesystem;

std::uint64_t mixSeed(std::uint64_t a, std::uint64_t b) {
    std::uint64_t z = a + 0x9e3779b97f4a7c15ull * (b + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

PhotoSplit splitPhotos(const fs::path &folder, const std::vector<std::string> &validation) {
    static const std::set<std::string> extensions = {
        ".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"};
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw std::runtime_error("clean-photo folder '" + folder.string() + "' does not exist");
    std::vector<fs::path> all;
    for (const auto &entry : fs::directory_iterator(folder)) {
        auto ext = entry.path().extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
        if (entry.is_regular_file() && extensions.count(ext))
            all.push_back(entry.path());
    }
    if (all.empty())
        throw std::runtime_error("clean-photo folder '" + folder.string() + "' has no images");
    std::sort(all.begin(), all.end());
    const std::set<std::string> held(validation.begin(), validation.end());
    PhotoSplit split;
    for (const auto &p : all)
        (held.count(p.filename().string()) ? split.validation : split.train).push_back(p);
    for (const auto &name : validation)
        if (std::none_of(split.validation.begin(), split.validation.end(), [&](const fs::path &p) {
                return p.filename() == name;
            }))
            throw std::runtime_error("validation photo '" + name + "' is not in '" +
                                     folder.string() + "'");
    return split;
}

std::vector<std::string> readValidationList(const fs::path &file) {
    const auto j = nlohmann::json::parse(readFile(file, 1u << 20));
    if (!j.is_object() || !j.contains("validation") || !j["validation"].is_array())
        throw std::runtime_error("'" + file.string() + "' must hold {\"validation\": [names]}");
    return j["validation"].get<std::vector<std::string>>();
}

WeatherDataset::WeatherDataset(const std::vector<fs::path> &photos, DatasetOptions options)
    : options_(options) {
    for (const auto &path : photos) {
        cv::Mat img = cv::imread(path.string(), cv::IMREAD_COLOR);
        if (img.empty()) {
            skipped_.push_back(path.filename().string() + " (unreadable)");
            log::warning("mowe.data") << "skipping '" << path.string() << "': not a readable image";
            continue;
        }
        if (std::min(img.rows, img.cols) < options_.minPhotoSide) {
            skipped_.push_back(path.filename().string() + " (too small)");
            log::warning("mowe.data")
                << "skipping '" << path.string() << "': " << img.cols << "x" << img.rows
                << " is smaller than " << options_.minPhotoSide << " px on a side";
            continue;
        }
        cv::Mat f;
        img.convertTo(f, CV_32FC3, 1.0 / 255.0);
        photos_.push_back(f);
        names_.push_back(path.filename().string());
    }
    if (photos_.empty())
        throw std::runtime_error("no usable training photo among " + std::to_string(photos.size()));
}

Sample WeatherDataset::sample(std::uint64_t seed) const {
    return draw(seed, nullptr);
}

Sample WeatherDataset::sample(std::uint64_t seed, const weather::WeatherSpec &spec) const {
    return draw(seed, &spec);
}

Sample WeatherDataset::draw(std::uint64_t seed, const weather::WeatherSpec *given) const {
    std::mt19937_64 rng(mixSeed(seed, 0x5eed));
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const int crop = options_.crop;

    const std::size_t index = rng() % photos_.size();
    const cv::Mat &photo = photos_[index];
    // Scale so that the crop still fits.
    const double minScaleFit = static_cast<double>(crop) / std::min(photo.rows, photo.cols);
    const double lo = std::max(options_.minScale, minScaleFit);
    const double hi = std::max(lo, options_.maxScale);
    const double scale = lo + (hi - lo) * unit(rng);
    cv::Mat scene;
    if (std::abs(scale - 1.0) > 1e-6)
        cv::resize(photo, scene, cv::Size(), scale, scale, cv::INTER_AREA);
    else
        scene = photo;
    if (scene.rows < crop || scene.cols < crop)
        cv::resize(photo, scene, cv::Size(std::max(crop, scene.cols), std::max(crop, scene.rows)));
    const int y0 = static_cast<int>(rng() % static_cast<std::uint64_t>(scene.rows - crop + 1));
    const int x0 = static_cast<int>(rng() % static_cast<std::uint64_t>(scene.cols - crop + 1));

    Sample s;
    s.photo = names_[index];
    s.clean = scene(cv::Rect(x0, y0, crop, crop)).clone();
    if (unit(rng) < 0.5)
        cv::flip(s.clean, s.clean, 1);
    if (options_.colourJitter) {
        const double exposure = 0.8 + 0.4 * unit(rng);
        cv::Scalar gain;
        for (int c = 0; c < 3; ++c)
            gain[c] = exposure * (0.92 + 0.16 * unit(rng));
        cv::multiply(s.clean, gain, s.clean);
        cv::min(s.clean, 1.0, s.clean);
    }

    if (given) {
        s.spec = *given;
    } else {
        const double kind = unit(rng);
        auto intensity = [&] {
            return static_cast<float>(options_.minIntensity +
                                      (options_.maxIntensity - options_.minIntensity) * unit(rng));
        };
        std::array<float *, 4> layers = {
            &s.spec.rain, &s.spec.snow, &s.spec.fog, &s.spec.raindrops};
        if (kind >= options_.clearFraction) {
            const int first = static_cast<int>(rng() % 4);
            *layers[first] = intensity();
            if (kind < options_.clearFraction + options_.mixtureFraction) {
                int second = static_cast<int>(rng() % 3);
                second += second >= first ? 1 : 0;
                *layers[second] = intensity();
            }
        }
    }
    weather::SynthOptions synth;
    synth.sceneSize = scene.size();
    synth.cropOrigin = {x0, y0};
    auto result = weather::synthesize(s.clean, s.spec, mixSeed(seed, 0x3ea7), synth);
    s.input = result.image;
    s.labels = result.labels;
    return s;
}

std::vector<int> tokenLabels(const cv::Mat &labels, int patch) {
    const cv::Mat tokens = weather::tokenLabels(labels, patch, kTokenLabelFraction);
    std::vector<int> out;
    out.reserve(tokens.total());
    for (int r = 0; r < tokens.rows; ++r)
        for (int c = 0; c < tokens.cols; ++c)
            out.push_back(tokens.at<std::uint8_t>(r, c));
    return out;
}

} // namespace mowe::model
