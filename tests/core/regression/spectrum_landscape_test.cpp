// Spectra (dense, Lanczos, SLQ, Hessian-Lipschitz) and landscapes (affine-slice evaluation,
// projections, non-finite marking, cancellation, progress).

#include "regression/landscape.h"
#include "regression/problems.h"
#include "regression/solvers.h"
#include "regression/spectrum.h"
#include "test_support.h"

#include <Eigen/QR>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

using namespace mowe::regression;
using namespace mowe::regression::test;

namespace {

/// Lanczos with full reorthogonalisation on these small operators is exact to rounding.
constexpr double kEigenRelTol = 1e-8;
/// A grid point must equal the direct loss evaluation up to the rounding of the affine sum.
constexpr double kLandscapeRelTol = 1e-11;

} // namespace

TEST(Spectrum, DenseSpectrumOfAKnownMatrix) {
    const Vector values = (Vector(4) << 3.0, -1.0, 2.0, 0.5).finished();
    Eigen::HouseholderQR<Matrix> qr(Matrix(randomVector(16, 3).reshaped(4, 4)));
    const Matrix Q = qr.householderQ();
    const Matrix H = Q * values.asDiagonal() * Q.transpose();
    const DenseSpectrum s = denseSpectrum(H, true);
    EXPECT_NEAR(s.eigenvalues[0], -1.0, 1e-13);
    EXPECT_NEAR(s.eigenvalues[3], 3.0, 1e-13);
    EXPECT_TRUE(std::is_sorted(s.eigenvalues.data(), s.eigenvalues.data() + 4));
    EXPECT_FALSE(s.positiveSemidefinite);
    ASSERT_TRUE(s.condition.has_value());
    EXPECT_NEAR(*s.condition, 6.0, 1e-12);
    EXPECT_THROW(denseSpectrum(Matrix(2, 3)), InvalidInput);
}

TEST(Spectrum, LanczosExtremePairsAgreeWithDenseSolver) {
    struct Setup {
        ProblemKind kind;
        Index n, d;
    };
    for (const Setup c : {Setup{ProblemKind::SoftmaxNormalized, 300, 40},
                          Setup{ProblemKind::SoftmaxRescaled, 100, 12},
                          Setup{ProblemKind::MatrixNormalized, 10, 5},
                          Setup{ProblemKind::MatrixRescaled, 8, 4}}) {
        const auto inst = generated(c.kind, c.n, c.d, 17);
        const auto p = makeProblem(inst);
        const DenseSpectrum dense = denseSpectrum(p->hessian(inst.x));
        LanczosOptions o;
        o.pairs = 2;
        const LanczosResult r = lanczosExtreme(hessianOperator(*p, inst.x), p->dimension(), o);
        const double scale = dense.eigenvalues.cwiseAbs().maxCoeff();
        const Index last = dense.eigenvalues.size() - 1;
        ASSERT_EQ(r.smallest.size(), 2u);
        for (Index i = 0; i < 2; ++i) {
            EXPECT_NEAR(r.smallest[i].value, dense.eigenvalues[i], kEigenRelTol * scale)
                << problemName(c.kind);
            EXPECT_NEAR(r.largest[i].value, dense.eigenvalues[last - i], kEigenRelTol * scale)
                << problemName(c.kind);
            EXPECT_LE(r.smallest[i].residual, kEigenRelTol * scale);
            EXPECT_LE(r.largest[i].residual, kEigenRelTol * scale);
        }
        EXPECT_TRUE(r.converged) << r.message;
    }
}

TEST(Spectrum, SlqDensityIsANormalisedMeasureWithTheRightMean) {
    // A diagonal operator with eigenvalues 1..200: mean 100.5, all mass inside [1, 200].
    const Index p = 200;
    const Vector diag = Vector::LinSpaced(p, 1.0, 200.0);
    const SymmetricOperator op = [&](const Vector &v) { return Vector(diag.cwiseProduct(v)); };
    DensityOptions o;
    o.probes = 30;
    o.steps = 30;
    const SpectralDensity d = spectralDensity(op, p, o);
    EXPECT_NEAR(d.weights.sum(), 1.0, 1e-12);
    EXPECT_NEAR(d.weights.dot(d.nodes), 100.5, 0.1 * 100.5); // trace/p, Hutchinson error
    EXPECT_GE(d.nodes.minCoeff(), 1.0 - 1e-9);
    EXPECT_LE(d.nodes.maxCoeff(), 200.0 + 1e-9);
    const double dx = d.grid[1] - d.grid[0];
    EXPECT_NEAR(d.density.sum() * dx, 1.0, 0.02);
}

