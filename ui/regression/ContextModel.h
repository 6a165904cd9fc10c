#pragma once
// What the workbench's in-context panel computes, as plain data (no widgets, no VTK), so it
// runs on a JobRunner pool thread and the tests can call it directly.
//
// Two jobs, both on the problem and start point X of the workbench's current result:
//   1. the sweep (regression/context.h): loss, gradient and minimiser responses to a gradient
//      step and to changes of A₁, A₂, B, plus, per data branch, the slice its landscapes are
//      drawn on: through the base minimiser X*, along the minimiser's first-order motion
//      u ∝ DX*[Δ̂] and the λ_min eigenvector of ∇²L(X*) made orthogonal to it, with the scale
//      1.25 × the largest measured ‖X*(Δ) − X*‖ of the sweep — so the new minimiser moves
//      visibly across the view instead of sitting in one pixel. Without X* (or without its
//      motion) the slice is the workbench's eigen slice at X* or X;
//   2. one morph frame per slider position: the landscape of the perturbed problem
//      (A + ‖Δ‖Δ̂ for the branch chosen) on that SAME slice, so only the surface moves, with the
//      old minimiser X* and the new one X*(Δ) (Newton warm-started from X*) projected on it.

#include "regression/context.h"
#include "regression/landscape.h"

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mowe::ui::workbench {

namespace reg = mowe::regression;

struct ContextSettings {
    reg::Index points = 25; ///< sweep sizes per curve
    double maxDelta = 1.0;  ///< largest ‖Δ‖
    double maxEta = 0.0;    ///< largest η; 0: 2/λ_max(∇²L(X))
    double decades = 4.0;   ///< the sweep spans maxDelta·10^(−decades) … maxDelta
    std::uint64_t seed = 1; ///< the random data directions
    reg::Index grid = 41;   ///< morph landscape points per axis
    double span = 1.0;      ///< morph landscape half-width, in units of the slice scale
    bool operator==(const ContextSettings &) const = default;
};

struct ContextResult {
    ContextSettings settings;
    std::shared_ptr<const reg::MatrixProblem> problem;
    reg::ContextResponse response;
    /// The slice of the morph landscapes: centre (X* or X) and, indexed by ContextBranch,
    /// the directions for each data branch (see the header comment; [GradientStep] unused).
    reg::Vector center;
    std::array<reg::LandscapeDirections, 4> slices;
    const reg::LandscapeDirections &slice(reg::ContextBranch b) const {
        return slices[std::size_t(b)];
    }
};

/// Polled between the sweep's points and the landscape's rows (worker threads).
using ContextCancel = const std::atomic<bool> *;

/// The sweep and the slice. Throws reg::InvalidInput (problem too large) or
/// reg::EvaluationError (L not evaluable at X) with a message for the user; returns nullptr
/// when cancelled.
std::shared_ptr<const ContextResult>
computeContext(std::shared_ptr<const reg::MatrixProblem> problem,
               const reg::Vector &x,
               const ContextSettings &settings,
               ContextCancel cancel,
               const std::function<void(double)> &progress = {});

struct MorphFrame {
    reg::ContextBranch branch = reg::ContextBranch::A1;
    double delta = 0.0;
    /// The perturbed problem's landscape on the result's slice; null when the perturbed
    /// problem does not exist (B would leave the simplex), see `message`.
    std::shared_ptr<const reg::Landscape> landscape;
    /// path[0] = X* (old), path[1] = X*(Δ) (new, when it exists), both at their loss under
    /// the perturbed problem.
    bool hasOld = false, hasNew = false;
    std::optional<reg::Vector> newMinimiser;
    double minimiserShift = 0.0; ///< ‖X*(Δ) − X*‖
    /// Loss at the two points' feet on the plane (NaN when not finite), for the drop lines.
    double oldPlaneLoss = 0.0, newPlaneLoss = 0.0;
    std::string message; ///< why something is missing, for the status line
};

/// The frame for ‖Δ‖ = delta along `branch` (a data branch). Returns null when cancelled.
std::shared_ptr<const MorphFrame> computeMorph(const ContextResult &result,
                                               reg::ContextBranch branch,
                                               double delta,
                                               ContextCancel cancel);

} // namespace mowe::ui::workbench
