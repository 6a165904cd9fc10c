#include "mowe/model_files.h"

#include "common/atomic_file.h"
#include "common/log.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <numeric>
#include <sstream>
#include <thread>

namespace mowe::model {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char *kLog = "mowe";

std::once_flag g_threadsOnce;

void initThreads() {
    std::call_once(g_threadsOnce, [] {
        int n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        if (const char *env = std::getenv("MOWE_THREADS"); env && *env) {
            const int v = std::atoi(env);
            if (v > 0)
                n = v;
            else
                log::warning(kLog) << "ignoring MOWE_THREADS='" << env << "': not a positive count";
        }
        torch::set_num_threads(n);
    });
}

std::string firstLine(const std::string &text) {
    const auto nl = text.find('\n');
    return nl == std::string::npos ? text : text.substr(0, nl);
}

// ---- image <-> tensor ----------------------------------------------------------------

/// BGR CV_32FC3 → [1, 3, H, W] RGB tensor (a copy).
torch::Tensor toTensor(const cv::Mat &bgr) {
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    auto t = torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kFloat32);
    return t.permute({2, 0, 1}).unsqueeze(0).contiguous().clone();
}

/// [3, H, W] RGB tensor → BGR CV_32FC3.
cv::Mat toMat(const torch::Tensor &chw) {
    auto hwc = chw.permute({1, 2, 0}).contiguous();
    cv::Mat rgb(static_cast<int>(hwc.size(0)),
                static_cast<int>(hwc.size(1)),
                CV_32FC3,
                hwc.data_ptr<float>());
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    return bgr;
}

/// Pads bottom/right to a multiple of `patch`: reflect-101 where the image is large enough,
/// replicate where it is smaller than the pad (reflection needs pad < size).
cv::Mat padToMultiple(const cv::Mat &img, int patch) {
    const int padB = (patch - img.rows % patch) % patch;
    const int padR = (patch - img.cols % patch) % patch;
    if (padB == 0 && padR == 0)
        return img;
    cv::Mat out;
    const int border =
        (padB < img.rows && padR < img.cols) ? cv::BORDER_REFLECT_101 : cv::BORDER_REPLICATE;
    cv::copyMakeBorder(img, out, 0, padB, 0, padR, border);
    return out;
}

/// Tile origins along one axis of length `len` (a multiple of P): 0, stride, ... and a last
/// tile flush with the end.
std::vector<int> tileStarts(int len, int tile, int stride) {
    if (tile >= len)
        return {0};
    std::vector<int> starts;
    for (int s = 0; s + tile < len; s += stride)
        starts.push_back(s);
    starts.push_back(len - tile);
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    return starts;
}

/// Raised-cosine feather along one axis of a tile: ramps over the overlap where a
/// neighbouring tile exists, flat (1) at the image borders. Complementary ramps sum to 1.
std::vector<float> featherWeights(int tile, int rampBefore, int rampAfter) {
    std::vector<float> w(tile, 1.0f);
    for (int i = 0; i < rampBefore && i < tile; ++i)
        w[i] = static_cast<float>(0.5 - 0.5 * std::cos(M_PI * (i + 0.5) / rampBefore));
    for (int i = 0; i < rampAfter && i < tile; ++i)
        w[tile - 1 - i] *= static_cast<float>(0.5 - 0.5 * std::cos(M_PI * (i + 0.5) / rampAfter));
    return w;
}

// ---- the two kinds of model ------------------------------------------------------------

/// One tile's forward pass, however the model computes it.
struct TileOutput {
    torch::Tensor image; // [3, h, w]
    // per layer, each [n, ·] for the tile's n tokens (undefined when not available)
    std::vector<torch::Tensor> probs, gates, weather, contribution;
};

class RestorerBase : public Restorer {
public:
    const ModelInfo &info() const override { return info_; }
    RestoreResult restore(const cv::Mat &bgr, const RestoreOptions &options) const override;

protected:
    virtual TileOutput runTile(const torch::Tensor &tile, const RestoreOptions &options) const = 0;
    ModelInfo info_;
    mutable std::mutex mutex_;
};

