// libFuzzer target: a model folder's model.json (core/mowe/model_config.h), the part of model
// loading that runs before LibTorch is involved: JSON parsing, the format and version
// fields, the options (unknown keys, bounds) and the parameter count that guards allocation.
// Only ModelError may escape. (The weights archive itself is read by LibTorch's own reader
// after its size has been checked against this count; see docs/security.md.)
#include "mowe/engine.h"
#include "mowe/model_config.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    namespace model = mowe::model;
    try {
        const auto config = model::parseModelConfig(
            std::string_view(reinterpret_cast<const char *>(data), size), "model.json");
        if (config.parameters <= 0 || config.parameters > model::kMaxModelParameters)
            __builtin_trap(); // accepted options describe a bounded, non-empty network
        // What saveModelFolder writes must read back as the same network.
        const nlohmann::json back = config.options;
        if (back.get<model::MoweOptions>().parameterCount() != config.parameters)
            __builtin_trap();
    } catch (const model::ModelError &) {
    }
    return 0;
}
