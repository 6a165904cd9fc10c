#include "weather/metrics.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <opencv2/quality.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace mowe::weather {
namespace {

void checkPair(const char *what, const cv::Mat &reference, const cv::Mat &test) {
    if (reference.empty() || test.empty())
        throw std::invalid_argument(std::string(what) + ": an image is empty");
    if (reference.size() != test.size() || reference.type() != test.type())
        throw std::invalid_argument(
            std::string(what) + ": images differ in size or type (" +
            std::to_string(reference.cols) + "x" + std::to_string(reference.rows) + " type " +
            std::to_string(reference.type()) + " vs " + std::to_string(test.cols) + "x" +
            std::to_string(test.rows) + " type " + std::to_string(test.type()) + ")");
}

void checkBgr01(const char *what, const cv::Mat &img) {
    if (img.empty() || img.type() != CV_32FC3)
        throw std::invalid_argument(std::string(what) +
                                    ": expected a non-empty CV_32FC3 image in [0,1], got type " +
                                    std::to_string(img.type()));
}

cv::Mat to8bit(const cv::Mat &bgr01) {
    cv::Mat out;
    bgr01.convertTo(out, CV_8U, 255.0);
    return out;
}

void requireFile(const std::filesystem::path &path, const char *what) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw MetricError(std::string(what) + " '" + path.string() +
                          "' not found; it comes with Debian's opencv-data package "
                          "(apt-get install opencv-data)");
}

} // namespace

// ---- full reference -----------------------------------------------------------------------

double psnr(const cv::Mat &reference, const cv::Mat &test) {
    checkPair("psnr", reference, test);
    // QualityMSE gives one MSE per channel; PSNR of colour images is taken over all channels
    // together, i.e. from their mean MSE (averaging per-channel PSNRs would weight them wrongly).
    const cv::Scalar mse = cv::quality::QualityMSE::compute(reference, test, cv::noArray());
    double sum = 0;
    for (int c = 0; c < reference.channels(); ++c)
        sum += mse[c];
    const double mean = sum / reference.channels();
    if (mean <= 0)
        return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(1.0 / mean);
}

double ssim(const cv::Mat &reference, const cv::Mat &test) {
    checkPair("ssim", reference, test);
    // OpenCV's constants C1 = (0.01·255)², C2 = (0.03·255)² assume 8-bit value ranges; on
    // [0,1] data they would swamp the statistics, so scale to [0,255] first.
    cv::Mat a, b;
    reference.convertTo(a, CV_32F, 255.0);
    test.convertTo(b, CV_32F, 255.0);
    const cv::Scalar s = cv::quality::QualitySSIM::compute(a, b, cv::noArray());
    double sum = 0;
    for (int c = 0; c < reference.channels(); ++c)
        sum += s[c];
    return sum / reference.channels();
}

// ---- BRISQUE ------------------------------------------------------------------------------

BrisqueScorer::BrisqueScorer(const BrisqueOptions &options) {
    requireFile(options.modelFile, "BRISQUE model");
    requireFile(options.rangeFile, "BRISQUE range file");
    try {
        model_ = cv::quality::QualityBRISQUE::create(options.modelFile.string(),
                                                     options.rangeFile.string());
    } catch (const cv::Exception &e) {
        throw MetricError("cannot load the BRISQUE model '" + options.modelFile.string() +
                          "': " + e.msg);
    }
    if (!model_)
        throw MetricError("cannot load the BRISQUE model '" + options.modelFile.string() + "'");
}

BrisqueScorer::~BrisqueScorer() = default;
BrisqueScorer::BrisqueScorer(BrisqueScorer &&) noexcept = default;
BrisqueScorer &BrisqueScorer::operator=(BrisqueScorer &&) noexcept = default;

double BrisqueScorer::score(const cv::Mat &bgr01) const {
    checkBgr01("brisque", bgr01);
    // The LIVE model was trained on 8-bit pictures; feed it what it knows.
    return model_->compute(to8bit(bgr01))[0];
}

// ---- detection ----------------------------------------------------------------------------

PeopleDetector::PeopleDetector(const DetectorOptions &options)
    : options_(options) {
    if (options_.useHog) {
        hog_ = std::make_unique<cv::HOGDescriptor>();
        hog_->setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
    }
    if (options_.useHaar) {
        requireFile(options_.haarCascade, "Haar cascade");
        haar_ = std::make_unique<cv::CascadeClassifier>();
        if (!haar_->load(options_.haarCascade.string()))
            throw MetricError("cannot load the Haar cascade '" + options_.haarCascade.string() +
                              "'");
    }
}

PeopleDetector::~PeopleDetector() = default;
PeopleDetector::PeopleDetector(PeopleDetector &&) noexcept = default;
PeopleDetector &PeopleDetector::operator=(PeopleDetector &&) noexcept = default;

