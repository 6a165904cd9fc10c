#include "weather/synth.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace mowe::weather {
namespace {

constexpr float kPi = 3.14159265358979f;
constexpr float kDegree = kPi / 180.0f;

// Independent generator per layer, so that one layer's draws never shift another's pattern
// (the GUI's sliders move one intensity at a time and the rest must stay put).
enum Stream : std::uint64_t { kDepthStream = 1, kRainStream, kSnowStream, kFogStream, kDropStream };

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

cv::RNG streamRng(std::uint64_t seed, Stream stream) {
    const std::uint64_t state = splitmix64(seed ^ splitmix64(stream));
    // cv::RNG replaces a zero state by a constant; keep distinct seeds distinct.
    return cv::RNG(state ? state : 0x2545F4914F6CDD1Dull);
}

/// Where the image sits in its scene, and how lengths scale with the scene.
struct Frame {
    cv::Size scene;
    cv::Point origin;
    float scale; // scene shorter side / kReferenceSceneSize
};

Frame frameOf(cv::Size image, const SynthOptions &options) {
    Frame f{image, {0, 0}, 1.0f};
    if (!options.sceneSize.empty()) {
        const cv::Rect crop(options.cropOrigin, image);
        if (crop.x < 0 || crop.y < 0 || crop.br().x > options.sceneSize.width ||
            crop.br().y > options.sceneSize.height)
            throw std::invalid_argument("synthesize: the image (" + std::to_string(image.width) +
                                        "x" + std::to_string(image.height) + " at " +
                                        std::to_string(crop.x) + "," + std::to_string(crop.y) +
                                        ") does not fit inside the scene of " +
                                        std::to_string(options.sceneSize.width) + "x" +
                                        std::to_string(options.sceneSize.height));
        f.scene = options.sceneSize;
        f.origin = options.cropOrigin;
    }
    // Below a 32-px scene, weather at scale would be sub-pixel dust in huge numbers; draw it
    // as for a 32-px scene instead.
    f.scale =
        std::max(1.0f / 16.0f,
                 static_cast<float>(std::min(f.scene.width, f.scene.height)) / kReferenceSceneSize);
    return f;
}

float sq(float x) {
    return x * x;
}

float smoothstep(float edge0, float edge1, float x) {
    const float t = std::clamp((x - edge0) / (edge1 - edge0), 0.0f, 1.0f);
    return t * t * (3.0f - 2.0f * t);
}

/// Inverse of the standard normal's upper tail: the τ with P(N > τ) = p, by bisection (called
/// three times per image, so speed does not matter and no approximation table is needed).
float upperNormalQuantile(float p) {
    double lo = -10.0, hi = 10.0;
    for (int i = 0; i < 60; ++i) {
        const double mid = 0.5 * (lo + hi);
        (0.5 * std::erfc(mid / std::sqrt(2.0)) > p ? lo : hi) = mid;
    }
    return static_cast<float>(0.5 * (lo + hi));
}

/// Row i holds the weights of the `knots` grid values for pixel i of a span of `count` pixels
/// starting at `offset` in a scene of `extent` pixels, the knots spread evenly over the scene
/// (Catmull–Rom: smooth, interpolating, replicated at the ends). CV_32FC1, count × knots.
cv::Mat catmullRomWeights(int count, int offset, int extent, int knots) {
    cv::Mat w(count, knots, CV_32FC1, cv::Scalar(0));
    const float step = float(knots - 1) / std::max(1, extent - 1);
    for (int i = 0; i < count; ++i) {
        const float g = (i + offset) * step;
        const int k = std::min(static_cast<int>(g), knots - 2);
        const float t = g - k, t2 = t * t, t3 = t2 * t;
        const float weights[4] = {0.5f * (-t3 + 2 * t2 - t),
                                  0.5f * (3 * t3 - 5 * t2 + 2),
                                  0.5f * (-3 * t3 + 4 * t2 + t),
                                  0.5f * (t3 - t2)};
        for (int j = 0; j < 4; ++j)
            w.at<float>(i, std::clamp(k - 1 + j, 0, knots - 1)) += weights[j];
    }
    return w;
}

// Points for cv::line with 4 fractional bits, so that short streaks and small flakes land
// at sub-pixel positions instead of snapping to the grid.
constexpr int kShift = 4;
cv::Point fixedPoint(float x, float y) {
    return {cv::saturate_cast<int>(x * (1 << kShift)), cv::saturate_cast<int>(y * (1 << kShift))};
}

/// img = min(1, img + layer/255) on every channel (white streaks, added and clipped).
void addLayer(cv::Mat &img, const cv::Mat &layer8) {
    for (int y = 0; y < img.rows; ++y) {
        auto *p = img.ptr<cv::Vec3f>(y);
        const auto *s = layer8.ptr<std::uint8_t>(y);
        for (int x = 0; x < img.cols; ++x) {
            if (!s[x])
                continue;
            const float add = s[x] * (1.0f / 255.0f);
            for (int c = 0; c < 3; ++c)
                p[x][c] = std::min(1.0f, p[x][c] + add);
        }
    }
}

/// img = img·t + A·(1 − t) with t = exp(−β·depth) (Koschmieder's law).
void applyHaze(cv::Mat &img, const cv::Mat &depth, float beta, float airlight) {
    for (int y = 0; y < img.rows; ++y) {
        auto *p = img.ptr<cv::Vec3f>(y);
        const auto *z = depth.ptr<float>(y);
        for (int x = 0; x < img.cols; ++x) {
            const float t = std::exp(-beta * z[x]);
            for (int c = 0; c < 3; ++c)
                p[x][c] = p[x][c] * t + airlight * (1.0f - t);
        }
    }
}

/// out = max over channels |a − b|, CV_32FC1.
cv::Mat maxAbsDifference(const cv::Mat &a, const cv::Mat &b) {
    cv::Mat out(a.size(), CV_32FC1);
    for (int y = 0; y < a.rows; ++y) {
        const auto *p = a.ptr<cv::Vec3f>(y);
        const auto *q = b.ptr<cv::Vec3f>(y);
        auto *o = out.ptr<float>(y);
        for (int x = 0; x < a.cols; ++x)
            o[x] = std::max({std::abs(p[x][0] - q[x][0]),
                             std::abs(p[x][1] - q[x][1]),
                             std::abs(p[x][2] - q[x][2])});
    }
    return out;
}

// ---- rain ---------------------------------------------------------------------------------

// Streaks per reference scene (512² px) at intensity 1: heavy rain, about a fifth of the
// pixels covered.
constexpr float kStreaksPerReferenceScene = 1400.0f;

void applyRain(cv::Mat &img, float intensity, const Frame &f, cv::RNG rng, const cv::Mat &depth) {
    const float angle = rng.uniform(-30.0f, 30.0f) * kDegree; // of vertical, one wind per image
    const float length = rng.uniform(20.0f, 60.0f) * f.scale;
    const float gain = rng.uniform(0.5f, 1.0f);
    const float veilAirlight = rng.uniform(0.75f, 0.9f);

    // Streaks may start outside the image and enter it, so seeds cover a margin around it.
    const int margin = static_cast<int>(std::ceil(1.3f * length)) + 2;
    const double area = double(img.cols + 2 * margin) * (img.rows + 2 * margin);
    const double reference = double(kReferenceSceneSize) * kReferenceSceneSize * f.scale * f.scale;
    const int candidates =
        static_cast<int>(std::ceil(kStreaksPerReferenceScene * area / reference));

    // A sparse seed convolved with a line kernel is a line segment; drawing the segments
    // directly (anti-aliased) gives the same streaks for O(seeds·L) work instead of a
    // convolution over every pixel with an L×L kernel.
    cv::Mat layer(img.size(), CV_8UC1, cv::Scalar(0));
    const int thickness = std::max(1, static_cast<int>(std::lround(f.scale)));
    for (int k = 0; k < candidates; ++k) {
        // Every candidate consumes the same draws whether or not it is kept, so a higher
        // intensity keeps every streak of a lower one and adds more.
        const float appear = rng.uniform(0.0f, 1.0f);
        const float x0 = rng.uniform(-float(margin), float(img.cols + margin));
        const float y0 = rng.uniform(-float(margin), float(img.rows + margin));
        const float len = length * rng.uniform(0.7f, 1.3f);
        const float a = angle + rng.uniform(-4.0f, 4.0f) * kDegree;
        const float brightness = gain * rng.uniform(0.4f, 1.0f);
        if (appear >= intensity)
            continue;
        const float x1 = x0 + len * std::sin(a), y1 = y0 + len * std::cos(a);
        cv::line(layer,
                 fixedPoint(x0, y0),
                 fixedPoint(x1, y1),
                 cv::Scalar(255.0 * brightness),
                 thickness,
                 cv::LINE_AA,
                 kShift);
    }
    if (f.scale > 1.5f) // at large scales one-pixel anti-aliasing alone looks hard-edged
        cv::GaussianBlur(layer, layer, cv::Size(0, 0), 0.4 * f.scale);
    addLayer(img, layer);

    // Heavy rain scatters light like a thin haze (spec: a light veil above half intensity).
    if (intensity > 0.5f)
        applyHaze(img, depth, 0.8f * (intensity - 0.5f), veilAirlight);
}

// ---- snow ---------------------------------------------------------------------------------

struct FlakeClass {
    float diameter; // px at the reference scale
    float cell;     // grid spacing of the noise, px at the reference scale
    float density;  // fraction of cells holding a flake at intensity 1
    float streak;   // motion-blur length in flake diameters
};
constexpr std::array<FlakeClass, 3> kFlakes{{
    {1.5f, 5.0f, 0.22f, 2.0f},  // small, far
    {3.0f, 11.0f, 0.12f, 1.6f}, // medium
    {5.5f, 24.0f, 0.07f, 1.3f}, // large, near the camera
}};

void applySnow(cv::Mat &img, float intensity, const Frame &f, cv::RNG rng) {
    const float angle = rng.uniform(-20.0f, 20.0f) * kDegree; // steep fall
    const float brightness = rng.uniform(0.8f, 1.0f);
    const cv::Point2f dir(std::sin(angle), std::cos(angle));

    cv::Mat flakes(img.size(), CV_32FC1, cv::Scalar(0));
    cv::Mat layer(img.size(), CV_8UC1);
    for (const FlakeClass &cls : kFlakes) {
        const float diameter = cls.diameter * f.scale;
        const float cell = std::max(1.0f, cls.cell * f.scale);
        const float streak = cls.streak * std::max(diameter, 1.0f);
        const int margin = static_cast<int>(std::ceil(streak + diameter)) + 1;
        const int gw = static_cast<int>(std::ceil((img.cols + 2 * margin) / cell));
        const int gh = static_cast<int>(std::ceil((img.rows + 2 * margin) / cell));

        // Thresholded Gaussian noise on a grid of flake-sized cells; each surviving cell is a
        // flake drawn at its (jittered) centre, which is what zooming the thresholded grid up
        // to flake size and blurring it would give, without the full-size intermediate images.
        // The noise is fixed per seed and only the threshold moves with intensity, so more
        // snow adds flakes to those already there.
        cv::Mat noise(gh, gw, CV_32FC1), jitter(gh, gw, CV_32FC2);
        rng.fill(noise, cv::RNG::NORMAL, 0.0, 1.0);
        rng.fill(jitter, cv::RNG::UNIFORM, 0.0, 1.0);
        const float tau = upperNormalQuantile(cls.density * intensity);
        // Sub-pixel flakes keep their share of light by dimming rather than vanishing.
        const float coverage = std::min(1.0f, diameter);
        const int thickness = std::max(1, static_cast<int>(std::lround(diameter)));

        layer.setTo(0);
        for (int gy = 0; gy < gh; ++gy) {
            for (int gx = 0; gx < gw; ++gx) {
                const float n = noise.at<float>(gy, gx);
                if (n <= tau)
                    continue;
                const cv::Vec2f j = jitter.at<cv::Vec2f>(gy, gx);
                const cv::Point2f c((gx + j[0]) * cell - margin, (gy + j[1]) * cell - margin);
                const float value = coverage * std::min(1.0f, 0.6f + 0.4f * (n - tau));
                const cv::Point2f half = dir * (0.5f * streak);
                cv::line(layer,
                         fixedPoint(c.x - half.x, c.y - half.y),
                         fixedPoint(c.x + half.x, c.y + half.y),
                         cv::Scalar(255.0 * value),
                         thickness,
                         cv::LINE_AA,
                         kShift);
            }
        }
        // Flakes are out of focus: soften each class in proportion to its size.
        if (diameter > 1.2f)
            cv::GaussianBlur(layer, layer, cv::Size(0, 0), 0.3 * diameter);
        cv::Mat asFloat;
        layer.convertTo(asFloat, CV_32F, 1.0 / 255.0);
        flakes = cv::max(flakes, asFloat);
    }

    // Screen blend (J + S·(1 − J)): white flakes add light without clipping the scene, then
    // the whole scene whitens slightly as in falling snow.
    const float whiten = 0.05f * intensity;
    for (int y = 0; y < img.rows; ++y) {
        auto *p = img.ptr<cv::Vec3f>(y);
        const auto *s = flakes.ptr<float>(y);
        for (int x = 0; x < img.cols; ++x) {
            const float a = s[x] * brightness;
            for (int c = 0; c < 3; ++c) {
                const float v = p[x][c] + a * (1.0f - p[x][c]);
                p[x][c] = v + whiten * (1.0f - v);
            }
        }
    }
}

// ---- raindrops on the lens ----------------------------------------------------------------

constexpr float kDropsPerReferenceScene = 40.0f;

cv::Vec3f sampleBilinear(const cv::Mat &img, float x, float y) {
    const int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
    const float fx = x - x0, fy = y - y0;
    const int xa = cv::borderInterpolate(x0, img.cols, cv::BORDER_REFLECT_101);
    const int xb = cv::borderInterpolate(x0 + 1, img.cols, cv::BORDER_REFLECT_101);
    const int ya = cv::borderInterpolate(y0, img.rows, cv::BORDER_REFLECT_101);
    const int yb = cv::borderInterpolate(y0 + 1, img.rows, cv::BORDER_REFLECT_101);
    const auto &p00 = img.at<cv::Vec3f>(ya, xa), &p01 = img.at<cv::Vec3f>(ya, xb);
    const auto &p10 = img.at<cv::Vec3f>(yb, xa), &p11 = img.at<cv::Vec3f>(yb, xb);
    return (p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy;
}

struct Drop {
    float cx, cy, a, b, cosr, sinr, magnification, highlight;
};

void applyDrops(cv::Mat &img, float intensity, const Frame &f, cv::RNG rng) {
    const float rMin = 0.015f * kReferenceSceneSize * f.scale;
    const float rMax = 0.05f * kReferenceSceneSize * f.scale;
    const int margin = static_cast<int>(std::ceil(1.3f * rMax));
    const double area = double(img.cols + 2 * margin) * (img.rows + 2 * margin);
    const double reference = double(kReferenceSceneSize) * kReferenceSceneSize * f.scale * f.scale;
    const int candidates = static_cast<int>(std::ceil(kDropsPerReferenceScene * area / reference));

    std::vector<Drop> drops;
    float radiusSum = 0;
    for (int k = 0; k < candidates; ++k) {
        const float appear = rng.uniform(0.0f, 1.0f);
        const float r = rng.uniform(rMin, rMax);
        Drop d{};
        d.cx = rng.uniform(-float(margin), float(img.cols + margin));
        d.cy = rng.uniform(-float(margin), float(img.rows + margin));
        d.a = std::max(1.0f, r * rng.uniform(0.8f, 1.0f));
        d.b = std::max(1.0f, r * rng.uniform(1.0f, 1.3f)); // drops sag: taller than wide
        const float rot = rng.uniform(-20.0f, 20.0f) * kDegree;
        d.cosr = std::cos(rot);
        d.sinr = std::sin(rot);
        d.magnification = rng.uniform(1.5f, 3.0f);
        d.highlight = rng.uniform(0.1f, 0.3f);
        if (appear < intensity) {
            drops.push_back(d);
            radiusSum += r;
        }
    }
    if (drops.empty())
        return;

    // A drop on the lens is far out of focus: its texture is a blurred view of the scene.
    // For wide blurs (large photos) blur a reduced copy: the detail a factor-k reduction
    // loses is far below the blur's cut-off, and a 12 MP photo then takes milliseconds.
    const double sigma = std::max(1.0, 0.25 * radiusSum / drops.size());
    const int reduce = std::max(1, static_cast<int>(sigma / 3.0));
    cv::Mat blurred;
    if (reduce > 1) {
        cv::resize(img,
                   blurred,
                   cv::Size(std::max(1, img.cols / reduce), std::max(1, img.rows / reduce)),
                   0,
                   0,
                   cv::INTER_AREA);
        cv::GaussianBlur(blurred,
                         blurred,
                         cv::Size(0, 0),
                         sigma / reduce,
                         sigma / reduce,
                         cv::BORDER_REFLECT_101);
    } else {
        cv::GaussianBlur(img, blurred, cv::Size(0, 0), sigma, sigma, cv::BORDER_REFLECT_101);
    }
    // Full-resolution pixel centre x ↦ reduced coordinate (x + 0.5)·sx − 0.5.
    const float sx = float(blurred.cols) / img.cols, sy = float(blurred.rows) / img.rows;

    for (const Drop &d : drops) {
        const float reach = 1.08f * std::max(d.a, d.b);
        const int x0 = std::max(0, static_cast<int>(std::floor(d.cx - reach)));
        const int x1 = std::min(img.cols - 1, static_cast<int>(std::ceil(d.cx + reach)));
        const int y0 = std::max(0, static_cast<int>(std::floor(d.cy - reach)));
        const int y1 = std::min(img.rows - 1, static_cast<int>(std::ceil(d.cy + reach)));
        for (int y = y0; y <= y1; ++y) {
            auto *p = img.ptr<cv::Vec3f>(y);
            for (int x = x0; x <= x1; ++x) {
                const float dx = x - d.cx, dy = y - d.cy;
                const float u = (dx * d.cosr + dy * d.sinr) / d.a;
                const float v = (-dx * d.sinr + dy * d.cosr) / d.b;
                const float rho = std::sqrt(u * u + v * v);
                if (rho > 1.05f)
                    continue;
                // Soft edge instead of a blurred mask: opaque inside 0.8, gone at 1.05.
                const float alpha = 1.0f - smoothstep(0.8f, 1.05f, rho);
                // A drop is a small ball lens: it shows the scene around it inverted and
                // magnified, compressed towards its rim (fisheye).
                const float warp = d.magnification * (1.0f + 0.4f * rho * rho);
                const cv::Vec3f tex = sampleBilinear(blurred,
                                                     (d.cx - warp * dx + 0.5f) * sx - 0.5f,
                                                     (d.cy - warp * dy + 0.5f) * sy - 0.5f);
                const float rim = 1.0f - 0.35f * std::exp(-sq((rho - 0.9f) / 0.09f));
                const float shine = d.highlight * std::exp(-(sq(u + 0.35f) + sq(v + 0.4f)) / 0.03f);
                for (int c = 0; c < 3; ++c) {
                    const float inside = std::min(1.0f, tex[c] * rim + shine);
                    p[x][c] = p[x][c] * (1.0f - alpha) + inside * alpha;
                }
            }
        }
    }
}

} // namespace

// ---- names, colours, specs ----------------------------------------------------------------

const char *weatherName(int label) {
    switch (label) {
    case kClear:
        return "clear";
    case kRain:
        return "rain";
    case kSnow:
        return "snow";
    case kFog:
        return "fog";
    case kRaindrops:
        return "raindrops";
    default:
        return "unknown";
    }
}

cv::Vec3b weatherColor(int label) {
    // Okabe & Ito (2008), BGR order.
    switch (label) {
    case kRain:
        return {178, 114, 0}; // blue
    case kSnow:
        return {233, 180, 86}; // sky blue
    case kFog:
        return {0, 159, 230}; // orange
    case kRaindrops:
        return {115, 158, 0}; // bluish green
    default:
        return {0, 0, 0};
    }
}

cv::Mat colorizeLabels(const cv::Mat &labels) {
    if (labels.type() != CV_8UC1)
        throw std::invalid_argument("colorizeLabels: expected a CV_8UC1 label map, got type " +
                                    std::to_string(labels.type()));
    cv::Mat out(labels.size(), CV_8UC3);
    for (int y = 0; y < labels.rows; ++y) {
        const auto *l = labels.ptr<std::uint8_t>(y);
        auto *o = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < labels.cols; ++x)
            o[x] = weatherColor(l[x]);
    }
    return out;
}

