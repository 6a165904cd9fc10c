#pragma once
// Loss landscapes on a 2-D slice (spec/regression.md §4 and §6):
//
//     L(s, t) = L(c + s·u + t·v),   s, t ∈ [−span, span] on a grid × grid lattice,
//
// with c the centre and u, v orthogonal directions of length `scale` (so span = 1 reaches
// one scale away). The logits are affine on the slice, z = z_c + s·z_u + t·z_v, so after three
// products with 𝔇 a point costs one exp/normalise pass over the N logits and no matrix product;
// the regulariser ½‖w∘z‖² is a quadratic in (s, t) whose six coefficients are computed once.
// Rows of the grid run in parallel (OpenMP); `cancel` and `progress` are polled per row.
//
// Directions:
//   Random  two Gaussian directions, orthonormalised, each scaled to max(‖c‖, natural), where
//           natural = √(N p) / ‖𝔇‖_F is the length of a random step that moves a typical logit
//           by 1 (so a zero centre still gives a view);
//   Eigen   the unit eigenvectors of ∇²L(c) for λ_min (u) and λ_max (v), scaled likewise;
//   Pca     the first two principal components of a path (its mean removed), scaled to the
//           largest distance of a path point from c (natural if that is 0).
// Each path point x is reported with its plane coordinates (s, t) (least squares in the basis
// u, v), its distance ‖x − c − s u − t v‖ from the plane and its true loss, so a path that
// leaves the plane is never drawn as if it did not.
//
// Points where the loss is not finite (exp overflow, relu_normalized with σ = 0) are marked in
// `status` and hold 0 in `loss`; nothing NaN or infinite is ever stored.

#include "regression/problem.h"

#include <functional>
#include <string>
#include <vector>

namespace mowe::regression {

enum class DirectionKind { Random, Eigen, Pca };
std::string_view directionKindName(DirectionKind kind); ///< "random", "eigen", "pca"
std::optional<DirectionKind> directionKindFromName(std::string_view name);

struct LandscapeDirections {
    Vector u, v;
    double scale = 1.0;
    DirectionKind kind = DirectionKind::Random;
    std::string note; ///< e.g. "eigen: λ_min = …, λ_max = …" or how a rank-1 path was completed
};

/// `path` is needed for Pca (≥ 2 distinct points). Throws InvalidInput otherwise.
LandscapeDirections landscapeDirections(const Problem &problem,
                                        const Vector &center,
                                        DirectionKind kind,
                                        const std::vector<Vector> &path = {},
                                        std::uint64_t seed = 1);

/// √(N p) / ‖𝔇‖_F: see the header comment.
double naturalScale(const Problem &problem);

struct LandscapeOptions {
    double span = 1.0;
    Index grid = 41; ///< points per axis (≥ 2); grid² evaluations
    /// Iterates to project onto the plane.
    std::vector<Vector> path;
    /// Polled once per grid row from worker threads (serialised); true stops the run.
    std::function<bool()> cancel;
    /// Called after each finished row with (rows done, rows) from worker threads (serialised).
    std::function<void(Index, Index)> progress;
    int threads = 0; ///< 0: OpenMP's default (all cores)
};

/// Refused above this many grid points per axis (2001² ≈ 4·10⁶ evaluations).
inline constexpr Index kMaxLandscapeGrid = 2001;

struct PathPoint {
    double s = 0.0, t = 0.0; ///< plane coordinates in units of u and v
    double distance = 0.0;   ///< from the plane
    double loss = 0.0;       ///< true loss at the point (0 when not finite)
    EvalStatus status = EvalStatus::Ok;
};

struct Landscape {
    Vector center;
    LandscapeDirections directions;
    Vector s, t;                    ///< axis coordinates (length grid)
    Matrix loss;                    ///< loss(i, j) at c + s_j u + t_i v (row i = t_i)
    std::vector<EvalStatus> status; ///< row-major grid², Ok where loss is valid
    Index nonFinite = 0;            ///< points with status != Ok
    std::vector<PathPoint> path;
    bool cancelled = false; ///< rows not reached hold 0 and status Undefined
    Index rowsDone = 0;
};

Landscape computeLandscape(const Problem &problem,
                           const Vector &center,
                           const LandscapeDirections &directions,
                           const LandscapeOptions &options);

/// "s,t,loss,status" rows (status "ok" | "overflow" | "undefined"; loss empty when not ok).
std::string landscapeCsv(const Landscape &landscape);
/// VTK XML PolyData (ASCII): the grid as a surface (x = s, y = t, z = loss clamped to the
/// finite range) with point arrays "loss" and "finite", plus the path as a polyline with
/// "distance" in a second piece.
std::string landscapeVtp(const Landscape &landscape);

} // namespace mowe::regression
