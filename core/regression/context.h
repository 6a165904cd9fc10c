#pragma once
// In-context learning for the matrix attention regression (arXiv:2307.02419, spec §4): how the
// loss, its gradient and the minimiser respond when the data the model is given — the
// context A₁, A₂ or B — changes, compared with a gradient-descent step on the weights X.
//
// Derivatives with respect to the data. With Z = A₁ X A₂ᵀ and G' = ∂L/∂Z (n×n, row j is
// g_j + w_j² ∘ z_j, Problem::logitGradient):
//
//     ∇_X L  = A₁ᵀ G' A₂
//     ∂L/∂A₁ = G' A₂ Xᵀ,        ∂L/∂A₂ = G'ᵀ A₁ X
//     ∂L/∂b_j = −c_j            normalized, c_j = f_j − b_j, f_j = softmax(z_j)
//     ∂L/∂b_j = −s_j c_j        rescaled,   c_j = u_j − s_j b_j, u_j = exp(z_j), s_j = ⟨u_j,1⟩
//
// The directional derivative of ∇_X L along a data direction Δ = (Δ₁, Δ₂, Δ_B):
//
//     D∇[Δ] = Δ₁ᵀ G' A₂ + A₁ᵀ G' Δ₂ + A₁ᵀ dG' A₂,
//     dG'   = (Ψ + W²) δZ + (B part),   δZ = Δ₁ X A₂ᵀ + A₁ X Δ₂ᵀ
//     B part, row j:  normalized  −(diag f_j − f_j f_jᵀ) δb_j
//                     rescaled    −u_j ⟨δb_j, c_j⟩ − s_j (diag u_j − u_j b_jᵀ) δb_j
//
// and, at a minimiser X* with ∇²L ≻ 0, the implicit function theorem gives the first-order
// response of the minimiser: DX*[Δ] = −(∇²L)⁻¹ D∇[Δ]. All three are checked against central
// differences in tests/core/regression/context_test.cpp. Vectors over X use the row-major vec
// x[i·d + l] = X[i,l] of problem.h.
//
// The response sweep (contextResponse). At a point X, for sizes t on a log-spaced sweep:
//   gradient_step   X' = X − η ∇L(X), η = t; the size of the change is ‖X' − X‖ = η‖∇L‖;
//                   first order: ΔL ≈ −η‖∇L‖², Δ∇ ≈ −η ∇²L ∇L.
//   A1, A2          A ← A + t Δ̂ for a Gaussian direction with ‖Δ̂‖_F = 1; size t.
//   B               B ← B + t Δ̂ with Δ̂_jk ∝ B_jk (ξ_jk − m_j), ξ ~ N(0,1), m_j the B_j-weighted
//                   mean of ξ_j: every row of Δ̂ sums to 0 (rows stay distributions) and small
//                   entries move proportionally less, so B stays non-negative longest.
// Each point reports ΔL (formed without the cancellation of L_new − L, whose rounding ε·L
// would swamp ΔL below ‖Δ‖ ≈ 1e-8), ‖Δ∇‖ at the same X, the minimiser change ‖X*(t) − X*‖ (data
// branches; X*(t) by damped Newton warm-started from X*), the empirical Lipschitz ratios
// |ΔL|/size, ‖Δ∇‖/size, ‖ΔX*‖/size and the first-order predictions.
//
// Linear regime: a point is linear when both the loss and the gradient response agree with the
// first-order prediction to kLinearTolerance (10 %) relative:
//     |ΔL − ΔL₁| ≤ 0.1 |ΔL₁|   and   ‖Δ∇ − Δ∇₁‖ ≤ 0.1 ‖Δ∇₁‖.
// A curve's linearEnd is the first point that is not (the curve has left its linear regime).
//
// Ill-posed sweeps stop: a curve ends at the first point where the perturbed problem overflows
// (exp of a logit > log DBL_MAX, rescaled), where ∇²L at the perturbed minimiser is not
// positive definite, where Newton does not converge, or (B branch) where an entry of B would
// become negative; the curve keeps the points before it and records the reason and the size.

#include "regression/problems.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mowe::regression {