TEST(Spectrum, HessianLipschitzIsTheLargestNormRatioAlongThePath) {
    const auto inst = generated(ProblemKind::SoftmaxNormalized, 40, 4, 19);
    const auto p = makeProblem(inst);
    const Vector a = inst.x, b = *inst.planted;
    const LipschitzEstimate est = hessianLipschitz(*p, {a, b, b});
    ASSERT_EQ(est.ratios.size(), 1u); // the repeated point is skipped
    const DenseSpectrum diff = denseSpectrum(p->hessian(b) - p->hessian(a));
    const double norm = std::max(-diff.lambdaMin, diff.lambdaMax);
    EXPECT_NEAR(est.estimate, norm / (b - a).norm(), 1e-12 * est.estimate);
    EXPECT_GT(est.estimate, 0.0);
}

TEST(Landscape, GridPointsEqualDirectEvaluationOnTheSlice) {
    for (const ProblemKind kind :
         {ProblemKind::SoftmaxNormalized, ProblemKind::SoftmaxRelu, ProblemKind::MatrixRescaled}) {
        const auto inst = generated(kind, 9, 3, 23);
        const auto p = makeProblem(inst);
        const LandscapeDirections dirs = landscapeDirections(*p, inst.x, DirectionKind::Random);
        EXPECT_NEAR(dirs.u.dot(dirs.v), 0.0, 1e-12 * dirs.scale * dirs.scale);
        EXPECT_NEAR(dirs.u.norm(), dirs.scale, 1e-12 * dirs.scale);
        LandscapeOptions o;
        o.grid = 7;
        o.span = 0.8;
        const Landscape L = computeLandscape(*p, inst.x, dirs, o);
        ASSERT_EQ(L.nonFinite, 0);
        for (Index i = 0; i < 7; ++i)
            for (Index j = 0; j < 7; ++j) {
                const double direct = p->loss(inst.x + L.s[j] * dirs.u + L.t[i] * dirs.v).total;
                EXPECT_NEAR(L.loss(i, j), direct, kLandscapeRelTol * std::abs(direct))
                    << problemName(kind) << " at " << i << "," << j;
            }
    }
}

TEST(Landscape, PathPointsCarryPlaneCoordinatesAndDistance) {
    const auto inst = generated(ProblemKind::SoftmaxNormalized, 20, 4, 24);
    const auto p = makeProblem(inst);
    const LandscapeDirections dirs = landscapeDirections(*p, inst.x, DirectionKind::Random);
    const Vector off = randomVector(4, 8);
    const Vector normal = (off - off.dot(dirs.u) / dirs.u.squaredNorm() * dirs.u -
                           off.dot(dirs.v) / dirs.v.squaredNorm() * dirs.v)
                              .normalized();
    LandscapeOptions o;
    o.grid = 3;
    o.path = {inst.x + 0.25 * dirs.u - 0.5 * dirs.v, inst.x + 0.5 * dirs.u + 0.7 * normal};
    const Landscape L = computeLandscape(*p, inst.x, dirs, o);
    ASSERT_EQ(L.path.size(), 2u);
    EXPECT_NEAR(L.path[0].s, 0.25, 1e-12);
    EXPECT_NEAR(L.path[0].t, -0.5, 1e-12);
    EXPECT_NEAR(L.path[0].distance, 0.0, 1e-12);
    EXPECT_NEAR(L.path[1].s, 0.5, 1e-12);
    EXPECT_NEAR(L.path[1].distance, 0.7, 1e-12);
    EXPECT_DOUBLE_EQ(L.path[1].loss, p->loss(o.path[1]).total);
}

