#include "regression/ContextModel.h"

#include <cmath>
#include <limits>

namespace mowe::ui::workbench {

namespace {

bool cancelled(ContextCancel cancel) {
    return cancel && cancel->load(std::memory_order_relaxed);
}

// Loss at the foot c + s u + t v of a projected point (NaN where it is not finite).
double footLoss(const reg::Problem &problem,
                const ContextResult &r,
                const reg::LandscapeDirections &d,
                const reg::PathPoint &p) {
    const reg::Vector foot = r.center + p.s * d.u + p.t * d.v;
    const reg::LossValue l = problem.loss(foot);
    return l.ok() ? l.total : std::numeric_limits<double>::quiet_NaN();
}

} // namespace

std::shared_ptr<const ContextResult>
computeContext(std::shared_ptr<const reg::MatrixProblem> problem,
               const reg::Vector &x,
               const ContextSettings &settings,
               ContextCancel cancel,
               const std::function<void(double)> &progress) {
    auto out = std::make_shared<ContextResult>();
    out->settings = settings;
    reg::ContextOptions o;
    o.points = settings.points;
    o.maxDelta = settings.maxDelta;
    o.maxEta = settings.maxEta;
    o.decades = settings.decades;
    o.seed = settings.seed;
    o.cancel = [cancel] { return cancelled(cancel); };
    o.progress = [&progress](std::size_t done, std::size_t all) {
        if (progress)
            progress(0.9 * double(done) / double(all));
    };
    out->response = reg::contextResponse(*problem, x, o);
    if (cancelled(cancel))
        return nullptr;
    out->center = out->response.minimiser ? *out->response.minimiser : x;
    reg::LandscapeDirections eigen;
    try {
        eigen = reg::landscapeDirections(*problem, out->center, reg::DirectionKind::Eigen);
    } catch (const reg::RegressionError &) {
        // No Hessian at the centre (overflow): a random slice still shows the surface move.
        eigen = reg::landscapeDirections(
            *problem, out->center, reg::DirectionKind::Random, {}, settings.seed);
    }
    out->slices.fill(eigen);
    const auto &xStar = out->response.minimiser;
    for (const reg::ContextCurve &c : out->response.curves) {
        if (c.branch == reg::ContextBranch::GradientStep || !xStar || !c.minimiserSlope ||
            !(*c.minimiserSlope > 0.0))
            continue;
        const reg::Vector motion =
            reg::minimiserDataDirectional(*problem, *xStar, c.direction).normalized();
        // v: λ_min's eigenvector without its part along the motion (λ_max's if they align).
        reg::Vector v = eigen.u - motion.dot(eigen.u) * motion;
        if (v.norm() < 0.1 * eigen.u.norm())
            v = eigen.v - motion.dot(eigen.v) * motion;
        double reach = 0.0;
        for (const reg::ContextPoint &p : c.points)
            reach = std::max(reach, p.minimiserChange.value_or(0.0));
        if (!(reach > 0.0))
            reach = *c.minimiserSlope * settings.maxDelta;
        // Below this the surface would be rounding noise: keep a view of the basin instead.
        const double scale = std::max(1.25 * reach, 1e-4 * std::max(1.0, xStar->norm()));
        reg::LandscapeDirections d;
        d.kind = reg::DirectionKind::Eigen;
        d.scale = scale;
        d.u = scale * motion;
        d.v = scale * v.normalized();
        d.note = "u: the minimiser's first-order motion DX*[Δ̂]; v: λ_min's eigenvector "
                 "orthogonal to it; scale " +
                 std::to_string(scale);
        out->slices[std::size_t(c.branch)] = std::move(d);
    }
    out->problem = std::move(problem);
    if (progress)
        progress(1.0);
    return out;
}

std::shared_ptr<const MorphFrame> computeMorph(const ContextResult &result,
                                               reg::ContextBranch branch,
                                               double delta,
                                               ContextCancel cancel) {
    auto frame = std::make_shared<MorphFrame>();
    frame->branch = branch;
    frame->delta = delta;
    const reg::ContextCurve *curve = nullptr;
    for (const auto &c : result.response.curves)
        if (c.branch == branch)
            curve = &c;
    if (!curve || branch == reg::ContextBranch::GradientStep) {
        frame->message = "no sweep for this branch";
        return frame;
    }
    if (branch == reg::ContextBranch::B) {
        const reg::Matrix B = reg::targetMatrix(*result.problem) + delta * curve->direction.B;
        if (B.minCoeff() < 0.0) {
            frame->message = "at ‖Δ_B‖ = " + std::to_string(delta) +
                             " an entry of B is negative: its rows are no longer distributions, "
                             "so there is no perturbed problem to draw";
            return frame;
        }
    }
    std::unique_ptr<reg::MatrixProblem> moved;
    try {
        moved = reg::perturbedProblem(*result.problem, curve->direction, delta);
    } catch (const reg::InvalidInput &e) {
        frame->message = e.what();
        return frame;
    }

    std::vector<reg::Vector> points;
    const std::optional<reg::Vector> &old = result.response.minimiser;
    if (old) {
        points.push_back(*old);
        const reg::MinimiserResult m = reg::findMinimiser(*moved, *old);
        if (m.x) {
            frame->newMinimiser = *m.x;
            frame->minimiserShift = (*m.x - *old).norm();
            points.push_back(*m.x);
        } else {
            frame->message = "no minimiser of the perturbed problem: " + m.message;
        }
    } else {
        frame->message = result.response.minimiserMessage;
    }
    if (cancelled(cancel))
        return nullptr;

    reg::LandscapeOptions lo;
    lo.grid = result.settings.grid;
    lo.span = result.settings.span;
    lo.path = points;
    lo.cancel = [cancel] { return cancelled(cancel); };
    auto land = std::make_shared<reg::Landscape>(
        reg::computeLandscape(*moved, result.center, result.slice(branch), lo));
    if (land->cancelled || cancelled(cancel))
        return nullptr;
    frame->hasOld = old.has_value();
    frame->hasNew = frame->newMinimiser.has_value();
    if (frame->hasOld)
        frame->oldPlaneLoss = footLoss(*moved, result, result.slice(branch), land->path[0]);
    if (frame->hasNew)
        frame->newPlaneLoss = footLoss(*moved, result, result.slice(branch), land->path[1]);
    if (land->nonFinite > 0 && frame->message.empty())
        frame->message = std::to_string(land->nonFinite) +
                         " grid points of the perturbed landscape are not finite (holes)";
    frame->landscape = std::move(land);
    return frame;
}

} // namespace mowe::ui::workbench