std::vector<Detection> PeopleDetector::detect(const cv::Mat &bgr01) const {
    checkBgr01("detect", bgr01);
    const cv::Mat img = to8bit(bgr01);
    std::vector<Detection> found;
    if (hog_ && img.cols >= hog_->winSize.width && img.rows >= hog_->winSize.height) {
        std::vector<cv::Rect> boxes;
        std::vector<double> weights;
        hog_->detectMultiScale(img,
                               boxes,
                               weights,
                               options_.hogHitThreshold,
                               cv::Size(8, 8),
                               cv::Size(),
                               options_.hogScaleStep);
        for (std::size_t i = 0; i < boxes.size(); ++i)
            found.push_back({boxes[i], i < weights.size() ? weights[i] : 0.0, "hog"});
    }
    if (haar_) {
        cv::Mat grey;
        cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
        cv::equalizeHist(grey, grey);
        std::vector<cv::Rect> boxes;
        std::vector<int> neighbours;
        haar_->detectMultiScale(
            grey, boxes, neighbours, options_.haarScaleStep, options_.haarMinNeighbors);
        const std::size_t hogCount = found.size();
        for (std::size_t i = 0; i < boxes.size(); ++i) {
            // One person seen by both detectors is one pseudo-label, not two.
            const bool duplicate =
                std::any_of(found.begin(), found.begin() + hogCount, [&](const Detection &d) {
                    return iou(d.box, boxes[i]) >= options_.mergeIoU;
                });
            if (!duplicate)
                found.push_back(
                    {boxes[i], i < neighbours.size() ? double(neighbours[i]) : 0.0, "haar"});
        }
    }
    return found;
}

double iou(const cv::Rect &a, const cv::Rect &b) {
    const double inter = (a & b).area();
    const double uni = double(a.area()) + double(b.area()) - inter;
    return uni > 0 ? inter / uni : 0.0;
}

double DetectionScore::f1() const {
    const int denominator = predicted + reference;
    return reference > 0 && denominator > 0 ? 2.0 * truePositives / denominator : 0.0;
}

DetectionScore matchDetections(const std::vector<cv::Rect> &predicted,
                               const std::vector<cv::Rect> &reference,
                               double iouThreshold) {
    struct Pair {
        double overlap;
        std::size_t p, r;
    };
    std::vector<Pair> pairs;
    for (std::size_t p = 0; p < predicted.size(); ++p)
        for (std::size_t r = 0; r < reference.size(); ++r) {
            const double o = iou(predicted[p], reference[r]);
            if (o >= iouThreshold)
                pairs.push_back({o, p, r});
        }
    std::stable_sort(pairs.begin(), pairs.end(), [](const Pair &x, const Pair &y) {
        return x.overlap > y.overlap;
    });
    std::vector<bool> usedP(predicted.size()), usedR(reference.size());
    DetectionScore score;
    score.predicted = static_cast<int>(predicted.size());
    score.reference = static_cast<int>(reference.size());
    for (const Pair &pair : pairs) {
        if (usedP[pair.p] || usedR[pair.r])
            continue;
        usedP[pair.p] = usedR[pair.r] = true;
        ++score.truePositives;
    }
    return score;
}

namespace {

std::vector<cv::Rect> boxesOf(const std::vector<Detection> &detections) {
    std::vector<cv::Rect> boxes;
    for (const Detection &d : detections)
        boxes.push_back(d.box);
    return boxes;
}

} // namespace

PerceptionResult perceptionScore(const PeopleDetector &detector,
                                 const cv::Mat &clean,
                                 const cv::Mat &weather,
                                 const cv::Mat &restored) {
    checkPair("perceptionScore", clean, weather);
    PerceptionResult result;
    result.clean = detector.detect(clean);
    result.weather = detector.detect(weather);
    const auto reference = boxesOf(result.clean);
    result.weatherScore = matchDetections(boxesOf(result.weather), reference);
    if (!restored.empty()) {
        checkPair("perceptionScore", clean, restored);
        result.restored = detector.detect(restored);
        result.restoredScore = matchDetections(boxesOf(result.restored), reference);
        result.hasRestored = true;
    }
    return result;
}

PerceptionSummary summarize(const std::vector<PerceptionResult> &results) {
    PerceptionSummary s;
    s.photos = static_cast<int>(results.size());
    const auto pool = [](DetectionScore &into, const DetectionScore &one) {
        into.truePositives += one.truePositives;
        into.predicted += one.predicted;
        into.reference += one.reference;
    };
    for (const PerceptionResult &r : results) {
        if (r.clean.empty())
            continue; // no pseudo-labels: F1 is undefined for this photo
        ++s.photosWithPeople;
        s.meanWeatherF1 += r.weatherScore.f1();
        s.meanRestoredF1 += r.restoredScore.f1();
        pool(s.pooledWeather, r.weatherScore);
        pool(s.pooledRestored, r.restoredScore);
    }
    if (s.photosWithPeople > 0) {
        s.meanWeatherF1 /= s.photosWithPeople;
        s.meanRestoredF1 /= s.photosWithPeople;
    }
    return s;
}

// ---- routing ------------------------------------------------------------------------------

