#pragma once
// The six regression problems of the workbench behind one interface.
//
// Every problem is a "link" applied to logits that are linear in the parameters:
//
//     z = 𝔇 x ∈ R^N,        L(x) = Σ_segments ℓ(z_seg; b_seg) + ½ ‖w ∘ z‖²
//
// with a design 𝔇 ∈ R^{N×p}. For the single problems 𝔇 = A (N = n, p = d, one segment).
// For the matrix attention problems 𝔇 = 𝔄 = A₁ ⊗ A₂ (N = n², p = d², n segments: row j of
// Z = A₁ X A₂ᵀ is segment j), with the ROW-MAJOR vectorisation x[i·d + l] = X[i,l] and
// vec(Z)[j·n + k] = Z[j,k]; 𝔄 is never formed. Every loss carries the factor ½.
//
// Because of that structure every derivative has the same shape:
//
//     ∇L   = 𝔇ᵀ (g + w² ∘ z),            g = ∂ℓ/∂z stacked over the segments
//     ∇²L  = 𝔇ᵀ (Ψ + W²) 𝔇,              Ψ = blockdiag_segments( diag(β) + U C Uᵀ )
//
// where each segment's Ψ is "diagonal + rank ≤ 2" (U has two columns, C is 2×2); see link.h
// for the four links. ReLU'(0) := 0 everywhere (spec/regression.md, a choice), so the ReLU
// problems are differentiated "almost everywhere" and the Hessian jumps across kinks.
//
// Errors: constructors throw InvalidInput for wrong shapes or non-finite data (a programmer
// or file error, with the field and sizes in the message). loss() never throws on a valid x:
// overflow of exp in the rescaled problems and the undefined relu_normalized (σ = 0) come
// back as a status. gradient(), hessian() and friends throw EvaluationError with that status,
// so a caller that checked loss() first never sees them.

#include <Eigen/Core>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mowe::regression {

using Index = Eigen::Index;
using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

enum class ProblemKind {
    SoftmaxNormalized, ///< ½‖softmax(Ax) − b‖² + ½‖WAx‖²
    SoftmaxRescaled,   ///< ½‖exp(Ax) − ⟨exp(Ax),1⟩ b‖² + ½‖WAx‖²
    SoftmaxRelu,       ///< ½‖softmax(ReLU(Ax)) − b‖² + ½‖WAx‖²  (arXiv:2308.08358)
    ReluNormalized, ///< ½‖ReLU(Ax)/⟨ReLU(Ax),1⟩ − b‖² + ½‖WAx‖²  (alternative reading)
    MatrixNormalized, ///< ½‖D⁻¹exp(A₁XA₂ᵀ) − B‖²_F + ½‖W∘Z‖²_F  (arXiv:2307.02419)
    MatrixRescaled, ///< ½‖exp(A₁XA₂ᵀ) − D B‖²_F + ½‖W∘Z‖²_F
};

/// The file/CLI name: "softmax_normalized", ..., "matrix_rescaled".
std::string_view problemName(ProblemKind kind);
/// The inverse of problemName; nullopt for an unknown name.
std::optional<ProblemKind> problemFromName(std::string_view name);
/// All six, in declaration order (for menus and tests).
const std::vector<ProblemKind> &allProblemKinds();
bool isMatrixProblem(ProblemKind kind);
/// True for the problems whose target must be a probability distribution (per row).
bool needsDistribution(ProblemKind kind);
/// True for the problems with a ReLU (kinks, ReLU'(0) = 0).
bool hasRelu(ProblemKind kind);
/// True for the problems that use raw exponentials (overflow possible).
bool isRescaled(ProblemKind kind);

/// Base of every error the regression library throws.
class RegressionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Bad input data: wrong shape, non-finite value, target not a distribution, size too large.
/// The message names the field and the sizes.
class InvalidInput : public RegressionError {
public:
    using RegressionError::RegressionError;
};

/// Outcome of evaluating a problem at a point.
enum class EvalStatus {
    Ok,
    Overflow,  ///< a logit exceeds log(DBL_MAX) ≈ 709.78, or a derived quantity overflows
    Undefined, ///< relu_normalized with σ = ⟨ReLU(z),1⟩ = 0 in some segment
};

std::string_view evalStatusName(EvalStatus status);

/// Thrown by gradient()/hessian()/... at a point where loss() reports a non-Ok status.
class EvaluationError : public RegressionError {
public:
    EvaluationError(EvalStatus status, const std::string &message)
        : RegressionError(message)
        , status_(status) {}
    EvalStatus status() const { return status_; }

private:
    EvalStatus status_;
};

/// Largest p for which hessian() and split() form a dense p×p matrix (p² ≤ 2²⁵ doubles,
/// 256 MiB); above it they throw InvalidInput and hessianVector() is the way in.
inline constexpr Index kMaxDenseHessianDimension = 5792;

/// The loss split into data term and regulariser; finite whenever status == Ok.
struct LossValue {
    double data = 0.0;  ///< Σ ℓ(z_seg; b_seg)
    double reg = 0.0;   ///< ½‖w ∘ z‖²
    double total = 0.0; ///< data + reg
    EvalStatus status = EvalStatus::Ok;
    std::string message; ///< empty when Ok; otherwise what went wrong and where
    bool ok() const { return status == EvalStatus::Ok; }
};