namespace {

std::string trim(const std::string &s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos)
        return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::string formatIntensity(float v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
    return buf;
}

} // namespace

void validate(const WeatherSpec &spec) {
    const std::pair<const char *, float> layers[] = {
        {"rain", spec.rain}, {"snow", spec.snow}, {"fog", spec.fog}, {"raindrops", spec.raindrops}};
    for (const auto &[name, value] : layers)
        if (!(value >= 0.0f && value <= 1.0f)) // also rejects NaN
            throw std::invalid_argument(std::string(name) + "=" + formatIntensity(value) +
                                        " is out of range: intensities must lie in [0, 1]");
}

WeatherSpec parseWeatherSpec(const std::string &text) {
    WeatherSpec spec;
    const std::string all = trim(text);
    if (all.empty() || all == "clear" || all == "none")
        return spec;
    bool seen[4] = {};
    std::size_t start = 0;
    while (start <= all.size()) {
        const std::size_t comma = std::min(all.find(',', start), all.size());
        const std::string item = trim(all.substr(start, comma - start));
        start = comma + 1;
        if (item.empty())
            continue;
        const auto eq = item.find('=');
        if (eq == std::string::npos)
            throw std::invalid_argument("weather item '" + item +
                                        "' must be NAME=INTENSITY, e.g. rain=0.6");
        const std::string key = trim(item.substr(0, eq));
        const std::string value = trim(item.substr(eq + 1));
        static const char *const kKeys[] = {"rain", "snow", "fog", "raindrops"};
        const auto found = std::find(std::begin(kKeys), std::end(kKeys), key);
        if (found == std::end(kKeys))
            throw std::invalid_argument("unknown weather '" + key +
                                        "'; known: rain, snow, fog, raindrops");
        const auto index = found - std::begin(kKeys);
        if (seen[index])
            throw std::invalid_argument("weather '" + key + "' is given twice");
        seen[index] = true;
        errno = 0;
        char *end = nullptr;
        const float v = std::strtof(value.c_str(), &end);
        if (value.empty() || errno || *end || !std::isfinite(v))
            throw std::invalid_argument("intensity of '" + key +
                                        "' must be a number in [0, 1], got '" + value + "'");
        if (v < 0.0f || v > 1.0f)
            throw std::invalid_argument(key + "=" + value +
                                        " is out of range: intensities must lie in [0, 1]");
        float *slots[] = {&spec.rain, &spec.snow, &spec.fog, &spec.raindrops};
        *slots[index] = v;
    }
    return spec;
}

