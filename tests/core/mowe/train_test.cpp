// Data, training, resuming and data-parallel training on a tiny model.
#include "fixtures.h"

#include "common/atomic_file.h"
#include "mowe/dataset.h"
#include "mowe/train.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <numeric>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace mowe;
using namespace mowe::test;
namespace fs = std::filesystem;

namespace {

const fs::path kRepo = MOWE_REPO_ROOT;

model::TrainConfig tinyTrainConfig() {
    model::TrainConfig c;
    c.model = tinyOptions();
    c.cleanDir = (kRepo / "data" / "clean").string();
    c.splitFile = (kRepo / "data" / "split.json").string();
    c.data.crop = 32;
    c.batch = 4;
    c.steps = 12;
    c.lr = 3e-3;
    c.warmup = 2;
    c.validateEvery = 1000;
    c.validationSamples = 4;
    c.checkpointEvery = 3;
    c.reportEvery = 3;
    c.contrastiveTokens = 32;
    c.threads = 1;
    return c;
}

} // namespace

TEST(Dataset, TokenLabelTakesTheDominantWeatherCoveringAnEighth) {
    cv::Mat labels(8, 16, CV_8UC1, cv::Scalar(0));
    labels(cv::Rect(0, 0, 8, 1)) = 1; // token 0: 8 of 64 rain pixels (= 1/8)
    labels(cv::Rect(8, 0, 8, 1)) = 2; // token 1: 7 snow + 7 fog pixels: neither reaches 1/8
    labels(cv::Rect(8, 1, 7, 1)) = 3;
    labels.at<std::uint8_t>(0, 15) = 0;
    auto t = model::tokenLabels(labels, 8);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0], weather::kRain);
    EXPECT_EQ(t[1], weather::kClear);
    labels(cv::Rect(8, 2, 8, 1)) = 3; // now 15 fog pixels
    EXPECT_EQ(model::tokenLabels(labels, 8)[1], weather::kFog);
}

TEST(Dataset, SplitIsByPhotoAndSamplesAreDeterministic) {
    const auto names = model::readValidationList(kRepo / "data" / "split.json");
    const auto split = model::splitPhotos(kRepo / "data" / "clean", names);
    EXPECT_EQ(split.validation.size(), names.size());
    for (const auto &p : split.train)
        EXPECT_EQ(std::count(names.begin(), names.end(), p.filename().string()), 0);
    model::DatasetOptions o;
    o.crop = 64;
    model::WeatherDataset data(split.train, o);
    auto a = data.sample(42), b = data.sample(42), c = data.sample(43);
    EXPECT_EQ(maxAbsDiff(a.input, b.input), kExact);
    EXPECT_EQ(a.photo, b.photo);
    EXPECT_GT(maxAbsDiff(a.input, c.input) + (a.photo != c.photo), 0.0f);
    EXPECT_EQ(a.input.size(), cv::Size(64, 64));
    for (int i = 0; i < 50; ++i) {
        const auto s = data.sample(static_cast<std::uint64_t>(i));
        EXPECT_EQ(std::count(names.begin(), names.end(), s.photo), 0);
    }
}

TEST(Dataset, UnreadableAndTinyPhotosAreSkippedByName) {
    const auto dir = freshDir("dataset_bad");
    std::ofstream(dir / "text.jpg") << "not an image";
    cv::Mat tiny(10, 10, CV_8UC3, cv::Scalar(1, 2, 3));
    cv::imwrite((dir / "tiny.png").string(), tiny);
    fs::copy(kRepo / "data" / "clean" / "sand_dunes.jpg", dir / "sand_dunes.jpg");
    model::WeatherDataset data({dir / "text.jpg", dir / "tiny.png", dir / "sand_dunes.jpg"}, {});
    EXPECT_EQ(data.size(), 1u);
    ASSERT_EQ(data.skipped().size(), 2u);
    EXPECT_NE(data.skipped()[0].find("text.jpg"), std::string::npos);
    EXPECT_NE(data.skipped()[1].find("tiny.png"), std::string::npos);
}

TEST(TrainConfig, UnknownKeysAndImpossibleSizesAreRefused) {
    EXPECT_THROW(model::TrainConfig::fromJson({{"stpes", 10}}), std::invalid_argument);
    EXPECT_THROW(model::TrainConfig::fromJson({{"data", {{"crop", 100}}}}), std::invalid_argument);
    EXPECT_THROW(model::TrainConfig::fromJson({{"batch", 0}}), std::invalid_argument);
    auto c = model::TrainConfig::fromJson(tinyTrainConfig().toJson());
    EXPECT_EQ(c.data.crop, 32);
    EXPECT_EQ(c.model.width, 16);
}

namespace {

torch::Tensor rgbTensor(const cv::Mat &bgr) {
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return torch::from_blob(rgb.data, {1, rgb.rows, rgb.cols, 3}, torch::kFloat32)
        .permute({0, 3, 1, 2})
        .clone();
}

} // namespace

