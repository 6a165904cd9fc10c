#include "regression/spectrum.h"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <random>

namespace mowe::regression {

DenseSpectrum denseSpectrum(const Matrix &H, bool vectors) {
    if (H.rows() != H.cols() || H.rows() == 0)
        throw InvalidInput("denseSpectrum: the matrix is " + std::to_string(H.rows()) + "×" +
                           std::to_string(H.cols()) + ", expected square and non-empty");
    if (!H.allFinite())
        throw InvalidInput("denseSpectrum: the matrix has non-finite entries");
    Eigen::SelfAdjointEigenSolver<Matrix> es(
        H, vectors ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
    DenseSpectrum s;
    s.eigenvalues = es.eigenvalues();
    if (vectors)
        s.eigenvectors = es.eigenvectors();
    s.lambdaMin = s.eigenvalues.minCoeff();
    s.lambdaMax = s.eigenvalues.maxCoeff();
    const double smallest = s.eigenvalues.cwiseAbs().minCoeff();
    if (smallest > 0.0)
        s.condition = s.eigenvalues.cwiseAbs().maxCoeff() / smallest;
    // PSD up to rounding of the eigensolver: |λ| ≤ p·ε·‖H‖ counts as zero.
    const double zero = H.rows() * 1e-15 * std::max(1.0, s.eigenvalues.cwiseAbs().maxCoeff());
    s.positiveDefinite = s.lambdaMin > zero;
    s.positiveSemidefinite = s.lambdaMin >= -zero;
    return s;
}

namespace {

struct LanczosBasis {
    Matrix V;     // p × m, orthonormal columns
    Vector alpha; // diagonal of T
    Vector beta;  // off-diagonal of T (length m − 1)
    Index steps = 0;
};

// m steps of Lanczos with full reorthogonalisation from unit v0; stops early on breakdown
// (an invariant subspace was found: its Ritz values are exact eigenvalues).
template <typename Check>
LanczosBasis lanczos(const SymmetricOperator &op, const Vector &v0, Index m, Check &&check) {
    const Index p = v0.size();
    LanczosBasis b;
    b.V.resize(p, m);
    b.alpha.resize(m);
    b.beta.resize(std::max<Index>(m - 1, 0));
    b.V.col(0) = v0;
    for (Index j = 0; j < m; ++j) {
        Vector w = op(b.V.col(j));
        b.alpha[j] = b.V.col(j).dot(w);
        // Two passes of classical Gram-Schmidt ("twice is enough", Giraud et al. 2005).
        for (int pass = 0; pass < 2; ++pass)
            w -= b.V.leftCols(j + 1) * (b.V.leftCols(j + 1).transpose() * w);
        b.steps = j + 1;
        if (j + 1 == m)
            break;
        const double nb = w.norm();
        if (nb <= 1e-12 * std::max(1.0, std::abs(b.alpha[j]))) {
            break; // breakdown: invariant subspace
        }
        b.beta[j] = nb;
        b.V.col(j + 1) = w / nb;
        if (check(b, j + 1))
            break;
    }
    return b;
}

Eigen::SelfAdjointEigenSolver<Matrix> tridiagonalEigen(const LanczosBasis &b, Index m) {
    Matrix T = Matrix::Zero(m, m);
    for (Index i = 0; i < m; ++i) {
        T(i, i) = b.alpha[i];
        if (i + 1 < m)
            T(i, i + 1) = T(i + 1, i) = b.beta[i];
    }
    return Eigen::SelfAdjointEigenSolver<Matrix>(T);
}

Vector randomUnit(Index p, std::mt19937_64 &rng) {
    std::normal_distribution<double> normal;
    Vector v(p);
    for (Index i = 0; i < p; ++i)
        v[i] = normal(rng);
    return v.normalized();
}

} // namespace

LanczosResult
lanczosExtreme(const SymmetricOperator &op, Index dimension, const LanczosOptions &options) {
    if (dimension < 1)
        throw InvalidInput("lanczosExtreme: dimension must be ≥ 1");
    const Index k = std::clamp<Index>(options.pairs, 1, dimension);
    const Index m = std::min(
        dimension, options.maxIterations > 0 ? options.maxIterations : std::max<Index>(60, 20 * k));
    std::mt19937_64 rng(options.seed);
    const Vector v0 = randomUnit(dimension, rng);
    // Convergence test every 5 steps: the Ritz residual of pair i is |β_j · y_i[last]|.
    const auto check = [&](const LanczosBasis &b, Index j) {
        if (j < 2 * k || j % 5)
            return false;
        const auto es = tridiagonalEigen(b, j);
        const double scale = std::max(1e-300, es.eigenvalues().cwiseAbs().maxCoeff());
        const double last = b.beta[j - 1];
        for (Index i = 0; i < k; ++i) {
            if (std::abs(last * es.eigenvectors()(j - 1, i)) > options.tolerance * scale)
                return false;
            if (std::abs(last * es.eigenvectors()(j - 1, j - 1 - i)) > options.tolerance * scale)
                return false;
        }
        return true;
    };
    const LanczosBasis b = lanczos(op, v0, m, check);
    const Index steps = b.steps;
    const auto es = tridiagonalEigen(b, steps);
    LanczosResult r;
    r.iterations = steps;
    const Index kk = std::min(k, steps);
    const auto pair = [&](Index i) {
        EigenPair e;
        e.value = es.eigenvalues()[i];
        e.vector = (b.V.leftCols(steps) * es.eigenvectors().col(i)).normalized();
        e.residual = (op(e.vector) - e.value * e.vector).norm();
        return e;
    };
    for (Index i = 0; i < kk; ++i)
        r.smallest.push_back(pair(i));
    for (Index i = 0; i < kk; ++i)
        r.largest.push_back(pair(steps - 1 - i));
    const double scale = std::max(1e-300, es.eigenvalues().cwiseAbs().maxCoeff());
    double worst = 0.0;
    for (const auto &e : r.smallest)
        worst = std::max(worst, e.residual);
    for (const auto &e : r.largest)
        worst = std::max(worst, e.residual);
    // The true residuals carry the rounding of one extra product: allow 1e3 of slack.
    r.converged = worst <= std::max(options.tolerance * 1e3, 1e-9) * scale;
    r.message = "Lanczos: " + std::to_string(steps) + " steps, largest residual " +
                std::to_string(worst) + (r.converged ? "" : " (not converged)");
    return r;
}

SpectralDensity
spectralDensity(const SymmetricOperator &op, Index dimension, const DensityOptions &options) {
    if (dimension < 1 || options.probes < 1 || options.steps < 1 || options.gridPoints < 2)
        throw InvalidInput("spectralDensity: dimension, probes and steps must be ≥ 1, grid ≥ 2");
    std::mt19937_64 rng(options.seed);
    std::bernoulli_distribution coin(0.5);
    const Index m = std::min(options.steps, dimension);
    std::vector<double> nodes, weights;
    for (Index probe = 0; probe < options.probes; ++probe) {
        Vector v(dimension);
        for (Index i = 0; i < dimension; ++i)
            v[i] = coin(rng) ? 1.0 : -1.0;
        v.normalize();
        const LanczosBasis b = lanczos(op, v, m, [](const LanczosBasis &, Index) { return false; });
        const auto es = tridiagonalEigen(b, b.steps);
        for (Index i = 0; i < b.steps; ++i) {
            nodes.push_back(es.eigenvalues()[i]);
            const double tau = es.eigenvectors()(0, i);
            weights.push_back(tau * tau / static_cast<double>(options.probes));
        }
    }
    SpectralDensity d;
    d.nodes = Eigen::Map<const Vector>(nodes.data(), static_cast<Index>(nodes.size()));
    d.weights = Eigen::Map<const Vector>(weights.data(), static_cast<Index>(weights.size()));
    const double lo = d.nodes.minCoeff(), hi = d.nodes.maxCoeff();
    const double range = std::max(hi - lo, 1e-12 * std::max(1.0, std::abs(hi)));
    const double sigma = options.bandwidth > 0 ? options.bandwidth : range / 50.0;
    d.grid = Vector::LinSpaced(options.gridPoints, lo - 3 * sigma, hi + 3 * sigma);
    d.density = Vector::Zero(options.gridPoints);
    const double norm = 1.0 / (sigma * std::sqrt(2.0 * M_PI));
    for (Index g = 0; g < d.grid.size(); ++g)
        for (Index i = 0; i < d.nodes.size(); ++i) {
            const double u = (d.grid[g] - d.nodes[i]) / sigma;
            d.density[g] += d.weights[i] * norm * std::exp(-0.5 * u * u);
        }
    return d;
}

SymmetricOperator hessianOperator(const Problem &problem, const Vector &x) {
    return [&problem, x](const Vector &v) { return problem.hessianVector(x, v); };
}

LipschitzEstimate hessianLipschitz(const Problem &problem, const std::vector<Vector> &path) {
    LipschitzEstimate out;
    const Index p = problem.dimension();
    const bool dense = p <= kMaxDenseDimension;
    std::optional<Vector> prev;
    std::optional<Matrix> prevH;
    for (const Vector &x : path) {
        if (!problem.loss(x).ok())
            continue;
        std::optional<Matrix> H;
        if (dense)
            H = problem.hessian(x);
        if (prev) {
            const double dx = (x - *prev).norm();
            if (dx > 0.0) {
                double norm;
                if (dense) {
                    const DenseSpectrum s = denseSpectrum(*H - *prevH);
                    norm = std::max(std::abs(s.lambdaMin), std::abs(s.lambdaMax));
                } else {
                    const Vector a = *prev, bx = x;
                    const auto diff = [&](const Vector &v) {
                        return Vector(problem.hessianVector(bx, v) - problem.hessianVector(a, v));
                    };
                    const LanczosResult r = lanczosExtreme(diff, p, {});
                    norm = std::max(std::abs(r.smallest.front().value),
                                    std::abs(r.largest.front().value));
                }
                out.ratios.push_back(norm / dx);
                out.estimate = std::max(out.estimate, norm / dx);
            }
        }
        prev = x;
        prevH = H;
    }
    return out;
}

} // namespace mowe::regression
