#pragma once
// Route traces drawn as pictures at the image's size (each token a P × P block): the top-1
// expert in a colour-blind-safe palette, one expert's probability, and the routing entropy.
// Torch-free: used by the CLI's --routes and by the GUI's overlays.

#include "mowe/engine.h"

#include <opencv2/core.hpp>

namespace mowe::model {

/// Okabe–Ito palette (BGR, [0,1]), colour-blind safe; expert e gets entry e mod 8.
cv::Vec3f expertColour(int expert);

/// Token-resolution maps (rows × cols), CV_32FC3 / CV_32FC1.
cv::Mat top1Tokens(const TokenGrid &grid, const LayerTrace &layer);
cv::Mat probabilityTokens(const TokenGrid &grid, const LayerTrace &layer, int expert);
cv::Mat entropyTokens(const TokenGrid &grid, const LayerTrace &layer);

/// The same maps at the image's size (nearest: each token a block), cropped to the image;
/// `colour` true gives a CV_32FC3 BGR picture (probability and entropy through a viridis-like
/// ramp; entropy scaled by ln E), false the raw CV_32FC1 values.
cv::Mat top1ColourMap(const TokenGrid &grid, const LayerTrace &layer, bool colour = true);
cv::Mat probabilityMap(const TokenGrid &grid, const LayerTrace &layer, int expert, bool colour);
cv::Mat entropyMap(const TokenGrid &grid, const LayerTrace &layer, bool colour);

/// Viridis-like ramp for t in [0,1] (BGR).
cv::Vec3f ramp(float t);

} // namespace mowe::model
