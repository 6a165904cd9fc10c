#pragma once
// The two concrete designs behind Problem (problem.h):
//
// SingleProblem: z = A x, A ∈ R^{n×d}, one segment. Covers softmax_normalized,
// softmax_rescaled, softmax_relu and relu_normalized (spec §1–3).
//
// MatrixProblem: z = vec(A₁ X A₂ᵀ) = (A₁ ⊗ A₂) x with the row-major vec (spec §4), n segments
// (the rows of Z), targets the rows of B, regulariser weights W_mat (n×n, optional). 𝔄 is never
// formed:
//     logits:   Z = (A₁ X) A₂ᵀ                                   O(nd² + n²d)
//     𝔄ᵀ y:     A₁ᵀ Y A₂                                         O(n²d + nd²)
//     ∇²L = Σ_j (a_j a_jᵀ) ⊗ K_j,   K_j = A₂ᵀ (diag(β_j + w_j²) + U_j C_j U_jᵀ) A₂
// The diagonal parts of all K_j come from ONE product M·Q (M[j,k] = β_jk + w_jk², Q[k,·] =
// vec(A₂[k,:]ᵀ A₂[k,:])): O(n²d²); the rank-2 parts cost O(nd²) in all; the Kronecker sum is
// one product Outer(A₁)ᵀ·[packed K_j]_j over the d(d+1)/2 symmetric pairs: O(nd⁴/4).
// Total O(n²d² + nd⁴), never O(n²d⁴).

#include "regression/problem.h"

namespace mowe::regression {

class SingleProblem final : public Problem {
public:
    /// Throws InvalidInput naming the field when shapes disagree, an entry is not finite, A is
    /// empty, or b is not a probability distribution where the problem needs one. An empty
    /// `w` means no regulariser.
    SingleProblem(ProblemKind kind, Matrix A, Vector b, Vector w = {});

    Index dimension() const override { return A_.cols(); }
    Index designRows() const override { return A_.rows(); }
    Index segmentLength() const override { return A_.rows(); }
    Vector logits(const Vector &x) const override;
    Vector logitsTranspose(const Vector &y) const override;
    void designRow(Index i, Eigen::Ref<Vector> out) const override;
    Matrix designGram(const Vector &weights) const override;
    Matrix designTimes(const Matrix &P) const override { return A_ * P; }
    Matrix
    sketchDesign(const std::vector<Index> &bucket, const Vector &scale, Index m) const override;

    const Matrix &A() const { return A_; }

protected:
    Matrix lowRankGram(const Matrix &U, const std::vector<Eigen::Matrix2d> &C) const override;

private:
    Matrix A_;
};

class MatrixProblem final : public Problem {
public:
    /// A₁, A₂ ∈ R^{n×d}, B ∈ R^{n×n} (rows distributions for matrix_normalized), Wmat n×n or
    /// empty (no regulariser). Throws InvalidInput with the field and sizes otherwise.
    MatrixProblem(ProblemKind kind, Matrix A1, Matrix A2, Matrix B, Matrix Wmat = {});

    Index dimension() const override { return d_ * d_; }
    Index designRows() const override { return n_ * n_; }
    Index segmentLength() const override { return n_; }
    Vector logits(const Vector &x) const override;
    Vector logitsTranspose(const Vector &y) const override;
    void designRow(Index i, Eigen::Ref<Vector> out) const override;
    Matrix designGram(const Vector &weights) const override;

    const Matrix &A1() const { return A1_; }
    const Matrix &A2() const { return A2_; }
    Index n() const { return n_; }
    Index d() const { return d_; }

    /// Σ_j (a_j a_jᵀ) ⊗ K_j for symmetric K_j stored row-major as row j of `Kstack` (n×d²);
    /// the d²×d² result uses the row-major vec. Public for the benchmarks and tests.
    Matrix kroneckerSum(const Matrix &Kstack) const;

protected:
    Matrix lowRankGram(const Matrix &U, const std::vector<Eigen::Matrix2d> &C) const override;
    /// Folds the diagonal and rank-2 parts into one K_j per row before a single Kronecker sum.
    Matrix assembleHessian(const Vector &diagonal,
                           const Matrix &U,
                           const std::vector<Eigen::Matrix2d> &C) const override;

private:
    /// Rows j = packed(V_j C_j V_jᵀ), V_j = A₂ᵀ U_j.
    Matrix lowRankStack(const Matrix &U, const std::vector<Eigen::Matrix2d> &C) const;
    /// The Kronecker sum from packed rows. Both factors are symmetric, so only the
    /// d(d+1)/2 entries with i ≤ i' (l ≤ l') enter the product: 4× fewer flops than vec.
    Matrix packedKroneckerSum(const Matrix &Kpacked) const;

    Index n_ = 0;
    Index d_ = 0;
    Matrix A1_, A2_;
    Matrix outer1_; ///< n×d(d+1)/2, row j = packed(a_j a_jᵀ) (upper triangle, row-major)
    Matrix q2_;     ///< n×d(d+1)/2, row k = packed(A₂[k,:]ᵀ A₂[k,:])
    Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> packedIndex_; ///< (i,i') → column
};

/// Explicit 𝔄 = A₁ ⊗ A₂ (n²×d², row-major vec): for tests and the benchmark baseline only.
Matrix explicitKronecker(const Matrix &A1, const Matrix &A2);

} // namespace mowe::regression
