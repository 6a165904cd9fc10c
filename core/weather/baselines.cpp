#include "weather/baselines.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc/edge_filter.hpp>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace mowe::weather {
namespace {

void checkImage(const char *what, const cv::Mat &img) {
    if (img.empty() || img.type() != CV_32FC3)
        throw std::invalid_argument(std::string(what) +
                                    ": expected a non-empty CV_32FC3 image in [0,1], got type " +
                                    std::to_string(img.type()));
}

cv::Mat minOverChannels(const cv::Mat &bgr) {
    std::vector<cv::Mat> ch;
    cv::split(bgr, ch);
    return cv::min(cv::min(ch[0], ch[1]), ch[2]);
}

/// A: among the brightest `fraction` of dark-channel pixels, the one brightest in the input.
cv::Vec3f estimateAirlight(const cv::Mat &img, const cv::Mat &dark, double fraction) {
    const int n = static_cast<int>(dark.total());
    const int count = std::clamp(static_cast<int>(n * fraction), 1, n);
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    const float *d = dark.ptr<float>();
    std::nth_element(order.begin(), order.begin() + (count - 1), order.end(), [&](int a, int b) {
        return d[a] > d[b];
    });
    const cv::Vec3f *p = img.ptr<cv::Vec3f>();
    cv::Vec3f best = p[order[0]];
    float bestSum = -1;
    for (int i = 0; i < count; ++i) {
        const cv::Vec3f &v = p[order[i]];
        const float sum = v[0] + v[1] + v[2];
        if (sum > bestSum) {
            bestSum = sum;
            best = v;
        }
    }
    // A zero channel would divide by zero in I / A; a black "sky" means no haze to remove.
    for (int c = 0; c < 3; ++c)
        best[c] = std::max(best[c], 1e-3f);
    return best;
}

} // namespace

cv::Mat darkChannel(const cv::Mat &bgr01, int patchRadius) {
    checkImage("darkChannel", bgr01);
    if (patchRadius < 0)
        throw std::invalid_argument("darkChannel: patchRadius must be ≥ 0, got " +
                                    std::to_string(patchRadius));
    // A minimum filter is an erosion with a square structuring element.
    const cv::Mat kernel = cv::getStructuringElement(
        cv::MORPH_RECT, cv::Size(2 * patchRadius + 1, 2 * patchRadius + 1));
    cv::Mat dark;
    cv::erode(minOverChannels(bgr01), dark, kernel, cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
    return dark;
}

DehazeResult dehazeDarkChannel(const cv::Mat &bgr01, const DehazeOptions &options) {
    checkImage("dehazeDarkChannel", bgr01);
    if (!(options.omega > 0 && options.omega <= 1) || !(options.t0 > 0 && options.t0 < 1) ||
        !(options.brightestFraction > 0 && options.brightestFraction <= 1))
        throw std::invalid_argument("dehazeDarkChannel: need 0 < omega ≤ 1, 0 < t0 < 1 and "
                                    "0 < brightestFraction ≤ 1");
    const cv::Mat img = bgr01.isContinuous() ? bgr01 : bgr01.clone();

    DehazeResult result;
    const cv::Mat dark = darkChannel(img, options.patchRadius);
    result.airlight = estimateAirlight(img, dark, options.brightestFraction);
    const cv::Vec3f &a = result.airlight;

    cv::Mat normalised;
    cv::divide(img, cv::Scalar(a[0], a[1], a[2]), normalised);
    cv::Mat raw = 1.0 - options.omega * darkChannel(normalised, options.patchRadius);

    // Refinement: the coarse t is blocky at patch scale; the guided filter snaps it to the
    // image's edges at a fraction of soft matting's cost.
    cv::Mat grey;
    cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
    const int radius = options.guidedRadius > 0 ? options.guidedRadius
                                                : std::max(4, std::min(img.cols, img.rows) / 20);
    cv::ximgproc::guidedFilter(grey, raw, result.transmission, radius, options.guidedEps);

    cv::Mat t = cv::max(result.transmission, options.t0);
    cv::Mat t3;
    cv::merge(std::vector<cv::Mat>{t, t, t}, t3);
    cv::Mat j;
    cv::subtract(img, cv::Scalar(a[0], a[1], a[2]), j);
    cv::divide(j, t3, j);
    cv::add(j, cv::Scalar(a[0], a[1], a[2]), j);
    result.image = cv::min(cv::max(j, 0.0), 1.0);
    return result;
}

cv::Mat derainFilter(const cv::Mat &bgr01, const DerainOptions &options) {
    checkImage("derainFilter", bgr01);
    if (options.medianSize < 1 || options.medianSize % 2 == 0)
        throw std::invalid_argument("derainFilter: medianSize must be odd and positive, got " +
                                    std::to_string(options.medianSize));
    cv::Mat median;
    if (options.medianSize <= 5) {
        cv::medianBlur(bgr01, median, options.medianSize);
    } else {
        // OpenCV's median runs on floats only for 3×3 and 5×5 windows.
        cv::Mat eight;
        bgr01.convertTo(eight, CV_8U, 255.0);
        cv::medianBlur(eight, eight, options.medianSize);
        eight.convertTo(median, CV_32F, 1.0 / 255.0);
    }
    if (options.method == DerainOptions::Method::Median)
        return median;
    cv::Mat out;
    cv::ximgproc::guidedFilter(median, bgr01, out, options.guidedRadius, options.guidedEps);
    return cv::min(cv::max(out, 0.0), 1.0);
}

} // namespace mowe::weather