std::string toString(const WeatherSpec &spec) {
    std::string out;
    const std::pair<const char *, float> layers[] = {
        {"rain", spec.rain}, {"snow", spec.snow}, {"fog", spec.fog}, {"raindrops", spec.raindrops}};
    for (const auto &[name, value] : layers) {
        if (value == 0.0f)
            continue;
        if (!out.empty())
            out += ',';
        out += std::string(name) + "=" + formatIntensity(value);
    }
    return out.empty() ? "clear" : out;
}

// ---- depth --------------------------------------------------------------------------------

cv::Mat syntheticDepth(cv::Size imageSize, std::uint64_t seed, const SynthOptions &options) {
    const Frame f = frameOf(imageSize, options);
    cv::RNG rng = streamRng(seed, kDepthStream);
    const float horizon = f.scene.height * rng.uniform(0.35f, 0.55f);

    // Low-frequency perturbation: a 6×6 grid of N(0, 0.08²) spanning the whole scene,
    // interpolated with Catmull–Rom weights, so crops of one scene see one depth field.
    constexpr int kGrid = 6;
    cv::Mat grid(kGrid, kGrid, CV_32FC1);
    rng.fill(grid, cv::RNG::NORMAL, 0.0, 0.08);
    const cv::Mat wx = catmullRomWeights(imageSize.width, f.origin.x, f.scene.width, kGrid);
    const cv::Mat wy = catmullRomWeights(imageSize.height, f.origin.y, f.scene.height, kGrid);
    // Separable: noise = Wy · G · Wxᵀ.
    cv::Mat depth = wy * grid * wx.t();

    constexpr float kNear = 0.1f; // depth of the bottom row: the ground just ahead
    const float bottom = static_cast<float>(f.scene.height - 1);
    for (int y = 0; y < imageSize.height; ++y) {
        const float row = static_cast<float>(y + f.origin.y);
        float base = 1.0f;
        if (row > horizon) {
            // Ground plane: distance ∝ 1/(row − horizon); blended with a linear ramp so that
            // the middle distance is not all "near".
            const float perspective = std::min(1.0f, kNear * (bottom - horizon) / (row - horizon));
            const float linear = kNear + (1.0f - kNear) * (bottom - row) / (bottom - horizon);
            base = 0.5f * (perspective + linear);
        }
        auto *d = depth.ptr<float>(y);
        for (int x = 0; x < imageSize.width; ++x)
            d[x] = std::clamp(base + d[x], 0.0f, 1.0f);
    }
    return depth;
}

