#pragma once
// The six regression losses written with LibTorch operations only (double precision), for
// the autograd cross-check and its benchmark: derivatives come from double backward, so
// they are independent of the closed forms in core/regression.

#include "regression/instance.h"

#include <torch/torch.h>

namespace mowe::regression::test {

inline torch::Tensor toTorch(const Matrix &m) {
    const RowMatrix rm = m; // torch is row-major
    return torch::from_blob(
               const_cast<double *>(rm.data()), {rm.rows(), rm.cols()}, torch::kFloat64)
        .clone();
}

inline torch::Tensor toTorch(const Vector &v) {
    return torch::from_blob(const_cast<double *>(v.data()), {v.size()}, torch::kFloat64).clone();
}

inline Vector fromTorch1(const torch::Tensor &t) {
    const torch::Tensor c = t.contiguous().to(torch::kFloat64);
    return Eigen::Map<const Vector>(c.data_ptr<double>(), c.numel());
}

inline Matrix fromTorch2(const torch::Tensor &t) {
    const torch::Tensor c = t.contiguous().to(torch::kFloat64);
    return Eigen::Map<const RowMatrix>(c.data_ptr<double>(), c.size(0), c.size(1));
}

/// L(x) for the instance's problem, x a flat tensor (row-major X for matrix problems).
class TorchLoss {
public:
    explicit TorchLoss(const Instance &inst)
        : kind_(inst.kind) {
        if (isMatrixProblem(kind_)) {
            A1_ = toTorch(inst.A1);
            A2_ = toTorch(inst.A2);
            B_ = toTorch(inst.B);
            W_ = inst.W.size() ? toTorch(inst.W) : torch::zeros_like(B_);
            d_ = inst.A1.cols();
        } else {
            A_ = toTorch(inst.A);
            b_ = toTorch(inst.b);
            w_ = inst.w.size() ? toTorch(inst.w) : torch::zeros({inst.A.rows()}, torch::kFloat64);
        }
    }

    torch::Tensor operator()(const torch::Tensor &x) const {
        if (isMatrixProblem(kind_)) {
            const torch::Tensor Z = A1_.matmul(x.view({d_, d_})).matmul(A2_.t());
            torch::Tensor data;
            if (kind_ == ProblemKind::MatrixNormalized) {
                data = 0.5 * (torch::softmax(Z, 1) - B_).pow(2).sum();
            } else {
                const torch::Tensor u = torch::exp(Z);
                data = 0.5 * (u - u.sum(1, true) * B_).pow(2).sum();
            }
            return data + 0.5 * (W_ * Z).pow(2).sum();
        }
        const torch::Tensor z = A_.matmul(x);
        torch::Tensor f;
        switch (kind_) {
        case ProblemKind::SoftmaxNormalized:
            f = torch::softmax(z, 0) - b_;
            break;
        case ProblemKind::SoftmaxRescaled: {
            const torch::Tensor u = torch::exp(z);
            f = u - u.sum() * b_;
            break;
        }
        case ProblemKind::SoftmaxRelu:
            f = torch::softmax(torch::relu(z), 0) - b_;
            break;
        default: {
            const torch::Tensor h = torch::relu(z);
            f = h / h.sum() - b_;
            break;
        }
        }
        return 0.5 * f.pow(2).sum() + 0.5 * (w_ * z).pow(2).sum();
    }

    /// Gradient and Hessian by double backward: one backward per Hessian row.
    std::pair<Vector, Matrix> derivatives(const Vector &xv) const {
        torch::Tensor x = toTorch(xv).requires_grad_(true);
        const torch::Tensor L = (*this)(x);
        const torch::Tensor g = torch::autograd::grad({L}, {x}, {}, true, true)[0];
        const auto p = static_cast<Index>(xv.size());
        Matrix H(p, p);
        for (Index i = 0; i < p; ++i)
            H.row(i) =
                fromTorch1(torch::autograd::grad({g[i]}, {x}, {}, true, false)[0]).transpose();
        return {fromTorch1(g.detach()), H};
    }

private:
    ProblemKind kind_;
    Index d_ = 0;
    torch::Tensor A_, b_, w_, A1_, A2_, B_, W_;
};

} // namespace mowe::regression::test
