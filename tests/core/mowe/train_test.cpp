// Data, training, resuming and data-parallel training on a tiny model.
#include "fixtures.h"

#include "common/atomic_file.h"
#include "mowe/dataset.h"
#include "mowe/train.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

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

// TODO(issue 6): disabled: on the tiny configuration the reconstruction loss rises (0.016 ->
// 0.023 over 60 steps, with or without SupCon) while the shipped configuration learns; not
// yet understood, tracked in issue 6.
TEST(Train, DISABLED_AFewStepsReduceTheTrainingLoss) {
    // Each batch draws new weather, so single losses are noisy: compare the means of the first
    // and the last 20 of 60 steps.
    auto c = tinyTrainConfig();
    c.steps = 60;
    c.lr = 2e-4;  // the shipped run's early learning rate; larger ones first jump away from
    c.warmup = 1; // the identity the zero-initialised tail starts at
    c.contrastiveWeight = 0; // reconstruction alone (see the model card on the SupCon weight)
    c.reportEvery = 1;
    std::vector<double> losses;
    model::train(c, kRepo, freshDir("train_reduce"), {}, [&](const model::TrainReport &r) {
        losses.push_back(r.reconstruction);
    });
    ASSERT_EQ(losses.size(), 60u);
    const double first = std::accumulate(losses.begin(), losses.begin() + 20, 0.0) / 20;
    const double last = std::accumulate(losses.end() - 20, losses.end(), 0.0) / 20;
    EXPECT_LT(last, 0.9 * first) << "first 20 " << first << ", last 20 " << last;
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