// ---- synthesis ----------------------------------------------------------------------------

SynthResult synthesize(const cv::Mat &clean,
                       const WeatherSpec &spec,
                       std::uint64_t seed,
                       const SynthOptions &options) {
    if (clean.empty() || clean.type() != CV_32FC3)
        throw std::invalid_argument(
            "synthesize: expected a non-empty CV_32FC3 image in [0,1], got " +
            std::to_string(clean.cols) + "x" + std::to_string(clean.rows) + " of type " +
            std::to_string(clean.type()));
    validate(spec);
    if (!(options.labelThreshold >= 0.0f && options.labelThreshold < 1.0f))
        throw std::invalid_argument("synthesize: labelThreshold must lie in [0, 1), got " +
                                    std::to_string(options.labelThreshold));
    const Frame f = frameOf(clean.size(), options);

    SynthResult result;
    result.image = clean.clone();
    result.labels = cv::Mat(clean.size(), CV_8UC1, cv::Scalar(kClear));
    if (spec.isClear())
        return result;

    cv::Mat depth;
    if (spec.fog > 0 || spec.rain > 0.5f)
        depth = syntheticDepth(clean.size(), seed, options);

    // One |Δ| map per label 1..4 (each layer's own change), left empty for absent layers.
    std::array<cv::Mat, kWeatherClasses> delta;
    cv::Mat &img = result.image;
    cv::Mat before; // one buffer for all layers: on a 12 MP photo each copy is 144 MB
    const auto layer = [&](WeatherLabel label, auto &&apply) {
        img.copyTo(before);
        apply();
        delta[label] = maxAbsDifference(img, before);
    };
    if (spec.rain > 0)
        layer(kRain, [&] { applyRain(img, spec.rain, f, streamRng(seed, kRainStream), depth); });
    if (spec.snow > 0)
        layer(kSnow, [&] { applySnow(img, spec.snow, f, streamRng(seed, kSnowStream)); });
    if (spec.fog > 0) {
        cv::RNG rng = streamRng(seed, kFogStream);
        const float airlight = rng.uniform(0.7f, 0.95f);
        layer(kFog, [&] { applyHaze(img, depth, 4.0f * spec.fog, airlight); });
    }
    if (spec.raindrops > 0)
        layer(kRaindrops,
              [&] { applyDrops(img, spec.raindrops, f, streamRng(seed, kDropStream)); });

    const float threshold = options.labelThreshold;
    std::array<const float *, kWeatherClasses> rows{};
    for (int y = 0; y < img.rows; ++y) {
        const auto *p = img.ptr<cv::Vec3f>(y);
        const auto *q = clean.ptr<cv::Vec3f>(y);
        auto *l = result.labels.ptr<std::uint8_t>(y);
        for (int k = kRain; k < kWeatherClasses; ++k)
            rows[k] = delta[k].empty() ? nullptr : delta[k].ptr<float>(y);
        for (int x = 0; x < img.cols; ++x) {
            const float change = std::max({std::abs(p[x][0] - q[x][0]),
                                           std::abs(p[x][1] - q[x][1]),
                                           std::abs(p[x][2] - q[x][2])});
            if (!(change > threshold))
                continue;
            int best = kClear;
            float bestDelta = -1.0f;
            for (int k = kRain; k < kWeatherClasses; ++k) {
                if (rows[k] && rows[k][x] > bestDelta) {
                    best = k;
                    bestDelta = rows[k][x];
                }
            }
            l[x] = static_cast<std::uint8_t>(best);
        }
    }
    return result;
}

