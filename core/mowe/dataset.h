#pragma once
// Training data for the MoWE model: clean photos with synthetic weather drawn on the fly
// (spec/mowe.md §3). The train/validation split is by photo, never by crop: validation
// photos are named in a fixed list (data/split.json), and no crop of them is ever drawn for
// training. OpenCV only (no LibTorch), so it can be tested and reused anywhere.

#include "weather/synth.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mowe::model {

struct DatasetOptions {
    int crop = 128;                ///< square crop side in pixels
    double minScale = 0.35;        ///< photos are first scaled by U[minScale, maxScale]...
    double maxScale = 1.0;         ///< ...so crops see the scene at several scales
    double clearFraction = 0.1;    ///< crops left clear (the model must leave them alone)
    double mixtureFraction = 0.25; ///< crops with two weathers; the rest have one
    float minIntensity = 0.25f;
    float maxIntensity = 1.0f;
    bool colourJitter = true; ///< exposure ×U[0.8,1.2], per-channel gain ×U[0.92,1.08]
    int minPhotoSide = 64;    ///< smaller photos are skipped with a warning
};

/// Everything one training example needs; images CV_32FC3 BGR [0,1], labels CV_8UC1.
struct Sample {
    cv::Mat input;  ///< the clean crop with weather
    cv::Mat clean;  ///< the target
    cv::Mat labels; ///< per-pixel weather label (weather/synth.h encoding)
    weather::WeatherSpec spec;
    std::string photo;
};

struct PhotoSplit {
    std::vector<std::filesystem::path> train, validation;
};

/// Lists the images in `folder` (sorted by name) and splits them: names in `validation`
/// go to the validation side. Throws std::runtime_error if a named validation photo is
/// missing or the folder has no images.
PhotoSplit splitPhotos(const std::filesystem::path &folder,
                       const std::vector<std::string> &validation);

/// Reads data/split.json-style files: {"validation": ["name.jpg", ...]}.
std::vector<std::string> readValidationList(const std::filesystem::path &file);

class WeatherDataset {
public:
    /// Loads every photo into memory. Unreadable or too small photos are skipped with a
    /// warning that names them (see skipped()); throws std::runtime_error if none is usable.
    WeatherDataset(const std::vector<std::filesystem::path> &photos, DatasetOptions options);

    /// The example for `seed`: the same seed always gives the same example.
    Sample sample(std::uint64_t seed) const;
    /// The same photo and crop for `seed`, with the weather given rather than drawn.
    Sample sample(std::uint64_t seed, const weather::WeatherSpec &spec) const;

    std::size_t size() const { return photos_.size(); }
    const std::vector<std::string> &names() const { return names_; }
    const std::vector<std::string> &skipped() const { return skipped_; }
    const DatasetOptions &options() const { return options_; }

private:
    Sample draw(std::uint64_t seed, const weather::WeatherSpec *given) const;
    DatasetOptions options_;
    std::vector<cv::Mat> photos_;
    std::vector<std::string> names_, skipped_;
};

/// Share of a token's pixels its dominant non-clear weather must cover for the token to carry
/// that label (**choice**: rain streaks are thin, so a plain majority would call nearly every
/// rain token clear).
inline constexpr double kTokenLabelFraction = 0.125;

/// weather::tokenLabels at kTokenLabelFraction, flattened row-major: the labels the router's
/// contrastive loss and the routing statistics use.
std::vector<int> tokenLabels(const cv::Mat &labels, int patch);

/// A seeded 64-bit mix (splitmix64), for deriving per-example seeds from (run seed, step, i).
std::uint64_t mixSeed(std::uint64_t a, std::uint64_t b);

} // namespace mowe::model
