#include "mowe/network.h"

#include <cmath>
#include <sstream>

namespace mowe::model {
namespace F = torch::nn::functional;

namespace {

std::string shapeOf(const torch::Tensor &t) {
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

torch::nn::Conv2d conv(int in, int out, int kernel, int stride = 1, int groups = 1) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                 .stride(stride)
                                 .padding(stride == 1 ? kernel / 2 : 0)
                                 .groups(groups));
}

} // namespace

ResBlockImpl::ResBlockImpl(int channels) {
    conv1_ = register_module("conv1", conv(channels, channels, 3));
    conv2_ = register_module("conv2", conv(channels, channels, 3));
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor &x) {
    return x + conv2_(torch::relu(conv1_(x)));
}

SelfAttentionImpl::SelfAttentionImpl(int width, int heads)
    : heads_(heads) {
    qkv_ = register_module("qkv", torch::nn::Linear(width, 3 * width));
    proj_ = register_module("proj", torch::nn::Linear(width, width));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor &x) {
    const auto B = x.size(0), N = x.size(1), D = x.size(2);
    const auto hd = D / heads_;
    // [B, N, 3, h, hd] → three [B, h, N, hd]
    auto qkv = qkv_(x).view({B, N, 3, heads_, hd}).permute({2, 0, 3, 1, 4});
    auto q = qkv[0] * (1.0 / std::sqrt(static_cast<double>(hd)));
    auto attn = torch::softmax(torch::matmul(q, qkv[1].transpose(-2, -1)), -1);
    auto out = torch::matmul(attn, qkv[2]).transpose(1, 2).reshape({B, N, D});
    return proj_(out);
}

ExpertImpl::ExpertImpl(int width, int hidden, int kernel)
    : kernel_(kernel) {
    fc1_ = register_module("fc1", torch::nn::Linear(width, hidden));
    if (kernel_ > 0)
        dwconv_ = register_module("dwconv", conv(hidden, hidden, kernel_, 1, hidden));
    fc2_ = register_module("fc2", torch::nn::Linear(hidden, width));
}

torch::Tensor ExpertImpl::mixed(const torch::Tensor &x, int gridH, int gridW) {
    auto h = fc1_(x); // [B, N, H]
    if (kernel_ == 0)
        return h;
    const auto B = h.size(0), C = h.size(2);
    auto grid = h.transpose(1, 2).reshape({B, C, gridH, gridW});
    return h + dwconv_(grid).reshape({B, C, gridH * gridW}).transpose(1, 2);
}

torch::Tensor ExpertImpl::finish(const torch::Tensor &mixedRows) {
    return fc2_(F::gelu(mixedRows));
}

torch::Tensor ExpertImpl::forward(const torch::Tensor &x, int gridH, int gridW) {
    return finish(mixed(x, gridH, gridW));
}

MoeLayerImpl::MoeLayerImpl(const MoweOptions &options)
    : options_(options) {
    const int D = options.width;
    attnNorm_ =
        register_module("attn_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({D})));
    attention_ = register_module("attention", SelfAttention(D, options.heads));
    routerNorm_ =
        register_module("router_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({D})));
    const bool weatherAware = options.router != RouterKind::Linear;
    if (weatherAware) {
        weatherMlp_ =
            register_module("weather_mlp",
                            torch::nn::Sequential(torch::nn::Linear(D, D),
                                                  torch::nn::GELU(),
                                                  torch::nn::Linear(D, options.weatherDim)));
    }
    const int routerIn = options.router == RouterKind::Weather          ? options.weatherDim
                         : options.router == RouterKind::WeatherContent ? D + options.weatherDim
                                                                        : D;
    router_ = register_module("router", torch::nn::Linear(routerIn, options.experts));
    // A unit-norm embedding gives logits in [−‖W‖, ‖W‖]; a learnt scale lets the router
    // become decisive without large weights (initial scale 4).
    routerLogScale_ = register_parameter("router_log_scale", torch::full({1}, std::log(4.0)));
    expertNorms_ = register_module("expert_norms", torch::nn::ModuleList());
    experts_ = register_module("experts", torch::nn::ModuleList());
    for (int e = 0; e < options.experts; ++e) {
        expertNorms_->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({D})));
        experts_->push_back(Expert(D, options.mlpRatio * D, options.expertKernels[e]));
    }
}