class NativeRestorer final : public RestorerBase {
public:
    NativeRestorer(MoweNet net, ModelInfo info)
        : net_(std::move(net)) {
        info_ = std::move(info);
        net_->eval();
        const auto &o = net_->options();
        info_.patch = o.patchSize;
        info_.depth = o.depth;
        info_.experts = o.experts;
        info_.topK = o.topK;
        info_.parameters = net_->parameterCount();
        info_.supportsForcedRouting = true;
        info_.expertLabels.clear();
        for (int e = 0; e < o.experts; ++e)
            info_.expertLabels.push_back(o.expertLabel(e));
    }
    double flops(int h, int w) const override { return net_->flops(h, w); }

protected:
    TileOutput runTile(const torch::Tensor &tile, const RestoreOptions &options) const override {
        ForwardControl control;
        control.forcedExpert = options.forcedExpert;
        control.forcedLayer = options.forcedLayer;
        control.sparse = options.sparse;
        auto r = net_->forward(tile, control);
        TileOutput out;
        out.image = r.image[0].clamp(0.0, 1.0);
        for (auto &l : r.layers) {
            out.probs.push_back(l.probs[0]);
            out.gates.push_back(l.gates[0]);
            out.weather.push_back(l.weather.defined() ? l.weather[0] : torch::Tensor());
            out.contribution.push_back(l.contribution[0]);
        }
        return out;
    }

private:
    mutable MoweNet net_;
};

class ScriptRestorer final : public RestorerBase {
public:
    ScriptRestorer(torch::jit::Module module, ModelInfo info)
        : module_(std::move(module)) {
        info_ = std::move(info);
    }
    double flops(int, int) const override { return 0; }

    /// Runs the module on a probe input and fills depth/experts from its outputs.
    void probe() {
        const int P = info_.patch;
        auto out = call(torch::rand({1, 3, 2 * P, 2 * P}));
        info_.depth = static_cast<int>(out.gates.size());
        info_.experts = info_.depth ? static_cast<int>(out.gates[0].size(1)) : 0;
        info_.topK =
            info_.depth ? static_cast<int>((out.gates[0][0] > 0).sum().item<int64_t>()) : 0;
        for (int e = 0; e < info_.experts; ++e)
            info_.expertLabels.push_back("E" + std::to_string(e));
    }

protected:
    TileOutput runTile(const torch::Tensor &tile, const RestoreOptions &options) const override {
        if (options.forcedExpert >= 0)
            throw ModelError("the TorchScript model '" + info_.name +
                             "' does not support forced routing (its interface has no gate input)");
        return call(tile);
    }

private:
    TileOutput call(const torch::Tensor &tile) const {
        const auto fail = [&](const std::string &what) {
            return ModelError("TorchScript model '" + info_.name +
                              "' does not follow the interface (docs/torchscript.md): " + what);
        };
        torch::IValue result;
        try {
            result = module_.forward({tile});
        } catch (const c10::Error &e) {
            throw fail("forward() failed: " + firstLine(e.what_without_backtrace()));
        } catch (const std::exception &e) {
            throw fail(std::string("forward() failed: ") + e.what());
        }
        if (!result.isTuple() || result.toTuple()->elements().size() != 2)
            throw fail("forward() must return a tuple (image, gates)");
        const auto &elems = result.toTuple()->elements();
        if (!elems[0].isTensor())
            throw fail("the first output must be an image tensor");
        auto image = elems[0].toTensor();
        if (image.dim() != 4 || image.size(0) != 1 || image.size(1) != 3 ||
            image.size(2) != tile.size(2) || image.size(3) != tile.size(3)) {
            std::ostringstream s;
            s << "the image output has shape " << image.sizes() << ", expected " << tile.sizes();
            throw fail(s.str());
        }
        if (!elems[1].isTensorList() && !elems[1].isList())
            throw fail("the second output must be a list of gate tensors");
        const int P = info_.patch;
        const auto n = (tile.size(2) / P) * (tile.size(3) / P);
        TileOutput out;
        out.image = image[0].to(torch::kFloat32).clamp(0.0, 1.0);
        for (const auto &g : elems[1].toListRef()) {
            if (!g.isTensor())
                throw fail("every gate entry must be a tensor");
            auto gates = g.toTensor().to(torch::kFloat32);
            if (gates.dim() != 3 || gates.size(0) != 1 || gates.size(1) != n || gates.size(2) < 1) {
                std::ostringstream s;
                s << "a gate tensor has shape " << gates.sizes() << ", expected [1, " << n
                  << ", E] for a " << tile.size(2) << "x" << tile.size(3) << " input with patch "
                  << P;
                throw fail(s.str());
            }
            out.gates.push_back(gates[0]);
            out.probs.push_back(gates[0]);
            out.weather.emplace_back();
            out.contribution.emplace_back();
        }
        return out;
    }

