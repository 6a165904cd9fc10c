#pragma once
// The MoWE inference engine behind a torch-free interface: the GUI and the CLI include this
// header, never LibTorch (ARCHITECTURE.md). A Restorer wraps either one of our model folders
// (model.json + weights.pt, see model_files.h) or a user's TorchScript module that follows
// the interface in docs/torchscript.md.
//
// Any image size: the image (BGR, [0,1]) is padded at the bottom and right to a multiple of
// the patch size P (reflect-101, or replicate where the image is smaller than the pad, so
// 1×1 works), cut into tiles of `tile` pixels whose stride `tile − overlap` is a multiple of
// P, each tile restored on its own, and the tiles blended with a raised-cosine feather
// (flat averaging leaves seams). The route maps are stitched per token with the same
// weights. The result is cropped back: the image is never resized. Memory is bounded by the
// tile, not the image.

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mowe::model {

/// A model file that cannot be used: unreadable, corrupt, truncated, inconsistent with its
/// config, or a TorchScript module that does not follow the interface. The message names
/// the file and the first problem found.
class ModelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// An image that cannot be restored (empty, zero width, non-finite); the message says why.
class InputError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Thrown when RestoreOptions::cancelled returned true between tiles.
class Cancelled : public std::runtime_error {
public:
    Cancelled()
        : std::runtime_error("cancelled") {}
};

/// Sets LibTorch's intra-op (OpenMP) thread count. The default is every core, or the
/// MOWE_THREADS environment variable when set (mowe-cli/mowe-studio --threads).
void setThreads(int threads);
int threads();

/// Maps tokens back to pixels: token (r, c) covers rows [r·P, (r+1)·P) and columns
/// [c·P, (c+1)·P) of the image; the last row/column of tokens may extend past the image
/// (padding).
struct TokenGrid {
    int patch = 8;
    int rows = 0, cols = 0;
    int imageHeight = 0, imageWidth = 0;
    int tokens() const { return rows * cols; }
};

/// One MoE layer's routing over the whole image, token-major (index t = r·cols + c).
struct LayerTrace {
    int experts = 0, topK = 0, weatherDim = 0;
    std::vector<float> probs;        ///< t·E + e: router softmax before top-k
    std::vector<float> gates;        ///< t·E + e: the gates used (k non-zeros per tile token)
    std::vector<int> topk;           ///< t·k + i: experts by gate, largest first
    std::vector<float> entropy;      ///< t: entropy (nats) of probs
    std::vector<float> weather;      ///< t·d_w + i: weather embedding (empty if none)
    std::vector<float> contribution; ///< t·E + e: ‖g_e · Expert_e(LN_e(x))‖ (empty if unknown)
    std::vector<double> load;        ///< e: fraction of tokens whose top-1 expert is e
    double meanEntropy = 0;
};

struct RouteTrace {
    TokenGrid grid;
    std::vector<LayerTrace> layers;
};

struct RestoreOptions {
    int tile = 256;        ///< tile side in pixels (multiple of P); ≥ the image: one pass.
    int overlap = 32;      ///< overlap between tiles in pixels (multiple of P, < tile).
    bool fast = false;     ///< non-overlapping tiles (live previews); overrides overlap.
    int forcedExpert = -1; ///< ≥ 0: route every token to this expert (forced routing)...
    int forcedLayer = -1;  ///< ...in this layer only, or all layers (−1).
    bool sparse = true;    ///< top-k dispatch; false evaluates every expert densely.
    bool trace = true;     ///< collect the route trace.
    std::function<bool()> cancelled;      ///< polled between tiles
    std::function<void(double)> progress; ///< fraction done, after each tile
};

struct RestoreResult {
    cv::Mat restored; ///< CV_32FC3, BGR, [0,1], the input's size
    RouteTrace trace;
    double seconds = 0;
    int tiles = 0;
};

/// What a loaded model is.
struct ModelInfo {
    std::string name; ///< folder or file name
    std::string kind; ///< "native" or "torchscript"
    std::filesystem::path path;
    int patch = 8, depth = 0, experts = 0, topK = 0;
    std::vector<std::string> expertLabels; ///< "E0 1×1", ...
    std::int64_t parameters = 0;
    bool supportsForcedRouting = false;
    nlohmann::json config; ///< the whole model.json (native) or {} (TorchScript)
};

class Restorer {
public:
    /// Loads a model folder (model.json + weights.pt). Throws ModelError.
    static std::shared_ptr<Restorer> load(const std::filesystem::path &modelDir);
    /// Loads a TorchScript file that follows docs/torchscript.md. Throws ModelError.
    /// A TorchScript file is a program: load only files you trust (docs/security.md).
    static std::shared_ptr<Restorer> loadTorchScript(const std::filesystem::path &file);
    /// A freshly initialised (untrained) network; `options` as in model.json's "options".
    static std::shared_ptr<Restorer> untrained(const nlohmann::json &options, std::uint64_t seed);

    virtual ~Restorer() = default;
    virtual const ModelInfo &info() const = 0;
    /// Restores a CV_32FC3 BGR [0,1] image of any size ≥ 1×1. Deterministic for a given
    /// input and options. Throws InputError, Cancelled, or ModelError (a TorchScript
    /// module misbehaving). One call at a time per instance.
    virtual RestoreResult restore(const cv::Mat &bgr, const RestoreOptions &options = {}) const = 0;
    /// Multiply-adds ×2 of one pass over an H × W input, where known (else 0).
    virtual double flops(int height, int width) const = 0;
};

/// The trace as JSON: grid, per layer load, mean entropy, and (full=true) the per-token maps.
nlohmann::json traceToJson(const RouteTrace &trace, bool full);

} // namespace mowe::model
