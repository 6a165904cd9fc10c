#include "mowe/train.h"

#include "common/atomic_file.h"
#include "common/log.h"
#include "mowe/model_files.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

namespace mowe::model {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char *kLog = "mowe.train";

torch::Tensor imageTensor(const cv::Mat &bgr) {
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kFloat32)
        .permute({2, 0, 1})
        .clone();
}

struct Batch {
    torch::Tensor input, clean, tokenLabels; // [B,3,H,W], [B,3,H,W], [B·N] int64
};

Batch makeBatch(const WeatherDataset &data,
                int count,
                int patch,
                const std::function<std::uint64_t(int)> &seedOf,
                const weather::WeatherSpec *spec = nullptr) {
    std::vector<torch::Tensor> inputs, cleans;
    std::vector<std::int64_t> labels;
    for (int i = 0; i < count; ++i) {
        const Sample s = spec ? data.sample(seedOf(i), *spec) : data.sample(seedOf(i));
        inputs.push_back(imageTensor(s.input));
        cleans.push_back(imageTensor(s.clean));
        for (int l : tokenLabels(s.labels, patch))
            labels.push_back(l);
    }
    return {torch::stack(inputs), torch::stack(cleans), torch::tensor(labels, torch::kInt64)};
}

/// Supervised contrastive loss (Khosla et al. 2020) on unit embeddings z [M, d].
torch::Tensor supCon(const torch::Tensor &z, const torch::Tensor &labels, double tau) {
    const auto M = z.size(0);
    auto sim = torch::matmul(z, z.t()) / tau;
    auto self = torch::eye(M, torch::dtype(torch::kBool));
    sim = sim.masked_fill(self, -1e9);
    auto logProb = sim - torch::logsumexp(sim, 1, true);
    auto positive = labels.unsqueeze(0).eq(labels.unsqueeze(1)).logical_and(self.logical_not());
    auto count = positive.sum(1);
    auto has = count > 0;
    if (!has.any().item<bool>())
        return torch::zeros({}, z.options());
    auto perAnchor = (logProb * positive.to(z.dtype())).sum(1) / count.clamp_min(1).to(z.dtype());
    return -perAnchor.masked_select(has).mean();
}

/// PSNR in dB, capped at 100 dB (identical images) so that a mean stays finite.
double psnr(const torch::Tensor &a, const torch::Tensor &b) {
    const double mse = (a - b).pow(2).mean().item<double>();
    return 10.0 * std::log10(1.0 / std::max(mse, 1e-10));
}

/// Linear warm-up, then cosine decay. With a time budget, progress is the larger of the
/// step fraction and the budget fraction, so a run cut by its budget still ends annealed
/// (**choice**: such a run is then not bit-reproducible, since time enters the schedule).
double learningRate(const TrainConfig &c, int step, double trainSeconds) {
    if (step < c.warmup)
        return c.lr * (step + 1) / c.warmup;
    double progress = static_cast<double>(step - c.warmup) / std::max(1, c.steps - c.warmup);
    if (c.maxMinutes > 0)
        progress = std::max(progress, trainSeconds / (60.0 * c.maxMinutes));
    const double floor = c.minLrFraction;
    return c.lr * (floor + (1 - floor) * 0.5 * (1 + std::cos(M_PI * std::min(1.0, progress))));
}

void saveCheckpoint(const fs::path &file,
                    MoweNet &net,
                    torch::optim::AdamW &optimizer,
                    int step,
                    double trainSeconds) {
    torch::serialize::OutputArchive archive, model, optim;
    for (const auto &p : net->named_parameters())
        model.write(p.key(), p.value());
    optimizer.save(optim);
    archive.write("model", model);
    archive.write("optimizer", optim);
    archive.write("step", torch::tensor(static_cast<std::int64_t>(step)));
    archive.write("train_seconds", torch::tensor(trainSeconds, torch::kFloat64));
    // Serialised in memory, then written with every write checked: a full disk fails the
    // save (and training says so) while the previous checkpoint stays whole.
    std::ostringstream bytes;
    archive.save_to(bytes);
    writeFileAtomically(file, bytes.str());
}

