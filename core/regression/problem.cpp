#include "regression/problem.h"

#include "regression/link.h"

#include <array>
#include <cmath>
#include <sstream>

namespace mowe::regression {

namespace {

struct KindInfo {
    ProblemKind kind;
    std::string_view name;
};

constexpr std::array<KindInfo, 6> kKinds{{
    {ProblemKind::SoftmaxNormalized, "softmax_normalized"},
    {ProblemKind::SoftmaxRescaled, "softmax_rescaled"},
    {ProblemKind::SoftmaxRelu, "softmax_relu"},
    {ProblemKind::ReluNormalized, "relu_normalized"},
    {ProblemKind::MatrixNormalized, "matrix_normalized"},
    {ProblemKind::MatrixRescaled, "matrix_rescaled"},
}};

} // namespace

std::string_view problemName(ProblemKind kind) {
    for (const auto &k : kKinds)
        if (k.kind == kind)
            return k.name;
    return "unknown";
}

std::optional<ProblemKind> problemFromName(std::string_view name) {
    for (const auto &k : kKinds)
        if (k.name == name)
            return k.kind;
    return std::nullopt;
}

const std::vector<ProblemKind> &allProblemKinds() {
    static const std::vector<ProblemKind> all = [] {
        std::vector<ProblemKind> v;
        for (const auto &k : kKinds)
            v.push_back(k.kind);
        return v;
    }();
    return all;
}

bool isMatrixProblem(ProblemKind kind) {
    return kind == ProblemKind::MatrixNormalized || kind == ProblemKind::MatrixRescaled;
}

bool needsDistribution(ProblemKind kind) {
    return !isRescaled(kind);
}

bool hasRelu(ProblemKind kind) {
    return kind == ProblemKind::SoftmaxRelu || kind == ProblemKind::ReluNormalized;
}

bool isRescaled(ProblemKind kind) {
    return kind == ProblemKind::SoftmaxRescaled || kind == ProblemKind::MatrixRescaled;
}

std::string_view evalStatusName(EvalStatus status) {
    switch (status) {
    case EvalStatus::Ok:
        return "ok";
    case EvalStatus::Overflow:
        return "overflow";
    case EvalStatus::Undefined:
        return "undefined";
    }
    return "unknown";
}

Problem::Problem(ProblemKind kind, Vector b, Vector w)
    : kind_(kind)
    , b_(std::move(b))
    , w_(std::move(w)) {
}

const Vector &Problem::checkedX(const Vector &x) const {
    if (x.size() != dimension()) {
        std::ostringstream msg;
        msg << problemName(kind_) << ": x has length " << x.size() << ", expected " << dimension();
        throw std::invalid_argument(msg.str());
    }
    return x;
}

void Problem::checkDense(const char *what) const {
    if (dimension() > kMaxDenseHessianDimension)
        throw InvalidInput(std::string(problemName(kind_)) + ": " + what + " would be a dense " +
                           std::to_string(dimension()) + "×" + std::to_string(dimension()) +
                           " matrix, above the limit p ≤ " +
                           std::to_string(kMaxDenseHessianDimension) +
                           "; use Hessian-vector products (Lanczos) instead");
}

namespace {

std::string statusMessage(ProblemKind kind, EvalStatus status, Index segment, double maxLogit) {
    std::ostringstream msg;
    msg << problemName(kind) << ": ";
    if (status == EvalStatus::Overflow)
        msg << "exp overflows in segment " << segment << " (largest logit " << maxLogit
            << ", the limit is " << kMaxLogit << "); the rescaled problem has no finite value "
            << "here";
    else
        msg << "undefined in segment " << segment
            << ": every ReLU unit is inactive (σ = ⟨ReLU(z),1⟩ = 0)";
    return msg.str();
}

} // namespace

LossValue Problem::lossFromLogits(const Vector &z) const {
    const Index n = segmentLength();
    const Index segments = designRows() / n;
    const LinkKind link = linkOf(kind_);
    LossValue out;
    Vector work(n);
    for (Index j = 0; j < segments; ++j) {
        const auto zj = z.segment(j * n, n);
        const LinkValue v = linkValue(link, zj, b_.segment(j * n, n), work);
        if (v.status != EvalStatus::Ok) {
            out.status = v.status;
            out.message = statusMessage(kind_, v.status, j, zj.maxCoeff());
            out.data = out.reg = out.total = 0.0;
            return out;
        }
        out.data += v.value;
    }
    out.reg = 0.5 * (w_.array() * z.array()).square().sum();
    out.total = out.data + out.reg;
    if (!std::isfinite(out.total)) {
        out.status = EvalStatus::Overflow;
        out.message = std::string(problemName(kind_)) + ": the loss overflows double precision";
        out.data = out.reg = out.total = 0.0;
    }
    return out;
}

EvalStatus
Problem::dataFromLogits(const Eigen::Ref<const Vector> &z, Vector &work, double &data) const {
    const Index n = segmentLength();
    const Index segments = designRows() / n;
    const LinkKind link = linkOf(kind_);
    data = 0.0;
    for (Index j = 0; j < segments; ++j) {
        const LinkValue v = linkValue(link, z.segment(j * n, n), b_.segment(j * n, n), work);
        if (v.status != EvalStatus::Ok)
            return v.status;
        data += v.value;
    }
    return std::isfinite(data) ? EvalStatus::Ok : EvalStatus::Overflow;
}

Matrix Problem::designTimes(const Matrix &P) const {
    Matrix out(designRows(), P.cols());
    for (Index c = 0; c < P.cols(); ++c)
        out.col(c) = logits(P.col(c));
    return out;
}

Matrix Problem::sketchDesign(const std::vector<Index> &bucket, const Vector &scale, Index m) const {
    Matrix out = Matrix::Zero(m, dimension());
    Vector row(dimension());
    for (Index i = 0; i < designRows(); ++i) {
        if (scale[i] == 0.0)
            continue;
        designRow(i, row);
        out.row(bucket[static_cast<std::size_t>(i)]) += scale[i] * row.transpose();
    }
    return out;
}

struct Problem::Derivatives {
    Vector z;
    Vector g; // ∂ℓ/∂z stacked
    Vector beta;
    Matrix U;
    std::vector<Eigen::Matrix2d> C;
};

Problem::Derivatives Problem::derivatives(const Vector &z, bool hessian, bool otherSide) const {
    const Index n = segmentLength();
    const Index N = designRows();
    const Index segments = N / n;
    const LinkKind link = linkOf(kind_);
    Derivatives d;
    d.g.resize(N);
    if (hessian) {
        d.beta.resize(N);
        d.U.resize(N, 2);
        d.C.resize(segments);
    }
    for (Index j = 0; j < segments; ++j) {
        const auto zj = z.segment(j * n, n);
        LinkDerivatives l = linkDerivatives(link, zj, b_.segment(j * n, n), hessian, otherSide);
        if (l.status != EvalStatus::Ok)
            throw EvaluationError(l.status, statusMessage(kind_, l.status, j, zj.maxCoeff()));
        d.g.segment(j * n, n) = l.g;
        if (hessian) {
            d.beta.segment(j * n, n) = l.beta;
            d.U.middleRows(j * n, n) = l.U;
            d.C[j] = l.C;
        }
    }
    d.z = z;
    return d;
}

Vector Problem::gradient(const Vector &x) const {
    const Vector z = logits(checkedX(x));
    const Derivatives d = derivatives(z, false, false);
    Vector grad = logitsTranspose(d.g + w_.cwiseAbs2().cwiseProduct(z));
    if (!grad.allFinite())
        throw EvaluationError(EvalStatus::Overflow,
                              std::string(problemName(kind_)) + ": the gradient overflows");
    return grad;
}

Vector Problem::gradientOtherSide(const Vector &x) const {
    const Vector z = logits(checkedX(x));
    const Derivatives d = derivatives(z, false, true);
    return logitsTranspose(d.g + w_.cwiseAbs2().cwiseProduct(z));
}

HessianSplit Problem::split(const Vector &x) const {
    checkDense("the Hessian split");
    const Vector z = logits(checkedX(x));
    const Derivatives d = derivatives(z, true, false);
    HessianSplit s;
    s.diagonal = d.beta + w_.cwiseAbs2();
    s.lowRank = lowRankGram(d.U, d.C);
    return s;
}

Matrix Problem::assembleHessian(const Vector &diagonal,
                                const Matrix &U,
                                const std::vector<Eigen::Matrix2d> &C) const {
    return designGram(diagonal) + lowRankGram(U, C);
}

Matrix Problem::hessian(const Vector &x) const {
    checkDense("the Hessian");
    const Vector z = logits(checkedX(x));
    const Derivatives d = derivatives(z, true, false);
    Matrix h = assembleHessian(d.beta + w_.cwiseAbs2(), d.U, d.C);
    h = 0.5 * (h + h.transpose()); // exactly symmetric for the eigensolvers and the files
    if (!h.allFinite())
        throw EvaluationError(EvalStatus::Overflow,
                              std::string(problemName(kind_)) + ": the Hessian overflows");
    return h;
}

Vector Problem::logitGradient(const Vector &x) const {
    const Vector z = logits(checkedX(x));
    const Derivatives d = derivatives(z, false, false);
    Vector out = d.g + w_.cwiseAbs2().cwiseProduct(z);
    if (!out.allFinite())
        throw EvaluationError(EvalStatus::Overflow,
                              std::string(problemName(kind_)) + ": the gradient overflows");
    return out;
}

Vector Problem::logitCurvatureProduct(const Vector &x, const Vector &dz) const {
    if (dz.size() != designRows())
        throw std::invalid_argument(std::string(problemName(kind_)) + ": dz has length " +
                                    std::to_string(dz.size()) + ", expected " +
                                    std::to_string(designRows()));
    const Vector z = logits(checkedX(x));
    const Derivatives d = derivatives(z, true, false);
    const Index n = segmentLength();
    Vector y = (d.beta + w_.cwiseAbs2()).cwiseProduct(dz);
    for (std::size_t j = 0; j < d.C.size(); ++j) {
        const auto Uj = d.U.middleRows(static_cast<Index>(j) * n, n);
        const Eigen::Vector2d t = d.C[j] * (Uj.transpose() * dz.segment(j * n, n));
        y.segment(j * n, n).noalias() += Uj * t;
    }
    return y;
}

Vector Problem::hessianVector(const Vector &x, const Vector &v) const {
    checkedX(v);
    Vector hv = logitsTranspose(logitCurvatureProduct(x, logits(v)));
    if (!hv.allFinite())
        throw EvaluationError(EvalStatus::Overflow,
                              std::string(problemName(kind_)) +
                                  ": the Hessian-vector product overflows");
    return hv;
}

std::vector<Index> Problem::kinks(const Vector &x, double tol) const {
    std::vector<Index> out;
    if (!hasRelu(kind_))
        return out;
    const Vector z = logits(checkedX(x));
    const double scale = std::max(1.0, z.cwiseAbs().maxCoeff());
    for (Index i = 0; i < z.size(); ++i)
        if (std::abs(z[i]) <= tol * scale)
            out.push_back(i);
    return out;
}

std::vector<Index> Problem::activeSet(const Vector &x) const {
    std::vector<Index> out;
    if (!hasRelu(kind_))
        return out;
    const Vector z = logits(checkedX(x));
    for (Index i = 0; i < z.size(); ++i)
        if (z[i] > 0.0)
            out.push_back(i);
    return out;
}

} // namespace mowe::regression
