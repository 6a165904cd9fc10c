#include "weather/synth.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <string>

namespace {

using namespace mowe::weather;

// A mid-grey, textured scene: gradients plus a checkerboard, values in [0.2, 0.8], so that
// every weather layer has room to brighten or darken it.
cv::Mat scene(int width = 160, int height = 120) {
    cv::Mat img(height, width, CV_32FC3);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const float checker = ((x / 8 + y / 8) % 2) ? 0.1f : -0.1f;
            img.at<cv::Vec3f>(y, x) = cv::Vec3f(0.5f + 0.2f * x / width + checker,
                                                0.4f + 0.2f * y / height + checker,
                                                0.5f + checker);
        }
    return img;
}

bool bitEqual(const cv::Mat &a, const cv::Mat &b) {
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0.0;
}

double fraction(const cv::Mat &labels, int label) {
    return cv::countNonZero(labels == label) / static_cast<double>(labels.total());
}

/// max over channels |a − b|, CV_32FC1.
cv::Mat maxChange(const cv::Mat &a, const cv::Mat &b) {
    cv::Mat diff;
    cv::absdiff(a, b, diff);
    std::vector<cv::Mat> channels;
    cv::split(diff, channels);
    return cv::max(cv::max(channels[0], channels[1]), channels[2]);
}

const WeatherSpec kMixed{0.6f, 0.5f, 0.3f, 0.7f};

} // namespace

TEST(Synth, SameSeedIsBitExact) {
    const cv::Mat clean = scene();
    const SynthResult a = synthesize(clean, kMixed, 42);
    const SynthResult b = synthesize(clean, kMixed, 42);
    EXPECT_TRUE(bitEqual(a.image, b.image));
    EXPECT_TRUE(bitEqual(a.labels, b.labels));
}

TEST(Synth, DifferentSeedsDiffer) {
    const cv::Mat clean = scene();
    const SynthResult a = synthesize(clean, kMixed, 1);
    const SynthResult b = synthesize(clean, kMixed, 2);
    EXPECT_GT(cv::norm(a.image, b.image, cv::NORM_L1) / a.image.total(), 0.01);
}

TEST(Synth, OutputIsFloatBgrInUnitRange) {
    const SynthResult r = synthesize(scene(), WeatherSpec{1, 1, 1, 1}, 7);
    ASSERT_EQ(r.image.type(), CV_32FC3);
    ASSERT_EQ(r.labels.type(), CV_8UC1);
    double lo = 0, hi = 0;
    cv::minMaxLoc(r.image.reshape(1), &lo, &hi);
    EXPECT_GE(lo, 0.0);
    EXPECT_LE(hi, 1.0);
}

TEST(Synth, LabelsAreNonZeroExactlyWhereTheImageChangedBeyondTheThreshold) {
    const cv::Mat clean = scene();
    const SynthOptions options;
    for (std::uint64_t seed : {3u, 4u, 5u}) {
        const SynthResult r = synthesize(clean, kMixed, seed, options);
        const cv::Mat changed = maxChange(r.image, clean) > options.labelThreshold;
        const cv::Mat labelled = r.labels != kClear;
        EXPECT_EQ(cv::countNonZero(changed != labelled), 0) << "seed " << seed;
        EXPECT_GT(cv::countNonZero(labelled), 0);
    }
}

TEST(Synth, EachWeatherAloneProducesOnlyItsOwnLabel) {
    const cv::Mat clean = scene();
    struct Case {
        WeatherSpec spec;
        WeatherLabel label;
        double minFraction; // of pixels carrying the label; fog covers nearly everything
    };
    const Case cases[] = {
        {{0.45f, 0, 0, 0}, kRain, 0.03},
        {{0, 0.7f, 0, 0}, kSnow, 0.03},
        {{0, 0, 0.5f, 0}, kFog, 0.5},
        {{0, 0, 0, 1.0f}, kRaindrops, 0.03},
    };
    for (const Case &c : cases) {
        const SynthResult r = synthesize(clean, c.spec, 11);
        const double own = fraction(r.labels, c.label);
        EXPECT_GT(own, c.minFraction) << weatherName(c.label);
        EXPECT_NEAR(own + fraction(r.labels, kClear), 1.0, 1e-12) << weatherName(c.label);
    }
}