TEST(Landscape, EigenAndPcaDirections) {
    const auto inst = generated(ProblemKind::SoftmaxNormalized, 30, 5, 25);
    const auto p = makeProblem(inst);
    const LandscapeDirections e = landscapeDirections(*p, inst.x, DirectionKind::Eigen);
    const DenseSpectrum s = denseSpectrum(p->hessian(inst.x));
    const Vector u = e.u.normalized();
    EXPECT_NEAR(u.dot(p->hessianVector(inst.x, u)), s.lambdaMin, 1e-10 * s.lambdaMax);
    const Vector v = e.v.normalized();
    EXPECT_NEAR(v.dot(p->hessianVector(inst.x, v)), s.lambdaMax, 1e-10 * s.lambdaMax);

    SolverOptions so;
    so.method = Method::GradientBacktracking;
    so.maxIterations = 30;
    std::vector<Vector> path;
    for (const auto &it : solve(*p, inst.x, so).iterates)
        path.push_back(it.x);
    const LandscapeDirections pca = landscapeDirections(*p, inst.x, DirectionKind::Pca, path);
    // The path's first principal direction is in the plane: its projection residual is small
    // relative to the path's extent.
    LandscapeOptions o;
    o.grid = 3;
    o.path = path;
    const Landscape L = computeLandscape(*p, inst.x, pca, o);
    double worst = 0;
    for (const auto &pp : L.path)
        worst = std::max(worst, pp.distance);
    EXPECT_LT(worst, 0.5 * pca.scale);
    EXPECT_THROW(landscapeDirections(*p, inst.x, DirectionKind::Pca, {inst.x}), InvalidInput);
}

TEST(Landscape, OverflowingPointsAreMarkedAndHoldNoNaN) {
    const auto inst = generated(ProblemKind::SoftmaxRescaled, 10, 2, 26);
    const auto p = makeProblem(inst);
    LandscapeDirections dirs = landscapeDirections(*p, inst.x, DirectionKind::Random);
    LandscapeOptions o;
    o.grid = 21;
    o.span = 2000.0 / dirs.scale; // far enough that exp(Ax) overflows at the edges
    const Landscape L = computeLandscape(*p, inst.x, dirs, o);
    EXPECT_GT(L.nonFinite, 0);
    EXPECT_LT(L.nonFinite, 21 * 21);
    EXPECT_TRUE(L.loss.allFinite());
    Index marked = 0;
    for (Index k = 0; k < 21 * 21; ++k)
        if (L.status[static_cast<std::size_t>(k)] != EvalStatus::Ok) {
            ++marked;
            EXPECT_EQ(L.loss(k / 21, k % 21), 0.0);
        }
    EXPECT_EQ(marked, L.nonFinite);
    EXPECT_EQ(L.status[10 * 21 + 10], EvalStatus::Ok); // the centre
    const std::string csv = landscapeCsv(L);
    EXPECT_NE(csv.find("overflow"), std::string::npos);
    EXPECT_EQ(csv.find("nan"), std::string::npos);
    EXPECT_EQ(csv.find("inf"), std::string::npos);
    const std::string vtp = landscapeVtp(L);
    EXPECT_EQ(vtp.find("nan"), std::string::npos);
    EXPECT_NE(vtp.find("Name=\"finite\""), std::string::npos);
}

TEST(Landscape, CancellationStopsEarlyAndProgressCountsRows) {
    const auto inst = generated(ProblemKind::MatrixNormalized, 12, 3, 27);
    const auto p = makeProblem(inst);
    const LandscapeDirections dirs = landscapeDirections(*p, inst.x, DirectionKind::Random);
    LandscapeOptions o;
    o.grid = 40;
    std::atomic<int> calls{0};
    Index lastDone = 0;
    o.progress = [&](Index done, Index total) {
        EXPECT_EQ(total, 40);
        lastDone = std::max(lastDone, done);
    };
    Landscape L = computeLandscape(*p, inst.x, dirs, o);
    EXPECT_FALSE(L.cancelled);
    EXPECT_EQ(lastDone, 40);
    EXPECT_EQ(L.rowsDone, 40);

    o.progress = nullptr;
    o.cancel = [&] { return ++calls > 5; };
    L = computeLandscape(*p, inst.x, dirs, o);
    EXPECT_TRUE(L.cancelled);
    EXPECT_EQ(L.rowsDone, 5);
    EXPECT_EQ(L.nonFinite, (40 - 5) * 40);
}

TEST(Landscape, RefusesBadGrids) {
    const auto inst = generated(ProblemKind::SoftmaxNormalized, 10, 3, 28);
    const auto p = makeProblem(inst);
    const LandscapeDirections dirs = landscapeDirections(*p, inst.x, DirectionKind::Random);
    LandscapeOptions o;
    o.grid = kMaxLandscapeGrid + 1;
    EXPECT_THROW(computeLandscape(*p, inst.x, dirs, o), InvalidInput);
    o.grid = 1;
    EXPECT_THROW(computeLandscape(*p, inst.x, dirs, o), InvalidInput);
}

