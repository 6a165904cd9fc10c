// The closed-form gradients and Hessians of all six problems against LibTorch autograd
// (double backward) on random instances and random points.

#include "regression/instance.h"
#include "regression/problem.h"
#include "torch_losses.h"

#include <gtest/gtest.h>

#include <random>

using namespace mowe::regression;
using namespace mowe::regression::test;

namespace {

/// Two independent double-precision evaluations of the same formula: rounding-level agreement.
constexpr double kAutogradRelTol = 1e-10;

double relError(const Matrix &got, const Matrix &want) {
    return (got - want).norm() / std::max(want.norm(), 1e-300);
}

Vector randomPoint(Index p, std::uint64_t seed, double scale) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, scale / std::sqrt(static_cast<double>(p)));
    Vector v(p);
    for (Index i = 0; i < p; ++i)
        v[i] = normal(rng);
    return v;
}

class Autograd : public testing::TestWithParam<ProblemKind> {};

} // namespace

TEST_P(Autograd, GradientAndHessianMatchDoubleBackward) {
    const bool matrix = isMatrixProblem(GetParam());
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        GenerateOptions o;
        o.kind = GetParam();
        o.n = matrix ? 6 : 25;
        o.d = matrix ? 3 : 5;
        o.seed = seed;
        o.w = 0.3; // exercise the regulariser for every problem
        const Instance inst = generateInstance(o);
        const auto problem = makeProblem(inst);
        const TorchLoss torchLoss(inst);
        for (const Vector &x : {inst.x, randomPoint(problem->dimension(), seed + 10, 1.5)}) {
            if (!problem->loss(x).ok())
                continue;
            const auto [g, H] = torchLoss.derivatives(x);
            EXPECT_LE(relError(problem->gradient(x), g), kAutogradRelTol)
                << problemName(GetParam()) << " seed " << seed;
            EXPECT_LE(relError(problem->hessian(x), H), kAutogradRelTol)
                << problemName(GetParam()) << " seed " << seed;
            torch::Tensor xt = toTorch(x);
            EXPECT_NEAR(problem->loss(x).total,
                        torchLoss(xt).item<double>(),
                        kAutogradRelTol * problem->loss(x).total);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(AllProblems,
                         Autograd,
                         testing::ValuesIn(allProblemKinds()),
                         [](const auto &info) { return std::string(problemName(info.param)); });
