#pragma once
// Shared fixtures for the MoWE core tests: a tiny configuration (fast, still with every kind
// of part), seeded networks, and seeded test images. Tolerances are defined once here.

#include "mowe/model_files.h"

#include <opencv2/core.hpp>

#include <filesystem>
#include <random>

namespace mowe::test {

inline constexpr float kExact = 0.0f;     ///< bit-exact comparisons
inline constexpr float kFloatTol = 1e-5f; ///< same maths, different op order

inline model::MoweOptions tinyOptions() {
    model::MoweOptions o;
    o.width = 16;
    o.heads = 2;
    o.depth = 2;
    o.mlpRatio = 2;
    o.headChannels = 4;
    o.headBlocks = 1;
    o.weatherDim = 8;
    return o;
}

/// A tiny network whose tail is randomised too (the real initialisation zeroes the last conv,
/// which would make every output equal its input and hide mistakes).
inline model::MoweNet tinyNet(std::uint64_t seed = 7, model::MoweOptions o = tinyOptions()) {
    torch::manual_seed(seed);
    model::MoweNet net(o);
    torch::NoGradGuard noGrad;
    for (auto &p : net->named_parameters())
        if (p.key().rfind("tail_out", 0) == 0)
            p.value().normal_(0.0, 0.05);
    net->eval();
    return net;
}

inline std::shared_ptr<model::Restorer> tinyRestorer(std::uint64_t seed = 7) {
    model::ModelInfo info;
    info.name = "tiny";
    info.kind = "native";
    return model::restorerFor(tinyNet(seed), info);
}

/// A smooth, seeded colour image (CV_32FC3 in [0,1]) with some texture.
inline cv::Mat testImage(int rows, int cols, std::uint64_t seed = 1) {
    cv::Mat img(rows, cols, CV_32FC3);
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::uniform_real_distribution<float> noise(-0.05f, 0.05f);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            img.at<cv::Vec3f>(r, c) = cv::Vec3f(0.5f + 0.3f * std::sin(0.05f * r) + noise(rng),
                                                0.5f + 0.3f * std::cos(0.07f * c) + noise(rng),
                                                0.4f + 0.2f * std::sin(0.03f * (r + c)));
    return img;
}

inline float maxAbsDiff(const cv::Mat &a, const cv::Mat &b) {
    return static_cast<float>(cv::norm(a, b, cv::NORM_INF));
}

inline std::filesystem::path freshDir(const std::string &name) {
    const auto dir = std::filesystem::temp_directory_path() / ("mowe_test_" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

} // namespace mowe::test
