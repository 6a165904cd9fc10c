// The network itself: shapes, gates, forced routing by hand, sparse = dense, sizes.
#include "fixtures.h"

#include <gtest/gtest.h>

using namespace mowe;
using namespace mowe::test;

TEST(Network, GatesSumToOneWithExactlyKNonZerosPerToken) {
    auto net = tinyNet();
    torch::NoGradGuard noGrad;
    auto r = net->forward(torch::rand({2, 3, 32, 48}));
    ASSERT_EQ(r.layers.size(), 2u);
    for (const auto &l : r.layers) {
        ASSERT_EQ(l.gates.sizes(), (std::vector<int64_t>{2, 4 * 6, 4}));
        EXPECT_TRUE(torch::allclose(l.gates.sum(-1), torch::ones({2, 24}), 1e-6, 1e-6));
        EXPECT_TRUE((l.gates > 0).sum(-1).eq(2).all().item<bool>());
        EXPECT_TRUE(torch::allclose(l.probs.sum(-1), torch::ones({2, 24}), 1e-6, 1e-6));
        EXPECT_EQ(l.weather.size(-1), 8);
        EXPECT_TRUE(torch::allclose(l.weather.norm(2, -1), torch::ones({2, 24}), 1e-5, 1e-5));
    }
}

TEST(Network, TopKGatesAreTheRenormalisedLargestProbabilities) {
    auto net = tinyNet();
    torch::NoGradGuard noGrad;
    auto l = net->forward(torch::rand({1, 3, 16, 16})).layers[0];
    auto top = l.probs.topk(2, -1);
    auto expected = std::get<0>(top) / std::get<0>(top).sum(-1, true);
    auto picked = l.gates.gather(-1, std::get<1>(top));
    EXPECT_TRUE(torch::allclose(picked, expected, 1e-6, 1e-6));
}

TEST(Network, ForcedRoutingEqualsTheExpertAppliedByHand) {
    auto options = tinyOptions();
    options.depth = 1;
    auto net = tinyNet(3, options);
    torch::NoGradGuard noGrad;
    auto x = torch::rand({1, 3, 24, 32});
    const int gridH = 3, gridW = 4;
    for (int e = 0; e < options.experts; ++e) {
        model::ForwardControl control;
        control.forcedExpert = e;
        control.forcedLayer = 0;
        auto forced = net->forward(x, control).image;

        auto tokens = net->embedTokens(x);
        auto &layer = net->layer(0);
        auto h = layer.attend(tokens);
        auto out = h + layer.expert(e).forward(layer.expertNorm(e).forward(h), gridH, gridW);
        auto manual = net->decode(out, x, gridH, gridW);
        EXPECT_TRUE(torch::allclose(forced, manual, kFloatTol, kFloatTol)) << "expert " << e;
    }
}

TEST(Network, ForcedRoutingOfDifferentExpertsGivesDifferentImages) {
    auto net = tinyNet();
    torch::NoGradGuard noGrad;
    auto x = torch::rand({1, 3, 32, 32});
    model::ForwardControl c0, c3;
    c0.forcedExpert = 0;
    c3.forcedExpert = 3;
    EXPECT_GT((net->forward(x, c0).image - net->forward(x, c3).image).abs().max().item<float>(),
              1e-4);
}

TEST(Network, SparseDispatchEqualsDenseEvaluation) {
    auto net = tinyNet();
    torch::NoGradGuard noGrad;
    auto x = torch::rand({2, 3, 40, 24});
    model::ForwardControl sparse, dense;
    sparse.sparse = true;
    dense.sparse = false;
    auto a = net->forward(x, sparse), b = net->forward(x, dense);
    EXPECT_TRUE(torch::allclose(a.image, b.image, kFloatTol, kFloatTol));
    for (std::size_t l = 0; l < a.layers.size(); ++l)
        EXPECT_TRUE(
            torch::allclose(a.layers[l].contribution, b.layers[l].contribution, 1e-4, 1e-5));
}

TEST(Network, ContributionIsZeroExactlyForUnroutedExperts) {
    auto net = tinyNet();
    torch::NoGradGuard noGrad;
    auto l = net->forward(torch::rand({1, 3, 32, 32})).layers[1];
    EXPECT_TRUE(l.contribution.masked_select(l.gates == 0).eq(0).all().item<bool>());
    EXPECT_TRUE(l.contribution.masked_select(l.gates > 0).gt(0).all().item<bool>());
}

TEST(Network, RejectsSizesThatAreNotPatchMultiplesWithTheShapeInTheMessage) {
    auto net = tinyNet();
    torch::NoGradGuard noGrad;
    try {
        net->forward(torch::rand({1, 3, 30, 32}));
        FAIL() << "expected an error";
    } catch (const c10::Error &e) {
        EXPECT_NE(std::string(e.what()).find("[1, 3, 30, 32]"), std::string::npos);
    }
}

TEST(Network, IdentityAtInitialisationWithGlobalResidual) {
    torch::manual_seed(1);
    model::MoweNet net(tinyOptions());
    torch::NoGradGuard noGrad;
    auto x = torch::rand({1, 3, 16, 16});
    EXPECT_TRUE(torch::equal(net->forward(x).image, x));
}

TEST(Network, SmallAndPaperConfigurationsBuildAndRun) {
    torch::NoGradGuard noGrad;
    model::MoweNet small(model::MoweOptions::small());
    EXPECT_NEAR(static_cast<double>(small->parameterCount()), 0.95e6, 0.15e6);
    model::MoweNet paper(model::MoweOptions::paper());
    EXPECT_NEAR(static_cast<double>(paper->parameterCount()), 16e6, 3e6);
    auto out = paper->forward(torch::rand({1, 3, 32, 40}));
    EXPECT_EQ(out.image.sizes(), (std::vector<int64_t>{1, 3, 32, 40}));
    EXPECT_GE(out.image.min().item<float>(), 0.0f); // sigmoid output without a global residual
    EXPECT_LE(out.image.max().item<float>(), 1.0f);
}

TEST(Network, EveryRouterKindRuns) {
    torch::NoGradGuard noGrad;
    for (auto kind : {model::RouterKind::Weather,
                      model::RouterKind::WeatherContent,
                      model::RouterKind::Linear}) {
        auto o = tinyOptions();
        o.router = kind;
        model::MoweNet net(o);
        auto r = net->forward(torch::rand({1, 3, 16, 24}));
        EXPECT_EQ(r.layers[0].gates.size(1), 6) << model::toString(kind);
        EXPECT_EQ(r.layers[0].weather.defined(), kind != model::RouterKind::Linear);
    }
}

TEST(Options, JsonRoundTripAndValidation) {
    auto o = model::MoweOptions::paper();
    nlohmann::json j = o;
    auto back = j.get<model::MoweOptions>();
    EXPECT_EQ(back.width, 384);
    EXPECT_EQ(back.expertKernels, o.expertKernels);
    EXPECT_FALSE(back.globalResidual);

    j["heads"] = 5; // does not divide 384
    EXPECT_THROW(j.get<model::MoweOptions>(), std::invalid_argument);
    nlohmann::json unknown = {{"widht", 96}};
    try {
        unknown.get<model::MoweOptions>();
        FAIL();
    } catch (const std::invalid_argument &e) {
        EXPECT_NE(std::string(e.what()).find("widht"), std::string::npos);
    }
    EXPECT_EQ(model::MoweOptions::small().expertLabel(2), "E2 5\u00d75");
}
