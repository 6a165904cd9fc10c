// The in-context response of the matrix attention regression (regression/context.h): the
// derivatives of the loss, its gradient and the minimiser with respect to the data A₁, A₂, B
// against central differences; the sweep's first-order agreement for small ‖Δ‖; X* after a
// perturbation against a Newton solve from scratch; the gradient-step branch against one
// explicit step; and the stops of ill-posed sweeps.

#include "regression/context.h"
#include "regression/solvers.h"
#include "test_support.h"

#include <Eigen/Eigenvalues>
#include <gtest/gtest.h>

using namespace mowe::regression;
using namespace mowe::regression::test;

namespace {

/// Issue 9: the measured response within 1e-5 relative error of the first-order prediction.
constexpr double kContextRelTol = 1e-5;
/// The warm-started and the from-scratch minimiser agree to Newton's own accuracy.
constexpr double kMinimiserAgreement = 1e-9;
/// Finite-difference step along a unit data direction (Richardson, error O(h⁴)).
constexpr double kDataStep = 1e-3;

struct Case {
    ProblemKind kind;
    Index n, d;
};

std::string caseName(const testing::TestParamInfo<Case> &info) {
    return std::string(problemName(info.param.kind)) + "_n" + std::to_string(info.param.n) + "_d" +
           std::to_string(info.param.d);
}

std::unique_ptr<MatrixProblem> matrixProblem(const Instance &inst) {
    return std::make_unique<MatrixProblem>(inst.kind, inst.A1, inst.A2, inst.B, inst.W);
}

// A direction that moves every piece of data at once (B's rows keep summing to 1).
DataDirection mixedDirection(const MatrixProblem &p, std::uint64_t seed) {
    DataDirection all;
    all.A1 = contextDirection(p, ContextBranch::A1, seed).A1;
    all.A2 = contextDirection(p, ContextBranch::A2, seed).A2;
    all.B = contextDirection(p, ContextBranch::B, seed).B;
    return all;
}

std::vector<DataDirection> directions(const MatrixProblem &p) {
    std::vector<DataDirection> out;
    for (const ContextBranch b : {ContextBranch::A1, ContextBranch::A2, ContextBranch::B})
        out.push_back(contextDirection(p, b, 3));
    out.push_back(mixedDirection(p, 4));
    return out;
}

std::string describe(const DataDirection &dir) {
    std::string s;
    if (dir.A1.size())
        s += "A1 ";
    if (dir.A2.size())
        s += "A2 ";
    if (dir.B.size())
        s += "B";
    return s;
}

class ContextDerivatives : public testing::TestWithParam<Case> {};

} // namespace

TEST_P(ContextDerivatives, LossDataDerivativeMatchesCentralDifferences) {
    const Instance inst = generated(GetParam().kind, GetParam().n, GetParam().d, 11);
    const auto p = matrixProblem(inst);
    // Not the planted point: there B is the model's own output, c = 0 and ∂L/∂B vanishes.
    const Vector off = *inst.planted + randomVector(p->dimension(), 5, 0.2);
    for (const Vector &x : {inst.x, off}) {
        for (const DataDirection &dir : directions(*p)) {
            const auto f = [&](const Vector &t) {
                return Vector::Constant(1, perturbedProblem(*p, dir, t[0])->loss(x).total);
            };
            const double fd = directional(f, Vector::Zero(1), Vector::Ones(1), kDataStep)[0];
            const double exact = lossDataDirectional(*p, x, dir);
            EXPECT_LE(std::abs(exact - fd) / std::abs(fd), kContextRelTol)
                << describe(dir) << ": exact " << exact << ", fd " << fd;
        }
    }
}

