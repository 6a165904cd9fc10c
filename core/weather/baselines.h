#pragma once
// Classical restoration baselines that the learned model is compared against (issue 6).
// Images are CV_32FC3 BGR in [0,1].
//
// Dark-channel-prior dehazing (He, Sun & Tang, CVPR 2009 / TPAMI 2011). With the haze model
// I = J·t + A·(1 − t):
//   dark(I)(x) = min over the patch Ω(x) of min over channels I_c
//   A          = the brightest input pixel (by channel sum) among the brightestFraction of
//                pixels with the largest dark channel
//   t̃(x)       = 1 − ω · dark(I / A)(x)
//   t          = guided filter of t̃ with the grey input as guide (He et al. 2013, replacing
//                the paper's soft matting)
//   J          = (I − A) / max(t, t0) + A, clamped to [0,1]
// The prior fails on large bright regions without shadows (sky, snow, white walls): there t
// is underestimated and colours are over-saturated — a known limit, not a bug.
//
// Median/guided filtering for rain and snow: thin streaks and small flakes are outliers in a
// small window, so a median removes them but blurs texture. The guided variant then fits the
// input locally as a linear function of the median-filtered image (Xu et al. 2012 use a
// rain-free guide the same way), meant to restore edges the guide has and drop streaks it
// has not; on our synthetic rain it lets too much of the streaks back in, so the plain
// median is the default.

#include <opencv2/core.hpp>

namespace mowe::weather {

struct DehazeOptions {
    int patchRadius = 7;              ///< dark-channel patch (2r+1)², 15×15 as in the paper
    double omega = 0.95;              ///< haze kept for depth perception
    double t0 = 0.1;                  ///< lower bound of the transmission
    double brightestFraction = 0.001; ///< dark-channel pixels searched for the airlight
    /// Guided-filter radius; 0 picks about 1/20 of the shorter side (the paper's 60 px at 600×400
    /// over-smooths small images).
    int guidedRadius = 0;
    double guidedEps = 1e-3; ///< guided-filter regulariser (the paper: 1e-4 to 1e-3)
};

struct DehazeResult {
    cv::Mat image;        ///< CV_32FC3, [0,1]
    cv::Mat transmission; ///< CV_32FC1 refined t, before the t0 bound
    cv::Vec3f airlight;   ///< A (BGR)
};

/// Throws std::invalid_argument for an empty or non-CV_32FC3 image or options out of range.
DehazeResult dehazeDarkChannel(const cv::Mat &bgr01, const DehazeOptions &options = {});

/// min over a (2r+1)² patch of min over channels; CV_32FC1.
cv::Mat darkChannel(const cv::Mat &bgr01, int patchRadius);

struct DerainOptions {
    enum class Method {
        Median,       ///< median filter only (default: the stronger of the two, see below)
        MedianGuided, ///< median, then the input guided by it
    };
    // Measured on the 32 clean photos at 384 px, rain=0.4 / snow=0.5, mean PSNR gain:
    // median 7×7 +4.6 / +2.3 dB; 5×5 +3.9 / +2.0 dB; 5×5 then guided +2.9 / +1.1 dB.
    Method method = Method::Median;
    int medianSize = 7; ///< odd; 3 and 5 run in floating point, larger sizes on 8-bit copies
    int guidedRadius = 4;
    double guidedEps = 0.01;
};

/// Removes thin bright streaks and small flakes. Throws std::invalid_argument as above or for
/// an even/non-positive medianSize.
cv::Mat derainFilter(const cv::Mat &bgr01, const DerainOptions &options = {});

} // namespace mowe::weather
