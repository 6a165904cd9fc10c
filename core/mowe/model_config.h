#pragma once
// The torch-free half of reading a model folder (model_files.h): model.json checked before
// anything is built or allocated. Torch-free so that it can be fuzzed and tested without
// LibTorch (tests/fuzz/fuzz_model_config.cpp).
//
// model.json must be a JSON object with "format": "mowe-studio-model", "version": 1 (an
// integer) and "options" (MoweOptions: unknown keys and impossible values are errors) that
// describe at most kMaxModelParameters parameters. Other keys ("training", "metrics", ...)
// are kept as they are and never interpreted here.

#include "mowe/options.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace mowe::model {

inline constexpr const char *kModelFormat = "mowe-studio-model";
inline constexpr int kModelFormatVersion = 1;
/// The largest network a model folder may describe (1 GB of float weights; the paper-scale
/// configuration has ~16 M). Checked from the config before anything is allocated.
inline constexpr std::int64_t kMaxModelParameters = 256'000'000;

struct ModelConfig {
    nlohmann::json meta;         ///< the whole model.json
    MoweOptions options;         ///< meta["options"], validated
    std::int64_t parameters = 0; ///< options.parameterCount(), at most kMaxModelParameters
};

/// Parses and checks the text of a model.json. Throws ModelError (engine.h) whose message
/// names `source` and the first problem; no other exception escapes.
ModelConfig parseModelConfig(std::string_view text, const std::string &source);

} // namespace mowe::model
