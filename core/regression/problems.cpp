#include "regression/problems.h"

#include <cmath>
#include <sstream>

namespace mowe::regression {

namespace {

std::string shape(const Matrix &m) {
    return std::to_string(m.rows()) + "×" + std::to_string(m.cols());
}

void requireFinite(const Eigen::Ref<const Matrix> &m, std::string_view field) {
    for (Index i = 0; i < m.rows(); ++i)
        for (Index j = 0; j < m.cols(); ++j)
            if (!std::isfinite(m(i, j))) {
                std::ostringstream msg;
                msg << "field '" << field << "' has a non-finite entry at [" << i << "][" << j
                    << "] (of " << m.rows() << "×" << m.cols() << ")";
                throw InvalidInput(msg.str());
            }
}

// A target row is accepted as a distribution when it is non-negative and sums to 1 within
// 1e-6: files hold 17 digits, so a genuine softmax output is off by ~1e-16, while a user's
// hand-typed "0.3, 0.3, 0.3" is off by 0.1 and is refused with the sum in the message.
constexpr double kDistributionTol = 1e-6;

void requireDistribution(const Eigen::Ref<const Vector> &b, std::string_view field) {
    const double sum = b.sum();
    const double minv = b.minCoeff();
    if (std::abs(sum - 1.0) > kDistributionTol || minv < -kDistributionTol) {
        std::ostringstream msg;
        msg.precision(17);
        msg << "field '" << field << "' must be a probability distribution (entries ≥ 0, sum 1)"
            << " for this problem: its sum is " << sum << " and its smallest entry " << minv;
        throw InvalidInput(msg.str());
    }
}

// Row j = the upper triangle (i ≤ i') of A[j,:]ᵀ A[j,:], row by row.
Matrix packedOuterRows(const Matrix &A) {
    const Index n = A.rows(), d = A.cols();
    Matrix out(n, d * (d + 1) / 2);
    for (Index j = 0; j < n; ++j) {
        Index c = 0;
        for (Index i = 0; i < d; ++i)
            for (Index l = i; l < d; ++l)
                out(j, c++) = A(j, i) * A(j, l);
    }
    return out;
}

} // namespace

// ---------------------------------------------------------------------------------------------

SingleProblem::SingleProblem(ProblemKind kind, Matrix A, Vector b, Vector w)
    : Problem(kind, std::move(b), w.size() ? std::move(w) : Vector::Zero(A.rows()))
    , A_(std::move(A)) {
    if (isMatrixProblem(kind))
        throw std::invalid_argument("SingleProblem: a matrix problem kind needs MatrixProblem");
    if (A_.rows() == 0 || A_.cols() == 0)
        throw InvalidInput("field 'A' is empty (" + shape(A_) +
                           "): a problem needs n ≥ 1 rows and d ≥ 1 columns");
    if (target().size() != A_.rows())
        throw InvalidInput("field 'b' has length " + std::to_string(target().size()) +
                           " but 'A' has " + std::to_string(A_.rows()) + " rows");
    if (weights().size() != A_.rows())
        throw InvalidInput("field 'w' has length " + std::to_string(weights().size()) +
                           " but 'A' has " + std::to_string(A_.rows()) + " rows");
    requireFinite(A_, "A");
    requireFinite(target(), "b");
    requireFinite(weights(), "w");
    if (needsDistribution(kind))
        requireDistribution(target(), "b");
}

Vector SingleProblem::logits(const Vector &x) const {
    return A_ * checkedX(x);
}

Vector SingleProblem::logitsTranspose(const Vector &y) const {
    return A_.transpose() * y;
}

void SingleProblem::designRow(Index i, Eigen::Ref<Vector> out) const {
    out = A_.row(i).transpose();
}

Matrix SingleProblem::designGram(const Vector &weights) const {
    const Matrix weighted = weights.asDiagonal() * A_;
    Matrix g = A_.transpose() * weighted;
    return 0.5 * (g + g.transpose()); // exact symmetry for the eigensolvers
}

Matrix
SingleProblem::sketchDesign(const std::vector<Index> &bucket, const Vector &scale, Index m) const {
    // Column by column: A is column-major, so this streams through it once.
    Matrix out = Matrix::Zero(m, A_.cols());
    for (Index c = 0; c < A_.cols(); ++c) {
        const double *col = A_.col(c).data();
        double *dst = out.col(c).data();
        for (Index i = 0; i < A_.rows(); ++i)
            dst[bucket[static_cast<std::size_t>(i)]] += scale[i] * col[i];
    }
    return out;
}

Matrix SingleProblem::lowRankGram(const Matrix &U, const std::vector<Eigen::Matrix2d> &C) const {
    const Matrix V = A_.transpose() * U; // d×2: O(nd)
    return V * C.front() * V.transpose();
}

// ---------------------------------------------------------------------------------------------

MatrixProblem::MatrixProblem(ProblemKind kind, Matrix A1, Matrix A2, Matrix B, Matrix Wmat)
    : Problem(
          kind,
          [&] {
              const RowMatrix rm = B;
              return Vector(Eigen::Map<const Vector>(rm.data(), rm.size()));
          }(),
          [&] {
              if (Wmat.size() == 0)
                  return Vector(Vector::Zero(B.size()));
              const RowMatrix rm = Wmat;
              return Vector(Eigen::Map<const Vector>(rm.data(), rm.size()));
          }())
    , n_(A1.rows())
    , d_(A1.cols())
    , A1_(std::move(A1))
    , A2_(std::move(A2)) {
    if (!isMatrixProblem(kind))
        throw std::invalid_argument("MatrixProblem: a single problem kind needs SingleProblem");
    if (n_ == 0 || d_ == 0)
        throw InvalidInput("field 'A1' is empty (" + shape(A1_) +
                           "): a problem needs n ≥ 1 rows and d ≥ 1 columns");
    if (A2_.rows() != n_ || A2_.cols() != d_)
        throw InvalidInput("field 'A2' is " + shape(A2_) + " but 'A1' is " + shape(A1_) +
                           "; both must be n×d");
    if (B.rows() != n_ || B.cols() != n_)
        throw InvalidInput("field 'B' is " + shape(B) + " but must be n×n = " + std::to_string(n_) +
                           "×" + std::to_string(n_));
    if (Wmat.size() != 0 && (Wmat.rows() != n_ || Wmat.cols() != n_))
        throw InvalidInput("field 'w' holds " + std::to_string(Wmat.size()) +
                           " values but must hold n² = " + std::to_string(n_ * n_) +
                           " (row-major over Z)");
    requireFinite(A1_, "A1");
    requireFinite(A2_, "A2");
    requireFinite(B, "B");
    requireFinite(weights(), "w");
    if (needsDistribution(kind))
        for (Index j = 0; j < n_; ++j)
            requireDistribution(B.row(j).transpose(), "B[" + std::to_string(j) + "]");
    outer1_ = packedOuterRows(A1_);
    q2_ = packedOuterRows(A2_);
    packedIndex_.resize(d_, d_);
    for (Index i = 0, c = 0; i < d_; ++i)
        for (Index l = i; l < d_; ++l, ++c)
            packedIndex_(i, l) = packedIndex_(l, i) = c;
}

Vector MatrixProblem::logits(const Vector &x) const {
    checkedX(x);
    const Eigen::Map<const RowMatrix> X(x.data(), d_, d_);
    const Matrix A1X = A1_ * X;
    RowMatrix Z = A1X * A2_.transpose();
    return Eigen::Map<const Vector>(Z.data(), Z.size());
}

Vector MatrixProblem::logitsTranspose(const Vector &y) const {
    const Eigen::Map<const RowMatrix> Y(y.data(), n_, n_);
    const Matrix A1tY = A1_.transpose() * Y;
    RowMatrix G = A1tY * A2_;
    return Eigen::Map<const Vector>(G.data(), G.size());
}

void MatrixProblem::designRow(Index i, Eigen::Ref<Vector> out) const {
    const Index j = i / n_, k = i % n_;
    for (Index a = 0; a < d_; ++a)
        out.segment(a * d_, d_) = A1_(j, a) * A2_.row(k).transpose();
}

Matrix MatrixProblem::packedKroneckerSum(const Matrix &Kpacked) const {
    // P[(i,i'), (l,l')] = Σ_j a_ji a_ji' K_j[l,l'] over packed pairs is one GEMM; H is P with
    // its indices regrouped as [(i,l), (i',l')], each pair read in either order.
    const Matrix P = outer1_.transpose() * Kpacked;
    const Index d = d_;
    Matrix H(d * d, d * d);
    for (Index ip = 0; ip < d; ++ip)
        for (Index lp = 0; lp < d; ++lp)
            for (Index i = 0; i < d; ++i) {
                const Index row = packedIndex_(i, ip);
                for (Index l = 0; l < d; ++l)
                    H(i * d + l, ip * d + lp) = P(row, packedIndex_(l, lp));
            }
    return H;
}

Matrix MatrixProblem::kroneckerSum(const Matrix &Kstack) const {
    Matrix packed(n_, d_ * (d_ + 1) / 2);
    for (Index i = 0, c = 0; i < d_; ++i)
        for (Index l = i; l < d_; ++l, ++c)
            packed.col(c) = Kstack.col(i * d_ + l);
    return packedKroneckerSum(packed);
}

Matrix MatrixProblem::designGram(const Vector &weights) const {
    const Eigen::Map<const RowMatrix> Wm(weights.data(), n_, n_);
    const Matrix Kpacked = Wm * q2_; // row j = packed(A₂ᵀ diag(weights_j) A₂)
    Matrix h = packedKroneckerSum(Kpacked);
    return 0.5 * (h + h.transpose());
}

Matrix MatrixProblem::lowRankStack(const Matrix &U, const std::vector<Eigen::Matrix2d> &C) const {
    Matrix Kpacked(n_, d_ * (d_ + 1) / 2);
    Eigen::Matrix<double, Eigen::Dynamic, 2> V(d_, 2), VC(d_, 2);
    for (Index j = 0; j < n_; ++j) {
        V.noalias() = A2_.transpose() * U.middleRows(j * n_, n_); // d×2: O(nd)
        VC.noalias() = V * C[static_cast<std::size_t>(j)];
        for (Index i = 0, c = 0; i < d_; ++i)
            for (Index l = i; l < d_; ++l, ++c)
                Kpacked(j, c) = VC.row(i).dot(V.row(l));
    }
    return Kpacked;
}

Matrix MatrixProblem::lowRankGram(const Matrix &U, const std::vector<Eigen::Matrix2d> &C) const {
    Matrix h = packedKroneckerSum(lowRankStack(U, C));
    return 0.5 * (h + h.transpose());
}

Matrix MatrixProblem::assembleHessian(const Vector &diagonal,
                                      const Matrix &U,
                                      const std::vector<Eigen::Matrix2d> &C) const {
    const Eigen::Map<const RowMatrix> Wm(diagonal.data(), n_, n_);
    Matrix Kpacked = lowRankStack(U, C);
    Kpacked.noalias() += Wm * q2_;
    Matrix h = packedKroneckerSum(Kpacked);
    return 0.5 * (h + h.transpose());
}

Matrix explicitKronecker(const Matrix &A1, const Matrix &A2) {
    const Index n = A1.rows(), d = A1.cols();
    Matrix out(n * n, d * d);
    for (Index j = 0; j < n; ++j)
        for (Index k = 0; k < n; ++k)
            for (Index a = 0; a < d; ++a)
                for (Index l = 0; l < d; ++l)
                    out(j * n + k, a * d + l) = A1(j, a) * A2(k, l);
    return out;
}

} // namespace mowe::regression
