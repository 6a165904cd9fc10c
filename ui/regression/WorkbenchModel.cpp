#include "regression/WorkbenchModel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <sstream>

namespace mowe::ui::workbench {

namespace {

using reg::Index;
using reg::Vector;

bool cancelled(CancelFlag cancel) {
    return cancel && cancel->load(std::memory_order_relaxed);
}

void throwIfCancelled(CancelFlag cancel) {
    if (cancelled(cancel))
        throw Cancelled();
}

// A stage is reused only when everything it depends on is the same; the instance opened from
// a file is compared by identity (it is immutable once loaded).
bool sameInstance(const WorkbenchSettings &a, const WorkbenchSettings &b) {
    if (a.instance || b.instance)
        return a.instance == b.instance;
    return a.problem == b.problem && a.n == b.n && a.d == b.d && a.seed == b.seed && a.w == b.w;
}

bool sameRuns(const WorkbenchSettings &a, const WorkbenchSettings &b) {
    return sameInstance(a, b) && a.start == b.start && a.maxIterations == b.maxIterations &&
           a.solverA == b.solverA && a.solverB == b.solverB &&
           // Random and near-optimum starts are drawn from the seed.
           a.seed == b.seed;
}

bool sameSlice(const WorkbenchSettings &a, const WorkbenchSettings &b) {
    return sameRuns(a, b) && a.directions == b.directions && a.centerRun == b.centerRun &&
           a.centerIterate == b.centerIterate && a.grid == b.grid && a.span == b.span;
}

Vector gaussian(Index size, double sigma, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, sigma);
    Vector v(size);
    for (Index i = 0; i < size; ++i)
        v[i] = normal(rng);
    return v;
}

// x* for the distances: a run that converged is its own best witness; otherwise a tight damped
// Newton run from the start, as `mowe-cli regress spectrum --at x*` does.
std::optional<Vector> findSolution(const reg::Problem &problem,
                                   const Vector &start,
                                   const std::vector<std::shared_ptr<const RunResult>> &runs,
                                   CancelFlag cancel,
                                   std::string &note) {
    const char *names[] = {"A", "B"};
    for (std::size_t r = 0; r < runs.size(); ++r) {
        const auto &s = runs[r]->summary;
        if (s.reason == reg::StopReason::Converged && !s.iterates.empty()) {
            note = std::string("x* = the last iterate of run ") + names[r] + " (converged)";
            return s.iterates.back().x;
        }
    }
    reg::SolverOptions o;
    o.method = reg::Method::Damped;
    o.maxIterations = 200;
    o.tolerance = 1e-12;
    o.cancel = [cancel] { return cancelled(cancel); };
    const reg::SolverSummary ref = reg::solve(problem, start, o);
    throwIfCancelled(cancel);
    if (ref.reason == reg::StopReason::Converged && !ref.iterates.empty()) {
        note = "x* from a damped Newton reference run (" + std::to_string(ref.iterates.size() - 1) +
               " steps)";
        return ref.iterates.back().x;
    }
    note = "no x*: neither run nor a damped reference run converged (" + ref.message + ")";
    return std::nullopt;
}

Vector startPoint(const WorkbenchSettings &settings,
                  const reg::Instance &instance,
                  const reg::Problem &problem,
                  std::vector<std::string> &notes) {
    const Index p = instance.dimension();
    switch (settings.start) {
    case StartKind::Instance:
        return instance.x;
    case StartKind::Zero:
        return Vector::Zero(p);
    case StartKind::Random:
        return gaussian(p, 1.0 / std::sqrt(static_cast<double>(p)), settings.seed + 7919);
    case StartKind::NearOptimum: {
        Vector centre;
        if (instance.planted) {
            centre = *instance.planted;
        } else {
            reg::SolverOptions o;
            o.method = reg::Method::Damped;
            o.maxIterations = 200;
            o.tolerance = 1e-12;
            const reg::SolverSummary ref = reg::solve(problem, instance.x, o);
            if (ref.iterates.empty()) {
                notes.push_back("near-optimum start: the instance has no planted point and a "
                                "reference run failed; starting at the instance's x");
                return instance.x;
            }
            centre = ref.iterates.back().x;
        }
        // 1 % of the point's size (or of 1/√p for a zero point) in a random direction.
        Vector dir = gaussian(p, 1.0, settings.seed + 104729);
        dir /= std::max(dir.norm(), 1e-300);
        const double radius = 0.01 * std::max(centre.norm(), 1.0 / std::sqrt(double(p)));
        return centre + radius * dir;
    }
    }
    return instance.x;
}

} // namespace

