#include "regression/solvers.h"

#include "common/log.h"
#include "regression/spectrum.h"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace mowe::regression {

namespace {

constexpr const char *kLog = "regression";

struct MethodInfo {
    Method method;
    std::string_view name;
};
constexpr MethodInfo kMethods[] = {
    {Method::Exact, "exact"},
    {Method::Damped, "damped"},
    {Method::Approx, "approx"},
    {Method::GradientFixed, "gd"},
    {Method::GradientBacktracking, "gd_backtracking"},
};

} // namespace

std::string_view methodName(Method method) {
    for (const auto &m : kMethods)
        if (m.method == method)
            return m.name;
    return "unknown";
}

std::optional<Method> methodFromName(std::string_view name) {
    for (const auto &m : kMethods)
        if (m.name == name)
            return m.method;
    return std::nullopt;
}

std::string_view stepKindName(StepKind kind) {
    switch (kind) {
    case StepKind::Start:
        return "start";
    case StepKind::Newton:
        return "newton";
    case StepKind::Damped:
        return "damped";
    case StepKind::Shifted:
        return "shifted";
    case StepKind::Approx:
        return "approx";
    case StepKind::Gradient:
        return "gd";
    }
    return "unknown";
}

std::string_view stopReasonName(StopReason reason) {
    switch (reason) {
    case StopReason::Converged:
        return "converged";
    case StopReason::MaxIterations:
        return "max_iterations";
    case StopReason::StalledKink:
        return "stalled_kink";
    case StopReason::DegenerateStationary:
        return "degenerate_stationary";
    case StopReason::NonFinite:
        return "non_finite";
    case StopReason::Overflow:
        return "overflow";
    case StopReason::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Leverage scores and the sampled Hessian.

Vector leverageScores(const Problem &problem,
                      const Vector &weights,
                      bool sketched,
                      Index sketchRows,
                      Index jlColumns,
                      std::mt19937_64 &rng) {
    const Index N = problem.designRows(), p = problem.dimension();
    const Vector root = weights.cwiseMax(0.0).cwiseSqrt();
    Matrix R; // upper-triangular p×p with ‖diag(root) 𝔇 R⁻¹ y‖ ≈ ‖y‖
    if (!sketched) {
        // ℓᵢ = δᵢ 𝔇ᵢ G⁻¹ 𝔇ᵢᵀ with G = 𝔇ᵀ diag(δ) 𝔇 = Lᵀ... via Cholesky G = RᵀR.
        const Matrix G = problem.designGram(root.cwiseAbs2());
        Eigen::LLT<Matrix> llt(G);
        if (llt.info() != Eigen::Success)
            return Vector::Constant(N, 1.0); // rank-deficient: fall back to uniform sampling
        R = llt.matrixU();
        const Matrix Rinv = R.triangularView<Eigen::Upper>().solve(Matrix::Identity(p, p));
        const Matrix Y = problem.designTimes(Rinv);
        return root.cwiseAbs2().cwiseProduct(Y.rowwise().squaredNorm());
    }
    const Index m = std::clamp<Index>(
        sketchRows > 0 ? sketchRows : std::max(40 * p, 2 * p * p), p, std::max(N, p));
    std::uniform_int_distribution<Index> bucketOf(0, m - 1);
    std::bernoulli_distribution coin(0.5);
    std::vector<Index> bucket(static_cast<std::size_t>(N));
    Vector scale(N);
    for (Index i = 0; i < N; ++i) {
        bucket[static_cast<std::size_t>(i)] = bucketOf(rng);
        scale[i] = coin(rng) ? root[i] : -root[i];
    }
    const Matrix SM = problem.sketchDesign(bucket, scale, m);
    Eigen::HouseholderQR<Matrix> qr(SM);
    R = qr.matrixQR().topRows(p).triangularView<Eigen::Upper>();
    const double tiny = 1e-13 * std::max(1.0, R.diagonal().cwiseAbs().maxCoeff());
    for (Index i = 0; i < p; ++i)
        if (std::abs(R(i, i)) < tiny)
            R(i, i) = tiny; // rank-deficient sketch: regularise rather than divide by zero
    const Index k = jlColumns > 0 ? jlColumns : 12;
    std::normal_distribution<double> normal(0.0, 1.0 / std::sqrt(static_cast<double>(k)));
    Matrix Gauss(p, k);
    for (Index i = 0; i < Gauss.size(); ++i)
        Gauss.data()[i] = normal(rng);
    const Matrix P = R.triangularView<Eigen::Upper>().solve(Gauss); // R⁻¹ G, p×k
    const Matrix Y = problem.designTimes(P);                        // N×k: O(Npk)
    return root.cwiseAbs2().cwiseProduct(Y.rowwise().squaredNorm());
}

ApproximateHessian approximateHessian(const Problem &problem,
                                      const Vector &x,
                                      const SolverOptions &options,
                                      std::mt19937_64 &rng) {
    const Index N = problem.designRows(), p = problem.dimension();
    const HessianSplit split = problem.split(x);
    const Vector &delta = split.diagonal;
    ApproximateHessian out;
    out.H = split.lowRank;
    out.samples = options.samples > 0 ? options.samples
                                      : static_cast<Index>(std::ceil(4.0 * p * std::log(p + 1.0)));
    out.sketched = options.leverage == LeverageMethod::Sketched ||
                   (options.leverage == LeverageMethod::Auto && N > 20 * p);

    // Negative diagonal entries are not sampled (they would need signed importance weights):
    // they are added exactly, row by row.
    Vector row(p);
    for (Index i = 0; i < N; ++i)
        if (delta[i] < 0.0) {
            problem.designRow(i, row);
            out.H.selfadjointView<Eigen::Lower>().rankUpdate(row, delta[i]);
        }

    const Vector positive = delta.cwiseMax(0.0);
    if (positive.maxCoeff() > 0.0) {
        const Vector lev = leverageScores(
            problem, positive, out.sketched, options.sketchRows, options.jlColumns, rng);
        // Sampling by leverage alone can assign ~0 probability to a row that a noisy sketch
        // underestimated; mixing in 1% of the weight-proportional distribution bounds every
        // importance weight.
        const double levSum = lev.sum(), posSum = positive.sum();
        Vector prob = 0.99 * lev / std::max(levSum, 1e-300) + 0.01 * positive / posSum;
        for (Index i = 0; i < N; ++i)
            if (positive[i] == 0.0)
                prob[i] = 0.0;
        std::discrete_distribution<Index> draw(prob.data(), prob.data() + N);
        const double total = prob.sum();
        Matrix S(out.samples, p);
        for (Index r = 0; r < out.samples; ++r) {
            const Index i = draw(rng);
            problem.designRow(i, row);
            const double pi = prob[i] / total;
            S.row(r) =
                std::sqrt(positive[i] / (static_cast<double>(out.samples) * pi)) * row.transpose();
        }
        out.H.selfadjointView<Eigen::Lower>().rankUpdate(S.transpose());
    }
    // rankUpdate touched only the lower triangle; mirror it (the low-rank start was symmetric).
    const Matrix transposed = out.H.transpose();
    out.H.triangularView<Eigen::StrictlyUpper>() = transposed;
    return out;
}

std::optional<double> relativeSpectralError(const Matrix &approx, const Matrix &exact) {
    Eigen::LLT<Matrix> llt(exact);
    if (llt.info() != Eigen::Success)
        return std::nullopt;
    // Generalized eigenvalues of (H̃, H) are those of L⁻¹ H̃ L⁻ᵀ.
    const Matrix Linv = llt.matrixL().solve(Matrix::Identity(exact.rows(), exact.cols()));
    Matrix M = Linv * approx * Linv.transpose();
    M = 0.5 * (M + M.transpose());
    Eigen::SelfAdjointEigenSolver<Matrix> es(M, Eigen::EigenvaluesOnly);
    if (es.info() != Eigen::Success)
        return std::nullopt;
    return std::max(std::abs(es.eigenvalues().minCoeff() - 1.0),
                    std::abs(es.eigenvalues().maxCoeff() - 1.0));
}

// ---------------------------------------------------------------------------------------------
// The iteration.

namespace {

struct Step {
    Vector x;
    StepKind kind = StepKind::Newton;
    double stepLength = 1.0;
    double shift = 0.0;
    std::optional<double> eps0;
    std::optional<StopReason> failure; // the step could not be taken
    std::string message;
};

std::optional<StopReason> statusReason(EvalStatus s) {
    if (s == EvalStatus::Overflow)
        return StopReason::Overflow;
    if (s == EvalStatus::Undefined)
        return StopReason::NonFinite;
    return std::nullopt;
}

// Pure solve of H p = −g for a symmetric, possibly indefinite H (LDLᵀ with pivoting).
std::optional<Vector> newtonDirection(const Matrix &H, const Vector &g) {
    Eigen::LDLT<Matrix> ldlt(H);
    if (ldlt.info() != Eigen::Success)
        return std::nullopt;
    const Vector D = ldlt.vectorD().cwiseAbs();
    if (D.minCoeff() <= 1e-14 * std::max(D.maxCoeff(), 1e-300))
        return std::nullopt; // numerically singular
    Vector p = -ldlt.solve(g);
    if (!p.allFinite())
        return std::nullopt;
    return p;
}

double dominantEigenvalue(const Problem &problem, const Vector &x, std::uint64_t seed) {
    return dominantMagnitude(hessianOperator(problem, x), problem.dimension(), seed);
}

// Armijo backtracking along direction p from x (loss f, gradient g); nullopt if no decrease.
std::optional<double> armijo(const Problem &problem,
                             const Vector &x,
                             double f,
                             const Vector &g,
                             const Vector &p,
                             double t,
                             const SolverOptions &o) {
    const double slope = g.dot(p);
    for (int k = 0; k <= o.maxBacktracks; ++k, t *= o.backtrack) {
        const LossValue l = problem.loss(x + t * p);
        if (l.ok() && l.total <= f + o.armijo * t * slope)
            return t;
    }
    return std::nullopt;
}

class Runner {
public:
    Runner(const Problem &problem, const SolverOptions &options)
        : problem_(problem)
        , o_(options)
        , rng_(options.seed) {}

    SolverSummary run(const Vector &x0);

private:
    Step takeStep(const Vector &x, double f, const Vector &g);
    Step exactStep(const Vector &x, const Vector &g);
    Step dampedStep(const Vector &x, double f, const Vector &g);
    Step approxStep(const Vector &x, const Vector &g);
    Step gradientStep(const Vector &x, double f, const Vector &g);
    bool finish(SolverSummary &s, StopReason reason, std::string message);
    bool stalledOnKink(const SolverSummary &s) const;

    const Problem &problem_;
    const SolverOptions &o_;
    std::mt19937_64 rng_;
    double gdStep_ = 0.0;
    std::vector<std::vector<Index>> activeHistory_;
};

bool Runner::finish(SolverSummary &s, StopReason reason, std::string message) {
    s.reason = reason;
    s.message = std::move(message);
    if (hasRelu(problem_.kind()) && !s.iterates.empty()) {
        const Vector &x = s.iterates.back().x;
        s.activeSet = problem_.activeSet(x);
        s.kinkSet = problem_.kinks(x, o_.kinkTolerance);
    }
    log::debug(kLog) << "solve(" << problem_.name() << ", " << methodName(o_.method)
                     << "): " << stopReasonName(reason) << ": " << s.message;
    return true;
}

Step Runner::exactStep(const Vector &x, const Vector &g) {
    Step step;
    const auto p = newtonDirection(problem_.hessian(x), g);
    if (!p) {
        step.failure = StopReason::NonFinite;
        step.message = "the Hessian is singular at this iterate: the pure Newton step is not "
                       "defined (try --method damped)";
        return step;
    }
    step.x = x + *p;
    step.kind = StepKind::Newton;
    return step;
}

Step Runner::dampedStep(const Vector &x, double f, const Vector &g) {
    Step step;
    const Matrix H = problem_.hessian(x);
    Eigen::LLT<Matrix> llt(H);
    double mu = 0.0;
    if (llt.info() != Eigen::Success) {
        // Levenberg: start from a Gershgorin-style bound so few factorizations are wasted.
        const double scale = std::max(1.0, H.cwiseAbs().maxCoeff());
        mu = 1e-8 * scale;
        for (int k = 0; k < 40; ++k, mu *= 10.0) {
            llt.compute(H + mu * Matrix::Identity(H.rows(), H.cols()));
            if (llt.info() == Eigen::Success)
                break;
        }
        if (llt.info() != Eigen::Success) {
            step.failure = StopReason::NonFinite;
            step.message = "no Levenberg shift made the Hessian positive definite";
            return step;
        }
    }
    const Vector p = -llt.solve(g);
    const auto t = armijo(problem_, x, f, g, p, 1.0, o_);
    if (!t) {
        step.failure = StopReason::NonFinite;
        step.message = "the line search found no decrease along the (shifted) Newton direction "
                       "after " +
                       std::to_string(o_.maxBacktracks) + " halvings";
        return step;
    }
    step.x = x + *t * p;
    step.stepLength = *t;
    step.shift = mu;
    step.kind = mu > 0.0 ? StepKind::Shifted : (*t < 1.0 ? StepKind::Damped : StepKind::Newton);
    return step;
}

Step Runner::approxStep(const Vector &x, const Vector &g) {
    Step step;
    const ApproximateHessian approx = approximateHessian(problem_, x, o_, rng_);
    const auto p = newtonDirection(approx.H, g);
    if (!p) {
        step.failure = StopReason::NonFinite;
        step.message = "the sampled Hessian is singular (increase --samples)";
        return step;
    }
    step.x = x + *p;
    step.kind = StepKind::Approx;
    if (o_.measureEps0)
        step.eps0 = relativeSpectralError(approx.H, problem_.hessian(x));
    return step;
}

Step Runner::gradientStep(const Vector &x, double f, const Vector &g) {
    Step step;
    step.kind = StepKind::Gradient;
    if (o_.method == Method::GradientFixed) {
        step.x = x - gdStep_ * g;
        step.stepLength = gdStep_;
        return step;
    }
    const auto t = armijo(problem_, x, f, g, -g, 2.0 * gdStep_, o_);
    if (!t) {
        step.failure = StopReason::NonFinite;
        step.message = "the line search found no decrease along −∇L";
        return step;
    }
    gdStep_ = *t;
    step.x = x - *t * g;
    step.stepLength = *t;
    return step;
}

Step Runner::takeStep(const Vector &x, double f, const Vector &g) {
    switch (o_.method) {
    case Method::Exact:
        return exactStep(x, g);
    case Method::Damped:
        return dampedStep(x, f, g);
    case Method::Approx:
        return approxStep(x, g);
    case Method::GradientFixed:
    case Method::GradientBacktracking:
        return gradientStep(x, f, g);
    }
    return {};
}

bool Runner::stalledOnKink(const SolverSummary &s) const {
    const auto w = static_cast<std::size_t>(std::max(2, o_.stallWindow));
    if (!hasRelu(problem_.kind()) || s.iterates.size() < 2 * w)
        return false;
    const auto begin = s.iterates.end() - static_cast<long>(w);
    double before = std::numeric_limits<double>::infinity(), recent = before;
    for (auto it = s.iterates.begin(); it != begin; ++it)
        before = std::min(before, it->gradNorm);
    for (auto it = begin; it != s.iterates.end(); ++it)
        recent = std::min(recent, it->gradNorm);
    if (recent < 0.5 * before)
        return false;
    const auto &hist = activeHistory_;
    for (std::size_t k = hist.size() - w; k + 1 < hist.size(); ++k)
        if (hist[k] != hist[k + 1])
            return true;
    return false;
}

SolverSummary Runner::run(const Vector &x0) {
    SolverSummary s;
    if (x0.size() != problem_.dimension())
        throw InvalidInput("start point has length " + std::to_string(x0.size()) + ", the " +
                           std::string(problem_.name()) + " problem has " +
                           std::to_string(problem_.dimension()) + " parameters");
    if (!x0.allFinite())
        throw InvalidInput("start point has a non-finite entry");
    const LossValue l0 = problem_.loss(x0);
    if (!l0.ok()) {
        finish(s, *statusReason(l0.status), "the start point is not evaluable: " + l0.message);
        return s;
    }
    Vector x = x0;
    double f = l0.total;
    Vector g = problem_.gradient(x);
    s.initialGradNorm = g.norm();
    s.threshold = o_.tolerance * std::max(1.0, s.initialGradNorm);
    s.iterates.push_back({x, f, g.norm(), StepKind::Start, std::nullopt, 0.0, 0.0});
    activeHistory_.push_back(problem_.activeSet(x));
    if (o_.onIterate)
        o_.onIterate(s.iterates.back());
    if (o_.method == Method::GradientFixed || o_.method == Method::GradientBacktracking) {
        gdStep_ = o_.gdStep;
        if (gdStep_ <= 0.0) {
            const double lmax = dominantEigenvalue(problem_, x, o_.seed);
            gdStep_ = lmax > 0.0 ? 1.0 / lmax : 1.0;
        }
    }

    for (int t = 0;; ++t) {
        const double gn = g.norm();
        if (gn <= s.threshold) {
            if (hasRelu(problem_.kind()) && problem_.gradientOtherSide(x).norm() > s.threshold) {
                std::ostringstream msg;
                msg << "‖∇L‖ = " << gn
                    << " only because ReLU'(0) = 0: " << problem_.kinks(x, o_.kinkTolerance).size()
                    << " units sit exactly on their kink and a one-sided step lowers the "
                       "loss; this is a degenerate stationary point, not a minimiser";
                finish(s, StopReason::DegenerateStationary, msg.str());
            } else {
                std::ostringstream msg;
                msg << "‖∇L‖ = " << gn << " ≤ " << s.threshold << " after " << t << " steps";
                finish(s, StopReason::Converged, msg.str());
            }
            break;
        }
        if (o_.cancel && o_.cancel()) {
            finish(s, StopReason::Cancelled, "cancelled after " + std::to_string(t) + " steps");
            break;
        }
        if (t >= o_.maxIterations) {
            std::ostringstream msg;
            msg << "reached " << o_.maxIterations << " iterations with ‖∇L‖ = " << gn << " > "
                << s.threshold;
            finish(s, StopReason::MaxIterations, msg.str());
            break;
        }
        Step step;
        try {
            step = takeStep(x, f, g);
        } catch (const EvaluationError &e) {
            // The loss and gradient were finite but the Hessian overflows (rescaled problems
            // far out: it scales like exp(2z)).
            finish(s, *statusReason(e.status()), e.what());
            break;
        }
        if (step.failure) {
            finish(s, *step.failure, step.message);
            break;
        }
        if (!step.x.allFinite()) {
            finish(s, StopReason::NonFinite, "the step produced a non-finite iterate");
            break;
        }
        const LossValue l = problem_.loss(step.x);
        if (!l.ok()) {
            finish(s,
                   *statusReason(l.status),
                   "step " + std::to_string(t + 1) + " left the domain: " + l.message);
            break;
        }
        Vector gNew;
        try {
            gNew = problem_.gradient(step.x);
        } catch (const EvaluationError &e) {
            finish(s, *statusReason(e.status()), e.what());
            break;
        }
        x = step.x;
        f = l.total;
        g = gNew;
        if (step.eps0 && !(*step.eps0 < 0.5))
            ++s.largeEps0Steps;
        if (o_.method == Method::Approx && !step.eps0 && o_.measureEps0)
            ++s.largeEps0Steps;
        s.iterates.push_back({x, f, g.norm(), step.kind, step.eps0, step.stepLength, step.shift});
        activeHistory_.push_back(problem_.activeSet(x));
        if (o_.onIterate)
            o_.onIterate(s.iterates.back());
        if (stalledOnKink(s)) {
            std::ostringstream msg;
            msg << "‖∇L‖ stalled at " << g.norm() << " over the last " << o_.stallWindow
                << " steps while units crossed their ReLU kink (the minimiser sits on a kink, "
                   "where the Hessian jumps)";
            finish(s, StopReason::StalledKink, msg.str());
            break;
        }
    }
    if (o_.method == Method::Approx && s.largeEps0Steps > 0)
        s.message += "; " + std::to_string(s.largeEps0Steps) +
                     " approximate steps had ε₀ ≥ 0.5 or undefined: local contraction is not "
                     "guaranteed there (increase --samples)";
    return s;
}

} // namespace

SolverSummary solve(const Problem &problem, const Vector &x0, const SolverOptions &options) {
    if (options.maxIterations < 0 || !(options.tolerance >= 0.0))
        throw InvalidInput("solver options: maxIterations must be ≥ 0 and tolerance ≥ 0");
    Runner runner(problem, options);
    return runner.run(x0);
}

} // namespace mowe::regression
