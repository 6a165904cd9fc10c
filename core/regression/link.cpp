#include "regression/link.h"

#include <cmath>

namespace mowe::regression {

LinkKind linkOf(ProblemKind kind) {
    switch (kind) {
    case ProblemKind::SoftmaxNormalized:
    case ProblemKind::MatrixNormalized:
        return LinkKind::SoftmaxNormalized;
    case ProblemKind::SoftmaxRescaled:
    case ProblemKind::MatrixRescaled:
        return LinkKind::SoftmaxRescaled;
    case ProblemKind::SoftmaxRelu:
        return LinkKind::SoftmaxRelu;
    case ProblemKind::ReluNormalized:
        return LinkKind::ReluNormalized;
    }
    return LinkKind::SoftmaxNormalized;
}

namespace {

// The ReLU mask 1[z > 0], or 1[z ≥ 0] for the other one-sided convention.
Vector reluMask(const Eigen::Ref<const Vector> &z, bool otherSide) {
    Vector s(z.size());
    for (Index i = 0; i < z.size(); ++i)
        s[i] = (otherSide ? z[i] >= 0.0 : z[i] > 0.0) ? 1.0 : 0.0;
    return s;
}

// Max-shifted softmax of `h` into `f` (log-sum-exp: no overflow for any finite h).
void softmaxInto(const Eigen::Ref<const Vector> &h, Vector &f) {
    const double m = h.maxCoeff();
    f = (h.array() - m).exp().matrix();
    f /= f.sum();
}

} // namespace

LinkValue linkValue(LinkKind kind,
                    const Eigen::Ref<const Vector> &z,
                    const Eigen::Ref<const Vector> &b,
                    Vector &work) {
    LinkValue out;
    switch (kind) {
    case LinkKind::SoftmaxNormalized:
    case LinkKind::SoftmaxRelu: {
        // One fused pass for exp and the sum, one for the residual: this is the landscape's
        // whole per-point cost, so no temporaries beyond `work`.
        const bool relu = kind == LinkKind::SoftmaxRelu;
        double m = z.maxCoeff();
        if (relu)
            m = std::max(m, 0.0);
        if (relu)
            work = (z.array().max(0.0) - m).exp().matrix();
        else
            work = (z.array() - m).exp().matrix();
        const double inv = 1.0 / work.sum();
        out.value = 0.5 * (work.array() * inv - b.array()).square().sum();
        break;
    }
    case LinkKind::SoftmaxRescaled: {
        if (z.maxCoeff() > kMaxLogit) {
            out.status = EvalStatus::Overflow;
            return out;
        }
        work = z.array().exp().matrix();
        const double alpha = work.sum();
        out.value = 0.5 * (work.array() - alpha * b.array()).square().sum();
        if (!std::isfinite(out.value))
            out.status = EvalStatus::Overflow;
        break;
    }
    case LinkKind::ReluNormalized: {
        work = z.array().max(0.0).matrix();
        const double sigma = work.sum();
        if (!(sigma > 0.0)) {
            out.status = EvalStatus::Undefined;
            return out;
        }
        out.value = 0.5 * (work.array() / sigma - b.array()).square().sum();
        break;
    }
    }
    return out;
}

LinkDerivatives linkDerivatives(LinkKind kind,
                                const Eigen::Ref<const Vector> &z,
                                const Eigen::Ref<const Vector> &b,
                                bool hessian,
                                bool otherSide) {
    const Index n = z.size();
    LinkDerivatives out;
    out.U.resize(hessian ? n : 0, 2);
    switch (kind) {
    case LinkKind::SoftmaxNormalized:
    case LinkKind::SoftmaxRelu: {
        const bool relu = kind == LinkKind::SoftmaxRelu;
        Vector s = Vector::Ones(n);
        if (relu)
            s = reluMask(z, otherSide);
        Vector f;
        if (relu)
            softmaxInto(z.array().max(0.0).matrix(), f);
        else
            softmaxInto(z, f);
        const Vector c = f - b;
        const double fc = f.dot(c);
        out.value = 0.5 * c.squaredNorm();
        out.g = s.cwiseProduct(f.cwiseProduct(c) - fc * f);
        if (hessian) {
            const Vector q = (2.0 * f - b).cwiseProduct(f);
            out.beta = s.cwiseProduct((b - f).dot(f) * f + q);
            out.U.col(0) = s.cwiseProduct(f);
            out.U.col(1) = s.cwiseProduct(q);
            out.C << (3.0 * f - 2.0 * b).dot(f), -1.0, -1.0, 0.0;
        }
        break;
    }
    case LinkKind::SoftmaxRescaled: {
        if (z.maxCoeff() > kMaxLogit) {
            out.status = EvalStatus::Overflow;
            return out;
        }
        const Vector u = z.array().exp().matrix();
        const double alpha = u.sum();
        const Vector c = u - alpha * b;
        const double bc = b.dot(c);
        out.value = 0.5 * c.squaredNorm();
        out.g = u.cwiseProduct(c) - bc * u;
        bool finite = std::isfinite(out.value) && out.g.allFinite();
        if (hessian && finite) {
            out.beta = u.cwiseProduct(u) + u.cwiseProduct(c) - bc * u;
            out.U.col(0) = u;
            out.U.col(1) = u.cwiseProduct(b);
            out.C << b.squaredNorm(), -1.0, -1.0, 0.0;
            // The products that the Hessian forms scale like u², u·‖b‖²·u: check their size.
            finite = out.beta.allFinite() && std::isfinite(u.squaredNorm());
        }
        if (!finite)
            out.status = EvalStatus::Overflow;
        break;
    }
    case LinkKind::ReluNormalized: {
        const Vector s = reluMask(z, otherSide);
        const Vector h = z.array().max(0.0).matrix();
        const double sigma = h.sum();
        if (!(sigma > 0.0)) {
            out.status = EvalStatus::Undefined;
            return out;
        }
        const Vector f = h / sigma;
        const Vector c = f - b;
        const double fc = f.dot(c);
        out.value = 0.5 * c.squaredNorm();
        out.g = s.cwiseProduct((c.array() - fc).matrix()) / sigma;
        if (hessian) {
            const double inv2 = 1.0 / (sigma * sigma);
            out.beta = s * inv2;
            out.U.col(0) = s;
            out.U.col(1) = s.cwiseProduct(2.0 * f - b);
            out.C << (f.squaredNorm() + 2.0 * fc) * inv2, -inv2, -inv2, 0.0;
        }
        break;
    }
    }
    return out;
}

} // namespace mowe::regression
