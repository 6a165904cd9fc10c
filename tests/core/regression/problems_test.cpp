// Every problem's gradient, Hessian, Hessian-vector product and Hessian split against central
// finite differences and against each other, at several points and scales; the matrix problems
// against their explicit vectorised form (𝔄 = A₁ ⊗ A₂ formed); the identities of the spec.

#include "regression/link.h"
#include "regression/problems.h"
#include "test_support.h"

#include <Eigen/SVD>
#include <gtest/gtest.h>

using namespace mowe::regression;
using namespace mowe::regression::test;

namespace {

// A regulariser for every problem, so no test point is stationary by construction (the
// generator's planted point is, for relu_normalized whose default w is 0).
constexpr double kTestW = 0.3;

struct Case {
    ProblemKind kind;
    Index n, d;
};

std::string caseName(const testing::TestParamInfo<Case> &info) {
    return std::string(problemName(info.param.kind)) + "_n" + std::to_string(info.param.n) + "_d" +
           std::to_string(info.param.d);
}

// Points where finite differences are meaningful: away from the ReLU kinks, where the
// function is smooth within the stencil (the Hessian jumps across a kink).
std::vector<Vector> testPoints(const Problem &p, const Instance &inst) {
    std::vector<Vector> points{inst.x, *inst.planted};
    const double unit = 1.0 / std::sqrt(static_cast<double>(p.dimension()));
    std::uint64_t seed = 100;
    for (const double scale : {0.3, 1.0, 3.0}) {
        for (int attempt = 0; attempt < 50; ++attempt) {
            const Vector x = randomVector(p.dimension(), seed++, scale * unit);
            if (!p.loss(x).ok())
                continue;
            if (hasRelu(p.kind()) && p.logits(x).cwiseAbs().minCoeff() < 0.05)
                continue;
            points.push_back(x);
            break;
        }
    }
    if (hasRelu(p.kind()))
        std::erase_if(points, [&](const Vector &x) {
            return !p.loss(x).ok() || p.logits(x).cwiseAbs().minCoeff() < 0.05;
        });
    return points;
}

class ProblemDerivatives : public testing::TestWithParam<Case> {};

} // namespace

TEST_P(ProblemDerivatives, GradientMatchesCentralDifferences) {
    const auto inst = generated(GetParam().kind, GetParam().n, GetParam().d, 7, kTestW);
    const auto p = makeProblem(inst);
    const auto points = testPoints(*p, inst);
    ASSERT_GE(points.size(), 3u);
    for (const Vector &x : points) {
        const Vector g = p->gradient(x);
        EXPECT_LE(relError(g, fdGradient(*p, x, 1e-3)), kDerivativeRelTol)
            << "at |x| = " << x.norm();
    }
}

TEST_P(ProblemDerivatives, HessianMatchesCentralDifferencesOfGradient) {
    const auto inst = generated(GetParam().kind, GetParam().n, GetParam().d, 8, kTestW);
    const auto p = makeProblem(inst);
    for (const Vector &x : testPoints(*p, inst)) {
        const Matrix H = p->hessian(x);
        EXPECT_LE(relError(H, fdHessian(*p, x, 1e-3)), kDerivativeRelTol)
            << "at |x| = " << x.norm();
        EXPECT_LE(relError(H, H.transpose()), kIdentityRelTol);
    }
}

TEST_P(ProblemDerivatives, HessianVectorProductAndSplitAgreeWithDenseHessian) {
    const auto inst = generated(GetParam().kind, GetParam().n, GetParam().d, 9, kTestW);
    const auto p = makeProblem(inst);
    for (const Vector &x : testPoints(*p, inst)) {
        const Matrix H = p->hessian(x);
        const Vector v = randomVector(p->dimension(), 5);
        EXPECT_LE(relError(p->hessianVector(x, v), H * v), kIdentityRelTol)
            << "Hv " << (H * v).transpose() << "\nhvp " << p->hessianVector(x, v).transpose();
        const HessianSplit s = p->split(x);
        EXPECT_LE(relError(p->designGram(s.diagonal) + s.lowRank, H), kIdentityRelTol);
        // The low-rank part has rank ≤ 2 per segment: for a single problem, rank ≤ 2 overall.
        if (!isMatrixProblem(p->kind()) && p->dimension() > 2) {
            Eigen::JacobiSVD<Matrix> svd(s.lowRank);
            EXPECT_LE(svd.singularValues()[2], 1e-12 * std::max(1.0, svd.singularValues()[0]));
        }
    }
}

