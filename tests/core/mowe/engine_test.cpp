// Tiled inference, route traces, model folders and TorchScript models.
#include "fixtures.h"

#include "common/atomic_file.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>
#include <torch/script.h>

#include <fstream>

using namespace mowe;
using namespace mowe::test;
namespace fs = std::filesystem;

struct SizeCase {
    int rows, cols;
};

class OddSizes : public ::testing::TestWithParam<SizeCase> {};

TEST_P(OddSizes, OutputHasTheInputSizeAndTheTraceCoversIt) {
    const auto [rows, cols] = GetParam();
    auto restorer = tinyRestorer();
    model::RestoreOptions options;
    options.tile = 64;
    options.overlap = 16;
    auto r = restorer->restore(testImage(rows, cols), options);
    EXPECT_EQ(r.restored.rows, rows);
    EXPECT_EQ(r.restored.cols, cols);
    EXPECT_EQ(r.restored.type(), CV_32FC3);
    EXPECT_TRUE(cv::checkRange(r.restored, true, nullptr, 0.0, 1.0 + 1e-6));
    EXPECT_EQ(r.trace.grid.rows, (rows + 7) / 8);
    EXPECT_EQ(r.trace.grid.cols, (cols + 7) / 8);
    ASSERT_EQ(r.trace.layers.size(), 2u);
    const auto &l = r.trace.layers[0];
    EXPECT_EQ(l.gates.size(), static_cast<std::size_t>(r.trace.grid.tokens()) * 4);
    EXPECT_EQ(l.topk.size(), static_cast<std::size_t>(r.trace.grid.tokens()) * 2);
    double loadSum = 0;
    for (double v : l.load)
        loadSum += v;
    EXPECT_NEAR(loadSum, 1.0, 1e-9);
}

INSTANTIATE_TEST_SUITE_P(Engine,
                         OddSizes,
                         ::testing::Values(SizeCase{333, 255},
                                           SizeCase{1, 1},
                                           SizeCase{7, 1000},
                                           SizeCase{8, 8},
                                           SizeCase{1000, 7}));

TEST(Engine, OneTileCoveringTheImageReproducesTheUntiledNetworkExactly) {
    auto net = tinyNet();
    model::ModelInfo info;
    info.name = "tiny";
    auto restorer = model::restorerFor(net, info);
    const cv::Mat img = testImage(40, 56);
    model::RestoreOptions options;
    options.tile = 256;
    auto r = restorer->restore(img, options);

    torch::InferenceMode guard;
    cv::Mat rgb;
    cv::cvtColor(img, rgb, cv::COLOR_BGR2RGB);
    auto x = torch::from_blob(rgb.data, {40, 56, 3}).permute({2, 0, 1}).unsqueeze(0).contiguous();
    auto direct = net->forward(x).image[0].clamp(0, 1).permute({1, 2, 0}).contiguous();
    cv::Mat directRgb(40, 56, CV_32FC3, direct.data_ptr<float>()), directBgr;
    cv::cvtColor(directRgb, directBgr, cv::COLOR_RGB2BGR);
    EXPECT_EQ(maxAbsDiff(r.restored, directBgr), kExact);
    EXPECT_EQ(r.tiles, 1);
}

TEST(Engine, OverlappingTilesLeaveNoSeam) {
    auto restorer = tinyRestorer(11);
    const cv::Mat img = testImage(192, 320, 5);
    model::RestoreOptions tiled;
    tiled.tile = 64;
    tiled.overlap = 16;
    auto r = restorer->restore(img, tiled);
    ASSERT_GT(r.tiles, 1);
    // Horizontal gradient of the output, averaged over rows, at every column step.
    cv::Mat grey;
    cv::cvtColor(r.restored, grey, cv::COLOR_BGR2GRAY);
    std::vector<double> step(grey.cols - 1, 0.0);
    for (int y = 0; y < grey.rows; ++y)
        for (int x = 0; x + 1 < grey.cols; ++x)
            step[x] += std::abs(grey.at<float>(y, x + 1) - grey.at<float>(y, x)) / grey.rows;
    double inside = 0, border = 0;
    int insideN = 0, borderN = 0;
    const int stride = 64 - 16;
    for (int x = 0; x + 1 < grey.cols; ++x) {
        // Tile edges sit at multiples of the stride (a tile's start) and stride·i + 64 (its end).
        const bool atEdge = (x + 1) % stride == 0 || (x + 1 - 64) % stride == 0;
        (atEdge ? border : inside) += step[x];
        (atEdge ? borderN : insideN) += 1;
    }
    border /= borderN;
    inside /= insideN;
    EXPECT_LE(border, 1.25 * inside) << "border " << border << " inside " << inside;
}