TEST_P(ContextDerivatives, DataGradientMatricesMatchEntrywiseDifferences) {
    // Every entry of ∂L/∂A₁ and ∂L/∂A₂ (and ∂L/∂B for the rescaled problem, whose B need not
    // hold distributions), not only the directions the sweep happens to use.
    const Instance inst = generated(GetParam().kind, GetParam().n, GetParam().d, 12);
    const auto p = matrixProblem(inst);
    const DataGradient g = lossDataGradient(*p, inst.x);
    const auto entrywise = [&](const Matrix &shape, auto makeDir) {
        Matrix fd(shape.rows(), shape.cols());
        for (Index i = 0; i < shape.rows(); ++i)
            for (Index k = 0; k < shape.cols(); ++k) {
                const DataDirection dir = makeDir(i, k);
                const auto f = [&](const Vector &t) {
                    return Vector::Constant(1, perturbedProblem(*p, dir, t[0])->loss(inst.x).total);
                };
                fd(i, k) = directional(f, Vector::Zero(1), Vector::Ones(1), kDataStep)[0];
            }
        return fd;
    };
    const Index n = p->n(), d = p->d();
    const Matrix fdA1 = entrywise(g.A1, [&](Index i, Index k) {
        DataDirection dir;
        dir.A1 = Matrix::Zero(n, d);
        dir.A1(i, k) = 1.0;
        return dir;
    });
    const Matrix fdA2 = entrywise(g.A2, [&](Index i, Index k) {
        DataDirection dir;
        dir.A2 = Matrix::Zero(n, d);
        dir.A2(i, k) = 1.0;
        return dir;
    });
    EXPECT_LE(relError(g.A1, fdA1), kContextRelTol);
    EXPECT_LE(relError(g.A2, fdA2), kContextRelTol);
    if (isRescaled(p->kind())) {
        const Matrix fdB = entrywise(g.B, [&](Index i, Index k) {
            DataDirection dir;
            dir.B = Matrix::Zero(n, n);
            dir.B(i, k) = 1.0;
            return dir;
        });
        EXPECT_LE(relError(g.B, fdB), kContextRelTol);
    }
}

TEST_P(ContextDerivatives, GradientDataDerivativeMatchesCentralDifferences) {
    const Instance inst = generated(GetParam().kind, GetParam().n, GetParam().d, 13);
    const auto p = matrixProblem(inst);
    for (const Vector &x : {inst.x, *inst.planted}) {
        for (const DataDirection &dir : directions(*p)) {
            const auto f = [&](const Vector &t) {
                return perturbedProblem(*p, dir, t[0])->gradient(x);
            };
            const Vector fd = directional(f, Vector::Zero(1), Vector::Ones(1), kDataStep);
            const Vector exact = gradientDataDirectional(*p, x, dir);
            EXPECT_LE(relError(exact, fd), kContextRelTol) << describe(dir);
        }
    }
}

TEST_P(ContextDerivatives, MinimiserDataDerivativeMatchesDifferencesOfNewtonSolves) {
    const Instance inst = generated(GetParam().kind, GetParam().n, GetParam().d, 14);
    const auto p = matrixProblem(inst);
    const MinimiserResult base = findMinimiser(*p, inst.x);
    ASSERT_TRUE(base.x) << base.message;
    for (const DataDirection &dir : directions(*p)) {
        const auto f = [&](const Vector &t) {
            const MinimiserResult m = findMinimiser(*perturbedProblem(*p, dir, t[0]), *base.x);
            EXPECT_TRUE(m.x) << m.message;
            return m.x ? *m.x : Vector(Vector::Zero(p->dimension()));
        };
        const Vector fd = directional(f, Vector::Zero(1), Vector::Ones(1), kDataStep);
        const Vector exact = minimiserDataDirectional(*p, *base.x, dir);
        EXPECT_LE(relError(exact, fd), kContextRelTol) << describe(dir);
    }
}

