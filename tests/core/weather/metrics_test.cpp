#include "weather/image_io.h"
#include "weather/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <vector>

using namespace mowe::weather;

namespace {

constexpr double kTight = 1e-9; // exact arithmetic on small tables
constexpr double kFloat = 1e-5; // single-precision image arithmetic

cv::Mat constant(double value, cv::Size size = {32, 24}) {
    return cv::Mat(size, CV_32FC3, cv::Scalar::all(value));
}

const std::filesystem::path kPersonPhoto =
    std::filesystem::path(MOWE_REPO_ROOT) / "data/clean/canyon_viewpoint_person.jpg";

} // namespace

TEST(Psnr, KnownOffsetGivesTwentyDecibels) {
    // MSE = 0.1² = 0.01 → PSNR = 10·log10(1/0.01) = 20 dB.
    EXPECT_NEAR(psnr(constant(0.5), constant(0.6)), 20.0, kFloat * 100);
    // One channel off by 0.3, two exact: MSE = 0.09 / 3 = 0.03.
    const cv::Mat b(24, 32, CV_32FC3, cv::Scalar(0.5, 0.5, 0.8));
    EXPECT_NEAR(psnr(constant(0.5), b), 10.0 * std::log10(1.0 / 0.03), kFloat * 100);
}

TEST(Psnr, IdenticalImagesAreInfinite) {
    EXPECT_TRUE(std::isinf(psnr(constant(0.3), constant(0.3))));
}

TEST(Psnr, MismatchedImagesAreRejected) {
    EXPECT_THROW(psnr(constant(0.5), constant(0.5, {10, 10})), std::invalid_argument);
    EXPECT_THROW(psnr(cv::Mat(), cv::Mat()), std::invalid_argument);
}

TEST(Ssim, IdenticalIsOne) {
    cv::Mat img(40, 40, CV_32FC3);
    cv::RNG(1).fill(img, cv::RNG::UNIFORM, 0.0, 1.0);
    EXPECT_NEAR(ssim(img, img), 1.0, kFloat);
}

TEST(Ssim, ConstantImagesGiveTheLuminanceTerm) {
    // Flat images: σ = 0, so SSIM = (2ab + C1) / (a² + b² + C1) on the 8-bit scale,
    // C1 = (0.01·255)².
    const double a = 0.5 * 255, b = 0.25 * 255, c1 = std::pow(0.01 * 255, 2);
    const double expected = (2 * a * b + c1) / (a * a + b * b + c1);
    EXPECT_NEAR(ssim(constant(0.5), constant(0.25)), expected, kFloat);
}

TEST(Brisque, NoiseMakesAPhotoScoreWorse) {
    const BrisqueScorer scorer;
    const cv::Mat photo = loadImage(kPersonPhoto).bgr; // BRISQUE ≈ 24 (natural photo)
    cv::Mat noise(photo.size(), CV_32FC3);
    cv::RNG(2).fill(noise, cv::RNG::NORMAL, 0.0, 0.1);
    cv::Mat noisy = cv::min(cv::max(photo + noise, 0.0), 1.0);
    EXPECT_GT(scorer.score(noisy), scorer.score(photo) + 10.0);
}

TEST(Brisque, MissingModelFileIsNamed) {
    BrisqueOptions options;
    options.modelFile = "/nonexistent/brisque_model_live.yml";
    try {
        BrisqueScorer scorer(options);
        FAIL() << "expected MetricError";
    } catch (const MetricError &e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/brisque_model_live.yml"),
                  std::string::npos);
        EXPECT_NE(std::string(e.what()).find("opencv-data"), std::string::npos);
    }
}

TEST(Detection, IouOfKnownBoxes) {
    EXPECT_NEAR(iou({0, 0, 10, 10}, {5, 0, 10, 10}), 50.0 / 150.0, kTight);
    EXPECT_NEAR(iou({0, 0, 10, 10}, {0, 0, 10, 10}), 1.0, kTight);
    EXPECT_NEAR(iou({0, 0, 10, 10}, {20, 20, 5, 5}), 0.0, kTight);
    EXPECT_NEAR(iou({0, 0, 0, 0}, {0, 0, 0, 0}), 0.0, kTight);
}