std::string_view startKindName(StartKind kind) {
    switch (kind) {
    case StartKind::Instance:
        return "instance";
    case StartKind::Zero:
        return "zero";
    case StartKind::Random:
        return "random";
    case StartKind::NearOptimum:
        return "near_optimum";
    }
    return "?";
}

IterateSpectrum spectrumAt(const reg::Problem &problem, const Vector &x) {
    IterateSpectrum out;
    const reg::LossValue l = problem.loss(x);
    if (!l.ok()) {
        out.evaluable = false;
        out.message = l.message;
        return out;
    }
    const Index p = problem.dimension();
    if (p <= kDenseSpectrumLimit) {
        const reg::DenseSpectrum s = reg::denseSpectrum(problem.hessian(x));
        out.eigenvalues = s.eigenvalues;
        out.lambdaMin = s.lambdaMin;
        out.lambdaMax = s.lambdaMax;
        out.condition = s.condition;
        out.psd = s.positiveSemidefinite;
        return out;
    }
    out.dense = false;
    const reg::SymmetricOperator op = reg::hessianOperator(problem, x);
    reg::LanczosOptions lo;
    lo.pairs = kLanczosPairs;
    const reg::LanczosResult r = reg::lanczosExtreme(op, p, lo);
    std::vector<double> values;
    for (const auto &e : r.smallest)
        values.push_back(e.value);
    for (const auto &e : r.largest)
        values.push_back(e.value);
    std::sort(values.begin(), values.end());
    out.eigenvalues = Eigen::Map<const Vector>(values.data(), Index(values.size()));
    out.lambdaMin = r.smallest.empty() ? 0.0 : r.smallest.front().value;
    out.lambdaMax = r.largest.empty() ? 0.0 : r.largest.front().value;
    const double largeAbs = std::max(std::abs(out.lambdaMin), std::abs(out.lambdaMax));
    // Only the extremes are known: the smallest |λ| may hide in the interior, so the condition
    // number is reported only when λ_min > 0 (then |λ|min = λ_min).
    if (out.lambdaMin > 0.0)
        out.condition = largeAbs / out.lambdaMin;
    out.psd = out.lambdaMin >= -1e-12 * std::max(1.0, largeAbs);
    out.message = "p = " + std::to_string(p) + ": " + std::to_string(kLanczosPairs) +
                  " Lanczos pairs at each end (" + r.message + "), SLQ density";
    reg::DensityOptions dopt;
    const reg::SpectralDensity density = reg::spectralDensity(op, p, dopt);
    out.densityGrid = density.grid;
    out.density = density.density;
    return out;
}

