#pragma once
// Training the MoWE model on synthetic weather (spec/mowe.md §1, §3), torch-free interface.
//
// Loss per batch:  SmoothL1_β(out, clean)
//                + λ_c · (1/L) Σ_layers SupCon(w, token weather labels, τ)   (weather-aware
//                routers)
//                + λ_b · E · Σ_e f_e · P_e   (Switch-style load balance; off by default)
// where SupCon is the supervised contrastive loss over a random subset of tokens: for an
// anchor i with positives P(i) (same weather label), −1/|P(i)| Σ_{p∈P(i)} log
// softmax_j≠i(w_i·w_j/τ)_p. AdamW with linear warm-up and cosine decay to minLrFraction·lr;
// gradients clipped to a global norm. The examples of step t are drawn from seeds mix(seed, t, i,
// rank), so a resumed run draws exactly the batches the uninterrupted run would have.
//
// The run folder holds checkpoint.pt (model, optimiser, step; written atomically, so a kill or
// a full disk leaves the previous one), log.jsonl (one line per report), and model/ (the
// model folder, written at every validation and at the end).
//
// Data parallel: worldSize processes, each computing its own batch; gradients are averaged
// with an all-reduce over LibTorch's Gloo process group (rendezvous through a FileStore on
// the local disk or a TCPStore), so the replicas' weights stay equal. Rank 0 writes files.

#include "mowe/dataset.h"
#include "mowe/options.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace mowe::model {

struct TrainConfig {
    MoweOptions model;
    std::string cleanDir = "data/clean"; ///< relative paths are relative to the config file
    std::string splitFile = "data/split.json";
    DatasetOptions data;
    int batch = 8;
    int steps = 6000;
    double lr = 1e-3;
    double weightDecay = 0.02;
    int warmup = 200;
    double minLrFraction = 0.05;
    double clipNorm = 1.0;
    double smoothL1Beta = 0.02;
    double contrastiveWeight = 0.1;
    double temperature = 0.1;
    int contrastiveTokens = 512; ///< tokens sampled per layer for SupCon
    double balanceWeight = 0.0;
    int validateEvery = 500;
    int validationSamples = 32;
    int checkpointEvery = 100;
    int reportEvery = 20;
    std::uint64_t seed = 1;
    int threads = 0; ///< 0: every core (or MOWE_THREADS)
    /// A model folder to start from (fine-tuning), relative to the config file; parameters it
    /// lacks keep their initial values. Ignored when the run folder has a checkpoint.
    std::string initFrom;
    double maxMinutes = 0; ///< > 0: training-time budget in minutes, summed over resumes;
                           ///< the learning-rate schedule anneals within it

    /// Unknown keys and impossible values throw std::invalid_argument naming the key.
    static TrainConfig fromJson(const nlohmann::json &j);
    nlohmann::json toJson() const;
};

struct DistributedOptions {
    int worldSize = 1;
    int rank = 0;
    std::filesystem::path storeFile; ///< FileStore path for the rendezvous (same for all ranks)
};

struct TrainReport {
    int step = 0, steps = 0;
    double loss = 0, reconstruction = 0, contrastive = 0, balance = 0;
    double lr = 0;
    double examplesPerSecond = 0, secondsLeft = 0;
    double validationPsnrInput = -1, validationPsnrOutput = -1; ///< −1 when not validated
};

struct TrainSummary {
    int stepsDone = 0;
    bool resumed = false;
    int resumedFrom = 0;
    bool stoppedByBudget = false;
    double seconds = 0;
    TrainReport last;
    std::filesystem::path modelDir;
};

/// Runs (or resumes) training into `runDir`. `configDir` resolves relative data paths.
/// Throws std::runtime_error (bad data, unwritable folder) with a message naming the problem.
TrainSummary train(const TrainConfig &config,
                   const std::filesystem::path &configDir,
                   const std::filesystem::path &runDir,
                   const DistributedOptions &distributed = {},
                   const std::function<void(const TrainReport &)> &report = {},
                   const std::function<bool()> &cancelled = {});

/// A hash of every parameter's bytes, to check that data-parallel replicas agree.
std::uint64_t weightsFingerprint(const std::filesystem::path &modelDir);

} // namespace mowe::model