TEST(Engine, FastModeUsesNonOverlappingTiles) {
    auto restorer = tinyRestorer();
    model::RestoreOptions fast;
    fast.tile = 64;
    fast.fast = true;
    auto r = restorer->restore(testImage(128, 192), fast);
    EXPECT_EQ(r.tiles, 2 * 3);
}

TEST(Engine, StitchedGatesStillSumToOne) {
    auto restorer = tinyRestorer();
    model::RestoreOptions options;
    options.tile = 32;
    options.overlap = 16;
    auto r = restorer->restore(testImage(72, 88), options);
    for (const auto &l : r.trace.layers)
        for (int t = 0; t < r.trace.grid.tokens(); ++t) {
            double sum = 0;
            for (int e = 0; e < l.experts; ++e)
                sum += l.gates[t * l.experts + e];
            ASSERT_NEAR(sum, 1.0, 1e-5) << "token " << t;
        }
}

TEST(Engine, DeterministicAcrossRuns) {
    auto restorer = tinyRestorer();
    const cv::Mat img = testImage(100, 130);
    auto a = restorer->restore(img), b = restorer->restore(img);
    EXPECT_EQ(maxAbsDiff(a.restored, b.restored), kExact);
    EXPECT_EQ(a.trace.layers[1].gates, b.trace.layers[1].gates);
}

TEST(Engine, ForcedExpertChangesTheOutputAndRoutesEveryTokenThere) {
    auto restorer = tinyRestorer();
    model::RestoreOptions forced;
    forced.forcedExpert = 2;
    auto r = restorer->restore(testImage(48, 48), forced);
    for (const auto &l : r.trace.layers) {
        EXPECT_DOUBLE_EQ(l.load[2], 1.0);
    }
}

TEST(Engine, RejectsEmptyImagesAndBadTilesWithReasons) {
    auto restorer = tinyRestorer();
    EXPECT_THROW(restorer->restore(cv::Mat()), model::InputError);
    EXPECT_THROW(restorer->restore(cv::Mat(0, 5, CV_32FC3)), model::InputError);
    cv::Mat nan = testImage(16, 16);
    nan.at<cv::Vec3f>(3, 3)[1] = std::numeric_limits<float>::quiet_NaN();
    EXPECT_THROW(restorer->restore(nan), model::InputError);
    model::RestoreOptions bad;
    bad.tile = 30;
    EXPECT_THROW(restorer->restore(testImage(16, 16), bad), model::InputError);
}

TEST(Engine, CancelStopsBetweenTiles) {
    auto restorer = tinyRestorer();
    model::RestoreOptions options;
    options.tile = 32;
    options.overlap = 16;
    int polls = 0;
    options.cancelled = [&] { return ++polls > 2; };
    EXPECT_THROW(restorer->restore(testImage(128, 128), options), model::Cancelled);
    EXPECT_EQ(polls, 3);
}

// ---- model folders ------------------------------------------------------------------------

TEST(ModelFiles, SaveLoadRoundTripIsBitExact) {
    const auto dir = freshDir("roundtrip");
    auto net = tinyNet(5);
    model::saveModelFolder(dir, net, {{"training", {{"note", "test"}}}});
    nlohmann::json meta;
    auto back = model::loadModelFolder(dir, &meta);
    EXPECT_EQ(meta["training"]["note"], "test");
    auto a = net->named_parameters(), b = back->named_parameters();
    ASSERT_EQ(a.size(), b.size());
    for (const auto &p : a)
        EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << p.key();
    auto restored = model::Restorer::load(dir);
    model::ModelInfo info;
    const cv::Mat img = testImage(64, 80);
    EXPECT_EQ(maxAbsDiff(restored->restore(img).restored,
                         model::restorerFor(net, info)->restore(img).restored),
              kExact);
    EXPECT_EQ(restored->info().expertLabels.front(), "E0 1\u00d71");
}

