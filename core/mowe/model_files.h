#pragma once
// Model folders: `model.json` and `weights.pt` side by side.
//
// model.json: {"format": "mowe-studio-model", "version": 1, "options": {...MoweOptions},
//              "training": {...how it was trained}, "metrics": {...what it reached}}
// weights.pt: LibTorch's archive of the network's named parameters and buffers.
//
// Loading validates before it trusts: the config must parse (model_config.h), the
// weights file's size must be within a factor of what the config implies (checked before
// anything is allocated), and every tensor must be present with the shape the config
// implies; the first mismatch is named. Writing is atomic (core/common/atomic_file.h).
// Includes LibTorch: for core/mowe/*.cpp and tests only.

#include "mowe/engine.h"
#include "mowe/model_config.h"
#include "mowe/network.h"

#include <filesystem>

namespace mowe::model {

/// Writes `net` and `meta` (whose "options" is replaced by the network's) into `dir`.
void saveModelFolder(const std::filesystem::path &dir, MoweNet &net, nlohmann::json meta);

/// Reads a model folder; returns the network (eval mode) and fills `meta` with model.json.
MoweNet loadModelFolder(const std::filesystem::path &dir, nlohmann::json *meta = nullptr);

/// Copies the tensors of `archivePath` into `net`, checking names and shapes. Throws
/// ModelError naming the first missing or mis-shaped tensor.
void loadWeightsChecked(MoweNet &net, const std::filesystem::path &archivePath);
/// Throws ModelError when the archive's size is not what `parameters` float weights take.
void checkWeightsSize(const std::filesystem::path &archivePath, std::int64_t parameters);
void saveWeights(MoweNet &net, const std::filesystem::path &archivePath);

/// A Restorer around an in-memory network (tests, training previews).
std::shared_ptr<Restorer> restorerFor(MoweNet net, ModelInfo info);

} // namespace mowe::model
