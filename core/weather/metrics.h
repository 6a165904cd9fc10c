#pragma once
// Image-quality, perception and routing metrics (spec section 4). Images are CV_32FC3 BGR in
// [0,1] (the core/weather convention).
//
//   PSNR   = 10·log10(1 / MSE), MSE over all pixels and channels (peak 1); +∞ if identical.
//   SSIM   Wang et al. (2004): 11×11 Gaussian window, σ = 1.5, K1 = 0.01, K2 = 0.03, on the
//          [0,255] scale OpenCV's constants assume; the mean over the three channels.
//   BRISQUE Mittal et al. (2012), OpenCV's model trained on LIVE: lower is better, roughly
//          0 (pristine) to 100 (badly distorted); no reference image needed.
//   Detection F1 against pseudo-labels: people found on the clean photo are the reference;
//          detections on another version of it match one-to-one, greedily by IoU, when
//          IoU ≥ 0.5. F1 = 2·TP / (predicted + reference); undefined without reference boxes.
//   Routing: load_e = share of tokens whose top-1 expert is e; mean entropy of the gates;
//          uncertainty coefficient U = I(expert; weather) / H(weather) ∈ [0,1] (0 when the
//          expert says nothing about the weather, 1 when it determines it), from the
//          expert × weather contingency table, natural logarithms.

#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace cv {
class CascadeClassifier;
struct HOGDescriptor;
namespace quality {
class QualityBRISQUE;
}
} // namespace cv

namespace mowe::weather {

/// A metric that cannot run: a model file missing or unreadable. The message names the file
/// and how to get it.
class MetricError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// ---- full reference -----------------------------------------------------------------------

/// PSNR in dB of `test` against `reference` (same size and type, values in [0,1]).
/// Throws std::invalid_argument if sizes or types differ or the images are empty.
double psnr(const cv::Mat &reference, const cv::Mat &test);

/// SSIM of `test` against `reference` (same conditions as psnr), in [-1, 1], 1 if identical.
double ssim(const cv::Mat &reference, const cv::Mat &test);

// ---- no reference -------------------------------------------------------------------------

struct BrisqueOptions {
    /// Debian's opencv-data package installs both files here.
    std::filesystem::path modelFile = "/usr/share/opencv4/quality/brisque_model_live.yml";
    std::filesystem::path rangeFile = "/usr/share/opencv4/quality/brisque_range_live.yml";
};

/// Loads the BRISQUE model once; score() may then be called for many images (not from several
/// threads at once).
class BrisqueScorer {
public:
    /// Throws MetricError naming a missing or unreadable model file.
    explicit BrisqueScorer(const BrisqueOptions &options = {});
    ~BrisqueScorer();
    BrisqueScorer(BrisqueScorer &&) noexcept;
    BrisqueScorer &operator=(BrisqueScorer &&) noexcept;

    /// BRISQUE score of a [0,1] BGR image (lower is better). Throws std::invalid_argument for
    /// an empty or non-CV_32FC3 image.
    double score(const cv::Mat &bgr01) const;

private:
    cv::Ptr<cv::quality::QualityBRISQUE> model_;
};

// ---- label-free perception ----------------------------------------------------------------

struct Detection {
    cv::Rect box;
    double score = 0;     ///< HOG: SVM margin; Haar: number of merged neighbours
    std::string detector; ///< "hog" or "haar"
};

struct DetectorOptions {
    bool useHog = true;  ///< OpenCV's default HOG people detector (64×128 window)
    bool useHaar = true; ///< the Haar full-body cascade from opencv-data
    std::filesystem::path haarCascade = "/usr/share/opencv4/haarcascades/haarcascade_fullbody.xml";
    double hogHitThreshold = 0.0; ///< SVM margin a window needs
    double hogScaleStep = 1.05;   ///< pyramid step
    int haarMinNeighbors = 3;     ///< overlapping hits a Haar detection needs
    double haarScaleStep = 1.1;   ///< pyramid step
    /// Boxes of the two detectors that overlap this much are one person (the HOG box kept).
    double mergeIoU = 0.5;
};

/// The two detectors, loaded once. detect() is const and may be called for many images.
class PeopleDetector {
public:
    /// Throws MetricError if the Haar cascade is requested and cannot be loaded.
    explicit PeopleDetector(const DetectorOptions &options = {});
    ~PeopleDetector();
    PeopleDetector(PeopleDetector &&) noexcept;
    PeopleDetector &operator=(PeopleDetector &&) noexcept;