WorkbenchResult computeWorkbench(const WorkbenchSettings &settings,
                                 const std::shared_ptr<const WorkbenchResult> &previous,
                                 CancelFlag cancel,
                                 const ProgressFn &progress) {
    auto report = [&](double fraction, const std::string &text) {
        if (progress)
            progress(fraction, text);
    };
    WorkbenchResult out;
    out.settings = settings;

    // 1. The instance.
    if (previous && sameInstance(previous->settings, settings)) {
        out.instance = previous->instance;
        out.problem = previous->problem;
    } else {
        report(0.0, "Preparing the instance");
        if (settings.instance) {
            out.instance = settings.instance;
        } else {
            reg::GenerateOptions g;
            g.kind = settings.problem;
            g.n = settings.n;
            g.d = settings.d;
            g.seed = settings.seed;
            g.w = settings.w;
            out.instance = std::make_shared<const reg::Instance>(reg::generateInstance(g));
        }
        out.problem = std::shared_ptr<const reg::Problem>(reg::makeProblem(*out.instance));
    }
    throwIfCancelled(cancel);
    const reg::Problem &problem = *out.problem;

    // 2. The runs, x* and the spectra along them.
    if (previous && sameRuns(previous->settings, settings)) {
        out.start = previous->start;
        out.runs = previous->runs;
        out.xStar = previous->xStar;
        out.xStarNote = previous->xStarNote;
        for (const auto &note : previous->notes) {
            if (note.rfind("slice:", 0) != 0 && note.rfind("run ", 0) != 0)
                out.notes.push_back(note);
        }
    } else {
        out.start = startPoint(settings, *out.instance, problem, out.notes);
        std::vector<SolverChoice> choices{settings.solverA};
        if (settings.solverB)
            choices.push_back(*settings.solverB);
        std::vector<std::shared_ptr<RunResult>> runs;
        for (std::size_t r = 0; r < choices.size(); ++r) {
            report(0.05 + 0.15 * r / choices.size(),
                   std::string("Running ") + std::string(reg::methodName(choices[r].method)));
            auto run = std::make_shared<RunResult>();
            run->choice = choices[r];
            reg::SolverOptions o;
            o.method = choices[r].method;
            o.maxIterations = settings.maxIterations;
            o.samples = choices[r].samples;
            o.gdStep = choices[r].gdStep;
            o.seed = 1;
            o.cancel = [cancel] { return cancelled(cancel); };
            run->summary = reg::solve(problem, out.start, o);
            throwIfCancelled(cancel);
            runs.push_back(run);
        }
        std::vector<std::shared_ptr<const RunResult>> constRuns(runs.begin(), runs.end());
        report(0.2, "Finding x*");
        out.xStar = findSolution(problem, out.start, constRuns, cancel, out.xStarNote);
        Index total = 0;
        for (const auto &run : runs)
            total += Index(run->summary.iterates.size());
        Index done = 0;
        for (const auto &run : runs) {
            for (const auto &it : run->summary.iterates) {
                if (out.xStar)
                    run->distances.push_back((it.x - *out.xStar).norm());
                report(0.25 + 0.2 * double(done) / std::max<Index>(total, 1),
                       "Hessian spectra along the path");
                run->spectra.push_back(spectrumAt(problem, it.x));
                ++done;
                throwIfCancelled(cancel);
            }
        }
        out.runs = std::move(constRuns);
    }

    // 3. The slice: centre, directions, grid, the paths projected.
    out.centerRun = std::clamp(settings.centerRun, 0, int(out.runs.size()) - 1);
    const auto &centreIterates = out.runs[std::size_t(out.centerRun)]->summary.iterates;
    Vector centre = out.start;
    if (!centreIterates.empty()) {
        const int last = int(centreIterates.size()) - 1;
        out.centerIterate =
            settings.centerIterate < 0 ? last : std::clamp(settings.centerIterate, 0, last);
        centre = centreIterates[std::size_t(out.centerIterate)].x;
    }
    std::vector<Vector> path;
    for (const auto &run : out.runs)
        for (const auto &it : run->summary.iterates)
            path.push_back(it.x);

    if (previous && previous->landscape && sameSlice(previous->settings, settings)) {
        out.landscape = previous->landscape;
        out.planeLoss = previous->planeLoss;
        for (const auto &note : previous->notes) {
            if (note.rfind("slice:", 0) == 0)
                out.notes.push_back(note);
        }
    } else {
        report(0.45, "Slice directions");
        reg::LandscapeDirections dirs;
        try {
            dirs =
                reg::landscapeDirections(problem, centre, settings.directions, path, settings.seed);
        } catch (const reg::RegressionError &e) {
            out.notes.push_back(std::string("slice: ") +
                                std::string(reg::directionKindName(settings.directions)) +
                                " directions are not available here (" + e.what() +
                                "); random directions are shown instead");
            dirs = reg::landscapeDirections(
                problem, centre, reg::DirectionKind::Random, path, settings.seed);
        }
        reg::LandscapeOptions lo;
        lo.span = settings.span;
        lo.grid = std::clamp<Index>(settings.grid, 2, reg::kMaxLandscapeGrid);
        const double perPoint = double(problem.designRows());
        const Index affordable =
            std::max<Index>(11, Index(std::sqrt(kMaxLandscapeWork / std::max(perPoint, 1.0))));
        if (lo.grid > affordable) {
            out.notes.push_back("slice: the grid was reduced from " + std::to_string(lo.grid) +
                                " to " + std::to_string(affordable) + " points per axis: with " +
                                std::to_string(problem.designRows()) +
                                " logits per point a finer grid would not stay interactive");
            lo.grid = affordable;
        }
        lo.path = path;
        lo.cancel = [cancel] { return cancelled(cancel); };
        lo.progress = [&](Index rows, Index total) {
            report(0.5 + 0.5 * double(rows) / double(std::max<Index>(total, 1)),
                   "Landscape " + std::to_string(lo.grid) + " × " + std::to_string(lo.grid));
        };
        auto landscape =
            std::make_shared<reg::Landscape>(reg::computeLandscape(problem, centre, dirs, lo));
        if (landscape->cancelled)
            throw Cancelled();
        throwIfCancelled(cancel);
        if (landscape->nonFinite > 0)
            out.notes.push_back("slice: the loss is not finite at " +
                                std::to_string(landscape->nonFinite) + " of " +
                                std::to_string(lo.grid * lo.grid) +
                                " grid points (overflow or undefined); they are left as holes");
        if (!dirs.note.empty())
            out.notes.push_back("slice: " + dirs.note);
        // The loss at each iterate's foot on the plane, for the drop lines.
        std::size_t k = 0;
        for (const auto &run : out.runs) {
            std::vector<double> feet;
            for (std::size_t i = 0; i < run->summary.iterates.size(); ++i, ++k) {
                const reg::PathPoint &pp = landscape->path[k];
                const Vector foot = centre + pp.s * dirs.u + pp.t * dirs.v;
                const reg::LossValue l = problem.loss(foot);
                feet.push_back(l.ok() ? l.total : std::numeric_limits<double>::quiet_NaN());
            }
            out.planeLoss.push_back(std::move(feet));
        }
        out.landscape = std::move(landscape);
    }
    for (std::size_t r = 0; r < out.runs.size(); ++r) {
        const auto &s = out.runs[r]->summary;
        out.notes.push_back(std::string(r == 0 ? "run A" : "run B") + " (" +
                            std::string(reg::methodName(out.runs[r]->choice.method)) +
                            "): " + std::string(reg::stopReasonName(s.reason)) + ", " + s.message);
    }
    report(1.0, "Done");
    return out;
}