// The network and optimiser can fit: 200 AdamW steps on one fixed batch of four weather
// crops (the training loss, SmoothL1 with the training beta) cut the loss well below the
// identity the model starts at. Measured: 0.0053 -> 0.0005. (train() itself draws new
// weather every step; on held-out crops its first few hundred steps are worse than the
// identity, as in the shipped run's log, so a short train() run is no test of learning.)
TEST(Train, TheNetworkFitsAFixedBatch) {
    auto c = tinyTrainConfig();
    c.data.crop = 48;
    c.data.clearFraction = 0;
    const auto split = model::splitPhotos(kRepo / "data" / "clean",
                                          model::readValidationList(kRepo / "data" / "split.json"));
    model::WeatherDataset data(split.train, c.data);
    std::vector<torch::Tensor> inputs, cleans;
    for (int i = 0; i < 4; ++i) {
        const auto s = data.sample(static_cast<std::uint64_t>(1000 + i));
        inputs.push_back(rgbTensor(s.input));
        cleans.push_back(rgbTensor(s.clean));
    }
    const auto x = torch::cat(inputs), y = torch::cat(cleans);
    const auto options = torch::nn::functional::SmoothL1LossFuncOptions().beta(c.smoothL1Beta);
    torch::manual_seed(1);
    model::MoweNet net(c.model);
    torch::optim::AdamW optimizer(net->parameters(),
                                  torch::optim::AdamWOptions(1e-3).weight_decay(c.weightDecay));
    double first = 0, last = 0;
    for (int step = 0; step <= 200; ++step) {
        auto loss = torch::nn::functional::smooth_l1_loss(net->forward(x).image, y, options);
        (step == 0 ? first : last) = loss.item<double>();
        optimizer.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(net->parameters(), c.clipNorm);
        optimizer.step();
    }
    const double identity = torch::nn::functional::smooth_l1_loss(x, y, options).item<double>();
    EXPECT_NEAR(first, identity, 1e-6) << "the untrained model is the identity";
    RecordProperty("loss_first", std::to_string(first));
    RecordProperty("loss_last", std::to_string(last));
    EXPECT_LT(last, 0.3 * first) << "first " << first << ", last " << last;
}

// train() end to end (data, losses, schedule, optimiser, saved model): a few steps reduce the
// loss of a tiny model on a fixed set of crops it is scored on before and after. Without the
// global residual the untrained model outputs a flat grey, so the loss has far to fall; with
// it the model starts as the identity, which a short run on ever-new weather does not yet
// beat (the shipped run needed ~1000 steps), so that case is the fixed-batch test above.
TEST(Train, AFewStepsReduceTheLossOfATinyModel) {
    auto c = tinyTrainConfig();
    c.model.globalResidual = false;
    c.steps = 60;
    c.warmup = 5;
    c.data.clearFraction = 0;
    const auto split = model::splitPhotos(kRepo / "data" / "clean",
                                          model::readValidationList(kRepo / "data" / "split.json"));
    model::WeatherDataset data(split.train, c.data);
    std::vector<torch::Tensor> inputs, cleans;
    for (int i = 0; i < 16; ++i) {
        const auto s = data.sample(static_cast<std::uint64_t>(1000 + i));
        inputs.push_back(rgbTensor(s.input));
        cleans.push_back(rgbTensor(s.clean));
    }
    const auto x = torch::cat(inputs), y = torch::cat(cleans);
    const auto lossOf = [&](model::MoweNet &net) {
        torch::NoGradGuard noGrad;
        net->eval();
        return torch::nn::functional::smooth_l1_loss(
                   net->forward(x).image,
                   y,
                   torch::nn::functional::SmoothL1LossFuncOptions().beta(c.smoothL1Beta))
            .item<double>();
    };
    torch::manual_seed(c.seed); // train() builds its model from the same seed
    model::MoweNet initial(c.model);
    const double before = lossOf(initial);
    const auto dir = freshDir("train_reduce");
    model::train(c, kRepo, dir);
    auto trained = model::loadModelFolder(dir / "model");
    const double after = lossOf(trained);
    RecordProperty("loss_before", std::to_string(before));
    RecordProperty("loss_after", std::to_string(after));
    EXPECT_LT(after, 0.7 * before) << "before " << before << ", after " << after;
}