torch::Tensor MoeLayerImpl::forward(const torch::Tensor &input,
                                    int gridH,
                                    int gridW,
                                    const ForwardControl &control,
                                    bool forced,
                                    LayerRoute &route) {
    auto x = attend(input);

    auto xr = routerNorm_(x);
    torch::Tensor logits;
    if (options_.router == RouterKind::Linear) {
        logits = router_(xr);
    } else {
        route.weather = F::normalize(weatherMlp_->forward(xr), F::NormalizeFuncOptions().dim(-1));
        if (options_.router == RouterKind::Weather)
            logits = router_(route.weather) * routerLogScale_.exp();
        else
            logits = router_(torch::cat({xr, route.weather}, -1));
    }
    route.logits = logits;
    route.probs = torch::softmax(logits, -1);
    // softmax(keep-top-k(logits)) equals the top-k probabilities renormalised.
    auto top = std::get<1>(logits.topk(options_.topK, -1));
    auto mask = torch::zeros_like(logits).scatter_(-1, top, 1.0);
    auto gates = route.probs * mask;
    gates = gates / gates.sum(-1, true);
    if (forced) {
        gates = torch::zeros_like(logits);
        gates.select(-1, control.forcedExpert).fill_(1.0);
    }
    route.gates = gates;

    const int E = options_.experts;
    auto mixture = torch::zeros_like(x);
    std::vector<torch::Tensor> contributions(E);
    for (int e = 0; e < E; ++e) {
        auto expert = experts_->ptr<ExpertImpl>(e);
        auto normed = expertNorms_->ptr<torch::nn::LayerNormImpl>(e)->forward(x);
        auto g = gates.select(-1, e).unsqueeze(-1); // [B, N, 1]
        if (!control.sparse) {
            auto out = g * expert->forward(normed, gridH, gridW);
            contributions[e] = out.norm(2, -1);
            mixture = mixture + out;
            continue;
        }
        // Sparse dispatch: fc1 and the depthwise conv need every token (a routed token's
        // neighbours feed its convolution); GELU and fc2 run on routed tokens only.
        auto routed = (g.squeeze(-1) > 0).reshape({-1}).nonzero().squeeze(-1);
        auto contribution = torch::zeros({x.size(0) * x.size(1)}, x.options());
        if (routed.numel() > 0) {
            const int hidden = options_.mlpRatio * options_.width;
            auto mixedRows = expert->mixed(normed, gridH, gridW).reshape({-1, hidden});
            auto out = expert->finish(mixedRows.index_select(0, routed)) *
                       g.reshape({-1, 1}).index_select(0, routed);
            contribution = contribution.index_copy(0, routed, out.norm(2, -1));
            mixture = mixture.reshape({-1, x.size(2)}).index_add(0, routed, out).view_as(x);
        }
        contributions[e] = contribution.view({x.size(0), x.size(1)});
    }
    route.contribution = torch::stack(contributions, -1);
    return x + mixture;
}

torch::Tensor MoeLayerImpl::attend(const torch::Tensor &x) {
    return x + attention_(attnNorm_(x));
}

MoweNetImpl::MoweNetImpl(MoweOptions options)
    : options_(std::move(options)) {
    options_.validate();
    reset();
}