namespace {
std::string number(double v) {
    if (!std::isfinite(v))
        return {};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}
} // namespace

std::string iteratesCsv(const WorkbenchResult &result) {
    std::ostringstream out;
    out << "run,method,iterate,loss,grad_norm,distance_to_solution,step,eps0,step_length,shift\n";
    for (std::size_t r = 0; r < result.runs.size(); ++r) {
        const RunResult &run = *result.runs[r];
        const auto &its = run.summary.iterates;
        for (std::size_t i = 0; i < its.size(); ++i) {
            out << (r == 0 ? "A" : "B") << ',' << reg::methodName(run.choice.method) << ',' << i
                << ',' << number(its[i].loss) << ',' << number(its[i].gradNorm) << ','
                << (i < run.distances.size() ? number(run.distances[i]) : std::string()) << ','
                << reg::stepKindName(its[i].step) << ','
                << (its[i].eps0 ? number(*its[i].eps0) : std::string()) << ','
                << number(its[i].stepLength) << ',' << number(its[i].shift) << '\n';
        }
    }
    return out.str();
}

std::string spectraCsv(const WorkbenchResult &result) {
    std::ostringstream out;
    out << "run,iterate,index,eigenvalue,kind\n";
    for (std::size_t r = 0; r < result.runs.size(); ++r) {
        const RunResult &run = *result.runs[r];
        for (std::size_t i = 0; i < run.spectra.size(); ++i) {
            const IterateSpectrum &s = run.spectra[i];
            for (Index k = 0; k < s.eigenvalues.size(); ++k)
                out << (r == 0 ? "A" : "B") << ',' << i << ',' << k << ','
                    << number(s.eigenvalues[k]) << ',' << (s.dense ? "all" : "lanczos_extreme")
                    << '\n';
        }
    }
    return out.str();
}

} // namespace mowe::ui::workbench