    mutable torch::jit::Module module_;
};

// ---- tiled restoration -----------------------------------------------------------------

RestoreResult RestorerBase::restore(const cv::Mat &input, const RestoreOptions &options) const {
    initThreads();
    const auto t0 = std::chrono::steady_clock::now();
    if (input.empty() || input.rows < 1 || input.cols < 1)
        throw InputError("the image is empty (zero width or height): nothing to restore");
    if (input.type() != CV_32FC3)
        throw InputError("restore expects a 3-channel float image in [0,1] (CV_32FC3)");
    if (!cv::checkRange(input))
        throw InputError("the image contains NaN or infinite values");
    const int P = info_.patch;
    if (options.tile < P || options.tile % P != 0)
        throw InputError("tile size " + std::to_string(options.tile) +
                         " must be a positive multiple of the patch size " + std::to_string(P));
    const int overlap = options.fast ? 0 : options.overlap;
    if (overlap < 0 || overlap % P != 0 || overlap >= options.tile)
        throw InputError("overlap " + std::to_string(overlap) + " must be a multiple of " +
                         std::to_string(P) + " in [0, tile)");

    std::lock_guard lock(mutex_);
    torch::InferenceMode inference;
    const cv::Mat padded = padToMultiple(input, P);
    const int H = padded.rows, W = padded.cols;
    const int tileH = std::min(options.tile, H), tileW = std::min(options.tile, W);
    const auto ys = tileStarts(H, tileH, options.tile - overlap);
    const auto xs = tileStarts(W, tileW, options.tile - overlap);

    RestoreResult result;
    auto &grid = result.trace.grid;
    grid = {P, H / P, W / P, input.rows, input.cols};
    const int T = grid.tokens();

    cv::Mat accum(H, W, CV_32FC3, cv::Scalar::all(0)), weightSum(H, W, CV_32F, cv::Scalar(0));
    std::vector<double> tokenWeight(T, 0.0);
    // Per layer accumulators, token-major.
    struct Acc {
        std::vector<double> probs, gates, entropy, weather, contribution;
    };
    std::vector<Acc> acc;

    const torch::Tensor full = toTensor(padded);
    const int total = static_cast<int>(ys.size() * xs.size());
    int done = 0;
    for (int y0 : ys) {
        for (int x0 : xs) {
            if (options.cancelled && options.cancelled())
                throw Cancelled();
            auto tile = full.slice(2, y0, y0 + tileH).slice(3, x0, x0 + tileW).contiguous();
            TileOutput out = runTile(tile, options);

            // Where a neighbouring tile overlaps, ramp; at the image border, stay flat.
            const auto wy =
                featherWeights(tileH, y0 > 0 ? overlap : 0, y0 + tileH < H ? overlap : 0);
            const auto wx =
                featherWeights(tileW, x0 > 0 ? overlap : 0, x0 + tileW < W ? overlap : 0);
            cv::Mat w(tileH, tileW, CV_32F);
            for (int r = 0; r < tileH; ++r)
                for (int c = 0; c < tileW; ++c)
                    w.at<float>(r, c) = wy[r] * wx[c];
            cv::Mat img = toMat(out.image);
            cv::Mat w3;
            cv::merge(std::vector<cv::Mat>{w, w, w}, w3);
            cv::Rect roi(x0, y0, tileW, tileH);
            accum(roi) += img.mul(w3);
            weightSum(roi) += w;

            if (options.trace) {
                const int tr = tileH / P, tc = tileW / P;
                cv::Mat tw; // token weight: mean pixel weight over the token's block
                cv::resize(w, tw, cv::Size(tc, tr), 0, 0, cv::INTER_AREA);
                const std::size_t L = out.gates.size();
                if (acc.empty()) {
                    acc.resize(L);
                    result.trace.layers.resize(L);
                }
                for (std::size_t l = 0; l < L; ++l) {
                    auto &a = acc[l];
                    auto &lt = result.trace.layers[l];
                    const int E = static_cast<int>(out.gates[l].size(1));
                    const auto dw = out.weather[l].defined() ? out.weather[l].size(1) : 0;
                    const bool hasContribution = out.contribution[l].defined();
                    if (a.gates.empty()) {
                        lt.experts = E;
                        lt.topK = info_.topK;
                        lt.weatherDim = static_cast<int>(dw);
                        a.probs.assign(std::size_t(T) * E, 0);
                        a.gates.assign(std::size_t(T) * E, 0);
                        a.entropy.assign(T, 0);
                        a.weather.assign(std::size_t(T) * dw, 0);
                        if (hasContribution)
                            a.contribution.assign(std::size_t(T) * E, 0);
                    }
                    auto probs = out.probs[l].contiguous();
                    auto gates = out.gates[l].contiguous();
                    auto entropy = rowEntropy(probs).contiguous();
                    const float *pp = probs.data_ptr<float>(), *gp = gates.data_ptr<float>(),
                                *ep = entropy.data_ptr<float>();
                    const float *wp = dw ? out.weather[l].contiguous().data_ptr<float>() : nullptr;
                    torch::Tensor contribution =
                        hasContribution ? out.contribution[l].contiguous() : torch::Tensor();
                    const float *cp = hasContribution ? contribution.data_ptr<float>() : nullptr;
                    for (int r = 0; r < tr; ++r) {
                        for (int c = 0; c < tc; ++c) {
                            const int local = r * tc + c;
                            const int t = (y0 / P + r) * grid.cols + (x0 / P + c);
                            const double k = tw.at<float>(r, c);
                            for (int e = 0; e < E; ++e) {
                                a.probs[t * E + e] += k * pp[local * E + e];
                                a.gates[t * E + e] += k * gp[local * E + e];
                                if (cp)
                                    a.contribution[t * E + e] += k * cp[local * E + e];
                            }
                            a.entropy[t] += k * ep[local];
                            for (int i = 0; i < dw; ++i)
                                a.weather[t * dw + i] += k * wp[local * dw + i];
                            if (l == 0)
                                tokenWeight[t] += k;
                        }
                    }
                }
            }
            ++done;
            if (options.progress)
                options.progress(static_cast<double>(done) / total);
        }
    }

    cv::Mat weight3;
    cv::merge(std::vector<cv::Mat>{weightSum, weightSum, weightSum}, weight3);
    cv::Mat blended = accum / weight3;
    result.restored = blended(cv::Rect(0, 0, input.cols, input.rows)).clone();
    result.tiles = total;

    for (std::size_t l = 0; l < acc.size(); ++l) {
        auto &a = acc[l];
        auto &lt = result.trace.layers[l];
        const int E = lt.experts, dw = lt.weatherDim, k = std::max(1, std::min(lt.topK, E));
        lt.topK = k;
        lt.probs.resize(a.probs.size());
        lt.gates.resize(a.gates.size());
        lt.entropy.resize(T);
        lt.weather.resize(a.weather.size());
        lt.contribution.resize(a.contribution.size());
        lt.topk.resize(std::size_t(T) * k);
        lt.load.assign(E, 0.0);
        double entropySum = 0;
        std::vector<int> order(E);
        for (int t = 0; t < T; ++t) {
            const double inv = tokenWeight[t] > 0 ? 1.0 / tokenWeight[t] : 0.0;
            for (int e = 0; e < E; ++e) {
                lt.probs[t * E + e] = static_cast<float>(a.probs[t * E + e] * inv);
                lt.gates[t * E + e] = static_cast<float>(a.gates[t * E + e] * inv);
                if (!a.contribution.empty())
                    lt.contribution[t * E + e] =
                        static_cast<float>(a.contribution[t * E + e] * inv);
            }
            lt.entropy[t] = static_cast<float>(a.entropy[t] * inv);
            entropySum += lt.entropy[t];
            double norm = 0;
            for (int i = 0; i < dw; ++i)
                norm += a.weather[t * dw + i] * a.weather[t * dw + i];
            norm = norm > 0 ? 1.0 / std::sqrt(norm) : 0.0; // blended unit vectors, renormalised
            for (int i = 0; i < dw; ++i)
                lt.weather[t * dw + i] = static_cast<float>(a.weather[t * dw + i] * norm);
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
                return lt.gates[t * E + x] > lt.gates[t * E + y];
            });
            for (int i = 0; i < k; ++i)
                lt.topk[t * k + i] = order[i];
            lt.load[order[0]] += 1.0 / T;
        }
        lt.meanEntropy = T ? entropySum / T : 0.0;
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return result;
}

