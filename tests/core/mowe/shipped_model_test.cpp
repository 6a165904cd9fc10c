// The model that ships: it loads, and a subset evaluation reproduces the figures its model card
// (resources/models/README.md, and model.json's "eval_subset") states.
#include "fixtures.h"

#include "common/resources.h"
#include "mowe/dataset.h"
#include "mowe/evaluate.h"

#include <gtest/gtest.h>

using namespace mowe;
namespace fs = std::filesystem;

namespace {

constexpr double kPsnrTolDb = 0.05; ///< same code, same seed: only float summation order differs

fs::path shipped() {
    return fs::path(MOWE_REPO_ROOT) / "resources" / "models" / "mowe-small";
}

} // namespace

TEST(ShippedModel, LoadsWithItsRecordedArchitecture) {
    if (!fs::exists(shipped() / "model.json"))
        GTEST_SKIP() << "no shipped model in this checkout";
    auto r = model::Restorer::load(shipped());
    EXPECT_EQ(r->info().experts, 4);
    EXPECT_EQ(r->info().depth, 2);
    EXPECT_LT(fs::file_size(shipped() / "weights.pt"), 10u << 20);
}

TEST(ShippedModel, SubsetEvaluationReproducesTheModelCard) {
    if (!fs::exists(shipped() / "model.json"))
        GTEST_SKIP() << "no shipped model in this checkout";
    auto r = model::Restorer::load(shipped());
    const auto &card = r->info().config.at("metrics").at("eval_subset");
    model::EvalOptions options;
    options.seed = card.at("seed").get<std::uint64_t>();
    options.maxSide = card.at("max_side").get<int>();
    options.maxPhotos = card.at("photos").get<int>();
    options.perception = false;
    options.baselines = false;
    for (const auto &w : card.at("weathers"))
        options.weathers.push_back(weather::parseWeatherSpec(w.get<std::string>()));
    const fs::path root = MOWE_REPO_ROOT;
    const auto split = model::splitPhotos(root / "data" / "clean",
                                          model::readValidationList(root / "data" / "split.json"));
    const auto report = model::evaluate(*r, split.validation, options);
    EXPECT_NEAR(report["overall"]["psnr_input"].get<double>(),
                card.at("psnr_input").get<double>(),
                kPsnrTolDb);
    EXPECT_NEAR(report["overall"]["psnr_output"].get<double>(),
                card.at("psnr_output").get<double>(),
                kPsnrTolDb);
}
