#include "mowe/route_maps.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace mowe::model {

cv::Vec3f expertColour(int expert) {
    // Okabe & Ito (2008), as RGB bytes; returned BGR in [0,1].
    static const std::array<std::array<int, 3>, 8> rgb = {{{230, 159, 0},
                                                           {86, 180, 233},
                                                           {0, 158, 115},
                                                           {204, 121, 167},
                                                           {240, 228, 66},
                                                           {0, 114, 178},
                                                           {213, 94, 0},
                                                           {0, 0, 0}}};
    const auto &c = rgb[static_cast<std::size_t>(((expert % 8) + 8) % 8)];
    return {c[2] / 255.0f, c[1] / 255.0f, c[0] / 255.0f};
}

cv::Vec3f ramp(float t) {
    // Five viridis anchors, linearly interpolated (RGB).
    static const std::array<std::array<float, 3>, 5> anchors = {{{0.267f, 0.005f, 0.329f},
                                                                 {0.231f, 0.322f, 0.545f},
                                                                 {0.129f, 0.569f, 0.549f},
                                                                 {0.369f, 0.788f, 0.384f},
                                                                 {0.993f, 0.906f, 0.144f}}};
    t = std::clamp(std::isfinite(t) ? t : 0.0f, 0.0f, 1.0f) * 4.0f;
    const int i = std::min(3, static_cast<int>(t));
    const float f = t - i;
    std::array<float, 3> c{};
    for (int k = 0; k < 3; ++k)
        c[k] = anchors[i][k] * (1 - f) + anchors[i + 1][k] * f;
    return {c[2], c[1], c[0]};
}

cv::Mat top1Tokens(const TokenGrid &grid, const LayerTrace &layer) {
    cv::Mat m(grid.rows, grid.cols, CV_32FC3);
    const int k = std::max(1, layer.topK);
    for (int t = 0; t < grid.tokens(); ++t)
        m.at<cv::Vec3f>(t / grid.cols, t % grid.cols) = expertColour(layer.topk[t * k]);
    return m;
}

cv::Mat probabilityTokens(const TokenGrid &grid, const LayerTrace &layer, int expert) {
    cv::Mat m(grid.rows, grid.cols, CV_32FC1);
    for (int t = 0; t < grid.tokens(); ++t)
        m.at<float>(t / grid.cols, t % grid.cols) = layer.probs[t * layer.experts + expert];
    return m;
}

cv::Mat entropyTokens(const TokenGrid &grid, const LayerTrace &layer) {
    cv::Mat m(grid.rows, grid.cols, CV_32FC1);
    for (int t = 0; t < grid.tokens(); ++t)
        m.at<float>(t / grid.cols, t % grid.cols) = layer.entropy[t];
    return m;
}

namespace {

cv::Mat toImage(const TokenGrid &grid, const cv::Mat &tokens) {
    cv::Mat big;
    cv::resize(tokens,
               big,
               cv::Size(grid.cols * grid.patch, grid.rows * grid.patch),
               0,
               0,
               cv::INTER_NEAREST);
    return big(cv::Rect(0, 0, grid.imageWidth, grid.imageHeight)).clone();
}

cv::Mat colourise(const cv::Mat &values, float scale) {
    cv::Mat out(values.size(), CV_32FC3);
    for (int r = 0; r < values.rows; ++r)
        for (int c = 0; c < values.cols; ++c)
            out.at<cv::Vec3f>(r, c) = ramp(values.at<float>(r, c) * scale);
    return out;
}

} // namespace

cv::Mat top1ColourMap(const TokenGrid &grid, const LayerTrace &layer, bool) {
    return toImage(grid, top1Tokens(grid, layer));
}

cv::Mat probabilityMap(const TokenGrid &grid, const LayerTrace &layer, int expert, bool colour) {
    cv::Mat t = probabilityTokens(grid, layer, expert);
    return toImage(grid, colour ? colourise(t, 1.0f) : t);
}

cv::Mat entropyMap(const TokenGrid &grid, const LayerTrace &layer, bool colour) {
    cv::Mat t = entropyTokens(grid, layer);
    const float scale =
        layer.experts > 1 ? 1.0f / std::log(static_cast<float>(layer.experts)) : 1.0f;
    return toImage(grid, colour ? colourise(t, scale) : t);
}

} // namespace mowe::model