namespace {

void checkIndices(const char *name, std::span<const int> values, int limit) {
    for (std::size_t i = 0; i < values.size(); ++i)
        if (values[i] < 0 || values[i] >= limit)
            throw std::invalid_argument(std::string("routingStats: ") + name + "[" +
                                        std::to_string(i) + "] = " + std::to_string(values[i]) +
                                        " is outside [0, " + std::to_string(limit) + ")");
}

double entropyOf(const std::vector<double> &counts, double total) {
    double h = 0;
    for (double c : counts)
        if (c > 0)
            h -= (c / total) * std::log(c / total);
    return h;
}

/// I(E;W) = Σ p(e,w) ln(p(e,w) / (p(e) p(w))) from a contingency table.
double mutualInformation(const std::vector<std::vector<long>> &table, long total) {
    if (total == 0)
        return 0;
    std::vector<double> rows(table.size(), 0), cols(table.empty() ? 0 : table[0].size(), 0);
    for (std::size_t e = 0; e < table.size(); ++e)
        for (std::size_t w = 0; w < table[e].size(); ++w) {
            rows[e] += table[e][w];
            cols[w] += table[e][w];
        }
    double mi = 0;
    for (std::size_t e = 0; e < table.size(); ++e)
        for (std::size_t w = 0; w < table[e].size(); ++w)
            if (table[e][w] > 0) {
                const double joint = double(table[e][w]) / total;
                mi += joint * std::log(joint * total * total / (rows[e] * cols[w]));
            }
    return std::max(0.0, mi); // rounding can leave −1e-17 for independent tables
}

std::vector<std::vector<long>>
contingencyOf(std::span<const int> expert, std::span<const int> weather, int experts, int classes) {
    std::vector<std::vector<long>> table(experts, std::vector<long>(classes, 0));
    for (std::size_t i = 0; i < expert.size(); ++i)
        ++table[expert[i]][weather[i]];
    return table;
}

} // namespace

RoutingStats routingStats(std::span<const int> topExpert,
                          std::span<const int> weather,
                          std::span<const float> entropy,
                          int experts,
                          int classes) {
    if (experts <= 0 || classes <= 0)
        throw std::invalid_argument("routingStats: experts and classes must be positive");
    if (topExpert.size() != weather.size() ||
        (!entropy.empty() && entropy.size() != topExpert.size()))
        throw std::invalid_argument("routingStats: lengths differ (topExpert " +
                                    std::to_string(topExpert.size()) + ", weather " +
                                    std::to_string(weather.size()) + ", entropy " +
                                    std::to_string(entropy.size()) + ")");
    checkIndices("topExpert", topExpert, experts);
    checkIndices("weather", weather, classes);

    RoutingStats s;
    s.tokens = static_cast<long>(topExpert.size());
    s.contingency = contingencyOf(topExpert, weather, experts, classes);
    s.load.assign(experts, 0.0);
    std::vector<double> weatherCounts(classes, 0.0);
    for (int e = 0; e < experts; ++e)
        for (int w = 0; w < classes; ++w) {
            s.load[e] += s.contingency[e][w];
            weatherCounts[w] += s.contingency[e][w];
        }
    if (s.tokens > 0)
        for (double &l : s.load)
            l /= s.tokens;
    if (!entropy.empty())
        s.meanEntropy = std::accumulate(entropy.begin(), entropy.end(), 0.0) / entropy.size();
    s.weatherEntropy = s.tokens ? entropyOf(weatherCounts, double(s.tokens)) : 0.0;
    s.mutualInformation = mutualInformation(s.contingency, s.tokens);
    s.uncertaintyCoefficient = s.weatherEntropy > 0 ? s.mutualInformation / s.weatherEntropy : 0.0;
    return s;
}

double gateEntropy(std::span<const float> gates) {
    double h = 0;
    for (float g : gates)
        if (g > 0)
            h -= g * std::log(double(g));
    return h;
}

ShuffledBaseline shuffledUncertaintyCoefficient(std::span<const int> topExpert,
                                                std::span<const int> weather,
                                                int experts,
                                                int classes,
                                                std::uint64_t seed,
                                                int repeats) {
    const RoutingStats base = routingStats(topExpert, weather, {}, experts, classes);
    ShuffledBaseline out;
    if (repeats <= 0 || base.weatherEntropy <= 0)
        return out;
    std::vector<int> shuffled(weather.begin(), weather.end());
    std::mt19937_64 rng(seed);
    std::vector<double> values;
    for (int r = 0; r < repeats; ++r) {
        // Fisher–Yates with our own draws: std::shuffle's algorithm is implementation-defined.
        for (std::size_t i = shuffled.size(); i > 1; --i)
            std::swap(shuffled[i - 1], shuffled[rng() % i]);
        const auto table = contingencyOf(topExpert, shuffled, experts, classes);
        values.push_back(mutualInformation(table, base.tokens) / base.weatherEntropy);
    }
    out.mean = std::accumulate(values.begin(), values.end(), 0.0) / repeats;
    double var = 0;
    for (double v : values)
        var += (v - out.mean) * (v - out.mean);
    out.stddev = repeats > 1 ? std::sqrt(var / (repeats - 1)) : 0.0;
    return out;
}

} // namespace mowe::weather
