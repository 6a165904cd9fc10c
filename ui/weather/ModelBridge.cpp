#include "weather/ModelBridge.h"

#ifdef MOWE_HAVE_TORCH
#include "mowe/route_maps.h"
#endif

#include <QFile>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace mowe::ui {

namespace {

[[maybe_unused]] std::filesystem::path toPath(const QString &path) {
    return std::filesystem::path(QFile::encodeName(path).toStdString());
}

#ifndef MOWE_HAVE_TORCH
[[noreturn]] void noModelHalf() {
    throw mowe::model::ModelError(
        "this build of MoWE Studio has no model half (it was configured with "
        "MOWE_BUILD_TORCH=OFF): rebuild with LibTorch to restore images");
}

// The same Okabe–Ito entries as core/mowe/route_maps.cpp, so a torch-less build draws the
// legend in the colours the model half would use.
constexpr int kOkabeIto[8][3] = {{230, 159, 0},
                                 {86, 180, 233},
                                 {0, 158, 115},
                                 {204, 121, 167},
                                 {240, 228, 66},
                                 {0, 114, 178},
                                 {213, 94, 0},
                                 {0, 0, 0}};
#endif

// Token-resolution CV_32FC3 BGR → image-size QImage, nearest (each token a P × P block).
QImage tokensToImage(const cv::Mat &tokens, const mowe::model::TokenGrid &grid) {
    cv::Mat big;
    cv::resize(tokens,
               big,
               cv::Size(grid.cols * grid.patch, grid.rows * grid.patch),
               0,
               0,
               cv::INTER_NEAREST);
    return toQImage(big(cv::Rect(0, 0, grid.imageWidth, grid.imageHeight)));
}

} // namespace

bool modelHalfBuilt() {
#ifdef MOWE_HAVE_TORCH
    return true;
#else
    return false;
#endif
}

mowe::model::RestoreResult LoadedModel::restore(const cv::Mat &bgr,
                                                const mowe::model::RestoreOptions &options) const {
    std::lock_guard guard(*lock);
    return restorer->restore(bgr, options);
}

QStringList LoadedModel::expertLabels() const {
    QStringList labels;
    if (!restorer)
        return labels;
    const auto &info = restorer->info();
    for (int e = 0; e < info.experts; ++e)
        labels << (e < int(info.expertLabels.size())
                       ? QString::fromStdString(info.expertLabels[std::size_t(e)])
                       : QStringLiteral("E%1").arg(e));
    return labels;
}

LoadedModel loadModelFolder([[maybe_unused]] const QString &directory) {
#ifdef MOWE_HAVE_TORCH
    return {mowe::model::Restorer::load(toPath(directory)),
            std::make_shared<std::mutex>(),
            directory,
            QStringLiteral("folder")};
#else
    noModelHalf();
#endif
}

LoadedModel loadTorchScriptModel([[maybe_unused]] const QString &file) {
#ifdef MOWE_HAVE_TORCH
    return {mowe::model::Restorer::loadTorchScript(toPath(file)),
            std::make_shared<std::mutex>(),
            file,
            QStringLiteral("torchscript")};
#else
    noModelHalf();
#endif
}

LoadedModel untrainedModel([[maybe_unused]] const nlohmann::json &options,
                           [[maybe_unused]] std::uint64_t seed) {
#ifdef MOWE_HAVE_TORCH
    return {mowe::model::Restorer::untrained(options, seed),
            std::make_shared<std::mutex>(),
            QStringLiteral("untrained %1").arg(QString::fromStdString(options.dump())),
            QStringLiteral("untrained")};
#else
    noModelHalf();
#endif
}

QColor expertColor(int expert) {
#ifdef MOWE_HAVE_TORCH
    const cv::Vec3f c = mowe::model::expertColour(expert);
    return QColor::fromRgbF(c[2], c[1], c[0]);
#else
    const auto &c = kOkabeIto[((expert % 8) + 8) % 8];
    return QColor(c[0], c[1], c[2]);
#endif
}

QImage toQImage(const cv::Mat &bgr) {
    if (bgr.empty())
        return {};
    cv::Mat bytes;
    if (bgr.depth() == CV_8U)
        bytes = bgr;
    else
        bgr.convertTo(bytes, CV_8U, 255.0); // saturates outside [0,1]
    if (bytes.channels() == 1)
        cv::cvtColor(bytes, bytes, cv::COLOR_GRAY2BGR);
    cv::Mat rgb;
    cv::cvtColor(bytes, rgb, cv::COLOR_BGR2RGB);
    QImage image(rgb.cols, rgb.rows, QImage::Format_RGB888);
    for (int y = 0; y < rgb.rows; ++y)
        std::copy_n(rgb.ptr<uchar>(y), std::size_t(rgb.cols) * 3, image.scanLine(y));
    return image;
}