int loadCheckpoint(const fs::path &file,
                   MoweNet &net,
                   torch::optim::AdamW &optimizer,
                   double &trainSeconds) {
    torch::serialize::InputArchive archive, model, optim;
    try {
        archive.load_from(file.string());
        archive.read("model", model);
        archive.read("optimizer", optim);
    } catch (const c10::Error &e) {
        throw std::runtime_error(
            "checkpoint '" + file.string() +
            "' is unreadable; delete it to start over: " + e.what_without_backtrace());
    }
    torch::NoGradGuard noGrad;
    for (auto &p : net->named_parameters()) {
        torch::Tensor t;
        if (!model.try_read(p.key(), t) || t.sizes() != p.value().sizes())
            throw std::runtime_error("checkpoint '" + file.string() +
                                     "' does not match the model "
                                     "configuration at '" +
                                     p.key() + "'; use another run folder");
        p.value().copy_(t);
    }
    optimizer.load(optim);
    torch::Tensor step;
    archive.read("step", step);
    torch::Tensor seconds;
    trainSeconds = archive.try_read("train_seconds", seconds) ? seconds.item<double>() : 0.0;
    return static_cast<int>(step.item<std::int64_t>());
}

/// Copies every parameter of the model folder `dir` into `net` by name; parameters `net` has
/// and the folder lacks (a new part of the architecture) keep their initial values. A name
/// in both with different shapes means the configurations disagree: that throws.
int initialiseFrom(const fs::path &dir, MoweNet &net) {
    MoweNet source = loadModelFolder(dir);
    const auto from = source->named_parameters();
    torch::NoGradGuard noGrad;
    int copied = 0;
    for (auto &p : net->named_parameters()) {
        const torch::Tensor *t = from.find(p.key());
        if (!t)
            continue;
        if (t->sizes() != p.value().sizes())
            throw std::runtime_error("init_from '" + dir.string() + "': parameter '" + p.key() +
                                     "' has another shape there; the model options must match "
                                     "apart from added parts");
        p.value().copy_(*t);
        ++copied;
    }
    if (copied == 0)
        throw std::runtime_error("init_from '" + dir.string() +
                                 "' shares no parameter with this model configuration");
    return copied;
}

} // namespace

