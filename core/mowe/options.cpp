#include "mowe/options.h"

#include <nlohmann/json.hpp>

#include <set>
#include <stdexcept>

namespace mowe::model {

std::string toString(RouterKind kind) {
    switch (kind) {
    case RouterKind::Weather:
        return "weather";
    case RouterKind::WeatherContent:
        return "weather_content";
    case RouterKind::Linear:
        return "linear";
    }
    return "?";
}

RouterKind routerKindFromString(const std::string &text) {
    if (text == "weather")
        return RouterKind::Weather;
    if (text == "weather_content")
        return RouterKind::WeatherContent;
    if (text == "linear")
        return RouterKind::Linear;
    throw std::invalid_argument("unknown router kind '" + text +
                                "' (expected weather, weather_content or linear)");
}

MoweOptions MoweOptions::small() {
    MoweOptions o;
    o.headSkip = true;
    return o;
}

MoweOptions MoweOptions::paper() {
    MoweOptions o;
    o.width = 384;
    o.heads = 8;
    o.headChannels = 64;
    o.globalResidual = false;
    return o;
}

void MoweOptions::validate() const {
    auto fail = [](const std::string &what) {
        throw std::invalid_argument("model options: " + what);
    };
    if (patchSize < 1 || patchSize > 64)
        fail("patch_size must be in [1, 64], got " + std::to_string(patchSize));
    if (width < 1 || width > 4096)
        fail("width must be in [1, 4096], got " + std::to_string(width));
    if (depth < 1 || depth > 64)
        fail("depth must be in [1, 64], got " + std::to_string(depth));
    if (heads < 1 || width % heads != 0)
        fail("heads (" + std::to_string(heads) + ") must divide width (" + std::to_string(width) +
             ")");
    if (experts < 1 || experts > 64)
        fail("experts must be in [1, 64], got " + std::to_string(experts));
    if (topK < 1 || topK > experts)
        fail("top_k must be in [1, experts=" + std::to_string(experts) + "], got " +
             std::to_string(topK));
    if (static_cast<int>(expertKernels.size()) != experts)
        fail("expert_kernels has " + std::to_string(expertKernels.size()) +
             " entries, experts is " + std::to_string(experts));
    for (int k : expertKernels)
        if (k < 0 || k > 15 || (k > 0 && k % 2 == 0))
            fail("expert kernel " + std::to_string(k) + " must be 0 (none) or odd in [1, 15]");
    if (mlpRatio < 1 || mlpRatio > 16)
        fail("mlp_ratio must be in [1, 16], got " + std::to_string(mlpRatio));
    if (headChannels < 1 || headChannels > 1024)
        fail("head_channels must be in [1, 1024], got " + std::to_string(headChannels));
    if (headBlocks < 0 || headBlocks > 16)
        fail("head_blocks must be in [0, 16], got " + std::to_string(headBlocks));
    if (weatherDim < 1 || weatherDim > 1024)
        fail("weather_dim must be in [1, 1024], got " + std::to_string(weatherDim));
}

std::int64_t MoweOptions::parameterCount() const {
    using I = std::int64_t;
    const I C = headChannels, D = width, P = patchSize, E = experts, H = I(mlpRatio) * width;
    const auto conv = [](I in, I out, I k) { return in * out * k * k + out; };
    const auto linear = [](I in, I out) { return in * out + out; };
    const I norm = 2 * D;
    const I resBlock = 2 * conv(C, C, 3);
    I count = conv(3, C, 3) + headBlocks * resBlock + conv(C, D, P) + norm; // head, embed
    const I routerIn = router == RouterKind::Weather          ? weatherDim
                       : router == RouterKind::WeatherContent ? D + weatherDim
                                                              : D;
    I layer = norm + linear(D, 3 * D) + linear(D, D) + norm; // attention, router norm
    if (router != RouterKind::Linear)
        layer += linear(D, D) + linear(D, weatherDim);
    layer += linear(routerIn, E) + 1; // + router_log_scale
    for (int k : expertKernels)
        layer += norm + linear(D, H) + (k > 0 ? H * k * k + H : 0) + linear(H, D);
    count += I(depth) * layer;
    count += linear(D, P * P * C) + resBlock + conv(C, 3, 3); // tail
    if (headSkip)
        count += C;
    return count;
}

std::string MoweOptions::expertLabel(int e) const {
    const int k = (e >= 0 && e < static_cast<int>(expertKernels.size())) ? expertKernels[e] : 0;
    const int side = k == 0 ? 1 : k;
    return "E" + std::to_string(e) + " " + std::to_string(side) + "\u00d7" + std::to_string(side);
}

void to_json(nlohmann::json &j, const MoweOptions &o) {
    j = nlohmann::json{{"patch_size", o.patchSize},
                       {"width", o.width},
                       {"depth", o.depth},
                       {"heads", o.heads},
                       {"experts", o.experts},
                       {"top_k", o.topK},
                       {"expert_kernels", o.expertKernels},
                       {"mlp_ratio", o.mlpRatio},
                       {"head_channels", o.headChannels},
                       {"head_blocks", o.headBlocks},
                       {"router", toString(o.router)},
                       {"weather_dim", o.weatherDim},
                       {"global_residual", o.globalResidual},
                       {"head_skip", o.headSkip}};
}

void from_json(const nlohmann::json &j, MoweOptions &o) {
    if (!j.is_object())
        throw std::invalid_argument("model options must be a JSON object");
    static const std::set<std::string> known = {"patch_size",
                                                "width",
                                                "depth",
                                                "heads",
                                                "experts",
                                                "top_k",
                                                "expert_kernels",
                                                "mlp_ratio",
                                                "head_channels",
                                                "head_blocks",
                                                "router",
                                                "weather_dim",
                                                "global_residual",
                                                "head_skip"};
    for (const auto &[key, value] : j.items())
        if (!known.count(key))
            throw std::invalid_argument("model options: unknown key '" + key + "'");
    auto getInt = [&](const char *key, int &field) {
        if (!j.contains(key))
            return;
        if (!j[key].is_number_integer())
            throw std::invalid_argument(std::string("model options: '") + key +
                                        "' must be an integer");
        field = j[key].get<int>();
    };
    getInt("patch_size", o.patchSize);
    getInt("width", o.width);
    getInt("depth", o.depth);
    getInt("heads", o.heads);
    getInt("experts", o.experts);
    getInt("top_k", o.topK);
    getInt("mlp_ratio", o.mlpRatio);
    getInt("head_channels", o.headChannels);
    getInt("head_blocks", o.headBlocks);
    getInt("weather_dim", o.weatherDim);
    if (j.contains("expert_kernels")) {
        if (!j["expert_kernels"].is_array())
            throw std::invalid_argument("model options: 'expert_kernels' must be an array");
        o.expertKernels.clear();
        for (const auto &k : j["expert_kernels"]) {
            if (!k.is_number_integer())
                throw std::invalid_argument(
                    "model options: 'expert_kernels' entries must be integers");
            o.expertKernels.push_back(k.get<int>());
        }
    }
    if (j.contains("router")) {
        if (!j["router"].is_string())
            throw std::invalid_argument("model options: 'router' must be a string");
        o.router = routerKindFromString(j["router"].get<std::string>());
    }
    if (j.contains("global_residual")) {
        if (!j["global_residual"].is_boolean())
            throw std::invalid_argument("model options: 'global_residual' must be true or false");
        o.globalResidual = j["global_residual"].get<bool>();
    }
    if (j.contains("head_skip")) {
        if (!j["head_skip"].is_boolean())
            throw std::invalid_argument("model options: 'head_skip' must be true or false");
        o.headSkip = j["head_skip"].get<bool>();
    }
    o.validate();
}

} // namespace mowe::model