ModelInfo nativeInfo(const fs::path &path, const json &meta) {
    ModelInfo info;
    info.name = path.filename().string();
    if (info.name.empty())
        info.name = path.parent_path().filename().string();
    info.kind = "native";
    info.path = path;
    info.config = meta;
    return info;
}

} // namespace

// ---- public entry points -----------------------------------------------------------------

void setThreads(int n) {
    initThreads();
    torch::set_num_threads(std::max(1, n));
}

int threads() {
    initThreads();
    return torch::get_num_threads();
}

std::shared_ptr<Restorer> restorerFor(MoweNet net, ModelInfo info) {
    return std::make_shared<NativeRestorer>(std::move(net), std::move(info));
}

std::shared_ptr<Restorer> Restorer::load(const fs::path &dir) {
    initThreads();
    json meta;
    auto net = loadModelFolder(dir, &meta);
    return restorerFor(net, nativeInfo(dir, meta));
}

std::shared_ptr<Restorer> Restorer::untrained(const json &optionsJson, std::uint64_t seed) {
    initThreads();
    MoweOptions options;
    try {
        options = optionsJson.get<MoweOptions>();
    } catch (const std::exception &e) {
        throw ModelError(e.what());
    }
    torch::manual_seed(seed);
    MoweNet net(options);
    json meta = {{"format", kModelFormat}, {"version", kModelFormatVersion}, {"options", options}};
    auto info = nativeInfo("untrained", meta);
    info.name = "untrained";
    return restorerFor(net, info);
}