TEST(Detection, F1OfKnownBoxes) {
    const std::vector<cv::Rect> reference = {{0, 0, 10, 20}, {100, 0, 10, 20}};
    // One good match (IoU 0.8), one miss, one false alarm: TP 1, 2 predicted, 2 reference.
    const std::vector<cv::Rect> predicted = {{0, 0, 10, 16}, {50, 50, 10, 20}};
    const DetectionScore s = matchDetections(predicted, reference);
    EXPECT_EQ(s.truePositives, 1);
    EXPECT_NEAR(s.precision(), 0.5, kTight);
    EXPECT_NEAR(s.recall(), 0.5, kTight);
    EXPECT_NEAR(s.f1(), 0.5, kTight);
    // IoU 1/3 is below the 0.5 threshold.
    EXPECT_EQ(matchDetections({{5, 0, 10, 20}}, {{0, 0, 10, 20}}).truePositives, 0);
}

TEST(Detection, OneBoxMatchesAtMostOnce) {
    const std::vector<cv::Rect> reference = {{0, 0, 10, 20}};
    const std::vector<cv::Rect> predicted = {{0, 0, 10, 20}, {0, 1, 10, 20}};
    const DetectionScore s = matchDetections(predicted, reference);
    EXPECT_EQ(s.truePositives, 1);
    EXPECT_NEAR(s.f1(), 2.0 / 3.0, kTight);
}

TEST(Detection, F1IsUndefinedWithoutReferenceBoxes) {
    const DetectionScore s = matchDetections({{0, 0, 5, 5}}, {});
    EXPECT_FALSE(s.defined());
    EXPECT_EQ(s.f1(), 0.0);
    EXPECT_EQ(matchDetections({}, {{0, 0, 5, 5}}).f1(), 0.0); // missed everything
}

TEST(Detection, SummaryCountsOnlyPhotosWithCleanDetections) {
    PerceptionResult withPeople;
    withPeople.clean = {{{0, 0, 10, 20}, 1.0, "hog"}};
    withPeople.weatherScore = {0, 0, 1};  // F1 0
    withPeople.restoredScore = {1, 1, 1}; // F1 1
    PerceptionResult empty;               // no clean detections: left out
    empty.weatherScore = {0, 3, 0};
    const PerceptionSummary s = summarize({withPeople, empty, withPeople});
    EXPECT_EQ(s.photos, 3);
    EXPECT_EQ(s.photosWithPeople, 2);
    EXPECT_NEAR(s.meanWeatherF1, 0.0, kTight);
    EXPECT_NEAR(s.meanRestoredF1, 1.0, kTight);
    EXPECT_NEAR(s.meanGain(), 1.0, kTight);
    EXPECT_EQ(s.pooledRestored.truePositives, 2);
    EXPECT_EQ(s.pooledWeather.predicted, 0);
}

TEST(Detection, DetectorsFindThePersonInAPhotoAndAgreeWithThemselves) {
    const PeopleDetector detector;
    const cv::Mat photo = loadImage(kPersonPhoto).bgr;
    const PerceptionResult r = perceptionScore(detector, photo, photo, photo);
    ASSERT_GE(r.clean.size(), 1u);
    EXPECT_NEAR(r.weatherScore.f1(), 1.0, kTight);
    EXPECT_NEAR(r.gain(), 0.0, kTight);
    // Too small for either detector's window: nothing, and no error.
    EXPECT_TRUE(detector.detect(constant(0.5, {10, 10})).empty());
}

TEST(Detection, MissingCascadeIsNamed) {
    DetectorOptions options;
    options.haarCascade = "/nonexistent/haarcascade_fullbody.xml";
    EXPECT_THROW(PeopleDetector{options}, MetricError);
    options.useHaar = false;
    EXPECT_NO_THROW(PeopleDetector{options});
}