TEST(Synth, ZeroIntensityIsIdentity) {
    const cv::Mat clean = scene();
    const SynthResult r = synthesize(clean, WeatherSpec{}, 9);
    EXPECT_TRUE(bitEqual(r.image, clean));
    EXPECT_EQ(cv::countNonZero(r.labels), 0);
}

TEST(Synth, HigherIntensityKeepsTheStreaksOfALowerOne) {
    const cv::Mat clean = scene();
    // Below 0.5 so that no veil is added and the comparison is of streaks only.
    const SynthResult light = synthesize(clean, WeatherSpec{0.2f, 0, 0, 0}, 21);
    const SynthResult heavy = synthesize(clean, WeatherSpec{0.45f, 0, 0, 0}, 21);
    const cv::Mat lostStreaks = (light.labels == kRain) & (heavy.labels != kRain);
    EXPECT_EQ(cv::countNonZero(lostStreaks), 0);
    EXPECT_GT(fraction(heavy.labels, kRain), 1.5 * fraction(light.labels, kRain));
}

TEST(Synth, AddingALayerLeavesTheOthersWhereTheyWere) {
    const cv::Mat clean = scene();
    const WeatherSpec dropsOnly{0, 0, 0, 0.3f};
    // Where the drops land does not depend on the image: find their footprint on noise,
    // where every covered pixel changes.
    cv::Mat noise(clean.size(), CV_32FC3);
    cv::RNG(123).fill(noise, cv::RNG::UNIFORM, 0.0, 1.0);
    const cv::Mat footprint = maxChange(synthesize(noise, dropsOnly, 5).image, noise) > 0;
    ASSERT_GT(cv::countNonZero(footprint), 0);

    const SynthResult fog = synthesize(clean, WeatherSpec{0, 0, 0.5f, 0}, 5);
    const SynthResult fogAndDrops = synthesize(clean, WeatherSpec{0, 0, 0.5f, 0.3f}, 5);
    const cv::Mat differs = maxChange(fog.image, fogAndDrops.image) > 0;
    EXPECT_GT(cv::countNonZero(differs), 0);
    EXPECT_EQ(cv::countNonZero(differs & ~footprint), 0);
}

TEST(Synth, FogIsDenserTowardsTheHorizonThanAtTheBottom) {
    const cv::Mat clean = scene(160, 200);
    const SynthResult r = synthesize(clean, WeatherSpec{0, 0, 0.6f, 0}, 13);
    cv::Mat diff;
    cv::absdiff(r.image, clean, diff);
    const double top = cv::mean(diff.rowRange(0, 40))[1];
    const double bottom = cv::mean(diff.rowRange(180, 200))[1];
    EXPECT_GT(top, 1.5 * bottom);
}

TEST(Synth, DepthOfACropIsTheCropOfTheSceneDepth) {
    const cv::Size sceneSize(300, 200);
    const cv::Mat full = syntheticDepth(sceneSize, 77);
    const cv::Rect crop(120, 90, 64, 64);
    SynthOptions options;
    options.sceneSize = sceneSize;
    options.cropOrigin = crop.tl();
    const cv::Mat part = syntheticDepth(crop.size(), 77, options);
    EXPECT_LT(cv::norm(part, full(crop), cv::NORM_INF), 1e-4);
}

TEST(Synth, CropOutsideItsSceneIsRejected) {
    SynthOptions options;
    options.sceneSize = cv::Size(100, 100);
    options.cropOrigin = cv::Point(80, 0);
    EXPECT_THROW(synthesize(scene(40, 40), kMixed, 1, options), std::invalid_argument);
}

TEST(Synth, WrongImageTypeIsRejected) {
    const cv::Mat eightBit(32, 32, CV_8UC3, cv::Scalar(128, 128, 128));
    EXPECT_THROW(synthesize(eightBit, kMixed, 1), std::invalid_argument);
    EXPECT_THROW(synthesize(cv::Mat(), kMixed, 1), std::invalid_argument);
}

TEST(Synth, TinyImagesWork) {
    for (const cv::Size size : {cv::Size(1, 1), cv::Size(7, 100), cv::Size(333, 5)}) {
        const SynthResult r = synthesize(scene(size.width, size.height), kMixed, 3);
        EXPECT_EQ(r.image.size(), size);
        EXPECT_EQ(r.labels.size(), size);
    }
}

