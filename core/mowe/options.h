#pragma once
// Hyper-parameters of the MoWE restoration Transformer (arXiv:2303.13739), torch-free so the
// GUI can show and edit them. Serialised as the "options" object of a model folder's
// model.json (see model_io.h). The architecture they describe (spec/mowe.md §1):
//
//   input I in [0,1] (RGB), normalised to [-1,1]
//   head   conv3×3 (3→C) → headBlocks residual blocks
//   embed  conv P×P stride P (C→D) → N = (H/P)·(W/P) tokens (row-major grid), LayerNorm;
//          no positional embedding, so any tile size works
//   depth × { x += MHSA(LN(x));  g = router(x);  x += Σ_e g_e · Expert_e(LN_e(x)) }
//   tail   Linear(D → P·P·C) → fold to H×W (+ head features, headSkip) → residual block
//          → conv3×3 (C→3)
//   output I + tail (globalResidual, last conv zero-initialised so training starts at the
//          identity) or sigmoid(tail) (the paper's code)
//
// Expert e: fc1 (D→r·D) → h + depthwise-conv_{k_e}(h) on the token grid → GELU → fc2 (r·D→D);
// k_e = 0 means no convolution (a 1×1 expert).

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mowe::model {

enum class RouterKind {
    /// logits = s · Linear(w): routes from the weather embedding alone (**choice**, so the
    /// router must depend on the weather feature; spec §1 calibration).
    Weather,
    /// logits = Linear([x ; w]): the spec's decoupled content + weather reading.
    WeatherContent,
    /// logits = Linear(LN(x)): the plain top-k router of the released code.
    Linear,
};

std::string toString(RouterKind kind);
RouterKind routerKindFromString(const std::string &text); // throws std::invalid_argument

struct MoweOptions {
    int patchSize = 8; ///< P: token side in pixels; images are padded to a multiple.
    int width = 96;    ///< D: token width.
    int depth = 2;     ///< L: number of attention + MoE layers.
    int heads = 4;     ///< attention heads; must divide width.
    int experts = 4;   ///< E: experts per MoE layer.
    int topK = 2;      ///< k: experts each token is routed to.
    std::vector<int> expertKernels = {0, 3, 5, 7}; ///< depthwise kernel per expert, 0 = none.
    int mlpRatio = 4;                              ///< expert hidden width = mlpRatio · width.
    int headChannels = 16; ///< C: channels of the full-resolution head and tail.
    int headBlocks = 2;    ///< residual blocks in the head.
    RouterKind router = RouterKind::Weather;
    int weatherDim = 32;        ///< d_w: size of the weather embedding w.
    bool globalResidual = true; ///< out = I + tail; false: out = sigmoid(tail).
    /// Adds the head's full-resolution features, times a per-channel gain that starts at zero,
    /// to the folded tail (**choice**, a U-Net-style skip): without it the tail draws each
    /// token as an 8×8 block. Off by default (the paper's architecture; model files without
    /// the key); small() has it.
    bool headSkip = false;

    /// The small configuration that ships (~1 M parameters).
    static MoweOptions small();
    /// The paper-scale backbone: P=8, D=384, L=2, 8 heads, E=4, k=2, C=64 (~16 M parameters).
    static MoweOptions paper();

    /// Throws std::invalid_argument naming the first inconsistent field and its value.
    void validate() const;
    /// The number of parameters the network of these options has, computed without building
    /// it (equal to MoweNetImpl::parameterCount()), so that a model file can be checked
    /// before anything is allocated. Valid options only (64-bit, no overflow within bounds).
    std::int64_t parameterCount() const;
    std::string expertLabel(int e) const; ///< "E0 1×1", "E1 3×3", ...
};

void to_json(nlohmann::json &j, const MoweOptions &o);
/// Unknown keys and impossible values throw std::invalid_argument naming the key.
void from_json(const nlohmann::json &j, MoweOptions &o);

} // namespace mowe::model