INSTANTIATE_TEST_SUITE_P(AllProblems,
                         ProblemDerivatives,
                         testing::Values(Case{ProblemKind::SoftmaxNormalized, 12, 4},
                                         Case{ProblemKind::SoftmaxNormalized, 40, 7},
                                         Case{ProblemKind::SoftmaxRescaled, 12, 4},
                                         Case{ProblemKind::SoftmaxRescaled, 30, 6},
                                         Case{ProblemKind::SoftmaxRelu, 12, 4},
                                         Case{ProblemKind::SoftmaxRelu, 30, 6},
                                         Case{ProblemKind::ReluNormalized, 12, 4},
                                         Case{ProblemKind::ReluNormalized, 30, 6},
                                         Case{ProblemKind::MatrixNormalized, 5, 3},
                                         Case{ProblemKind::MatrixNormalized, 8, 2},
                                         Case{ProblemKind::MatrixRescaled, 5, 3},
                                         Case{ProblemKind::MatrixRescaled, 7, 2}),
                         caseName);

namespace {

// The matrix problem as the spec's sum of single problems over the rows of Z, with 𝔄 formed.
struct ExplicitMatrix {
    std::vector<SingleProblem> rows;
};

ExplicitMatrix explicitForm(const Instance &inst) {
    const Matrix big = explicitKronecker(inst.A1, inst.A2);
    const Index n = inst.A1.rows();
    const ProblemKind single = inst.kind == ProblemKind::MatrixNormalized
                                   ? ProblemKind::SoftmaxNormalized
                                   : ProblemKind::SoftmaxRescaled;
    ExplicitMatrix e;
    for (Index j = 0; j < n; ++j)
        e.rows.emplace_back(
            single, big.middleRows(j * n, n), inst.B.row(j).transpose(), inst.W.row(j).transpose());
    return e;
}

} // namespace

class MatrixVsExplicit : public testing::TestWithParam<ProblemKind> {};

TEST_P(MatrixVsExplicit, EachRowOfZIsASingleProblemWithTheKroneckerRows) {
    const auto inst = generated(GetParam(), 6, 3, 21);
    const auto p = makeProblem(inst);
    const ExplicitMatrix e = explicitForm(inst);
    for (const Vector &x : {inst.x, Vector(randomVector(9, 3, 0.4))}) {
        double loss = 0;
        Vector grad = Vector::Zero(9);
        Matrix hess = Matrix::Zero(9, 9);
        for (const auto &row : e.rows) {
            loss += row.loss(x).total;
            grad += row.gradient(x);
            hess += row.hessian(x);
        }
        EXPECT_NEAR(p->loss(x).total, loss, kIdentityRelTol * std::abs(loss));
        EXPECT_LE(relError(p->gradient(x), grad), kIdentityRelTol);
        EXPECT_LE(relError(p->hessian(x), hess), kIdentityRelTol);
    }
}

TEST_P(MatrixVsExplicit, LogitsUseTheRowMajorVecOfX) {
    const auto inst = generated(GetParam(), 4, 3, 22);
    const auto p = makeProblem(inst);
    const Vector x = randomVector(9, 4);
    RowMatrix X(3, 3);
    for (Index i = 0; i < 9; ++i)
        X.data()[i] = x[i]; // row-major: x[i·d + l] = X[i,l]
    const Matrix Z = inst.A1 * Matrix(X) * inst.A2.transpose();
    const Vector z = p->logits(x);
    for (Index j = 0; j < 4; ++j)
        for (Index k = 0; k < 4; ++k)
            EXPECT_NEAR(z[j * 4 + k], Z(j, k), 1e-13);
    EXPECT_LE(relError(explicitKronecker(inst.A1, inst.A2) * x, z), kIdentityRelTol);
    Vector row(9);
    p->designRow(2 * 4 + 1, row);
    EXPECT_LE(relError(row, explicitKronecker(inst.A1, inst.A2).row(9).transpose()),
              kIdentityRelTol);
}

INSTANTIATE_TEST_SUITE_P(BothMatrixProblems,
                         MatrixVsExplicit,
                         testing::Values(ProblemKind::MatrixNormalized,
                                         ProblemKind::MatrixRescaled),
                         [](const auto &info) { return std::string(problemName(info.param)); });

