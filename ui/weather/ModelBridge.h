#pragma once
// The weather workspace's only door to the model half (core/mowe). Everything here is
// torch-free; when the build has no LibTorch (MOWE_BUILD_TORCH=OFF) the loaders throw a
// ModelError saying so and the workspace still shows photos, weather and metrics.
//
// Also the conversions between OpenCV images (CV_32FC3 BGR in [0,1], the core convention)
// and QImage, and the overlays drawn from a route trace at the image's size.

#include "mowe/engine.h"

#include <QColor>
#include <QImage>
#include <QString>
#include <QStringList>

#include <memory>
#include <mutex>

namespace mowe::ui {

/// True when this build contains the model half (LibTorch).
bool modelHalfBuilt();

/// A loaded model and the lock that serialises restore(): Restorer allows one call at a time
/// per instance, and a superseded job may still be finishing its tile when the next starts.
struct LoadedModel {
    std::shared_ptr<const mowe::model::Restorer> restorer;
    std::shared_ptr<std::mutex> lock;
    /// Where it came from: a folder, a TorchScript file, or "untrained" (with options).
    QString source;
    QString kind; ///< "folder", "torchscript" or "untrained"

    bool isValid() const { return restorer != nullptr; }
    /// Restores under the lock. Throws what Restorer::restore throws.
    mowe::model::RestoreResult restore(const cv::Mat &bgr,
                                       const mowe::model::RestoreOptions &options) const;
    /// Expert labels ("E0 1×1", ...), or E0.. when the model names none.
    QStringList expertLabels() const;
};

/// Each throws mowe::model::ModelError with a message naming the file and the problem.
LoadedModel loadModelFolder(const QString &directory);
LoadedModel loadTorchScriptModel(const QString &file);
LoadedModel untrainedModel(const nlohmann::json &options, std::uint64_t seed);

/// The Okabe–Ito colour of expert e (the legend and the top-1 overlay use the same one).
QColor expertColor(int expert);

/// CV_32FC3 BGR [0,1] (or CV_8UC3 BGR) → QImage RGB888, a deep copy.
QImage toQImage(const cv::Mat &bgr);

/// What an overlay shows.
enum class OverlayKind { None, TopExpert, Probability, Entropy, WeatherEmbedding };

/// The overlay of `layer` at the image's size (each token a P × P block), opaque RGB: the
/// top-1 expert's colour, `expert`'s probability or the entropy (scaled by ln E) through the
/// viridis-like ramp, or the weather embedding's first three principal components as RGB
/// (each component mapped from mean ± 2σ to [0,1]; grey when the model has no embedding).
/// Null for OverlayKind::None or an empty trace.
QImage overlayImage(const mowe::model::RouteTrace &trace, int layer, OverlayKind kind, int expert);

/// The three principal-component scores per token (tokens × 3, CV_32F), mean ± 2σ → [0,1].
/// Empty when the layer carries no weather embedding.
cv::Mat weatherPrincipalComponents(const mowe::model::LayerTrace &layer);

/// Contribution ‖g_e · Expert_e(x)‖ of `expert` per token, normalised by the largest over all
/// experts and drawn through the ramp at the image's size; null when the trace has none.
QImage contributionImage(const mowe::model::RouteTrace &trace, int layer, int expert);

/// mowe::model::traceToJson (the full per-token maps when `full`).
nlohmann::json traceJson(const mowe::model::RouteTrace &trace, bool full);

/// Top-1 expert of token t in `layer` (the first of its top-k).
inline int topExpert(const mowe::model::LayerTrace &layer, int token) {
    return layer.topk[static_cast<std::size_t>(token) * layer.topK];
}

} // namespace mowe::ui
