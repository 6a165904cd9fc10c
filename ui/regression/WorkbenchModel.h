#pragma once
// What the regression workbench computes, as plain data: no widgets, no VTK, so it runs on a
// JobRunner pool thread and the tests can call it directly.
//
// One computation takes WorkbenchSettings and produces a WorkbenchResult in stages:
//   1. the instance (generated with regression::generateInstance, or the one opened);
//   2. one or two solver runs from the chosen start (regression::solve), and x*;
//   3. the Hessian spectrum at every iterate of each run: all eigenvalues (dense) while
//      p ≤ kDenseSpectrumLimit, else the extreme Lanczos pairs plus an SLQ density;
//   4. the landscape on ONE slice shared by both runs (so their paths compare fairly),
//      with every iterate of both runs projected onto it.
// A stage whose inputs did not change is taken from the previous result (shared, never
// copied), so re-centring the slice or changing its directions does not re-run the solvers.

#include "regression/instance.h"
#include "regression/landscape.h"
#include "regression/solvers.h"
#include "regression/spectrum.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mowe::ui::workbench {

namespace reg = mowe::regression;

/// Above this p the spectrum view shows Lanczos extremes and an SLQ density instead of all
/// eigenvalues: a dense eigensolve per iterate costs O(p³).
inline constexpr reg::Index kDenseSpectrumLimit = 400;
/// Eigenpairs at each end for large problems.
inline constexpr reg::Index kLanczosPairs = 5;
/// Above this many logit evaluations (N × grid²) the landscape grid is reduced so one slice
/// stays interactive; the result says so.
inline constexpr double kMaxLandscapeWork = 4.0e9;

enum class StartKind {
    Instance, ///< the instance's own x (the generator puts it near the planted point)
    Zero,
    Random,      ///< N(0, 1/p) entries from the settings' seed
    NearOptimum, ///< the planted point (or x* of a reference run) moved by 1 % of its norm
};
std::string_view startKindName(StartKind kind);

struct SolverChoice {
    reg::Method method = reg::Method::Exact;
    reg::Index samples = 0; ///< approximate Newton: s (0 = the solver's default)
    double gdStep = 0.0;    ///< gradient descent: η (0 = 1/|λ|max at the start)
    bool operator==(const SolverChoice &) const = default;
};

struct WorkbenchSettings {
    // The instance: generated from these, or `instance` when it is set (opened file).
    reg::ProblemKind problem = reg::ProblemKind::SoftmaxNormalized;
    reg::Index n = 20;
    reg::Index d = 5;
    std::uint64_t seed = 1;
    std::optional<double> w; ///< unset: the generator's choice
    std::shared_ptr<const reg::Instance> instance;

    // The runs.
    StartKind start = StartKind::Instance;
    int maxIterations = 30;
    SolverChoice solverA;
    std::optional<SolverChoice> solverB; ///< a second run on the same instance and slice

    // The slice.
    reg::DirectionKind directions = reg::DirectionKind::Eigen;
    int centerRun = 0;      ///< which run's iterate is the centre (0 = A, 1 = B)
    int centerIterate = -1; ///< −1: the last iterate of the run (x_T)
    reg::Index grid = 81;
    double span = 1.0;
};

struct IterateSpectrum {
    reg::Vector eigenvalues; ///< ascending; all of them, or the Lanczos extremes when !dense
    bool dense = true;
    bool evaluable = true;
    double lambdaMin = 0.0, lambdaMax = 0.0;
    std::optional<double> condition;
    bool psd = false;
    std::string message; ///< why not evaluable, or the Lanczos note
    /// SLQ density (large problems only): grid and density.
    reg::Vector densityGrid, density;
};

struct RunResult {
    SolverChoice choice;
    reg::SolverSummary summary;
    /// ‖x_t − x*‖ per iterate; empty when no x* is known.
    std::vector<double> distances;
    std::vector<IterateSpectrum> spectra; ///< one per iterate
};

struct WorkbenchResult {
    WorkbenchSettings settings;
    std::shared_ptr<const reg::Instance> instance;
    std::shared_ptr<const reg::Problem> problem;
    reg::Vector start;
    std::vector<std::shared_ptr<const RunResult>> runs; ///< A, then B when requested
    std::optional<reg::Vector> xStar;
    std::string xStarNote; ///< where x* came from
    std::shared_ptr<const reg::Landscape> landscape;
    /// Loss at each run's iterates' plane points c + s u + t v (the foot of the drop line);
    /// indexed [run][iterate], NaN where the loss is not finite.
    std::vector<std::vector<double>> planeLoss;
    /// Messages for the user (grid reduced, non-finite part of the slice, solver notes).
    std::vector<std::string> notes;
    /// The iterate the slice is centred on (clamped).
    int centerRun = 0, centerIterate = 0;
};

/// Polled by the stages (worker threads); true stops the computation (the result is dropped).
using CancelFlag = const std::atomic<bool> *;
using ProgressFn = std::function<void(double, const std::string &)>;

/// Thrown when the computation stopped because `cancel` became true.
class Cancelled : public std::runtime_error {
public:
    Cancelled()
        : std::runtime_error("cancelled") {}
};

/// Runs the stages (see the header comment), reusing those of `previous` whose inputs are
/// unchanged. Throws reg::InvalidInput for an unusable instance, Cancelled when cancelled.
WorkbenchResult computeWorkbench(const WorkbenchSettings &settings,
                                 const std::shared_ptr<const WorkbenchResult> &previous,
                                 CancelFlag cancel,
                                 const ProgressFn &progress);

/// The spectrum at one point (dense or Lanczos + SLQ by p).
IterateSpectrum spectrumAt(const reg::Problem &problem, const reg::Vector &x);

/// "iterate,loss,grad_norm,distance,step,eps0,step_length,shift" per iterate of every run
/// (a leading "run" column names A or B).
std::string iteratesCsv(const WorkbenchResult &result);
/// "run,iterate,index,eigenvalue" rows (large problems: the Lanczos extremes).
std::string spectraCsv(const WorkbenchResult &result);

} // namespace mowe::ui::workbench