TEST_P(ContextDerivatives, SmallPerturbationsMatchTheFirstOrderPrediction) {
    const Instance inst = generated(GetParam().kind, GetParam().n, GetParam().d, 15);
    const auto p = matrixProblem(inst);
    ContextOptions o;
    o.points = 4;
    // The first-order remainder is O(‖Δ‖) relative (up to ~200·‖Δ‖ on these instances) and the
    // measured Δ∇ carries the rounding of ∇L, O(ε_mach/‖Δ‖) relative (ΔL is formed without
    // cancellation): sizes from 3e-9 to 1e-8 keep both well below 1e-5.
    o.maxDelta = 1e-8;
    o.maxEta = 1e-8 / p->gradient(inst.x).norm();
    o.decades = 0.5;
    const ContextResponse r = contextResponse(*p, inst.x, o);
    ASSERT_EQ(r.curves.size(), 4u);
    ASSERT_TRUE(r.minimiser) << r.minimiserMessage;
    for (const ContextCurve &c : r.curves) {
        ASSERT_EQ(c.stop, ContextStop::Completed) << c.message;
        ASSERT_EQ(c.points.size(), 4u);
        EXPECT_EQ(c.linearEnd, 4u) << contextBranchName(c.branch);
        for (std::size_t i = 0; i < c.points.size(); ++i) {
            const ContextPoint &pt = c.points[i];
            EXPECT_LE(pt.lossDeviation, kContextRelTol)
                << contextBranchName(c.branch) << " at " << pt.size;
            EXPECT_LE(pt.gradDeviation, kContextRelTol)
                << contextBranchName(c.branch) << " at " << pt.size;
            if (c.branch != ContextBranch::GradientStep) {
                ASSERT_TRUE(pt.minimiserChange && pt.predictedMinimiserChange);
                EXPECT_NEAR(
                    *pt.minimiserChange / *pt.predictedMinimiserChange, 1.0, kContextRelTol);
            }
        }
        // The ratios tend to the first-order slopes.
        EXPECT_NEAR(c.points[0].lossRatio() / c.lossSlope, 1.0, kContextRelTol);
        EXPECT_NEAR(c.points[0].gradRatio() / c.gradSlope, 1.0, kContextRelTol);
    }
}