namespace {

std::string messageOf(const std::function<void()> &f) {
    try {
        f();
    } catch (const model::ModelError &e) {
        return e.what();
    }
    return "no ModelError";
}

} // namespace

TEST(ModelFiles, TruncatedWeightsAreRefusedWithTheReason) {
    const auto dir = freshDir("truncated");
    auto net = tinyNet();
    model::saveModelFolder(dir, net, {});
    const auto bytes = readFile(dir / "weights.pt");
    writeFileAtomically(dir / "weights.pt", bytes.substr(0, bytes.size() / 2));
    const auto msg = messageOf([&] { model::Restorer::load(dir); });
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(ModelFiles, RandomBytesAreRefused) {
    const auto dir = freshDir("random");
    auto net = tinyNet();
    model::saveModelFolder(dir, net, {});
    const auto size = fs::file_size(dir / "weights.pt");
    std::string junk(size, '\0');
    std::mt19937 rng(3);
    for (auto &c : junk)
        c = static_cast<char>(rng());
    writeFileAtomically(dir / "weights.pt", junk);
    const auto msg = messageOf([&] { model::Restorer::load(dir); });
    EXPECT_NE(msg.find("corrupt"), std::string::npos) << msg;
}

TEST(ModelFiles, ConfigThatDisagreesWithTheWeightsNamesTheTensor) {
    const auto dir = freshDir("mismatch");
    auto net = tinyNet();
    model::saveModelFolder(dir, net, {});
    auto meta = nlohmann::json::parse(readFile(dir / "model.json"));
    meta["options"]["weather_dim"] = 9; // same size class, different shapes
    writeFileAtomically(dir / "model.json", meta.dump());
    const auto msg = messageOf([&] { model::Restorer::load(dir); });
    EXPECT_NE(msg.find("weather_mlp"), std::string::npos) << msg;
    EXPECT_NE(msg.find("shape"), std::string::npos) << msg;
}

TEST(ModelFiles, BadConfigsAreRefusedWithTheKey) {
    const auto dir = freshDir("badconfig");
    auto net = tinyNet();
    model::saveModelFolder(dir, net, {});
    writeFileAtomically(dir / "model.json",
                        "{\"format\": \"mowe-studio-model\", \"version\": 1, "
                        "\"options\": {\"experts\": 4, \"bogus\": 1}}");
    EXPECT_NE(messageOf([&] { model::Restorer::load(dir); }).find("bogus"), std::string::npos);
    writeFileAtomically(dir / "model.json", "{not json");
    EXPECT_NE(messageOf([&] { model::Restorer::load(dir); }).find("not valid JSON"),
              std::string::npos);
    EXPECT_NE(messageOf([&] { model::Restorer::load(dir / "missing"); }).find("does not exist"),
              std::string::npos);
}

// The count computed from the options alone, which guards loading, is the network's own.
TEST(ModelFiles, ParameterCountFromTheOptionsEqualsTheNetworks) {
    std::vector<model::MoweOptions> all = {
        tinyOptions(), model::MoweOptions::small(), model::MoweOptions::paper()};
    for (auto router : {model::RouterKind::Linear, model::RouterKind::WeatherContent}) {
        auto o = tinyOptions();
        o.router = router;
        o.headSkip = !o.headSkip;
        o.headBlocks = 0;
        all.push_back(o);
    }
    for (const auto &o : all) {
        model::MoweNet net(o);
        EXPECT_EQ(o.parameterCount(), net->parameterCount()) << nlohmann::json(o).dump();
    }
}

// A config claiming a huge network is refused from its numbers, before any allocation (this
// one would need ~10¹² parameters).
TEST(ModelFiles, AHugeClaimedNetworkIsRefusedBeforeAllocating) {
    const auto dir = freshDir("huge");
    auto net = tinyNet();
    model::saveModelFolder(dir, net, {});
    auto meta = nlohmann::json::parse(readFile(dir / "model.json"));
    meta["options"]["width"] = 4096;
    meta["options"]["heads"] = 8;
    meta["options"]["depth"] = 64;
    meta["options"]["mlp_ratio"] = 16;
    writeFileAtomically(dir / "model.json", meta.dump());
    const auto msg = messageOf([&] { model::Restorer::load(dir); });
    EXPECT_NE(msg.find("more than the limit"), std::string::npos) << msg;
}

TEST(ModelFiles, AFailedLoadLeavesTheLoadedModelWorking) {
    auto good = tinyRestorer();
    const cv::Mat img = testImage(32, 32);
    const cv::Mat before = good->restore(img).restored;
    EXPECT_THROW(model::Restorer::load(freshDir("empty")), model::ModelError);
    EXPECT_EQ(maxAbsDiff(good->restore(img).restored, before), kExact);
}

// ---- TorchScript ----------------------------------------------------------------------------

namespace {

/// A scripted module that follows docs/torchscript.md: brightens the image a little and
/// routes every token to expert (row index mod 3) of 3, in two layers.
fs::path writeScriptModel(const fs::path &dir, const std::string &body) {
    torch::jit::Module m("TinyRestorer");
    m.register_attribute("patch_size", c10::IntType::get(), 8);
    m.define(body);
    const auto path = dir / "model.pt";
    m.save(path.string());
    return path;
}

const char *kGoodScript = R"(
def forward(self, x):
    n = (x.size(2) // self.patch_size) * (x.size(3) // self.patch_size)
    idx = torch.arange(n) % 3
    gates = torch.eye(3).index_select(0, idx).unsqueeze(0)
    return (torch.clamp(x * 0.5 + 0.25, 0.0, 1.0), [gates, gates])
)";

} // namespace

TEST(TorchScript, AModuleFollowingTheInterfaceLoadsAndRestores) {
    const auto path = writeScriptModel(freshDir("script_good"), kGoodScript);
    auto restorer = model::Restorer::loadTorchScript(path);
    EXPECT_EQ(restorer->info().kind, "torchscript");
    EXPECT_EQ(restorer->info().depth, 2);
    EXPECT_EQ(restorer->info().experts, 3);
    EXPECT_FALSE(restorer->info().supportsForcedRouting);
    const cv::Mat img = testImage(50, 70);
    model::RestoreOptions options;
    options.tile = 256;
    auto r = restorer->restore(img, options);
    ASSERT_EQ(r.restored.size(), img.size());
    EXPECT_NEAR(
        r.restored.at<cv::Vec3f>(10, 10)[0], img.at<cv::Vec3f>(10, 10)[0] * 0.5f + 0.25f, 1e-6);
    const auto &l = r.trace.layers[0];
    EXPECT_EQ(l.topk[5 * l.topK], 5 % 3); // token 5 went to expert 2
    model::RestoreOptions forced;
    forced.forcedExpert = 0;
    EXPECT_THROW(restorer->restore(img, forced), model::ModelError);
}

TEST(TorchScript, AModuleWithTheWrongOutputsIsRefusedWithTheReason) {
    const auto path = writeScriptModel(freshDir("script_bad"), R"(
def forward(self, x):
    return x
)");
    const auto msg = messageOf([&] { model::Restorer::loadTorchScript(path); });
    EXPECT_NE(msg.find("tuple"), std::string::npos) << msg;

    const auto wrongGates = writeScriptModel(freshDir("script_bad_gates"), R"(
def forward(self, x):
    return (x, [torch.zeros(1, 5, 3)])
)");
    const auto msg2 = messageOf([&] { model::Restorer::loadTorchScript(wrongGates); });
    EXPECT_NE(msg2.find("gate tensor has shape"), std::string::npos) << msg2;
}

TEST(TorchScript, NonScriptFilesAreRefused) {
    const auto dir = freshDir("script_junk");
    writeFileAtomically(dir / "junk.pt", "this is not a zip archive");
    EXPECT_NE(messageOf([&] {
                  model::Restorer::loadTorchScript(dir / "junk.pt");
              }).find("not a readable TorchScript"),
              std::string::npos);
}