TEST(WeatherSpecParsing, ReadsIntensities) {
    const WeatherSpec s = parseWeatherSpec(" rain=0.6, fog=0.3 ");
    EXPECT_FLOAT_EQ(s.rain, 0.6f);
    EXPECT_FLOAT_EQ(s.fog, 0.3f);
    EXPECT_EQ(s.snow, 0.0f);
    EXPECT_EQ(s.raindrops, 0.0f);
    EXPECT_TRUE(parseWeatherSpec("clear").isClear());
    EXPECT_TRUE(parseWeatherSpec("").isClear());
    EXPECT_EQ(parseWeatherSpec(toString(kMixed)), kMixed);
}

namespace {

std::string parseError(const std::string &text) {
    try {
        parseWeatherSpec(text);
    } catch (const std::invalid_argument &e) {
        return e.what();
    }
    return "(no error)";
}

bool contains(const std::string &s, const std::string &part) {
    return s.find(part) != std::string::npos;
}

} // namespace

TEST(WeatherSpecParsing, OutOfRangeIntensityNamesValueAndRange) {
    const std::string message = parseError("rain=1.5");
    EXPECT_TRUE(contains(message, "rain=1.5")) << message;
    EXPECT_TRUE(contains(message, "[0, 1]")) << message;
    EXPECT_TRUE(contains(parseError("fog=-0.2"), "[0, 1]"));
}

TEST(WeatherSpecParsing, BadKeysAndValuesAreNamed) {
    EXPECT_TRUE(contains(parseError("hail=0.3"), "'hail'"));
    EXPECT_TRUE(contains(parseError("rain=lots"), "'lots'"));
    EXPECT_TRUE(contains(parseError("rain=nan"), "'nan'"));
    EXPECT_TRUE(contains(parseError("rain"), "NAME=INTENSITY"));
    EXPECT_TRUE(contains(parseError("rain=0.1,rain=0.2"), "twice"));
}

TEST(WeatherSpecParsing, SynthesizeRejectsAnInvalidSpec) {
    EXPECT_THROW(synthesize(scene(), WeatherSpec{0, 0, 1.01f, 0}, 1), std::invalid_argument);
    EXPECT_THROW(synthesize(scene(), WeatherSpec{-0.5f, 0, 0, 0}, 1), std::invalid_argument);
}

TEST(WeatherNames, CoverEveryLabel) {
    EXPECT_STREQ(weatherName(kClear), "clear");
    EXPECT_STREQ(weatherName(kRain), "rain");
    EXPECT_STREQ(weatherName(kSnow), "snow");
    EXPECT_STREQ(weatherName(kFog), "fog");
    EXPECT_STREQ(weatherName(kRaindrops), "raindrops");
    EXPECT_STREQ(weatherName(kWeatherClasses), "unknown");
}

TEST(TokenLabels, DominantNonClearWeatherAboveTheMinimumShare) {
    // 4×4 tokens of a 8×6 map (the last token row has 2 pixel rows).
    cv::Mat labels(6, 8, CV_8UC1, cv::Scalar(kClear));
    labels(cv::Rect(0, 0, 4, 1)).setTo(kRain);      // token (0,0): 4 of 16 rain
    labels(cv::Rect(0, 1, 2, 1)).setTo(kSnow);      //              2 of 16 snow
    labels.at<std::uint8_t>(0, 4) = kFog;           // token (0,1): 1 of 16 fog, below 10 %
    labels(cv::Rect(4, 4, 4, 2)).setTo(kRaindrops); // token (1,1): all 8 pixels
    const cv::Mat tokens = tokenLabels(labels, 4, 0.1);
    ASSERT_EQ(tokens.size(), cv::Size(2, 2));
    EXPECT_EQ(tokens.at<std::uint8_t>(0, 0), kRain);
    EXPECT_EQ(tokens.at<std::uint8_t>(0, 1), kClear);
    EXPECT_EQ(tokens.at<std::uint8_t>(1, 0), kClear);
    EXPECT_EQ(tokens.at<std::uint8_t>(1, 1), kRaindrops);
    EXPECT_EQ(tokenLabels(labels, 4, 0.0).at<std::uint8_t>(0, 1), kFog);
    EXPECT_THROW(tokenLabels(labels, 0), std::invalid_argument);
}