std::shared_ptr<Restorer> Restorer::loadTorchScript(const fs::path &file) {
    initThreads();
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
        throw ModelError("TorchScript file '" + file.string() +
                         "' does not exist or is not a file");
    // LibTorch stores tensors uncompressed: the file's size bounds what an honest archive
    // allocates. The limit is twice the float weights of the largest network a model folder
    // may describe.
    const auto bytes = fs::file_size(file, ec);
    constexpr double kMaxTorchScriptBytes = 8.0 * static_cast<double>(kMaxModelParameters);
    if (!ec && static_cast<double>(bytes) > kMaxTorchScriptBytes)
        throw ModelError("TorchScript file '" + file.string() + "' is " + std::to_string(bytes) +
                         " bytes, more than the limit of " +
                         std::to_string(static_cast<long long>(kMaxTorchScriptBytes)) +
                         " (twice the weights of a " + std::to_string(kMaxModelParameters) +
                         "-parameter network)");
    torch::jit::Module module;
    try {
        module = torch::jit::load(file.string(), torch::kCPU);
    } catch (const c10::Error &e) {
        throw ModelError("'" + file.string() + "' is not a readable TorchScript module: " +
                         firstLine(e.what_without_backtrace()));
    } catch (const std::exception &e) {
        throw ModelError("'" + file.string() +
                         "' is not a readable TorchScript module: " + e.what());
    }
    module.eval();
    ModelInfo info;
    info.name = file.filename().string();
    info.kind = "torchscript";
    info.path = file;
    if (module.hasattr("patch_size")) {
        const auto p = module.attr("patch_size");
        if (!p.isInt() || p.toInt() < 1 || p.toInt() > 64)
            throw ModelError("TorchScript model '" + info.name +
                             "': attribute patch_size must be an int in [1, 64]");
        info.patch = static_cast<int>(p.toInt());
    }
    auto restorer = std::make_shared<ScriptRestorer>(std::move(module), std::move(info));
    {
        torch::InferenceMode guard;
        restorer->probe();
    }
    return restorer;
}

