#pragma once
// The four "links" ℓ(z; b) of one segment z ∈ R^n, with their gradient and a Hessian in
// "diagonal + rank 2" form ∇²ℓ = diag(β) + U C Uᵀ (U ∈ R^{n×2}, C ∈ R^{2×2} symmetric).
// Every formula below is from spec/regression.md §1–3 and is checked against central
// finite differences in tests/core/regression/link_test.cpp.
//
// Softmax, normalized (§1).  u = exp(z − max z), α = ⟨u,1⟩, f = u/α, c = f − b:
//     ℓ = ½‖c‖²,   g = (diag f − f fᵀ) c = f ∘ c − ⟨f,c⟩ f
//     β = ⟨b − f, f⟩ f + q,   q = (2f − b) ∘ f,   U = [f, q],   C = [[⟨3f − 2b, f⟩, −1], [−1, 0]]
// Softmax, rescaled (§2).  u = exp(z) (no shift: the value is not shift-invariant), c = u − αb:
//     ℓ = ½‖c‖²,   g = u ∘ c − ⟨b,c⟩ u
//     β = u∘u + u∘c − ⟨b,c⟩ u,   U = [u, u∘b],   C = [[‖b‖², −1], [−1, 0]]
//     Overflow when max z > log(DBL_MAX) or when ℓ, g, β are not finite (u² overflows first).
// Softmax over ReLU (§3).  h = ReLU(z), S = diag(1[z > 0]), f = softmax(h):
//     ℓ = ½‖f − b‖²,   g = S (diag f − f fᵀ) c,   ∇²ℓ = S Ψ(f) S  (a.e.; β, U masked by S)
// ReLU-normalized (§3, the alternative reading; Hessian derived here).  σ = ⟨h,1⟩,
// f = h/σ, c = f − b, J = ∂f/∂h = (I − f 1ᵀ)/σ:
//     ℓ = ½‖c‖²,   g = S (c − ⟨f,c⟩ 1)/σ
//     ∇²_h ℓ = JᵀJ + Σᵢ cᵢ ∇²fᵢ = [ I − (2f − b) 1ᵀ − 1 (2f − b)ᵀ + (‖f‖² + 2⟨c,f⟩) 1 1ᵀ ] / σ²
//     (using ∂²fᵢ/∂h_k∂h_l = (2hᵢ/σ − δ_ik − δ_il)/σ²), so on z:
//     β = s/σ²,   U = [s, s ∘ (2f − b)],   C = [[‖f‖² + 2⟨c,f⟩, −1], [−1, 0]] / σ²
//     Undefined when σ = 0 (every unit inactive, e.g. z = 0).
//
// ReLU'(0) := 0; `otherSide` switches to ReLU'(0) := 1 (only the mask changes).

#include "regression/problem.h"

#include <Eigen/Core>

namespace mowe::regression {

enum class LinkKind { SoftmaxNormalized, SoftmaxRescaled, SoftmaxRelu, ReluNormalized };

LinkKind linkOf(ProblemKind kind);

/// log(DBL_MAX): exp of anything larger overflows.
inline constexpr double kMaxLogit = 709.782712893384;

struct LinkValue {
    double value = 0.0;
    EvalStatus status = EvalStatus::Ok;
};

/// ℓ(z; b) only: the landscape's inner loop (one exp per entry, no allocation when `work`
/// already has length n).
LinkValue linkValue(LinkKind kind,
                    const Eigen::Ref<const Vector> &z,
                    const Eigen::Ref<const Vector> &b,
                    Vector &work);

struct LinkDerivatives {
    double value = 0.0;
    EvalStatus status = EvalStatus::Ok;
    Vector g;                                   ///< ∇ℓ (length n)
    Vector beta;                                ///< diagonal of ∇²ℓ (length n)
    Eigen::Matrix<double, Eigen::Dynamic, 2> U; ///< low-rank factors (n×2)
    Eigen::Matrix2d C = Eigen::Matrix2d::Zero();
};

/// Value, gradient and (if `hessian`) the diagonal + rank-2 Hessian of one segment.
LinkDerivatives linkDerivatives(LinkKind kind,
                                const Eigen::Ref<const Vector> &z,
                                const Eigen::Ref<const Vector> &b,
                                bool hessian,
                                bool otherSide = false);

} // namespace mowe::regression