cv::Mat tokenLabels(const cv::Mat &labels, int patch, double minFraction) {
    if (labels.type() != CV_8UC1 || labels.empty())
        throw std::invalid_argument(
            "tokenLabels: expected a non-empty CV_8UC1 label map, got type " +
            std::to_string(labels.type()));
    if (patch < 1 || !(minFraction >= 0.0 && minFraction <= 1.0))
        throw std::invalid_argument("tokenLabels: need patch >= 1 and minFraction in [0, 1], got " +
                                    std::to_string(patch) + " and " + std::to_string(minFraction));
    const int rows = (labels.rows + patch - 1) / patch, cols = (labels.cols + patch - 1) / patch;
    cv::Mat tokens(rows, cols, CV_8UC1, cv::Scalar(kClear));
    std::vector<std::array<int, kWeatherClasses>> counts(cols);
    for (int ty = 0; ty < rows; ++ty) {
        for (auto &c : counts)
            c.fill(0);
        const int y0 = ty * patch, y1 = std::min(labels.rows, y0 + patch);
        for (int y = y0; y < y1; ++y) {
            const auto *l = labels.ptr<std::uint8_t>(y);
            for (int x = 0; x < labels.cols; ++x)
                if (l[x] < kWeatherClasses)
                    ++counts[x / patch][l[x]];
        }
        for (int tx = 0; tx < cols; ++tx) {
            const int pixels = (y1 - y0) * (std::min(labels.cols, (tx + 1) * patch) - tx * patch);
            int best = kClear;
            for (int k = kRain; k < kWeatherClasses; ++k)
                if (counts[tx][k] > (best == kClear ? 0 : counts[tx][best]))
                    best = k;
            if (best != kClear && counts[tx][best] >= minFraction * pixels)
                tokens.at<std::uint8_t>(ty, tx) = static_cast<std::uint8_t>(best);
        }
    }
    return tokens;
}

} // namespace mowe::weather
