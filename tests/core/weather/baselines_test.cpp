#include "weather/baselines.h"
#include "weather/image_io.h"
#include "weather/metrics.h"
#include "weather/synth.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <filesystem>

using namespace mowe::weather;

namespace {

constexpr double kMinGainDb = 2.0; // a baseline that helps at all helps by more than this
constexpr double kExact = 1e-6;

/// A real photo at 384 px on its shorter side: the dark-channel prior is a statistic of
/// natural images, so synthetic test patterns would not exercise it.
cv::Mat photo() {
    const auto path =
        std::filesystem::path(MOWE_REPO_ROOT) / "data/clean/canyon_viewpoint_person.jpg";
    cv::Mat img = loadImage(path).bgr;
    const double s = 384.0 / std::min(img.cols, img.rows);
    cv::resize(img, img, cv::Size(), s, s, cv::INTER_AREA);
    return img;
}

} // namespace

TEST(DarkChannel, IsThePatchMinimumOfTheChannelMinimum) {
    cv::Mat img(20, 20, CV_32FC3, cv::Scalar(0.9, 0.5, 0.2));
    EXPECT_NEAR(cv::norm(darkChannel(img, 2), cv::NORM_INF), 0.2, kExact);
    img.at<cv::Vec3f>(10, 10) = {0.05f, 0.6f, 0.6f};
    const cv::Mat dark = darkChannel(img, 2);
    EXPECT_NEAR(dark.at<float>(8, 12), 0.05, kExact); // within the 5×5 patch
    EXPECT_NEAR(dark.at<float>(7, 10), 0.2, kExact);  // just outside it
}

TEST(Dehaze, RaisesPsnrOfAFoggyPhoto) {
    const cv::Mat clean = photo();
    const cv::Mat foggy = synthesize(clean, WeatherSpec{0, 0, 0.6f, 0}, 1).image;
    const DehazeResult r = dehazeDarkChannel(foggy);
    EXPECT_GT(psnr(clean, r.image), psnr(clean, foggy) + kMinGainDb);
    EXPECT_EQ(r.transmission.size(), clean.size());
    // The synthesiser's airlight is a grey in [0.7, 0.95].
    for (int c = 0; c < 3; ++c) {
        EXPECT_GT(r.airlight[c], 0.6f);
        EXPECT_LE(r.airlight[c], 1.0f);
    }
}

TEST(Dehaze, RejectsBadInput) {
    EXPECT_THROW(dehazeDarkChannel(cv::Mat()), std::invalid_argument);
    EXPECT_THROW(dehazeDarkChannel(cv::Mat(8, 8, CV_8UC3)), std::invalid_argument);
    DehazeOptions bad;
    bad.t0 = 0;
    EXPECT_THROW(dehazeDarkChannel(cv::Mat(8, 8, CV_32FC3, cv::Scalar::all(0.5)), bad),
                 std::invalid_argument);
}

TEST(Derain, MedianFilterReducesThePsnrLossOfRainAndSnow) {
    const cv::Mat clean = photo();
    for (const WeatherSpec spec : {WeatherSpec{0.4f, 0, 0, 0}, WeatherSpec{0, 0.5f, 0, 0}}) {
        const cv::Mat weather = synthesize(clean, spec, 1).image;
        const cv::Mat restored = derainFilter(weather);
        EXPECT_GT(psnr(clean, restored), psnr(clean, weather) + kMinGainDb) << toString(spec);
    }
}

TEST(Derain, BothMethodsAndSizesRun) {
    const cv::Mat clean = photo();
    const cv::Mat rainy = synthesize(clean, WeatherSpec{0.4f, 0, 0, 0}, 2).image;
    for (const int size : {3, 5, 9}) {
        for (const auto method :
             {DerainOptions::Method::Median, DerainOptions::Method::MedianGuided}) {
            DerainOptions options;
            options.medianSize = size;
            options.method = method;
            const cv::Mat out = derainFilter(rainy, options);
            EXPECT_EQ(out.size(), rainy.size());
            EXPECT_EQ(out.type(), CV_32FC3);
            EXPECT_GT(psnr(clean, out), psnr(clean, rainy)) << size;
        }
    }
    DerainOptions even;
    even.medianSize = 4;
    EXPECT_THROW(derainFilter(rainy, even), std::invalid_argument);
}
