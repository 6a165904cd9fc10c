#pragma once
// Spectra of a problem's Hessian (spec/regression.md §6).
//
//   denseSpectrum     all eigenvalues (ascending) of a dense symmetric H by Eigen's
//                     self-adjoint solver: O(p³), for p ≤ Options::maxDenseDimension.
//   lanczosExtreme    the k smallest and k largest eigenpairs of a symmetric operator from
//                     products v ↦ Hv only (Lanczos with full reorthogonalisation, so the
//                     Ritz values do not duplicate), each with its true residual ‖Hv − λv‖.
//   spectralDensity   stochastic Lanczos quadrature (Ubaru, Chen, Saad, SIMAX 2017): for
//                     Rademacher probes v/‖v‖, m Lanczos steps give Gauss nodes θ_k and
//                     weights τ_k² (first components of T's eigenvectors); averaged over
//                     probes they approximate the spectral measure (1/p)Σᵢ δ(λ − λᵢ); a
//                     Gaussian kernel smooths it onto a grid.
//   hessianLipschitz  max_t ‖H(x_t) − H(x_{t−1})‖₂ / ‖x_t − x_{t−1}‖ along a path.

#include "regression/problem.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mowe::regression {

/// A symmetric linear map given by its products (e.g. v ↦ ∇²L(x) v).
using SymmetricOperator = std::function<Vector(const Vector &)>;

/// Above this p a dense Hessian (p² doubles, O(p³) eigensolve) is refused by default.
inline constexpr Index kMaxDenseDimension = 1600;

struct DenseSpectrum {
    Vector eigenvalues;  ///< ascending
    Matrix eigenvectors; ///< columns, when requested
    double lambdaMin = 0.0, lambdaMax = 0.0;
    /// |λ|max / |λ|min; std::nullopt when the smallest |λ| is 0 (condition infinite).
    std::optional<double> condition;
    bool positiveDefinite = false;
    bool positiveSemidefinite = false;
};

/// Throws InvalidInput when H is not square or not finite.
DenseSpectrum denseSpectrum(const Matrix &H, bool vectors = false);

struct LanczosOptions {
    Index pairs = 1;          ///< k at each end
    Index maxIterations = 0;  ///< 0: min(p, max(60, 20k))
    double tolerance = 1e-10; ///< stop when each wanted Ritz residual ≤ tol · max|θ|
    std::uint64_t seed = 1;
};

struct EigenPair {
    double value = 0.0;
    Vector vector;         ///< unit norm
    double residual = 0.0; ///< ‖Hv − λv‖, computed with one more product
};

struct LanczosResult {
    std::vector<EigenPair> smallest; ///< ascending
    std::vector<EigenPair> largest;  ///< descending
    Index iterations = 0;
    bool converged = false;
    std::string message;
};

LanczosResult
lanczosExtreme(const SymmetricOperator &op, Index dimension, const LanczosOptions &options = {});

/// |λ|max of a symmetric operator by power iteration on ‖Hv‖ from a seeded Gaussian start
/// (at most 50 products, stopping when ‖Hv‖ changes by ≤ 1e-6 relatively). The norm, not a
/// Rayleigh quotient, is iterated, so ±λ pairs (v alternating between their eigenvectors) still
/// converge to |λ|. 0 for the zero operator.
double dominantMagnitude(const SymmetricOperator &op, Index dimension, std::uint64_t seed = 1);

struct DensityOptions {
    Index probes = 10;
    Index steps = 40; ///< Lanczos steps per probe (capped at p)
    Index gridPoints = 200;
    double bandwidth = 0.0; ///< Gaussian σ; 0: (λmax − λmin)/50 of the nodes' range
    std::uint64_t seed = 1;
};

struct SpectralDensity {
    Vector nodes;   ///< all probes' Gauss nodes
    Vector weights; ///< their weights, summing to 1
    Vector grid;    ///< evaluation points
    Vector density; ///< smoothed density on `grid` (integrates to ≈ 1)
};

SpectralDensity
spectralDensity(const SymmetricOperator &op, Index dimension, const DensityOptions &options = {});

struct LipschitzEstimate {
    double estimate = 0.0;      ///< the max ratio (0 for fewer than two distinct points)
    std::vector<double> ratios; ///< per consecutive pair; skipped pairs (x_t = x_{t−1}) omitted
};

/// Spectral norms by denseSpectrum for p ≤ kMaxDenseDimension, else by Lanczos on the
/// difference operator. Points where the problem is not evaluable are skipped.
LipschitzEstimate hessianLipschitz(const Problem &problem, const std::vector<Vector> &path);

/// The operator v ↦ ∇²L(x) v (x is copied).
SymmetricOperator hessianOperator(const Problem &problem, const Vector &x);

} // namespace mowe::regression
