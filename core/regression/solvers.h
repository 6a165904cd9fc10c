#pragma once
// Second- and first-order solvers for the regression problems (spec/regression.md §5).
//
//   Exact      x⁺ = x − H⁻¹ g, the pure Newton step, no damping (H = ∇²L(x), g = ∇L(x)).
//   Damped     p = −(H + μI)⁻¹ g with the Levenberg shift μ = 0 when H is positive definite,
//              else the smallest μ = μ₀·10^k (μ₀ = 1e-8·max(1, ‖H‖_max) + |λ_min bound|) that
//              makes H + μI positive definite; then Armijo backtracking on t:
//              L(x + t p) ≤ L(x) + c₁ t gᵀp, t = 1, ρ, ρ², …
//   Approx     the papers' "greedy" approximate Newton step x⁺ = x − H̃⁻¹ g with
//              H̃ = Σ_{draws} (δᵢ/(s pᵢ)) rᵢ rᵢᵀ + 𝔇ᵀ diag(δ₋) 𝔇 + 𝔇ᵀ R 𝔇, where
//              δ = β + w² (HessianSplit::diagonal), δ₋ its negative part (kept exact), rᵢ the
//              design rows, and s draws i ~ pᵢ ∝ leverage score of row i of √δ₊ ∘ 𝔇. The
//              low-rank part is exact. Leverage scores are exact (O(Np²)) or sketched: a
//              CountSketch S (m × N) gives R from QR(S √δ₊ 𝔇), then ℓᵢ ≈ δᵢ‖𝔇ᵢ R⁻¹ G‖² with a
//              p × k Gaussian G/√k (Drineas, Magdon-Ismail, Mahoney, Woodruff, JMLR 2012):
//              O(Np·k + mp²) instead of O(Np²).
//              ε₀ = max |λ − 1| over the generalized eigenvalues of (H̃, H) when H ≻ 0, measured
//              after the step (outside any timing) when Options::measureEps0.
//   Gradient   x⁺ = x − η g with a fixed η (default 1/|λ|_max(H(x₀)) by power iteration) or
//              with Armijo backtracking from the previous accepted step ×2.
//
// Convergence: ‖∇L(x_t)‖ ≤ tolerance · max(1, ‖∇L(x₀)‖). For the ReLU problems a point that
// passes it is checked with the other one-sided convention ReLU'(0) = 1: if that gradient fails
// the test the point is a degenerate stationary point (e.g. softmax_relu at x = 0), never
// "converged". A ReLU run whose ‖∇L‖ stops improving (the best over the last `stallWindow`
// iterates is not below half the best before) while the active set changes is "stalled on a
// kink", with the active set reported.

#include "regression/problem.h"

#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace mowe::regression {

enum class Method { Exact, Damped, Approx, GradientFixed, GradientBacktracking };

/// "exact", "damped", "approx", "gd" (fixed step), "gd_backtracking".
std::string_view methodName(Method method);
std::optional<Method> methodFromName(std::string_view name);

enum class StepKind { Start, Newton, Damped, Shifted, Approx, Gradient };
/// "start", "newton", "damped", "shifted", "approx", "gd".
std::string_view stepKindName(StepKind kind);

enum class StopReason {
    Converged,
    MaxIterations,
    StalledKink,          ///< ReLU problem: ‖∇L‖ stalled while units cross their kink
    DegenerateStationary, ///< ∇L = 0 only by the ReLU'(0) = 0 convention
    NonFinite,            ///< a singular Hessian, an undefined value, a non-finite step
    Overflow,             ///< exp overflow in a rescaled problem
    Cancelled,            ///< Options::cancel returned true
};
/// "converged", "max_iterations", "stalled_kink", "degenerate_stationary", "non_finite",
/// "overflow", "cancelled".
std::string_view stopReasonName(StopReason reason);

enum class LeverageMethod {
    Auto,     ///< sketched when N > 20·p, else exact
    Exact,    ///< O(Np²)
    Sketched, ///< CountSketch + Gaussian JL, O(Np·k + mp²)
};

struct Iterate {
    Vector x;
    double loss = 0.0;
    double gradNorm = 0.0;
    StepKind step = StepKind::Start;
    std::optional<double> eps0; ///< approx steps with H ≻ 0 only
    double stepLength = 1.0;    ///< t from the line search (1 for pure steps)
    double shift = 0.0;         ///< Levenberg μ (damped steps)
};

struct SolverOptions {
    Method method = Method::Exact;
    int maxIterations = 50;
    /// Stop when ‖∇L‖ ≤ tolerance · max(1, ‖∇L(x₀)‖).
    double tolerance = 1e-10;
    std::uint64_t seed = 1;

    // Damped Newton and backtracking gradient descent.
    double armijo = 1e-4;   ///< c₁ of the sufficient-decrease condition
    double backtrack = 0.5; ///< ρ: step shrink factor
    int maxBacktracks = 60; ///< then the step is taken as NonFinite ("no decrease found")

    // Approximate Newton.
    Index samples = 0; ///< s; 0: ⌈4 p ln(p + 1)⌉
    LeverageMethod leverage = LeverageMethod::Auto;
    Index sketchRows = 0; ///< m of the CountSketch; 0: min(N, max(40 p, 2 p²))
    Index jlColumns = 0;  ///< k of the Gaussian JL projection; 0: 12
    bool measureEps0 = true;

    // Gradient descent.
    double gdStep = 0.0; ///< η; 0: 1 / |λ|_max(∇²L(x₀)) (power iteration on Hessian products)

    // ReLU problems.
    int stallWindow = 6;
    double kinkTolerance = 1e-7; ///< |zᵢ| ≤ tol·max(1, ‖z‖∞) counts as on the kink

    /// Polled once per iteration (from the calling thread): true stops with Cancelled.
    std::function<bool()> cancel;
    /// Called after each iterate is recorded (GUI progress).
    std::function<void(const Iterate &)> onIterate;
};

struct SolverSummary {
    std::vector<Iterate> iterates; ///< iterates[0] is the start point (if it is evaluable)
    StopReason reason = StopReason::MaxIterations;
    std::string message;
    double initialGradNorm = 0.0;
    double threshold = 0.0; ///< the gradient-norm threshold used
    /// ReLU problems, StalledKink/DegenerateStationary: active units and units on the kink at
    /// the last iterate (indices into z).
    std::vector<Index> activeSet;
    std::vector<Index> kinkSet;
    /// Approx: steps whose ε₀ was ≥ 0.5 (contraction not guaranteed) or undefined.
    int largeEps0Steps = 0;
};

SolverSummary solve(const Problem &problem, const Vector &x0, const SolverOptions &options);

/// The sampled Hessian H̃ of the approximate method at x (see the header comment).
struct ApproximateHessian {
    Matrix H;
    Index samples = 0;
    bool sketched = false;
};
ApproximateHessian approximateHessian(const Problem &problem,
                                      const Vector &x,
                                      const SolverOptions &options,
                                      std::mt19937_64 &rng);

/// Leverage scores of the rows of diag(√weights) 𝔇 (weights ≥ 0), exact or sketched.
Vector leverageScores(const Problem &problem,
                      const Vector &weights,
                      bool sketched,
                      Index sketchRows,
                      Index jlColumns,
                      std::mt19937_64 &rng);

/// max |λ − 1| over the generalized eigenvalues of (approx, exact); nullopt unless exact ≻ 0.
std::optional<double> relativeSpectralError(const Matrix &approx, const Matrix &exact);

} // namespace mowe::regression