TEST(Routing, PerfectAssignmentHasCoefficientOne) {
    std::vector<int> expert, weather;
    for (int i = 0; i < 400; ++i) {
        weather.push_back(i % 4);
        expert.push_back((i % 4 + 1) % 4); // a relabelling is still perfect
    }
    const RoutingStats s = routingStats(expert, weather, {}, 4, 5);
    EXPECT_NEAR(s.uncertaintyCoefficient, 1.0, kTight);
    EXPECT_NEAR(s.weatherEntropy, std::log(4.0), kTight);
    for (double l : s.load)
        EXPECT_NEAR(l, 0.25, kTight);
    EXPECT_EQ(s.contingency[1][0], 100);
}

TEST(Routing, IndependentAssignmentHasCoefficientZero) {
    // Every (expert, weather) pair equally often: p(e, w) = p(e)·p(w).
    std::vector<int> expert, weather;
    for (int e = 0; e < 4; ++e)
        for (int w = 0; w < 5; ++w)
            for (int k = 0; k < 3; ++k) {
                expert.push_back(e);
                weather.push_back(w);
            }
    const RoutingStats s = routingStats(expert, weather, {}, 4, 5);
    EXPECT_NEAR(s.mutualInformation, 0.0, kTight);
    EXPECT_NEAR(s.uncertaintyCoefficient, 0.0, kTight);
}

TEST(Routing, PartialAssignmentMatchesHandComputation) {
    // Table [[2, 0], [1, 1]] over 4 tokens.
    const std::vector<int> expert = {0, 0, 1, 1}, weather = {0, 0, 0, 1};
    const std::vector<float> entropy = {0.1f, 0.2f, 0.3f, 0.4f};
    const RoutingStats s = routingStats(expert, weather, entropy, 2, 2);
    const double mi = 0.5 * std::log(0.5 / (0.5 * 0.75)) + 0.25 * std::log(0.25 / (0.5 * 0.75)) +
                      0.25 * std::log(0.25 / (0.5 * 0.25));
    const double h = -(0.75 * std::log(0.75) + 0.25 * std::log(0.25));
    EXPECT_NEAR(s.mutualInformation, mi, kTight);
    EXPECT_NEAR(s.weatherEntropy, h, kTight);
    EXPECT_NEAR(s.uncertaintyCoefficient, mi / h, kTight);
    EXPECT_NEAR(s.meanEntropy, 0.25, kFloat);
}

TEST(Routing, ShuffledBaselineIsNearZeroForAPerfectRouter) {
    std::vector<int> expert, weather;
    for (int i = 0; i < 2000; ++i) {
        weather.push_back(i % 5);
        expert.push_back(i % 5 == 4 ? 3 : i % 5);
    }
    const ShuffledBaseline a = shuffledUncertaintyCoefficient(expert, weather, 4, 5, 7);
    const ShuffledBaseline b = shuffledUncertaintyCoefficient(expert, weather, 4, 5, 7);
    EXPECT_EQ(a.mean, b.mean); // seeded
    EXPECT_LT(a.mean, 0.01);
    EXPECT_GT(routingStats(expert, weather, {}, 4, 5).uncertaintyCoefficient, 0.8);
}

TEST(Routing, BadInputIsNamed) {
    const std::vector<int> expert = {0, 5}, weather = {0, 1};
    try {
        routingStats(expert, weather, {}, 4, 5);
        FAIL() << "expected invalid_argument";
    } catch (const std::invalid_argument &e) {
        EXPECT_NE(std::string(e.what()).find("topExpert[1] = 5"), std::string::npos) << e.what();
    }
    EXPECT_THROW(routingStats(std::vector<int>{0}, weather, {}, 4, 5), std::invalid_argument);
}

TEST(Routing, GateEntropyOfUniformAndOneHot) {
    const std::vector<float> uniform(4, 0.25f), oneHot = {0, 1, 0, 0};
    EXPECT_NEAR(gateEntropy(uniform), std::log(4.0), kFloat);
    EXPECT_NEAR(gateEntropy(oneHot), 0.0, kTight);
}
