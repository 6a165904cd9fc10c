#pragma once
// The tiny untrained MoWE network the GUI tests restore with (fast, deterministic; what
// they check does not depend on training): P = 8, D = 16, 2 layers, 2 heads, 4 experts
// (kernels 1, 3, 5, 7). Without the global residual: with it, an untrained network starts
// as the identity (zero last conv), and every expert's forced-routing output would be the
// input itself.

#include <nlohmann/json.hpp>

namespace mowe::test {

inline nlohmann::json tinyNetworkOptions() {
    return {{"patch_size", 8},
            {"width", 16},
            {"depth", 2},
            {"heads", 2},
            {"experts", 4},
            {"top_k", 2},
            {"head_channels", 4},
            {"head_blocks", 1},
            {"weather_dim", 8},
            {"mlp_ratio", 2},
            {"global_residual", false}};
}

} // namespace mowe::test