/// The Hessian split used by the approximate Newton method:
///     ∇²L = 𝔇ᵀ diag(diagonal) 𝔇 + lowRank,
/// diagonal = β + w² (length N, one weight per design row, may be negative) and lowRank =
/// 𝔇ᵀ blockdiag(U C Uᵀ) 𝔇 (p×p, computed from 𝔇ᵀU without forming the N×N middle).
struct HessianSplit {
    Vector diagonal;
    Matrix lowRank;
};

/// A regression problem. Thread safety: all const members may be called concurrently.
class Problem {
public:
    virtual ~Problem() = default;

    ProblemKind kind() const { return kind_; }
    std::string_view name() const { return problemName(kind()); }
    /// p: d for the single problems, d² for the matrix problems.
    virtual Index dimension() const = 0;
    /// N: the number of logits (n, or n² for the matrix problems).
    virtual Index designRows() const = 0;
    /// Segment length (n): each segment is one softmax / ReLU-normalisation.
    virtual Index segmentLength() const = 0;

    /// z = 𝔇 x. O(nd) single, O(nd² + n²d) matrix.
    virtual Vector logits(const Vector &x) const = 0;
    /// 𝔇ᵀ y. Same cost as logits().
    virtual Vector logitsTranspose(const Vector &y) const = 0;
    /// Row i of 𝔇 (length p) written into `out` (for sampling; O(p)).
    virtual void designRow(Index i, Eigen::Ref<Vector> out) const = 0;
    /// 𝔇ᵀ diag(weights) 𝔇 (p×p). O(nd²) single; O(n²d² + nd⁴) matrix via Kronecker sums.
    virtual Matrix designGram(const Vector &weights) const = 0;
    /// 𝔇 P for a p×k matrix P (N×k): k calls of logits() unless a design does better.
    virtual Matrix designTimes(const Matrix &P) const;
    /// S diag(scale) 𝔇 (m×p) for a CountSketch S whose column i has its one nonzero in row
    /// bucket[i] (its ±1 sign folded into scale[i]). O(Np).
    virtual Matrix
    sketchDesign(const std::vector<Index> &bucket, const Vector &scale, Index m) const;

    /// The loss from precomputed logits (the landscape's inner loop: no matrix product).
    LossValue lossFromLogits(const Vector &z) const;
    /// The data term only, for inner loops: no allocation once `work` has length n, no
    /// message. Returns the status; `data` is valid only when it is Ok.
    EvalStatus dataFromLogits(const Eigen::Ref<const Vector> &z, Vector &work, double &data) const;
    LossValue loss(const Vector &x) const { return lossFromLogits(logits(checkedX(x))); }
    Vector gradient(const Vector &x) const;
    /// The closed-form Hessian (p×p, symmetric). Throws InvalidInput when
    /// p > kMaxDenseHessianDimension (checked before allocating).
    Matrix hessian(const Vector &x) const;
    /// ∇²L(x) v without forming ∇²L: O(nd) single, O(n²d + nd²) matrix.
    Vector hessianVector(const Vector &x, const Vector &v) const;
    HessianSplit split(const Vector &x) const;

    /// ∂L/∂z = g + w² ∘ z at x (length N), so that ∇L = 𝔇ᵀ logitGradient(x). For the matrix
    /// problems it is G' = ∂L/∂Z row-major, the factor every derivative with respect to the
    /// data A₁, A₂ needs (context.h). Throws EvaluationError where loss() is not Ok.
    Vector logitGradient(const Vector &x) const;
    /// (Ψ + W²) dz at x for a logit direction dz (length N), so that
    /// ∇²L v = 𝔇ᵀ logitCurvatureProduct(x, 𝔇 v). Throws EvaluationError where loss() is not Ok.
    Vector logitCurvatureProduct(const Vector &x, const Vector &dz) const;

    /// The gradient with the other one-sided convention ReLU'(0) := 1. Equal to gradient()
    /// away from kinks; used to tell a genuine stationary point from one that is stationary
    /// only because ReLU'(0) = 0 (e.g. softmax_relu at x = 0).
    Vector gradientOtherSide(const Vector &x) const;
    /// Indices i of the logits with |z_i| ≤ tol · max(1, ‖z‖_∞) (ReLU problems; else empty).
    std::vector<Index> kinks(const Vector &x, double tol) const;
    /// Indices of the active units z_i > 0 (ReLU problems; else empty).
    std::vector<Index> activeSet(const Vector &x) const;

    /// The target b stacked over segments (length N) and the regulariser weights w (length N).
    const Vector &target() const { return b_; }
    const Vector &weights() const { return w_; }

protected:
    Problem(ProblemKind kind, Vector b, Vector w);
    /// 𝔇ᵀ blockdiag_j(U_j C_j U_jᵀ) 𝔇, given the stacked factors (N×2) and the C's.
    virtual Matrix lowRankGram(const Matrix &U, const std::vector<Eigen::Matrix2d> &C) const = 0;
    /// designGram(diagonal) + lowRankGram(U, C); a design may fuse the two.
    virtual Matrix assembleHessian(const Vector &diagonal,
                                   const Matrix &U,
                                   const std::vector<Eigen::Matrix2d> &C) const;
    /// Throws std::invalid_argument when x has the wrong length (a programmer error).
    const Vector &checkedX(const Vector &x) const;
    /// Throws InvalidInput when a dense p×p matrix would exceed kMaxDenseHessianDimension.
    void checkDense(const char *what) const;

private:
    struct Derivatives;
    Derivatives derivatives(const Vector &z, bool hessian, bool otherSide) const;

    ProblemKind kind_;
    Vector b_;
    Vector w_;
};

} // namespace mowe::regression
