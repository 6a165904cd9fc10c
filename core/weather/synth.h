#pragma once
// Synthetic weather on clean photos: our stand-in for the paper's unreleased MAW-Sim
// (docs/weather.md, spec section 3). Deterministic per seed; returns the weather image and a
// per-pixel label map saying which weather changed each pixel most.
//
// Conventions shared by all of core/weather:
//   images  cv::Mat CV_32FC3, BGR, values in [0,1];
//   labels  cv::Mat CV_8UC1 with the encoding below.
//
// Physical order of the layers: rain streaks and snow in the scene, then haze over them, then
// raindrops on the lens:
//   J0 = clean
//   J1 = rain(J0)    streaks S_r: J1 = clip(J0 + S_r); heavy rain (i > 0.5) adds a veil,
//                    haze with β_v = 0.8·(i − 0.5) over the same depth as fog
//   J2 = snow(J1)    flakes S_s in three sizes, screen-blended J2 = J1 + S_s·(1 − J1),
//                    then whitened J2 += w·(1 − J2), w = 0.05·i
//   J3 = fog(J2)     J3 = J2·t + A·(1 − t), t = exp(−β·d), β = 4·i, A ~ U[0.7, 0.95] (grey)
//   J4 = drops(J3)   elliptic lens drops: inverted, magnified, blurred view of J3
// Label rule: let Δ_k = max over channels |J_k − J_{k−1}| for the layer k applied at that
// pixel, and Δ = max over channels |J4 − J0|. label = 0 (clear) where Δ ≤ labelThreshold,
// otherwise the weather whose Δ_k is largest (ties: the lower label). So the label map is
// non-zero exactly where the returned image differs from the clean one by more than the
// threshold, and names the layer responsible.

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>

namespace mowe::weather {

/// Weather label encoding of every label map in the product (synthesis, datasets, router
/// statistics). kWeatherClasses counts "clear" too.
enum WeatherLabel : std::uint8_t {
    kClear = 0,
    kRain = 1,
    kSnow = 2,
    kFog = 3,
    kRaindrops = 4,
};
constexpr int kWeatherClasses = 5;

/// "clear", "rain", "snow", "fog", "raindrops"; "unknown" for any other value.
const char *weatherName(int label);

/// A colour per label (BGR, 8-bit) from the Okabe–Ito colour-blind-safe palette; clear is
/// black. For drawing label maps (colorizeLabels) and legends.
cv::Vec3b weatherColor(int label);

/// Label map (CV_8UC1) → CV_8UC3 BGR picture using weatherColor. Throws std::invalid_argument
/// if `labels` is not CV_8UC1.
cv::Mat colorizeLabels(const cv::Mat &labels);

/// Intensity of each weather layer, each in [0,1]; 0 leaves that layer out.
struct WeatherSpec {
    float rain = 0;
    float snow = 0;
    float fog = 0;
    float raindrops = 0;

    bool isClear() const { return rain == 0 && snow == 0 && fog == 0 && raindrops == 0; }
    bool operator==(const WeatherSpec &) const = default;
};

/// Parses "rain=0.6,fog=0.3" (keys rain, snow, fog, raindrops; spaces allowed; "", "clear"
/// or "none" give all zeros). Throws std::invalid_argument naming the bad key, a value that
/// is not a number, a repeated key, or an intensity outside [0, 1] together with that range.
WeatherSpec parseWeatherSpec(const std::string &text);

/// The inverse of parseWeatherSpec, listing only the non-zero layers ("clear" if none).
std::string toString(const WeatherSpec &spec);

/// Throws std::invalid_argument if any intensity is outside [0, 1] or not finite.
void validate(const WeatherSpec &spec);

struct SynthOptions {
    /// Size of the whole scene the image belongs to. Empty (default): the image itself.
    /// Set it, with cropOrigin, when synthesising on a crop of a larger photo, so that
    /// streaks, flakes and drops keep the photo's scale and the fog depth follows the photo's
    /// horizon rather than the crop's.
    cv::Size sceneSize{};
    /// Top-left corner of the image within the scene (only used when sceneSize is set).
    cv::Point cropOrigin{0, 0};
    /// Pixels whose final change max_c |Δ| is at most this are labelled clear (≈ 8/255: below
    /// it a change is hard to see and too small to be worth routing by).
    float labelThreshold = 0.03f;
};

/// Lengths in the spec (streaks of 20–60 px, flakes, drop radii) hold for a scene whose
/// shorter side is this many pixels; other scenes scale them by shorter side / this.
constexpr int kReferenceSceneSize = 512;

struct SynthResult {
    cv::Mat image;  ///< CV_32FC3, BGR, [0,1]
    cv::Mat labels; ///< CV_8UC1, WeatherLabel per pixel
};

/// Renders `spec` onto `clean` (CV_32FC3 in [0,1], non-empty). The result depends only on
/// (clean, spec, seed, options): each layer draws from its own generator derived from `seed`,
/// so changing one intensity leaves the other layers' patterns where they were, and raising
/// an intensity adds streaks, flakes or drops to those already there.
/// Throws std::invalid_argument for a wrong image type, an invalid spec, or options whose
/// crop lies outside the scene.
SynthResult synthesize(const cv::Mat &clean,
                       const WeatherSpec &spec,
                       std::uint64_t seed,
                       const SynthOptions &options = {});

/// The normalised depth in [0,1] the fog and the rain veil use (0 near, 1 far): the horizon
/// at a seeded row between 35 % and 55 % of the scene height, far above it; below it a blend
/// of a ground-plane perspective profile and a linear ramp down to 0.1 at the bottom row,
/// plus smooth low-frequency noise of σ ≈ 0.08. CV_32FC1 of the image's size.
cv::Mat syntheticDepth(cv::Size imageSize, std::uint64_t seed, const SynthOptions &options = {});

/// Per-token labels for a model that cuts the image into patch × patch tokens (spec section
/// 1: "the dominant weather type of the pixels under the token, or clear"): the most frequent
/// non-clear label under the token if it covers at least `minFraction` of the token's pixels,
/// else clear. Thin streaks rarely fill half a token, hence non-clear labels compete among
/// themselves rather than with "clear". Ties go to the lower label. Edge tokens of an image
/// whose size is not a multiple of `patch` count the pixels they have.
/// CV_8UC1 of ceil(rows / patch) × ceil(cols / patch). Throws std::invalid_argument for a
/// non-CV_8UC1 map, patch < 1 or minFraction outside [0, 1].
cv::Mat tokenLabels(const cv::Mat &labels, int patch, double minFraction = 0.1);

} // namespace mowe::weather