TrainConfig TrainConfig::fromJson(const json &j) {
    if (!j.is_object())
        throw std::invalid_argument("training config must be a JSON object");
    static const std::set<std::string> known = {"model",
                                                "clean_dir",
                                                "split_file",
                                                "data",
                                                "batch",
                                                "steps",
                                                "lr",
                                                "weight_decay",
                                                "warmup",
                                                "min_lr_fraction",
                                                "clip_norm",
                                                "smooth_l1_beta",
                                                "contrastive_weight",
                                                "temperature",
                                                "contrastive_tokens",
                                                "balance_weight",
                                                "validate_every",
                                                "validation_samples",
                                                "checkpoint_every",
                                                "report_every",
                                                "seed",
                                                "threads",
                                                "max_minutes",
                                                "init_from",
                                                "comment"};
    for (const auto &[key, value] : j.items())
        if (!known.count(key))
            throw std::invalid_argument("training config: unknown key '" + key + "'");
    TrainConfig c;
    if (j.contains("model"))
        c.model = j["model"].get<MoweOptions>();
    c.cleanDir = j.value("clean_dir", c.cleanDir);
    c.splitFile = j.value("split_file", c.splitFile);
    if (j.contains("data")) {
        const auto &d = j["data"];
        static const std::set<std::string> dataKeys = {"crop",
                                                       "min_scale",
                                                       "max_scale",
                                                       "clear_fraction",
                                                       "mixture_fraction",
                                                       "min_intensity",
                                                       "max_intensity",
                                                       "colour_jitter",
                                                       "min_photo_side"};
        for (const auto &[key, value] : d.items())
            if (!dataKeys.count(key))
                throw std::invalid_argument("training config: unknown key 'data." + key + "'");
        c.data.crop = d.value("crop", c.data.crop);
        c.data.minScale = d.value("min_scale", c.data.minScale);
        c.data.maxScale = d.value("max_scale", c.data.maxScale);
        c.data.clearFraction = d.value("clear_fraction", c.data.clearFraction);
        c.data.mixtureFraction = d.value("mixture_fraction", c.data.mixtureFraction);
        c.data.minIntensity = d.value("min_intensity", c.data.minIntensity);
        c.data.maxIntensity = d.value("max_intensity", c.data.maxIntensity);
        c.data.colourJitter = d.value("colour_jitter", c.data.colourJitter);
        c.data.minPhotoSide = d.value("min_photo_side", c.data.minPhotoSide);
    }
    c.initFrom = j.value("init_from", c.initFrom);
    c.batch = j.value("batch", c.batch);
    c.steps = j.value("steps", c.steps);
    c.lr = j.value("lr", c.lr);
    c.weightDecay = j.value("weight_decay", c.weightDecay);
    c.warmup = j.value("warmup", c.warmup);
    c.minLrFraction = j.value("min_lr_fraction", c.minLrFraction);
    c.clipNorm = j.value("clip_norm", c.clipNorm);
    c.smoothL1Beta = j.value("smooth_l1_beta", c.smoothL1Beta);
    c.contrastiveWeight = j.value("contrastive_weight", c.contrastiveWeight);
    c.temperature = j.value("temperature", c.temperature);
    c.contrastiveTokens = j.value("contrastive_tokens", c.contrastiveTokens);
    c.balanceWeight = j.value("balance_weight", c.balanceWeight);
    c.validateEvery = j.value("validate_every", c.validateEvery);
    c.validationSamples = j.value("validation_samples", c.validationSamples);
    c.checkpointEvery = j.value("checkpoint_every", c.checkpointEvery);
    c.reportEvery = j.value("report_every", c.reportEvery);
    c.seed = j.value("seed", c.seed);
    c.threads = j.value("threads", c.threads);
    c.maxMinutes = j.value("max_minutes", c.maxMinutes);

    auto require = [](bool ok, const std::string &what) {
        if (!ok)
            throw std::invalid_argument("training config: " + what);
    };
    require(c.batch >= 1 && c.batch <= 1024, "batch must be in [1, 1024]");
    require(c.steps >= 1, "steps must be ≥ 1");
    require(c.lr > 0 && c.lr < 1, "lr must be in (0, 1)");
    require(c.warmup >= 1, "warmup must be ≥ 1");
    require(c.data.crop >= c.model.patchSize && c.data.crop % c.model.patchSize == 0 &&
                c.data.crop <= 1024,
            "data.crop must be a multiple of the patch size in [patch, 1024], got " +
                std::to_string(c.data.crop));
    require(c.data.minScale > 0 && c.data.minScale <= c.data.maxScale && c.data.maxScale <= 4,
            "data.min_scale/max_scale must satisfy 0 < min ≤ max ≤ 4");
    require(c.data.minIntensity >= 0 && c.data.minIntensity <= c.data.maxIntensity &&
                c.data.maxIntensity <= 1,
            "data.min_intensity/max_intensity must satisfy 0 ≤ min ≤ max ≤ 1");
    require(c.temperature > 0, "temperature must be > 0");
    require(c.contrastiveTokens >= 2, "contrastive_tokens must be ≥ 2");
    require(c.validateEvery >= 1 && c.checkpointEvery >= 1 && c.reportEvery >= 1,
            "validate_every, checkpoint_every and report_every must be ≥ 1");
    require(c.validationSamples >= 1, "validation_samples must be ≥ 1");
    return c;
}

json TrainConfig::toJson() const {
    return {{"model", model},
            {"clean_dir", cleanDir},
            {"split_file", splitFile},
            {"data",
             {{"crop", data.crop},
              {"min_scale", data.minScale},
              {"max_scale", data.maxScale},
              {"clear_fraction", data.clearFraction},
              {"mixture_fraction", data.mixtureFraction},
              {"min_intensity", data.minIntensity},
              {"max_intensity", data.maxIntensity},
              {"colour_jitter", data.colourJitter},
              {"min_photo_side", data.minPhotoSide}}},
            {"batch", batch},
            {"steps", steps},
            {"lr", lr},
            {"weight_decay", weightDecay},
            {"warmup", warmup},
            {"min_lr_fraction", minLrFraction},
            {"clip_norm", clipNorm},
            {"smooth_l1_beta", smoothL1Beta},
            {"contrastive_weight", contrastiveWeight},
            {"temperature", temperature},
            {"contrastive_tokens", contrastiveTokens},
            {"balance_weight", balanceWeight},
            {"validate_every", validateEvery},
            {"validation_samples", validationSamples},
            {"checkpoint_every", checkpointEvery},
            {"report_every", reportEvery},
            {"seed", seed},
            {"threads", threads},
            {"max_minutes", maxMinutes},
            {"init_from", initFrom}};
}