cv::Mat weatherPrincipalComponents(const mowe::model::LayerTrace &layer) {
    const int dims = layer.weatherDim;
    if (dims <= 0 || layer.weather.empty())
        return {};
    const int tokens = int(layer.weather.size()) / dims;
    cv::Mat data(tokens, dims, CV_32F, const_cast<float *>(layer.weather.data()));
    const int components = std::min(3, std::min(dims, tokens));
    cv::PCA pca(data, cv::noArray(), cv::PCA::DATA_AS_ROW, components);
    cv::Mat scores = pca.project(data); // tokens × components
    cv::Mat result(tokens, 3, CV_32F, cv::Scalar(0.5f));
    for (int c = 0; c < components; ++c) {
        cv::Scalar mean, sd;
        cv::meanStdDev(scores.col(c), mean, sd);
        // mean ± 2σ spans [0,1]: outliers saturate rather than compressing everything else.
        const double span = std::max(4.0 * sd[0], 1e-6);
        for (int t = 0; t < tokens; ++t)
            result.at<float>(t, c) =
                float(std::clamp((scores.at<float>(t, c) - mean[0]) / span + 0.5, 0.0, 1.0));
    }
    return result;
}

QImage overlayImage(const mowe::model::RouteTrace &trace,
                    int layerIndex,
                    OverlayKind kind,
                    [[maybe_unused]] int expert) {
    if (kind == OverlayKind::None || layerIndex < 0 || layerIndex >= int(trace.layers.size()))
        return {};
    const auto &grid = trace.grid;
    const auto &layer = trace.layers[std::size_t(layerIndex)];
    if (grid.tokens() == 0)
        return {};
    if (kind == OverlayKind::WeatherEmbedding) {
        const cv::Mat pcs = weatherPrincipalComponents(layer);
        cv::Mat tokens(grid.rows, grid.cols, CV_32FC3, cv::Scalar(0.5, 0.5, 0.5));
        if (!pcs.empty()) {
            for (int t = 0; t < grid.tokens(); ++t) {
                // PC1 → red, PC2 → green, PC3 → blue (stored BGR).
                tokens.at<cv::Vec3f>(t / grid.cols, t % grid.cols) =
                    cv::Vec3f(pcs.at<float>(t, 2), pcs.at<float>(t, 1), pcs.at<float>(t, 0));
            }
        }
        return tokensToImage(tokens, grid);
    }
#ifdef MOWE_HAVE_TORCH
    switch (kind) {
    case OverlayKind::TopExpert:
        return tokensToImage(mowe::model::top1Tokens(grid, layer), grid);
    case OverlayKind::Probability: {
        cv::Mat p = mowe::model::probabilityTokens(grid, layer, expert);
        cv::Mat colour(p.size(), CV_32FC3);
        for (int r = 0; r < p.rows; ++r)
            for (int c = 0; c < p.cols; ++c)
                colour.at<cv::Vec3f>(r, c) = mowe::model::ramp(p.at<float>(r, c));
        return tokensToImage(colour, grid);
    }
    case OverlayKind::Entropy: {
        cv::Mat h = mowe::model::entropyTokens(grid, layer);
        const float scale = layer.experts > 1 ? 1.0f / std::log(float(layer.experts)) : 1.0f;
        cv::Mat colour(h.size(), CV_32FC3);
        for (int r = 0; r < h.rows; ++r)
            for (int c = 0; c < h.cols; ++c)
                colour.at<cv::Vec3f>(r, c) = mowe::model::ramp(h.at<float>(r, c) * scale);
        return tokensToImage(colour, grid);
    }
    default:
        return {};
    }
#else
    return {};
#endif
}

QImage contributionImage([[maybe_unused]] const mowe::model::RouteTrace &trace,
                         [[maybe_unused]] int layerIndex,
                         [[maybe_unused]] int expert) {
#ifdef MOWE_HAVE_TORCH
    if (layerIndex < 0 || layerIndex >= int(trace.layers.size()))
        return {};
    const auto &grid = trace.grid;
    const auto &layer = trace.layers[std::size_t(layerIndex)];
    const int E = layer.experts;
    if (layer.contribution.size() != std::size_t(grid.tokens()) * E || expert >= E)
        return {};
    // One scale for all experts, so the panel compares them.
    const float peak =
        std::max(*std::max_element(layer.contribution.begin(), layer.contribution.end()), 1e-12f);
    cv::Mat colour(grid.rows, grid.cols, CV_32FC3);
    for (int t = 0; t < grid.tokens(); ++t)
        colour.at<cv::Vec3f>(t / grid.cols, t % grid.cols) =
            mowe::model::ramp(layer.contribution[std::size_t(t) * E + expert] / peak);
    return tokensToImage(colour, grid);
#else
    return {};
#endif
}

nlohmann::json traceJson([[maybe_unused]] const mowe::model::RouteTrace &trace,
                         [[maybe_unused]] bool full) {
#ifdef MOWE_HAVE_TORCH
    return mowe::model::traceToJson(trace, full);
#else
    return nlohmann::json::object();
#endif
}

} // namespace mowe::ui