TEST_P(ContextDerivatives, PerturbedMinimiserAgreesWithNewtonFromScratch) {
    const Instance inst = generated(GetParam().kind, GetParam().n, GetParam().d, 16);
    const auto p = matrixProblem(inst);
    ContextOptions o;
    o.points = 4;
    o.maxDelta = 0.3;
    o.decades = 2;
    o.branches = {ContextBranch::A1, ContextBranch::A2, ContextBranch::B};
    const ContextResponse r = contextResponse(*p, inst.x, o);
    ASSERT_TRUE(r.minimiser);
    for (const ContextCurve &c : r.curves) {
        ASSERT_FALSE(c.points.empty()) << c.message;
        for (const ContextPoint &pt : c.points) {
            const auto P = perturbedProblem(*p, c.direction, pt.parameter);
            // From scratch: X = 0, not the unperturbed X*.
            const MinimiserResult s = findMinimiser(*P, Vector::Zero(p->dimension()));
            ASSERT_TRUE(s.x) << s.message;
            const Vector &scratch = *s.x;
            EXPECT_LE((pt.minimiser - scratch).norm() / std::max(1.0, scratch.norm()),
                      kMinimiserAgreement)
                << contextBranchName(c.branch) << " at ‖Δ‖ = " << pt.parameter;
            EXPECT_GT(pt.lambdaMin, 0.0);
            EXPECT_LE(P->gradient(pt.minimiser).norm(), 1e-10);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(MatrixProblems,
                         ContextDerivatives,
                         testing::Values(Case{ProblemKind::MatrixNormalized, 6, 2},
                                         Case{ProblemKind::MatrixNormalized, 9, 3},
                                         Case{ProblemKind::MatrixRescaled, 6, 2},
                                         Case{ProblemKind::MatrixRescaled, 9, 3}),
                         caseName);

TEST(ContextResponse, GradientStepBranchEqualsOneExplicitStep) {
    const Instance inst = generated(ProblemKind::MatrixNormalized, 8, 3, 21);
    const auto p = matrixProblem(inst);
    ContextOptions o;
    o.points = 5;
    o.maxEta = 0.5;
    o.branches = {ContextBranch::GradientStep};
    const ContextResponse r = contextResponse(*p, inst.x, o);
    ASSERT_EQ(r.curves.size(), 1u);
    const ContextCurve &c = r.curves[0];
    ASSERT_EQ(c.points.size(), 5u);
    const double L0 = p->loss(inst.x).total;
    const Vector g0 = p->gradient(inst.x);
    EXPECT_DOUBLE_EQ(c.points.back().parameter, 0.5);
    for (const ContextPoint &pt : c.points) {
        const Vector step = inst.x - pt.parameter * g0;
        EXPECT_EQ(pt.stepped, step);
        // ΔL is formed without cancellation; the plain difference agrees to its rounding.
        EXPECT_NEAR(pt.lossChange, p->loss(step).total - L0, 1e-13 * std::max(1.0, L0));
        EXPECT_DOUBLE_EQ(pt.gradChange, (p->gradient(step) - g0).norm());
        EXPECT_DOUBLE_EQ(pt.size, pt.parameter * g0.norm());
        EXPECT_DOUBLE_EQ(pt.predictedLossChange, -pt.parameter * g0.squaredNorm());
        EXPECT_FALSE(pt.minimiserChange);
    }
}

TEST(ContextResponse, DefaultEtaSweepEndsAtTheStabilityLimit) {
    const Instance inst = generated(ProblemKind::MatrixRescaled, 8, 2, 22);
    const auto p = matrixProblem(inst);
    ContextOptions o;
    o.points = 3;
    o.branches = {ContextBranch::GradientStep};
    const ContextResponse r = contextResponse(*p, inst.x, o);
    const double lambdaMax =
        p->hessian(inst.x).selfadjointView<Eigen::Lower>().eigenvalues().maxCoeff();
    EXPECT_NEAR(r.maxEta * lambdaMax, 2.0, 1e-10);
}

TEST(ContextResponse, RescaledSweepStopsWhereExpOverflows) {
    const Instance inst = generated(ProblemKind::MatrixRescaled, 8, 3, 23);
    const auto p = matrixProblem(inst);
    ContextOptions o;
    o.points = 40;
    o.maxDelta = 1e4; // A₁ + Δ with ‖Δ‖ = 10⁴ puts logits far past log(DBL_MAX)
    o.decades = 6;
    o.branches = {ContextBranch::A1};
    const ContextResponse r = contextResponse(*p, inst.x, o);
    const ContextCurve &c = r.curves.at(0);
    ASSERT_NE(c.stop, ContextStop::Completed);
    // Either exp overflows at X itself, or first the perturbed minimiser is lost.
    EXPECT_TRUE(c.stop == ContextStop::Overflow || c.stop == ContextStop::NotDefinite ||
                c.stop == ContextStop::NewtonFailed)
        << contextStopName(c.stop) << ": " << c.message;
    EXPECT_GT(c.points.size(), 5u);
    EXPECT_LT(c.points.size(), 40u);
    EXPECT_GT(c.stopParameter, c.points.back().parameter);
    EXPECT_NE(c.message.find("at ‖Δ_A1‖ = "), std::string::npos) << c.message;
    for (const ContextPoint &pt : c.points) {
        EXPECT_TRUE(std::isfinite(pt.lossChange));
        EXPECT_TRUE(std::isfinite(pt.gradChange));
    }
    // Without the minimiser the loss itself overflows further on: the gradient-free curve.
    const auto big = perturbedProblem(*p, c.direction, 1e4);
    EXPECT_EQ(big->loss(inst.x).status, EvalStatus::Overflow);
}

TEST(ContextResponse, BSweepStopsBeforeAnEntryOfBTurnsNegative) {
    const Instance inst = generated(ProblemKind::MatrixNormalized, 8, 2, 24);
    const auto p = matrixProblem(inst);
    ContextOptions o;
    o.points = 30;
    o.maxDelta = 10.0; // rows of B have norm ≤ 1: this must leave the simplex
    o.decades = 4;
    o.branches = {ContextBranch::B};
    const ContextResponse r = contextResponse(*p, inst.x, o);
    const ContextCurve &c = r.curves.at(0);
    EXPECT_EQ(c.stop, ContextStop::NegativeTarget) << c.message;
    ASSERT_FALSE(c.points.empty());
    const Matrix B = targetMatrix(*p);
    EXPECT_GE((B + c.points.back().parameter * c.direction.B).minCoeff(), 0.0);
    EXPECT_LT((B + c.stopParameter * c.direction.B).minCoeff(), 0.0);
    // The direction keeps every row's sum: the perturbed rows are still distributions.
    EXPECT_LE(c.direction.B.rowwise().sum().cwiseAbs().maxCoeff(), 1e-15);
    EXPECT_NEAR(c.direction.norm(), 1.0, 1e-15);
}

TEST(ContextResponse, IndefiniteMinimiserStopsTheCurveWithTheReason) {
    // Without a regulariser the normalized problem's Hessian at the minimiser is only
    // semidefinite when d² exceeds what the n×n softmax rows can pin down (softmax ignores a
    // constant shift per row); here n = 2, d = 3: 9 parameters, 2 effective logits per row.
    const Instance inst = generated(ProblemKind::MatrixNormalized, 2, 3, 25, 0.0);
    const auto p = matrixProblem(inst);
    ContextOptions o;
    o.points = 4;
    o.branches = {ContextBranch::A1};
    const ContextResponse r = contextResponse(*p, inst.x, o);
    EXPECT_FALSE(r.minimiser);
    EXPECT_FALSE(r.minimiserMessage.empty());
    // The loss and gradient responses are still drawn; X* has none.
    const ContextCurve &c = r.curves.at(0);
    EXPECT_EQ(c.points.size(), 4u);
    for (const ContextPoint &pt : c.points)
        EXPECT_FALSE(pt.minimiserChange);
    EXPECT_FALSE(c.minimiserSlope);
}

TEST(ContextResponse, CsvHasOneRowPerPointAndTheStops) {
    const Instance inst = generated(ProblemKind::MatrixNormalized, 6, 2, 26);
    const auto p = matrixProblem(inst);
    ContextOptions o;
    o.points = 3;
    const ContextResponse r = contextResponse(*p, inst.x, o);
    const std::string csv = contextCsv(r);
    std::size_t rows = 0;
    for (const char ch : csv)
        rows += ch == '\n';
    EXPECT_EQ(rows, 1u + 12u);
    EXPECT_EQ(csv.find("nan"), std::string::npos);
    EXPECT_NE(csv.find("\nA2,"), std::string::npos);
}

TEST(ContextResponse, BadOptionsAreProgrammerErrors) {
    const Instance inst = generated(ProblemKind::MatrixNormalized, 6, 2, 27);
    const auto p = matrixProblem(inst);
    ContextOptions o;
    o.points = 1;
    EXPECT_THROW(contextResponse(*p, inst.x, o), std::invalid_argument);
    o.points = 3;
    o.maxDelta = 0.0;
    EXPECT_THROW(contextResponse(*p, inst.x, o), std::invalid_argument);
}

TEST(ContextResponse, TooLargeAProblemIsRefusedWithTheLimit) {
    const Instance inst = generated(ProblemKind::MatrixNormalized, 3, 41, 28);
    const auto p = matrixProblem(inst);
    try {
        contextResponse(*p, inst.x, ContextOptions{});
        FAIL() << "a d = 41 problem was accepted";
    } catch (const InvalidInput &e) {
        EXPECT_NE(std::string(e.what()).find("d ≤ 40"), std::string::npos) << e.what();
    }
}