// Fine-tuning: init_from copies the parameters the folder has; the head skip's gain, which it
// lacks, starts at zero, so with a zero learning rate the result restores exactly like the
// source model. Mismatched shapes are refused with the parameter's name.
TEST(Train, InitFromStartsAsTheSourceModelWithTheNewPartsInert) {
    auto c = tinyTrainConfig();
    const auto source = freshDir("train_init_source");
    torch::manual_seed(5);
    model::MoweNet trained(c.model);
    {
        torch::NoGradGuard noGrad;
        for (auto &p : trained->parameters())
            p.add_(0.05 * torch::randn_like(p)); // anything but the fresh initialisation
    }
    model::saveModelFolder(source / "model", trained, {});

    c.model.headSkip = true;
    c.initFrom = (source / "model").string();
    c.lr = 0;
    c.weightDecay = 0;
    c.steps = 1;
    const auto dir = freshDir("train_init");
    model::train(c, kRepo, dir);
    auto tuned = model::loadModelFolder(dir / "model");
    EXPECT_TRUE(tuned->options().headSkip);
    torch::manual_seed(9);
    const auto x = torch::rand({1, 3, 32, 32});
    torch::NoGradGuard noGrad;
    trained->eval();
    tuned->eval();
    EXPECT_TRUE(torch::allclose(tuned->forward(x).image, trained->forward(x).image, 1e-5, 1e-6));

    auto wider = tinyTrainConfig();
    wider.model.width *= 2;
    wider.initFrom = (source / "model").string();
    try {
        model::train(wider, kRepo, freshDir("train_init_wider"));
        FAIL() << "a model of another width was accepted as a starting point";
    } catch (const std::runtime_error &e) {
        EXPECT_NE(std::string(e.what()).find("another shape"), std::string::npos) << e.what();
    }
}

TEST(Train, AnInterruptedRunResumesToTheSameWeights) {
    const auto c = tinyTrainConfig();
    const auto straight = freshDir("train_straight");
    model::train(c, kRepo, straight);

    const auto resumed = freshDir("train_resumed");
    int polls = 0;
    auto first = model::train(c, kRepo, resumed, {}, {}, [&] { return ++polls >= 7; });
    EXPECT_EQ(first.stepsDone, 7);
    auto second = model::train(c, kRepo, resumed);
    EXPECT_TRUE(second.resumed);
    EXPECT_EQ(second.resumedFrom, 7);
    EXPECT_EQ(second.stepsDone, 12);
    EXPECT_EQ(model::weightsFingerprint(straight / "model"),
              model::weightsFingerprint(resumed / "model"));
}

namespace {

fs::path cli() {
    return fs::path(MOWE_BIN_DIR) / "mowe-cli";
}

pid_t spawn(const std::vector<std::string> &args, const fs::path &log) {
    const pid_t pid = fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        std::vector<char *> argv;
        for (const auto &a : args)
            argv.push_back(const_cast<char *>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    return pid;
}

int waitFor(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

fs::path writeConfig(const fs::path &dir, const model::TrainConfig &c) {
    const auto path = dir / "config.json";
    std::ofstream(path) << c.toJson().dump();
    return path;
}

} // namespace

TEST(Train, AKilledRunResumesFromItsCheckpoint) {
    auto c = tinyTrainConfig();
    c.steps = 400; // long enough to be killed midway
    c.checkpointEvery = 2;
    const auto dir = freshDir("train_killed");
    const auto config = writeConfig(dir, c);
    const auto run = dir / "run";
    const pid_t pid =
        spawn({cli().string(), "train", "--config", config.string(), "--out", run.string()},
              dir / "first.log");
    // Wait for a checkpoint, then kill without warning.
    for (int i = 0; i < 600 && !fs::exists(run / "checkpoint.pt"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(fs::exists(run / "checkpoint.pt"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, SIGKILL);
    waitFor(pid);
    ASSERT_TRUE(fs::exists(run / "checkpoint.pt")) << "the checkpoint must survive a kill";

    const pid_t again = spawn({cli().string(),
                               "train",
                               "--config",
                               config.string(),
                               "--out",
                               run.string(),
                               "--steps",
                               "12"},
                              dir / "second.log");
    ASSERT_EQ(waitFor(again), 0) << readFile(dir / "second.log");
    const auto out = readFile(dir / "second.log");
    EXPECT_NE(out.find("\"resumed\":true"), std::string::npos) << out;
}

TEST(Train, TwoProcessDataParallelTrainingKeepsTheReplicasEqual) {
    auto c = tinyTrainConfig();
    c.steps = 6;
    const auto dir = freshDir("train_ddp");
    const auto config = writeConfig(dir, c);
    const auto run = dir / "run";
    std::vector<pid_t> pids;
    for (int rank = 0; rank < 2; ++rank)
        pids.push_back(spawn({cli().string(),
                              "train",
                              "--config",
                              config.string(),
                              "--out",
                              run.string(),
                              "--world-size",
                              "2",
                              "--rank",
                              std::to_string(rank),
                              "--store",
                              (dir / "store").string()},
                             dir / ("rank" + std::to_string(rank) + ".log")));
    for (auto pid : pids)
        ASSERT_EQ(waitFor(pid), 0) << readFile(dir / "rank0.log") << readFile(dir / "rank1.log");
    const auto a = model::weightsFingerprint(run / "model");
    const auto b = model::weightsFingerprint(run / "replicas" / "rank-1");
    EXPECT_EQ(a, b);
    // And training did move the weights away from the initialisation.
    const auto init = freshDir("train_ddp_init");
    torch::manual_seed(c.seed);
    model::MoweNet fresh(c.model);
    model::saveModelFolder(init, fresh, {});
    EXPECT_NE(a, model::weightsFingerprint(init));
}