void MoweNetImpl::reset() {
    const auto &o = options_;
    const int C = o.headChannels, P = o.patchSize, D = o.width;
    headIn_ = register_module("head_in", conv(3, C, 3));
    headBlocks_ = register_module("head_blocks", torch::nn::Sequential());
    for (int i = 0; i < o.headBlocks; ++i)
        headBlocks_->push_back(ResBlock(C));
    embed_ = register_module("embed", conv(C, D, P, P));
    embedNorm_ =
        register_module("embed_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({D})));
    layers_ = register_module("layers", torch::nn::ModuleList());
    for (int l = 0; l < o.depth; ++l)
        layers_->push_back(MoeLayer(o));
    tailLinear_ = register_module("tail_linear", torch::nn::Linear(D, P * P * C));
    tailBlock_ = register_module("tail_block", ResBlock(C));
    tailOut_ = register_module("tail_out", conv(C, 3, 3));
    if (o.headSkip) {
        // Per-channel gain of the head skip, starting at zero: a model fine-tuned from one
        // trained without the skip starts as exactly that model.
        skipGain_ = register_parameter("skip_gain", torch::zeros({1, C, 1, 1}));
    }
    if (o.globalResidual) {
        // Start as the identity: training then only has to learn the weather's removal.
        torch::NoGradGuard noGrad;
        tailOut_->weight.zero_();
        tailOut_->bias.zero_();
    }
}

ForwardResult MoweNetImpl::forward(const torch::Tensor &x, const ForwardControl &control) {
    const int P = options_.patchSize;
    TORCH_CHECK(x.dim() == 4 && x.size(1) == 3,
                "MoweNet expects an image batch [B, 3, H, W], got ",
                x.sizes());
    TORCH_CHECK(x.size(2) % P == 0 && x.size(3) % P == 0 && x.size(2) > 0 && x.size(3) > 0,
                "MoweNet expects H and W to be positive multiples of the patch size ",
                P,
                ", got ",
                x.sizes(),
                " (pad the image first)");
    TORCH_CHECK(control.forcedExpert < options_.experts && control.forcedLayer < options_.depth,
                "forced expert ",
                control.forcedExpert,
                " / layer ",
                control.forcedLayer,
                " out of range for ",
                options_.experts,
                " experts and ",
                options_.depth,
                " layers");
    ForwardResult result;
    result.gridH = static_cast<int>(x.size(2) / P);
    result.gridW = static_cast<int>(x.size(3) / P);

    torch::Tensor features;
    auto tokens = embedTokens(x, &features);
    for (int l = 0; l < options_.depth; ++l) {
        const bool forced =
            control.forcedExpert >= 0 && (control.forcedLayer < 0 || control.forcedLayer == l);
        LayerRoute route;
        tokens = layers_->ptr<MoeLayerImpl>(l)->forward(
            tokens, result.gridH, result.gridW, control, forced, route);
        result.layers.push_back(std::move(route));
    }
    result.image = decode(tokens, x, result.gridH, result.gridW, features);
    return result;
}

torch::Tensor MoweNetImpl::headFeatures(const torch::Tensor &x) {
    return headBlocks_->forward(headIn_(x * 2.0 - 1.0));
}

torch::Tensor MoweNetImpl::embedTokens(const torch::Tensor &x, torch::Tensor *features) {
    auto head = headFeatures(x);
    if (features)
        *features = head;
    return embedNorm_(embed_(head).flatten(2).transpose(1, 2)); // [B, N, D]
}

torch::Tensor MoweNetImpl::decode(const torch::Tensor &tokens,
                                  const torch::Tensor &x,
                                  int gridH,
                                  int gridW,
                                  torch::Tensor features) {
    const int C = options_.headChannels, P = options_.patchSize;
    auto folded = tailLinear_(tokens) // [B, N, P·P·C]
                      .transpose(1, 2)
                      .reshape({tokens.size(0), C * P * P, gridH, gridW});
    auto pixels = F::pixel_shuffle(folded, F::PixelShuffleFuncOptions(P));
    if (options_.headSkip) {
        // The tokens carry what to change; the head's full-resolution features carry where
        // (edges inside a P×P patch), which the per-token linear fold alone draws as blocks.
        pixels = pixels + skipGain_ * (features.defined() ? features : headFeatures(x));
    }
    auto tail = tailOut_(tailBlock_(pixels));
    return options_.globalResidual ? x + tail : torch::sigmoid(tail);
}

std::int64_t MoweNetImpl::parameterCount() const {
    std::int64_t n = 0;
    for (const auto &p : parameters())
        n += p.numel();
    return n;
}

double MoweNetImpl::flops(int height, int width) const {
    const auto &o = options_;
    const double HW = static_cast<double>(height) * width;
    const double C = o.headChannels, D = o.width, P = o.patchSize;
    const double N = HW / (P * P), Hd = o.mlpRatio * D;
    double macs = HW * 3 * C * 9                      // head in
                  + o.headBlocks * 2 * HW * C * C * 9 // head blocks
                  + N * C * P * P * D;                // embed
    for (int l = 0; l < o.depth; ++l) {
        macs += N * D * 3 * D + 2 * N * N * D + N * D * D; // attention
        macs += N * D * D + N * D * o.weatherDim + N * o.weatherDim * o.experts;
        for (int k : o.expertKernels)
            macs += 2 * N * D * Hd + N * Hd * k * k;
    }
    macs += N * D * P * P * C + 2 * HW * C * C * 9 + HW * C * 3 * 9; // tail (+ skip: adds)
    return 2.0 * macs;
}

torch::Tensor rowEntropy(const torch::Tensor &probs) {
    return -(probs * torch::log(probs.clamp_min(1e-12))).sum(-1);
}

} // namespace mowe::model