// ---- catalogue rows (docs/reliability.md): chosen spectra ---------------------------------

namespace {

SymmetricOperator diagonal(const Vector &d) {
    return [d](const Vector &v) { return Vector(d.cwiseProduct(v)); };
}

} // namespace

// H = diag(1, −1, 0.5): the two extremes have the same magnitude and opposite signs, where a
// power iteration on the Rayleigh quotient would oscillate.
TEST(SpectrumCatalogue, IndefiniteDiagonalWithOppositeExtremes) {
    const Vector d = (Vector(3) << 1.0, -1.0, 0.5).finished();
    EXPECT_NEAR(dominantMagnitude(diagonal(d), 3), 1.0, 1e-5);
    LanczosOptions o;
    o.pairs = 1;
    const LanczosResult one = lanczosExtreme(diagonal(d), 3, o);
    ASSERT_EQ(one.smallest.size(), 1u);
    EXPECT_NEAR(one.smallest[0].value, -1.0, kEigenRelTol);
    EXPECT_NEAR(one.largest[0].value, 1.0, kEigenRelTol);
    EXPECT_TRUE(one.converged) << one.message;
    o.pairs = 3;
    const LanczosResult all = lanczosExtreme(diagonal(d), 3, o);
    ASSERT_EQ(all.largest.size(), 3u);
    EXPECT_NEAR(all.largest[0].value, 1.0, kEigenRelTol);
    EXPECT_NEAR(all.largest[1].value, 0.5, kEigenRelTol);
    EXPECT_NEAR(all.largest[2].value, -1.0, kEigenRelTol);
    EXPECT_NEAR(std::abs(all.largest[0].vector[0]), 1.0, kEigenRelTol);
}

// A repeated extreme eigenvalue: one Krylov space holds one direction of each eigenspace, so
// without the deflated restarts the second-largest reported would be the next distinct value
// (1 here), with a zero residual that hides the mistake.
TEST(SpectrumCatalogue, RepeatedExtremeEigenvaluesAreReportedWithTheirMultiplicity) {
    const Vector d = (Vector(8) << 2.0, 2.0, 2.0, 1.0, 0.5, 0.0, -3.0, -3.0).finished();
    LanczosOptions o;
    o.pairs = 3;
    const LanczosResult r = lanczosExtreme(diagonal(d), 8, o);
    ASSERT_EQ(r.largest.size(), 3u);
    for (int i = 0; i < 3; ++i)
        EXPECT_NEAR(r.largest[i].value, 2.0, kEigenRelTol) << r.message;
    EXPECT_NEAR(r.smallest[0].value, -3.0, kEigenRelTol) << r.message;
    EXPECT_NEAR(r.smallest[1].value, -3.0, kEigenRelTol) << r.message;
    EXPECT_NEAR(r.smallest[2].value, 0.0, kEigenRelTol) << r.message;
    // The three vectors for λ = 2 span its eigenspace (coordinates 0–2).
    for (int i = 0; i < 3; ++i)
        EXPECT_NEAR(r.largest[i].vector.head(3).norm(), 1.0, kEigenRelTol);
    EXPECT_TRUE(r.converged) << r.message;

    // The same on a larger operator where no early breakdown happens: λmax = 5 twice and
    // λmin = −2 once, well apart from 197 eigenvalues spread over [0, 4].
    Vector big = Vector::LinSpaced(200, 0.0, 4.0);
    big[17] = 5.0;
    big[150] = 5.0;
    big[3] = -2.0;
    o.pairs = 2;
    const LanczosResult b = lanczosExtreme(diagonal(big), 200, o);
    EXPECT_NEAR(b.largest[0].value, 5.0, 1e-8) << b.message;
    EXPECT_NEAR(b.largest[1].value, 5.0, 1e-8) << b.message;
    EXPECT_NEAR(b.smallest[0].value, -2.0, 1e-8) << b.message;
    // Power iteration: the magnitude, whatever the multiplicity.
    EXPECT_NEAR(dominantMagnitude(diagonal(big), 200), 5.0, 1e-4);
}