// ---- model folders -----------------------------------------------------------------------

void saveWeights(MoweNet &net, const fs::path &archivePath) {
    torch::serialize::OutputArchive archive;
    for (const auto &p : net->named_parameters())
        archive.write(p.key(), p.value());
    for (const auto &b : net->named_buffers())
        archive.write(b.key(), b.value(), /*is_buffer=*/true);
    // Serialised in memory, then written with every write checked (a full disk is an error,
    // and the previous weights stay).
    std::ostringstream bytes;
    archive.save_to(bytes);
    writeFileAtomically(archivePath, bytes.str());
}

void checkWeightsSize(const fs::path &archivePath, std::int64_t parameters) {
    std::error_code ec;
    const auto size = fs::file_size(archivePath, ec);
    if (ec)
        throw ModelError("cannot read model weights '" + archivePath.string() +
                         "': " + ec.message());
    // A config that disagrees with the weights, or a truncated or foreign file, is caught
    // here cheaply, before anything is read or allocated.
    const double expected = 4.0 * static_cast<double>(parameters);
    if (static_cast<double>(size) < 0.9 * expected ||
        static_cast<double>(size) > 2.0 * expected + (1 << 20))
        throw ModelError("model weights '" + archivePath.string() + "' are " +
                         std::to_string(size) + " bytes but the config implies about " +
                         std::to_string(static_cast<long long>(expected)) +
                         ": the file is truncated or belongs to another configuration");
}

namespace {

// LibTorch reads a weights archive with its TorchScript loader, which runs the __setstate__
// methods of any class the archive defines: a crafted weights.pt could run TorchScript code
// while "only tensors" are read. Ours (torch::serialize::OutputArchive) declare parameter
// lists and attributes but no method at all, so an archive whose code defines one is refused
// before it is loaded.
void checkArchiveHasNoCode(const fs::path &archivePath) {
    try {
        caffe2::serialize::PyTorchStreamReader reader(archivePath.string());
        for (const auto &name : reader.getAllRecords()) {
            if (name.rfind("code/", 0) != 0 || name.size() < 3 ||
                name.compare(name.size() - 3, 3, ".py") != 0)
                continue;
            const auto [data, size] = reader.getRecord(name);
            const std::string_view code(static_cast<const char *>(data.get()), size);
            if (code.find("def ") != std::string_view::npos)
                throw ModelError("model weights '" + archivePath.string() + "' define code (" +
                                 name +
                                 "): a weights file holds tensors only; this one is a "
                                 "program and is not loaded (docs/security.md)");
        }
    } catch (const c10::Error &e) {
        throw ModelError("model weights '" + archivePath.string() +
                         "' are corrupt or truncated: " + firstLine(e.what_without_backtrace()));
    }
}

} // namespace