TrainSummary train(const TrainConfig &config,
                   const fs::path &configDir,
                   const fs::path &runDir,
                   const DistributedOptions &dist,
                   const std::function<void(const TrainReport &)> &report,
                   const std::function<bool()> &cancelled) {
    const auto start = std::chrono::steady_clock::now();
    const auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    if (config.threads > 0)
        setThreads(config.threads);
    else
        threads(); // applies the default (all cores or MOWE_THREADS)
    const bool writer = dist.rank == 0;
    auto resolve = [&](const std::string &p) {
        fs::path path(p);
        return path.is_absolute() ? path : configDir / path;
    };
    const auto split =
        splitPhotos(resolve(config.cleanDir), readValidationList(resolve(config.splitFile)));
    WeatherDataset trainData(split.train, config.data);
    // Validation crops always carry weather: a clear crop's input PSNR is unbounded.
    DatasetOptions validationOptions = config.data;
    validationOptions.clearFraction = 0;
    WeatherDataset validationData(split.validation, validationOptions);
    if (writer)
        log::info(kLog) << "training on " << trainData.size() << " photos, validating on "
                        << validationData.size();

    std::error_code ec;
    fs::create_directories(runDir, ec);
    if (ec)
        throw std::runtime_error("cannot create run folder '" + runDir.string() +
                                 "': " + ec.message());

    c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
    if (dist.worldSize > 1) {
        auto store = c10::make_intrusive<c10d::FileStore>(dist.storeFile.string(), dist.worldSize);
        auto options = c10d::ProcessGroupGloo::Options::create();
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
        group =
            c10::make_intrusive<c10d::ProcessGroupGloo>(store, dist.rank, dist.worldSize, options);
    }

    torch::manual_seed(config.seed);
    MoweNet net(config.model);
    net->train();
    torch::optim::AdamW optimizer(
        net->parameters(), torch::optim::AdamWOptions(config.lr).weight_decay(config.weightDecay));

    TrainSummary summary;
    const fs::path checkpoint = runDir / "checkpoint.pt";
    int step = 0;
    double priorSeconds = 0; // training time of earlier runs of this folder
    if (fs::exists(checkpoint)) {
        step = loadCheckpoint(checkpoint, net, optimizer, priorSeconds);
        summary.resumed = true;
        summary.resumedFrom = step;
        if (writer)
            log::info(kLog) << "resuming from step " << step;
    } else if (!config.initFrom.empty()) {
        const int copied = initialiseFrom(resolve(config.initFrom), net);
        if (writer)
            log::info(kLog) << "fine-tuning from " << config.initFrom << ": " << copied << " of "
                            << net->named_parameters().size()
                            << " parameters copied, the rest keep their initial values";
    }
    auto params = net->parameters();
    if (group) {
        // Every replica starts from rank 0's weights.
        torch::NoGradGuard noGrad;
        std::vector<torch::Tensor> flat = {torch::cat([&] {
            std::vector<torch::Tensor> v;
            for (auto &p : params)
                v.push_back(p.detach().reshape({-1}));
            return v;
        }())};
        group->broadcast(flat)->wait();
        std::int64_t offset = 0;
        for (auto &p : params) {
            p.copy_(flat[0].slice(0, offset, offset + p.numel()).view_as(p));
            offset += p.numel();
        }
    }

    const int P = config.model.patchSize;
    const bool weatherAware = config.model.router != RouterKind::Linear;
    const auto validationSeed = [&](int i) { return mixSeed(config.seed ^ 0xa11da7e, i); };
    auto validate = [&](TrainReport &r) {
        torch::NoGradGuard noGrad;
        net->eval();
        double in = 0, out = 0;
        for (int i = 0; i < config.validationSamples; i += 8) {
            const int n = std::min(8, config.validationSamples - i);
            auto b = makeBatch(validationData, n, P, [&](int k) { return validationSeed(i + k); });
            auto restored = net->forward(b.input).image.clamp(0, 1);
            for (int k = 0; k < n; ++k) {
                in += psnr(b.input[k], b.clean[k]);
                out += psnr(restored[k], b.clean[k]);
            }
        }
        net->train();
        r.validationPsnrInput = in / config.validationSamples;
        r.validationPsnrOutput = out / config.validationSamples;
    };
    auto writeModel = [&](const TrainReport &r) {
        json meta;
        meta["training"] = {{"config", config.toJson()},
                            {"steps_done", step},
                            {"train_seconds", priorSeconds + elapsed()},
                            {"world_size", dist.worldSize},
                            {"train_photos", trainData.names()},
                            {"validation_photos", validationData.names()},
                            {"skipped_photos", trainData.skipped()}};
        if (r.validationPsnrOutput >= 0)
            meta["metrics"] = {{"validation_psnr_input", r.validationPsnrInput},
                               {"validation_psnr_output", r.validationPsnrOutput},
                               {"validation_samples", config.validationSamples},
                               {"at_step", step}};
        saveModelFolder(runDir / "model", net, meta);
    };
    auto appendLog = [&](const TrainReport &r) {
        json line = {{"step", r.step},
                     {"loss", r.loss},
                     {"reconstruction", r.reconstruction},
                     {"contrastive", r.contrastive},
                     {"balance", r.balance},
                     {"lr", r.lr},
                     {"examples_per_second", r.examplesPerSecond},
                     {"seconds", elapsed()}};
        if (r.validationPsnrOutput >= 0) {
            line["val_psnr_input"] = r.validationPsnrInput;
            line["val_psnr_output"] = r.validationPsnrOutput;
        }
        std::string existing;
        if (fs::exists(runDir / "log.jsonl"))
            existing = readFile(runDir / "log.jsonl", 256u << 20);
        writeFileAtomically(runDir / "log.jsonl", existing + line.dump() + "\n");
    };

    TrainReport current;
    double windowStart = elapsed();
    int windowSteps = 0;
    double sumLoss = 0, sumRec = 0, sumCon = 0, sumBal = 0;
    bool stop = false;
    while (step < config.steps && !stop) {
        // Per-step seeding makes a resumed run identical to an uninterrupted one.
        torch::manual_seed(mixSeed(config.seed, static_cast<std::uint64_t>(step)));
        const double lr = learningRate(config, step, priorSeconds + elapsed());
        for (auto &g : optimizer.param_groups())
            static_cast<torch::optim::AdamWOptions &>(g.options()).lr(lr);

        auto batch = makeBatch(trainData, config.batch, P, [&](int i) {
            return mixSeed(mixSeed(config.seed, static_cast<std::uint64_t>(step)),
                           static_cast<std::uint64_t>(i * dist.worldSize + dist.rank));
        });
        ForwardControl control;
        auto out = net->forward(batch.input, control);
        auto rec = torch::nn::functional::smooth_l1_loss(
            out.image,
            batch.clean,
            torch::nn::functional::SmoothL1LossFuncOptions().beta(config.smoothL1Beta));
        auto con = torch::zeros({});
        auto bal = torch::zeros({});
        for (auto &layer : out.layers) {
            if (weatherAware && config.contrastiveWeight > 0) {
                auto z = layer.weather.reshape({-1, layer.weather.size(-1)});
                const auto n = z.size(0);
                auto pick = torch::randperm(n, torch::kInt64)
                                .slice(0, 0, std::min<std::int64_t>(n, config.contrastiveTokens));
                con = con + supCon(z.index_select(0, pick),
                                   batch.tokenLabels.index_select(0, pick),
                                   config.temperature);
            }
            if (config.balanceWeight > 0) {
                const int E = config.model.experts;
                auto probs = layer.probs.reshape({-1, E});
                auto top1 = std::get<1>(probs.max(-1));
                auto f = torch::one_hot(top1, E).to(torch::kFloat32).mean(0);
                bal = bal + E * (f * probs.mean(0)).sum();
            }
        }
        const double L = static_cast<double>(out.layers.size());
        auto loss = rec + config.contrastiveWeight * con / L + config.balanceWeight * bal / L;
        optimizer.zero_grad();
        loss.backward();

        if (cancelled && cancelled())
            stop = true;
        if (config.maxMinutes > 0 && priorSeconds + elapsed() > 60.0 * config.maxMinutes) {
            stop = true;
            summary.stoppedByBudget = true;
        }
        if (group) {
            // One flat all-reduce of every gradient, plus a stop vote so ranks end together.
            std::vector<torch::Tensor> grads;
            for (auto &p : params) {
                // An expert that no token of this replica's batch was routed to has no
                // gradient here, but may have one on another replica.
                if (!p.grad().defined())
                    p.mutable_grad() = torch::zeros_like(p);
                grads.push_back(p.grad().reshape({-1}));
            }
            grads.push_back(torch::full({1}, stop ? 1.0f : 0.0f));
            std::vector<torch::Tensor> flat = {torch::cat(grads)};
            group->allreduce(flat)->wait();
            std::int64_t offset = 0;
            for (auto &p : params) {
                p.grad().copy_(flat[0].slice(0, offset, offset + p.numel()).view_as(p) /
                               dist.worldSize);
                offset += p.numel();
            }
            stop = flat[0][offset].item<float>() > 0;
        }
        torch::nn::utils::clip_grad_norm_(params, config.clipNorm);
        optimizer.step();
        ++step;
        ++windowSteps;
        sumLoss += loss.item<double>();
        sumRec += rec.item<double>();
        sumCon += con.item<double>() / L;
        sumBal += bal.item<double>() / L;

        const bool last = step >= config.steps || stop;
        const bool doReport = step % config.reportEvery == 0 || last;
        const bool doValidate = step % config.validateEvery == 0 || last;
        if (doReport || doValidate) {
            current = TrainReport{};
            current.step = step;
            current.steps = config.steps;
            current.loss = sumLoss / windowSteps;
            current.reconstruction = sumRec / windowSteps;
            current.contrastive = sumCon / windowSteps;
            current.balance = sumBal / windowSteps;
            current.lr = lr;
            const double span = elapsed() - windowStart;
            current.examplesPerSecond =
                span > 0 ? windowSteps * config.batch * dist.worldSize / span : 0;
            current.secondsLeft = span > 0 ? (config.steps - step) * span / windowSteps : 0;
            if (doValidate)
                validate(current);
            if (writer) {
                appendLog(current);
                if (report)
                    report(current);
            }
            windowStart = elapsed();
            windowSteps = 0;
            sumLoss = sumRec = sumCon = sumBal = 0;
        }
        if (writer && (step % config.checkpointEvery == 0 || last))
            saveCheckpoint(checkpoint, net, optimizer, step, priorSeconds + elapsed());
        if (writer && doValidate)
            writeModel(current);
    }
    if (!writer) {
        // Each other replica leaves its final weights beside rank 0's, so that anyone can
        // check that data-parallel training kept them equal (weightsFingerprint).
        saveModelFolder(runDir / "replicas" / ("rank-" + std::to_string(dist.rank)),
                        net,
                        json{{"training", {{"rank", dist.rank}, {"steps_done", step}}}});
    }
    summary.stepsDone = step;
    summary.seconds = elapsed();
    summary.last = current;
    summary.modelDir = runDir / "model";
    return summary;
}

std::uint64_t weightsFingerprint(const fs::path &modelDir) {
    auto net = loadModelFolder(modelDir);
    std::uint64_t h = 1469598103934665603ull;
    for (const auto &p : net->parameters()) {
        auto t = p.contiguous();
        const auto *bytes = reinterpret_cast<const unsigned char *>(t.data_ptr());
        for (std::int64_t i = 0; i < t.numel() * static_cast<std::int64_t>(t.element_size()); ++i)
            h = (h ^ bytes[i]) * 1099511628211ull;
    }
    return h;
}

} // namespace mowe::model