TEST(ProblemIdentities, RescaledDataTermIsAlphaSquaredTimesNormalized) {
    const auto inst = generated(ProblemKind::SoftmaxNormalized, 15, 4, 3);
    const SingleProblem normalized(ProblemKind::SoftmaxNormalized, inst.A, inst.b, inst.w);
    const SingleProblem rescaled(ProblemKind::SoftmaxRescaled, inst.A, inst.b, inst.w);
    for (const Vector &x : {inst.x, Vector(randomVector(4, 1, 0.7))}) {
        const double alpha = (inst.A * x).array().exp().sum();
        EXPECT_NEAR(rescaled.loss(x).data,
                    alpha * alpha * normalized.loss(x).data,
                    kIdentityRelTol * rescaled.loss(x).data);
        EXPECT_DOUBLE_EQ(rescaled.loss(x).reg, normalized.loss(x).reg);
    }
}

TEST(ProblemIdentities, LossHasTheHalfFactors) {
    // n = 2, d = 1, A = [1; 0], x = log 3: f = (3/4, 1/4); b = (1/2, 1/2); w = (2, 0).
    Matrix A(2, 1);
    A << 1, 0;
    const SingleProblem p(ProblemKind::SoftmaxNormalized,
                          A,
                          Vector::Constant(2, 0.5),
                          Vector((Vector(2) << 2.0, 0.0).finished()));
    const Vector x = Vector::Constant(1, std::log(3.0));
    const LossValue l = p.loss(x);
    EXPECT_NEAR(l.data, 0.5 * (0.25 * 0.25 + 0.25 * 0.25), 1e-15);
    EXPECT_NEAR(l.reg, 0.5 * 4.0 * std::log(3.0) * std::log(3.0), 1e-15);
}

TEST(ProblemIdentities, NormalizedSoftmaxIsShiftSafeForHugeLogits) {
    // Logits of 1e4 would overflow a plain exp; the max shift keeps the value exact.
    Matrix A(3, 1);
    A << 1, 2, 3;
    const SingleProblem p(ProblemKind::SoftmaxNormalized, A, Vector::Constant(3, 1.0 / 3));
    const LossValue l = p.loss(Vector::Constant(1, 5000.0));
    ASSERT_TRUE(l.ok());
    // f = (0, 0, 1) to double precision: ½(1/9 + 1/9 + 4/9).
    EXPECT_NEAR(l.data, 0.5 * (6.0 / 9.0), 1e-15);
    EXPECT_TRUE(p.gradient(Vector::Constant(1, 5000.0)).allFinite());
}

TEST(ProblemIdentities, SoftmaxReluAtZeroIsStationaryOnlyByConvention) {
    const auto inst = generated(ProblemKind::SoftmaxRelu, 10, 3, 4);
    const auto p = makeProblem(inst);
    const Vector zero = Vector::Zero(3);
    EXPECT_EQ(p->gradient(zero).norm(), 0.0);
    EXPECT_GT(p->gradientOtherSide(zero).norm(), 1e-3);
    EXPECT_EQ(p->kinks(zero, 1e-12).size(), 10u);
    EXPECT_TRUE(p->activeSet(zero).empty());
}

TEST(ProblemIdentities, ReluNormalizedIsUndefinedWhenEveryUnitIsInactive) {
    const auto inst = generated(ProblemKind::ReluNormalized, 10, 3, 4);
    const auto p = makeProblem(inst);
    const LossValue l = p->loss(Vector::Zero(3));
    EXPECT_EQ(l.status, EvalStatus::Undefined);
    EXPECT_NE(l.message.find("σ"), std::string::npos);
    EXPECT_EQ(l.total, 0.0);
    try {
        p->gradient(Vector::Zero(3));
        FAIL() << "expected EvaluationError";
    } catch (const EvaluationError &e) {
        EXPECT_EQ(e.status(), EvalStatus::Undefined);
    }
}

TEST(ProblemIdentities, RescaledOverflowIsAStatusNotInfinity) {
    Matrix A(2, 1);
    A << 1, -1;
    const SingleProblem p(ProblemKind::SoftmaxRescaled, A, Vector::Constant(2, 0.5));
    const LossValue far = p.loss(Vector::Constant(1, 800.0));
    EXPECT_EQ(far.status, EvalStatus::Overflow);
    EXPECT_NE(far.message.find("800"), std::string::npos);
    // exp(400) is finite but its square, which the loss needs, is not.
    EXPECT_EQ(p.loss(Vector::Constant(1, 400.0)).status, EvalStatus::Overflow);
    EXPECT_THROW(p.hessian(Vector::Constant(1, 400.0)), EvaluationError);
    EXPECT_TRUE(p.loss(Vector::Constant(1, 300.0)).ok());
}