/// A change of the data: Δ₁ (n×d), Δ₂ (n×d), Δ_B (n×n). An empty matrix means "unchanged".
struct DataDirection {
    Matrix A1, A2, B;
    /// ‖(Δ₁, Δ₂, Δ_B)‖_F.
    double norm() const;
};

/// ∂L/∂A₁, ∂L/∂A₂, ∂L/∂B at x (same shapes as the data).
struct DataGradient {
    Matrix A1, A2, B;
};

/// The target B (n×n) and the regulariser weights W (n×n) of a matrix problem.
Matrix targetMatrix(const MatrixProblem &problem);
Matrix weightMatrix(const MatrixProblem &problem);

/// The problem with data A₁ + tΔ₁, A₂ + tΔ₂, B + tΔ_B (same kind and W). Throws InvalidInput
/// when the perturbed B is not admissible (a negative entry for matrix_normalized).
std::unique_ptr<MatrixProblem>
perturbedProblem(const MatrixProblem &problem, const DataDirection &direction, double t);

/// Throws EvaluationError where loss(x) is not Ok.
DataGradient lossDataGradient(const MatrixProblem &problem, const Vector &x);
/// DL[Δ] = ⟨∂L/∂A₁, Δ₁⟩ + ⟨∂L/∂A₂, Δ₂⟩ + ⟨∂L/∂B, Δ_B⟩.
double
lossDataDirectional(const MatrixProblem &problem, const Vector &x, const DataDirection &direction);
/// D∇[Δ] (length d², row-major vec), O(n²d + nd²).
Vector gradientDataDirectional(const MatrixProblem &problem,
                               const Vector &x,
                               const DataDirection &direction);
/// DX*[Δ] = −(∇²L(x*))⁻¹ D∇[Δ] at a minimiser x*. Throws EvaluationError when ∇²L(x*) is not
/// positive definite (no differentiable minimiser).
Vector minimiserDataDirectional(const MatrixProblem &problem,
                                const Vector &xStar,
                                const DataDirection &direction);

enum class ContextBranch { GradientStep, A1, A2, B };
/// "gradient_step", "A1", "A2", "B".
std::string_view contextBranchName(ContextBranch branch);
const std::vector<ContextBranch> &allContextBranches();

enum class ContextStop {
    Completed,
    Overflow,       ///< exp overflows in the perturbed problem (or the step's loss)
    NotDefinite,    ///< ∇²L at the perturbed minimiser is not positive definite
    NewtonFailed,   ///< the warm-started Newton run did not converge
    NegativeTarget, ///< an entry of B + tΔ_B would be negative
    Cancelled,
};
/// "completed", "overflow", "not_definite", "newton_failed", "negative_target", "cancelled".
std::string_view contextStopName(ContextStop stop);

/// A point is in the linear regime when the loss and gradient responses agree with their
/// first-order predictions to this relative deviation.
inline constexpr double kLinearTolerance = 0.1;

struct ContextPoint {
    double parameter = 0.0;           ///< η (gradient_step) or ‖Δ‖ (data branches)
    double size = 0.0;                ///< ‖change of the input‖: η‖∇L(X)‖ or ‖Δ‖
    double lossChange = 0.0;          ///< L_new(X_new) − L(X), signed
    double predictedLossChange = 0.0; ///< first order, signed
    double gradChange = 0.0;          ///< ‖∇L_new(X_new) − ∇L(X)‖
    double predictedGradChange = 0.0; ///< ‖first-order Δ∇‖
    double lossDeviation = 0.0;       ///< |ΔL − ΔL₁| / |ΔL₁|
    double gradDeviation = 0.0;       ///< ‖Δ∇ − Δ∇₁‖ / ‖Δ∇₁‖
    bool linear = true;
    /// Data branches with a base minimiser: ‖X*(t) − X*‖ and ‖t·DX*[Δ̂]‖, X*(t) itself, the
    /// Newton iterations it took and λ_min(∇²L(X*(t))).
    std::optional<double> minimiserChange;
    std::optional<double> predictedMinimiserChange;
    Vector minimiser;
    int newtonIterations = 0;
    double lambdaMin = 0.0;
    /// gradient_step: the stepped point X' = X − η∇L(X).
    Vector stepped;

    double lossRatio() const { return std::abs(lossChange) / size; }
    double gradRatio() const { return gradChange / size; }
};