void loadWeightsChecked(MoweNet &net, const fs::path &archivePath) {
    checkWeightsSize(archivePath, net->parameterCount());
    checkArchiveHasNoCode(archivePath);
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(archivePath.string());
    } catch (const c10::Error &e) {
        throw ModelError("model weights '" + archivePath.string() +
                         "' are corrupt or truncated: " + firstLine(e.what_without_backtrace()));
    } catch (const std::exception &e) {
        throw ModelError("model weights '" + archivePath.string() +
                         "' are unreadable: " + e.what());
    }
    torch::NoGradGuard noGrad;
    auto copyChecked = [&](const std::string &name, torch::Tensor &target, bool buffer) {
        torch::Tensor stored;
        bool found = false;
        try {
            found = archive.try_read(name, stored, buffer);
        } catch (const c10::Error &e) {
            throw ModelError("model weights '" + archivePath.string() + "': tensor '" + name +
                             "' is unreadable: " + firstLine(e.what_without_backtrace()));
        }
        if (!found)
            throw ModelError("model weights '" + archivePath.string() + "' lack the tensor '" +
                             name + "' that the config's architecture needs");
        if (stored.sizes() != target.sizes()) {
            std::ostringstream s;
            s << "model weights '" << archivePath.string() << "': tensor '" << name
              << "' has shape " << stored.sizes() << " but the config implies " << target.sizes();
            throw ModelError(s.str());
        }
        if (stored.scalar_type() != target.scalar_type())
            stored = stored.to(target.scalar_type());
        target.copy_(stored);
    };
    for (auto &p : net->named_parameters())
        copyChecked(p.key(), p.value(), false);
    for (auto &b : net->named_buffers())
        copyChecked(b.key(), b.value(), true);
}

void saveModelFolder(const fs::path &dir, MoweNet &net, json meta) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw WriteError("cannot create model folder '" + dir.string() + "': " + ec.message());
    meta["format"] = kModelFormat;
    meta["version"] = kModelFormatVersion;
    meta["options"] = net->options();
    meta["parameters"] = net->parameterCount();
    saveWeights(net, dir / "weights.pt");
    writeFileAtomically(dir / "model.json", meta.dump(2) + "\n");
}

MoweNet loadModelFolder(const fs::path &dir, json *metaOut) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw ModelError("model folder '" + dir.string() + "' does not exist");
    const auto configPath = dir / "model.json";
    std::string text;
    try {
        text = readFile(configPath, 16u << 20);
    } catch (const std::exception &e) {
        throw ModelError(e.what());
    }
    auto config = parseModelConfig(text, configPath.string());
    checkWeightsSize(dir / "weights.pt", config.parameters);
    MoweNet net(config.options);
    loadWeightsChecked(net, dir / "weights.pt");
    net->eval();
    if (metaOut)
        *metaOut = std::move(config.meta);
    return net;
}

// ---- trace export --------------------------------------------------------------------------

json traceToJson(const RouteTrace &trace, bool full) {
    json j;
    j["grid"] = {{"patch", trace.grid.patch},
                 {"rows", trace.grid.rows},
                 {"cols", trace.grid.cols},
                 {"image_height", trace.grid.imageHeight},
                 {"image_width", trace.grid.imageWidth}};
    j["layers"] = json::array();
    for (const auto &l : trace.layers) {
        json lj = {{"experts", l.experts},
                   {"top_k", l.topK},
                   {"load", l.load},
                   {"mean_entropy", l.meanEntropy}};
        if (full) {
            lj["gates"] = l.gates;
            lj["probs"] = l.probs;
            lj["topk"] = l.topk;
            lj["entropy"] = l.entropy;
            if (!l.contribution.empty())
                lj["contribution"] = l.contribution;
        }
        j["layers"].push_back(std::move(lj));
    }
    return j;
}

} // namespace mowe::model
