#include "regression/spectrum.h"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>

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
// (an invariant subspace was found: its Ritz values are exact eigenvalues). With `locked`
// (orthonormal columns, v0 ⟂ them) it runs on the operator restricted to their orthogonal
// complement, (I − LLᵀ) H (I − LLᵀ): the deflated restart of lanczosExtreme.
template <typename Check>
LanczosBasis lanczos(const SymmetricOperator &op,
                     const Vector &v0,
                     Index m,
                     Check &&check,
                     const Matrix &locked = Matrix()) {
    const Index p = v0.size();
    LanczosBasis b;
    b.V.resize(p, m);
    b.alpha.resize(m);
    b.beta.resize(std::max<Index>(m - 1, 0));
    b.V.col(0) = v0;
    for (Index j = 0; j < m; ++j) {
        Vector w = op(b.V.col(j));
        if (locked.cols() > 0)
            w -= locked * (locked.transpose() * w);
        b.alpha[j] = b.V.col(j).dot(w);
        // Two passes of classical Gram-Schmidt ("twice is enough", Giraud et al. 2005).
        for (int pass = 0; pass < 2; ++pass) {
            w -= b.V.leftCols(j + 1) * (b.V.leftCols(j + 1).transpose() * w);
            if (locked.cols() > 0)
                w -= locked * (locked.transpose() * w);
        }
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
    // Convergence test every 5 steps: the Ritz residual of pair i is |β_j · y_i[last]|.
    const auto check = [&](const LanczosBasis &b, Index j) {
        if (j < 2 * k || j % 5)
            return false;
        const auto es = tridiagonalEigen(b, j);
        const double scale = std::max(1e-300, es.eigenvalues().cwiseAbs().maxCoeff());
        const double last = b.beta[j - 1];
        for (Index i = 0; i < std::min(k, j); ++i) {
            if (std::abs(last * es.eigenvectors()(j - 1, i)) > options.tolerance * scale)
                return false;
            if (std::abs(last * es.eigenvectors()(j - 1, j - 1 - i)) > options.tolerance * scale)
                return false;
        }
        return true;
    };
    // One run: the Ritz pairs at both ends of its Krylov space (up to k each).
    struct Ritz {
        double value;
        Vector vector;
    };
    Index steps = 0;
    const auto run = [&](const Vector &v0, const Matrix &locked) {
        const LanczosBasis b = lanczos(op, v0, m, check, locked);
        steps += b.steps;
        const auto es = tridiagonalEigen(b, b.steps);
        std::vector<Ritz> ends;
        for (Index i = 0; i < b.steps; ++i)
            if (i < k || i >= b.steps - k)
                ends.push_back({es.eigenvalues()[i],
                                (b.V.leftCols(b.steps) * es.eigenvectors().col(i)).normalized()});
        return ends;
    };
    std::vector<Ritz> found = run(randomUnit(dimension, rng), Matrix());
    const auto byValue = [](const Ritz &a, const Ritz &b) { return a.value < b.value; };
    std::sort(found.begin(), found.end(), byValue);
    // One Krylov space holds a single direction of each eigenspace, so an extreme eigenvalue
    // of multiplicity r shows up once and the next distinct value takes the other r − 1 places.
    // Restarting in the orthogonal complement of what was found brings the other copies out;
    // restarts continue while they still change the k values at either end (k = 1 needs none:
    // the extreme value itself is right whatever its multiplicity).
    int restarts = 0;
    for (Index extra = 0; k >= 2 && extra < 2 * k; ++extra) {
        Matrix foundVectors(dimension, static_cast<Index>(found.size()));
        for (std::size_t i = 0; i < found.size(); ++i)
            foundVectors.col(static_cast<Index>(i)) = found[i].vector;
        const Eigen::HouseholderQR<Matrix> qr(foundVectors);
        const Index r = std::min<Index>(foundVectors.cols(), dimension);
        if (r >= dimension)
            break;
        const Matrix locked = qr.householderQ() * Matrix::Identity(dimension, r);
        Vector v0 = randomUnit(dimension, rng);
        for (int pass = 0; pass < 2; ++pass)
            v0 -= locked * (locked.transpose() * v0);
        if (v0.norm() < 1e-8)
            break;
        const std::vector<Ritz> more = run(v0.normalized(), locked);
        ++restarts;
        const double scale =
            std::max(1e-300, std::max(std::abs(found.front().value), std::abs(found.back().value)));
        const Index have = static_cast<Index>(found.size());
        const double kthSmallest = found[static_cast<std::size_t>(std::min(k, have) - 1)].value;
        const double kthLargest = found[static_cast<std::size_t>(have - std::min(k, have))].value;
        const double slack = options.tolerance * 1e3 * scale;
        bool changed = have < 2 * k;
        for (const Ritz &x : more)
            changed = changed || x.value < kthSmallest - slack || x.value > kthLargest + slack;
        found.insert(found.end(), more.begin(), more.end());
        std::sort(found.begin(), found.end(), byValue);
        if (!changed)
            break;
    }
    LanczosResult result;
    result.iterations = steps;
    const Index have = static_cast<Index>(found.size());
    const Index kk = std::min(k, have);
    const auto pair = [&](Index i) {
        EigenPair e;
        e.value = found[static_cast<std::size_t>(i)].value;
        e.vector = found[static_cast<std::size_t>(i)].vector;
        e.residual = (op(e.vector) - e.value * e.vector).norm();
        return e;
    };
    for (Index i = 0; i < kk; ++i)
        result.smallest.push_back(pair(i));
    for (Index i = 0; i < kk; ++i)
        result.largest.push_back(pair(have - 1 - i));
    const double scale =
        std::max(1e-300, std::max(std::abs(found.front().value), std::abs(found.back().value)));
    double worst = 0.0;
    for (const auto &e : result.smallest)
        worst = std::max(worst, e.residual);
    for (const auto &e : result.largest)
        worst = std::max(worst, e.residual);
    // The true residuals carry the rounding of one extra product: allow 1e3 of slack.
    result.converged = worst <= std::max(options.tolerance * 1e3, 1e-9) * scale;
    result.message = "Lanczos: " + std::to_string(steps) + " steps" +
                     (restarts ? " in " + std::to_string(restarts + 1) + " deflated runs" : "") +
                     ", largest residual " + std::to_string(worst) +
                     (result.converged ? "" : " (not converged)");
    return result;
}

double dominantMagnitude(const SymmetricOperator &op, Index dimension, std::uint64_t seed) {
    if (dimension < 1)
        throw InvalidInput("dominantMagnitude: dimension must be ≥ 1");
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    Vector v(dimension);
    for (Index i = 0; i < dimension; ++i)
        v[i] = normal(rng);
    v.normalize();
    double lambda = 0.0;
    for (int it = 0; it < 50; ++it) {
        const Vector hv = op(v);
        const double next = hv.norm();
        if (!(next > 0.0))
            return next == 0.0 ? 0.0 : next; // zero operator, or NaN passed on
        v = hv / next;
        if (std::abs(next - lambda) <= 1e-6 * next)
            return next;
        lambda = next;
    }
    return lambda;
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