struct ContextCurve {
    ContextBranch branch = ContextBranch::GradientStep;
    /// The unit data direction (data branches; empty for gradient_step).
    DataDirection direction;
    /// The first-order Lipschitz constants the ratios tend to as the size → 0: |DL[Δ̂]|,
    /// ‖D∇[Δ̂]‖, ‖DX*[Δ̂]‖ (gradient_step: ‖∇L‖, ‖∇²L ∇L‖/‖∇L‖, none).
    double lossSlope = 0.0;
    double gradSlope = 0.0;
    std::optional<double> minimiserSlope;
    std::vector<ContextPoint> points;
    /// First index whose point is not linear (points.size() when all are).
    std::size_t linearEnd = 0;
    ContextStop stop = ContextStop::Completed;
    std::string message;        ///< why it stopped, for a user
    double stopParameter = 0.0; ///< the sweep value at which it stopped (when stopped)
};

struct ContextOptions {
    Index points = 25;     ///< sweep values per curve (log-spaced), ≥ 2
    double maxDelta = 1.0; ///< largest ‖Δ‖
    double maxEta = 0.0; ///< largest η; 0: 2/λ_max(∇²L(X)) (gradient descent's stability limit)
    double decades = 4.0;   ///< the sweep runs from max·10^(−decades) to max
    std::uint64_t seed = 1; ///< for the random data directions
    std::vector<ContextBranch> branches = allContextBranches();
    /// Warm-started Newton for X*(t) (findMinimiser): damped phase tolerance and budget.
    double newtonTolerance = 1e-8;
    int newtonIterations = 100;
    std::function<bool()> cancel;
    /// (curves done, curves) after each curve.
    std::function<void(std::size_t, std::size_t)> progress;
};

struct ContextResponse {
    Vector x;            ///< the point X
    double loss = 0.0;   ///< L(X)
    Vector gradient;     ///< ∇L(X)
    double maxEta = 0.0; ///< the η sweep's upper end actually used
    /// The base minimiser X* (damped Newton from X), when it exists with ∇²L(X*) ≻ 0.
    std::optional<Vector> minimiser;
    double minimiserLambdaMin = 0.0;
    std::string minimiserMessage; ///< why X* is missing, when it is
    std::vector<ContextCurve> curves;
};

/// The unit data direction the sweep uses for `branch` (empty for gradient_step).
DataDirection
contextDirection(const MatrixProblem &problem, ContextBranch branch, std::uint64_t seed);

/// The log-spaced sweep max·10^(−decades) … max with `points` values.
std::vector<double> contextSweep(double max, double decades, Index points);

/// Damped Newton from x0 to ‖∇L‖ ≤ tolerance·max(1, ‖∇L(x0)‖), then pure Newton steps while
/// they reduce ‖∇L‖ (to its rounding floor); returns the minimiser, the iterations and
/// λ_min(∇²L) there, or the stop and message when there is none (overflow, no convergence,
/// ∇²L not positive definite: λ_min ≤ 1e-10·max(1, λ_max)).
struct MinimiserResult {
    std::optional<Vector> x;
    int iterations = 0;
    double lambdaMin = 0.0;
    ContextStop stop = ContextStop::Completed;
    std::string message;
};
MinimiserResult findMinimiser(const Problem &problem,
                              const Vector &x0,
                              double tolerance = 1e-8,
                              int maxIterations = 100);

/// Throws EvaluationError when L(x) itself is not evaluable, InvalidInput when d² exceeds
/// kMaxDenseDimension (every sweep point takes dense Newton solves), and std::invalid_argument
/// for bad options (points < 2, non-positive maxima).
ContextResponse
contextResponse(const MatrixProblem &problem, const Vector &x, const ContextOptions &options);

/// CSV of every curve: "branch,parameter,size,loss_change,predicted_loss_change,loss_ratio,
/// grad_change,predicted_grad_change,grad_ratio,minimiser_change,predicted_minimiser_change,
/// minimiser_ratio,linear" (minimiser columns empty where absent), then one "# branch stopped
/// at …: reason" comment line per stopped curve.
std::string contextCsv(const ContextResponse &response);

} // namespace mowe::regression
