#pragma once
// The MoWE network as LibTorch modules, written the way the C++ frontend writes its own:
// an options struct, reset() registering named submodules, TORCH_MODULE holders, shape
// checks that print the shapes. Include only from core/mowe/*.cpp and tests: this header
// pulls in LibTorch (see ARCHITECTURE.md; the GUI uses engine.h instead).

#include "mowe/options.h"

#include <torch/torch.h>

#include <vector>

namespace mowe::model {

/// conv3×3 → ReLU → conv3×3, plus the input.
class ResBlockImpl : public torch::nn::Module {
public:
    explicit ResBlockImpl(int channels);
    torch::Tensor forward(const torch::Tensor &x);

private:
    torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(ResBlock);

/// Multi-head self-attention over all tokens of a tile (no positional embedding).
class SelfAttentionImpl : public torch::nn::Module {
public:
    SelfAttentionImpl(int width, int heads);
    torch::Tensor forward(const torch::Tensor &x); // [B, N, D] → [B, N, D]

private:
    int heads_;
    torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
};
TORCH_MODULE(SelfAttention);

/// fc1 → h + depthwise-conv_k(h) on the token grid → GELU → fc2. kernel 0: no convolution.
class ExpertImpl : public torch::nn::Module {
public:
    ExpertImpl(int width, int hidden, int kernel);
    /// Dense: every token. x: [B, N, D] on a gridH × gridW grid (row-major).
    torch::Tensor forward(const torch::Tensor &x, int gridH, int gridW);
    /// The hidden activation before the nonlinearity, h + conv(h): [B, N, hidden].
    torch::Tensor mixed(const torch::Tensor &x, int gridH, int gridW);
    /// GELU → fc2 on selected rows of mixed(): [M, hidden] → [M, D].
    torch::Tensor finish(const torch::Tensor &mixedRows);

private:
    int kernel_;
    torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
    torch::nn::Conv2d dwconv_{nullptr};
};
TORCH_MODULE(Expert);

/// What one MoE layer decided, per token. All [B, N, ·].
struct LayerRoute {
    torch::Tensor logits;       ///< router logits [B, N, E]
    torch::Tensor probs;        ///< softmax over all experts (before top-k), for entropy/maps
    torch::Tensor gates;        ///< softmax(keep-top-k(logits)): k non-zeros, rows sum to 1
    torch::Tensor weather;      ///< unit weather embedding w [B, N, d_w] (undefined for linear)
    torch::Tensor contribution; ///< ‖g_e · Expert_e(LN_e(x))‖₂ per token and expert [B, N, E]
};

/// How to run a forward pass beyond the plain one.
struct ForwardControl {
    int forcedExpert = -1; ///< ≥ 0: replace the gates by the one-hot of this expert...
    int forcedLayer = -1;  ///< ...in this layer only (≥ 0) or in all layers (−1).
    bool sparse = true;    ///< top-k dispatch (GELU/fc2 on routed tokens only) vs dense.
};

struct ForwardResult {
    torch::Tensor image; ///< [B, 3, H, W]
    std::vector<LayerRoute> layers;
    int gridH = 0, gridW = 0;
};

class MoeLayerImpl : public torch::nn::Module {
public:
    explicit MoeLayerImpl(const MoweOptions &options);
    torch::Tensor forward(const torch::Tensor &x,
                          int gridH,
                          int gridW,
                          const ForwardControl &control,
                          bool forced,
                          LayerRoute &route);

    // The parts, for tests that recompute a layer by hand.
    torch::Tensor attend(const torch::Tensor &x); ///< x + MHSA(LN(x))
    ExpertImpl &expert(int e) { return *experts_->ptr<ExpertImpl>(e); }
    torch::nn::LayerNormImpl &expertNorm(int e) {
        return *expertNorms_->ptr<torch::nn::LayerNormImpl>(e);
    }

private:
    MoweOptions options_;
    torch::nn::LayerNorm attnNorm_{nullptr}, routerNorm_{nullptr};
    SelfAttention attention_{nullptr};
    torch::nn::Sequential weatherMlp_{nullptr};
    torch::nn::Linear router_{nullptr};
    torch::Tensor routerLogScale_;
    torch::nn::ModuleList expertNorms_{nullptr}, experts_{nullptr};
};
TORCH_MODULE(MoeLayer);

class MoweNetImpl : public torch::nn::Module {
public:
    explicit MoweNetImpl(MoweOptions options = MoweOptions::small());
    void reset();

    /// x: [B, 3, H, W] RGB in [0,1] with H, W multiples of patchSize (pad first; see engine).
    ForwardResult forward(const torch::Tensor &x, const ForwardControl &control = {});

    /// head → embed → LayerNorm: [B, 3, H, W] in [0,1] → tokens [B, N, D]. With `features`,
    /// also hands back the full-resolution head features [B, C, H, W] (for the head skip).
    torch::Tensor embedTokens(const torch::Tensor &x, torch::Tensor *features = nullptr);
    /// tail: tokens [B, N, D] on a gridH × gridW grid → image, given the input x (residual).
    /// With headSkip, `features` are the head features of x (recomputed when undefined).
    torch::Tensor decode(const torch::Tensor &tokens,
                         const torch::Tensor &x,
                         int gridH,
                         int gridW,
                         torch::Tensor features = {});
    MoeLayerImpl &layer(int l) { return *layers_->ptr<MoeLayerImpl>(l); }

    const MoweOptions &options() const { return options_; }
    std::int64_t parameterCount() const;
    /// Multiply-adds of one forward pass on an H × W input (dense experts), for rooflines.
    double flops(int height, int width) const;

private:
    MoweOptions options_;
    torch::Tensor headFeatures(const torch::Tensor &x);

    torch::nn::Conv2d headIn_{nullptr}, embed_{nullptr}, tailOut_{nullptr};
    torch::nn::Sequential headBlocks_{nullptr};
    torch::nn::LayerNorm embedNorm_{nullptr};
    torch::Tensor skipGain_; ///< [1, C, 1, 1], only with headSkip
    torch::nn::ModuleList layers_{nullptr};
    torch::nn::Linear tailLinear_{nullptr};
    ResBlock tailBlock_{nullptr};
};
TORCH_MODULE(MoweNet);

/// Shannon entropy (nats) of each row of probabilities [.., E] → [..].
torch::Tensor rowEntropy(const torch::Tensor &probs);

} // namespace mowe::model