    /// People in a [0,1] BGR image, HOG detections first, then Haar detections that overlap
    /// none of them. Images smaller than the detectors' windows (64×128, 14×28) give none.
    std::vector<Detection> detect(const cv::Mat &bgr01) const;

private:
    DetectorOptions options_;
    std::unique_ptr<cv::HOGDescriptor> hog_;
    std::unique_ptr<cv::CascadeClassifier> haar_;
};

/// Intersection over union of two boxes; 0 when either is empty.
double iou(const cv::Rect &a, const cv::Rect &b);

/// One-to-one matches of `predicted` to `reference` at IoU ≥ threshold.
struct DetectionScore {
    int truePositives = 0;
    int predicted = 0;
    int reference = 0;

    /// Defined only when the reference has at least one box.
    bool defined() const { return reference > 0; }
    double precision() const { return predicted ? double(truePositives) / predicted : 0.0; }
    double recall() const { return reference ? double(truePositives) / reference : 0.0; }
    /// 2·TP / (predicted + reference); 0 if undefined.
    double f1() const;
};

/// Greedy matching: pairs sorted by IoU, highest first, each box used at most once.
DetectionScore matchDetections(const std::vector<cv::Rect> &predicted,
                               const std::vector<cv::Rect> &reference,
                               double iouThreshold = 0.5);

/// The perception metric for one photo: detections on the clean, weather and (optionally)
/// restored versions, and the scores of the latter two against the clean ones.
struct PerceptionResult {
    std::vector<Detection> clean, weather, restored;
    DetectionScore weatherScore, restoredScore;
    bool hasRestored = false;

    /// Restored F1 − weather F1 (0 when undefined).
    double gain() const { return restoredScore.f1() - weatherScore.f1(); }
};

/// `restored` may be empty (only the weather image is scored). All images the same size.
PerceptionResult perceptionScore(const PeopleDetector &detector,
                                 const cv::Mat &clean,
                                 const cv::Mat &weather,
                                 const cv::Mat &restored = {});

/// Over a set of photos, counting only those whose clean version has ≥ 1 detection.
struct PerceptionSummary {
    int photos = 0;           ///< all photos given
    int photosWithPeople = 0; ///< those counted
    double meanWeatherF1 = 0; ///< mean of per-photo F1 over the counted photos
    double meanRestoredF1 = 0;
    DetectionScore pooledWeather; ///< TP and box counts summed over the counted photos
    DetectionScore pooledRestored;
    double meanGain() const { return meanRestoredF1 - meanWeatherF1; }
};
PerceptionSummary summarize(const std::vector<PerceptionResult> &results);

// ---- routing ------------------------------------------------------------------------------

struct RoutingStats {
    long tokens = 0;
    std::vector<double> load;                   ///< per expert, sums to 1
    double meanEntropy = 0;                     ///< mean of the per-token entropies given
    double mutualInformation = 0;               ///< I(expert; weather), nats
    double weatherEntropy = 0;                  ///< H(weather), nats
    double uncertaintyCoefficient = 0;          ///< I / H(weather); 0 if H(weather) = 0
    std::vector<std::vector<long>> contingency; ///< [expert][weather] token counts
};

/// Statistics of `topExpert[i]` (in [0, experts)) against `weather[i]` (in [0, classes)) with
/// the per-token routing entropy `entropy[i]` (may be empty: meanEntropy is then 0).
/// Throws std::invalid_argument on mismatched lengths or an out-of-range index (naming it).
RoutingStats routingStats(std::span<const int> topExpert,
                          std::span<const int> weather,
                          std::span<const float> entropy,
                          int experts,
                          int classes);

/// Entropy −Σ g·ln g of one token's gate vector (zeros contribute nothing).
double gateEntropy(std::span<const float> gates);

/// The uncertainty coefficient a router would get by chance: the weather labels shuffled
/// (seeded Fisher–Yates) `repeats` times against the same expert assignment.
struct ShuffledBaseline {
    double mean = 0;
    double stddev = 0;
};
ShuffledBaseline shuffledUncertaintyCoefficient(std::span<const int> topExpert,
                                                std::span<const int> weather,
                                                int experts,
                                                int classes,
                                                std::uint64_t seed,
                                                int repeats = 20);

} // namespace mowe::weather
