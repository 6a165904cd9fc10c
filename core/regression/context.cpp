#include "regression/context.h"

#include "common/log.h"
#include "regression/solvers.h"
#include "regression/spectrum.h"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include <cmath>
#include <iomanip>
#include <random>
#include <sstream>
#include <stdexcept>

namespace mowe::regression {

namespace {

constexpr const char *kLog = "regression";

// ∇²L counts as positive definite when λ_min > this fraction of max(1, λ_max): below it the
// minimiser is numerically not isolated and its response to the data is not defined.
constexpr double kDefiniteRelTol = 1e-10;

// Pure Newton steps after the damped run converged (each must reduce ‖∇L‖).
constexpr int kPolishSteps = 6;

// Row-major vec of a matrix, the convention of every x and z in problem.h.
Vector rowVec(const Matrix &m) {
    const RowMatrix rm = m;
    return Eigen::Map<const Vector>(rm.data(), rm.size());
}

Matrix fromRowVec(const Vector &v, Index rows, Index cols) {
    return Eigen::Map<const RowMatrix>(v.data(), rows, cols);
}

bool present(const Matrix &m) {
    return m.size() != 0;
}

std::string number(double v) {
    std::ostringstream s;
    s << std::setprecision(4) << v;
    return s.str();
}

// First-order deviation |measured − predicted| / |predicted|; a zero prediction counts as
// matched only by a zero response.
double deviation(double gap, double predicted) {
    if (predicted == 0.0)
        return gap == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
    return gap / std::abs(predicted);
}

// λ_max of ∇²L(x): dense for small p, else Lanczos on Hessian-vector products.
double largestEigenvalue(const Problem &problem, const Vector &x) {
    if (problem.dimension() <= kMaxDenseDimension)
        return denseSpectrum(problem.hessian(x)).lambdaMax;
    const LanczosResult r =
        lanczosExtreme(hessianOperator(problem, x), problem.dimension(), LanczosOptions{});
    return r.largest.front().value;
}

// L_moved(x1) − L_base(x) for a small change of the logits, without subtracting two O(L)
// numbers: the plain difference carries an error of ε·L, which swamps ΔL ≈ ‖Δ‖·DL when ‖Δ‖ is
// below √ε. Every piece is formed as a difference of its own: δZ from the changes of A₁, X, A₂;
// f′ − f = f ∘ expm1(δz − δlse) with δlse = log1p(⟨f, expm1(δz)⟩); u′ − u = u ∘ expm1(δz);
// then Δ½‖c‖² = ⟨δc, c + ½δc⟩. Above max|δZ| = 1 the plain difference is accurate enough
// (ΔL is then large against ε·L) and is returned instead.
double lossDifference(const MatrixProblem &base,
                      const Vector &x,
                      const MatrixProblem &moved,
                      const Vector &x1,
                      double plain) {
    const Index n = base.n(), d = base.d();
    const Matrix X = fromRowVec(x, d, d);
    const Matrix X1 = fromRowVec(x1, d, d);
    const Matrix dA1 = moved.A1() - base.A1();
    const Matrix dA2 = moved.A2() - base.A2();
    const Matrix dZ = dA1 * X1 * moved.A2().transpose() +
                      base.A1() * (X1 - X) * moved.A2().transpose() +
                      base.A1() * X * dA2.transpose();
    if (!(dZ.cwiseAbs().maxCoeff() <= 1.0))
        return plain;
    const Matrix Z = fromRowVec(base.logits(x), n, n);
    const Matrix B = targetMatrix(base);
    const Matrix dB = targetMatrix(moved) - B;
    const Matrix W2 = weightMatrix(base).cwiseAbs2();
    const bool rescaled = isRescaled(base.kind());
    double out = (W2.cwiseProduct(dZ)).cwiseProduct(Z + 0.5 * dZ).sum();
    for (Index j = 0; j < n; ++j) {
        const Vector zj = Z.row(j).transpose();
        const Vector bj = B.row(j).transpose();
        const Vector em = dZ.row(j).transpose().array().expm1().matrix();
        Vector c, dc;
        if (rescaled) {
            const Vector u = zj.array().exp().matrix();
            const double s = u.sum();
            const Vector du = u.cwiseProduct(em);
            const double ds = du.sum();
            c = u - s * bj;
            dc = du - ds * bj - (s + ds) * dB.row(j).transpose();
        } else {
            Vector f = (zj.array() - zj.maxCoeff()).exp().matrix();
            f /= f.sum();
            const double dlse = std::log1p(f.dot(em));
            const Vector shifted = dZ.row(j).transpose().array() - dlse;
            const Vector df = f.cwiseProduct(shifted.array().expm1().matrix());
            c = f - bj;
            dc = df - dB.row(j).transpose();
        }
        out += dc.dot(c + 0.5 * dc);
    }
    return std::isfinite(out) ? out : plain;
}

Matrix gaussian(Index rows, Index cols, std::mt19937_64 &rng) {
    std::normal_distribution<double> normal(0.0, 1.0);
    Matrix m(rows, cols);
    for (Index i = 0; i < rows; ++i)
        for (Index k = 0; k < cols; ++k)
            m(i, k) = normal(rng);
    return m;
}

} // namespace

double DataDirection::norm() const {
    return std::sqrt(A1.squaredNorm() + A2.squaredNorm() + B.squaredNorm());
}

Matrix targetMatrix(const MatrixProblem &problem) {
    return fromRowVec(problem.target(), problem.n(), problem.n());
}

Matrix weightMatrix(const MatrixProblem &problem) {
    return fromRowVec(problem.weights(), problem.n(), problem.n());
}

std::unique_ptr<MatrixProblem>
perturbedProblem(const MatrixProblem &problem, const DataDirection &direction, double t) {
    Matrix A1 = problem.A1(), A2 = problem.A2(), B = targetMatrix(problem);
    if (present(direction.A1))
        A1 += t * direction.A1;
    if (present(direction.A2))
        A2 += t * direction.A2;
    if (present(direction.B))
        B += t * direction.B;
    return std::make_unique<MatrixProblem>(
        problem.kind(), std::move(A1), std::move(A2), std::move(B), weightMatrix(problem));
}

DataGradient lossDataGradient(const MatrixProblem &problem, const Vector &x) {
    const Index n = problem.n(), d = problem.d();
    const Matrix G = fromRowVec(problem.logitGradient(x), n, n);
    const Matrix X = fromRowVec(x, d, d);
    const Matrix Z = fromRowVec(problem.logits(x), n, n);
    const Matrix B = targetMatrix(problem);
    DataGradient out;
    out.A1 = G * problem.A2() * X.transpose();
    out.A2 = G.transpose() * problem.A1() * X;
    out.B.resize(n, n);
    const bool rescaled = isRescaled(problem.kind());
    for (Index j = 0; j < n; ++j) {
        // logitGradient() succeeded, so exp(z_j) is finite (rescaled) here.
        const Vector zj = Z.row(j).transpose();
        const Vector bj = B.row(j).transpose();
        if (rescaled) {
            const Vector u = zj.array().exp().matrix();
            const double s = u.sum();
            out.B.row(j) = (-s * (u - s * bj)).transpose();
        } else {
            Vector f = (zj.array() - zj.maxCoeff()).exp().matrix();
            f /= f.sum();
            out.B.row(j) = (bj - f).transpose();
        }
    }
    return out;
}

double
lossDataDirectional(const MatrixProblem &problem, const Vector &x, const DataDirection &direction) {
    const DataGradient g = lossDataGradient(problem, x);
    double out = 0.0;
    if (present(direction.A1))
        out += g.A1.cwiseProduct(direction.A1).sum();
    if (present(direction.A2))
        out += g.A2.cwiseProduct(direction.A2).sum();
    if (present(direction.B))
        out += g.B.cwiseProduct(direction.B).sum();
    return out;
}

Vector gradientDataDirectional(const MatrixProblem &problem,
                               const Vector &x,
                               const DataDirection &direction) {
    const Index n = problem.n(), d = problem.d();
    const Matrix &A1 = problem.A1();
    const Matrix &A2 = problem.A2();
    const Matrix G = fromRowVec(problem.logitGradient(x), n, n);
    const Matrix X = fromRowVec(x, d, d);

    Matrix dZ = Matrix::Zero(n, n);
    if (present(direction.A1))
        dZ += direction.A1 * X * A2.transpose();
    if (present(direction.A2))
        dZ += A1 * X * direction.A2.transpose();
    Matrix dG = fromRowVec(problem.logitCurvatureProduct(x, rowVec(dZ)), n, n);

    if (present(direction.B)) {
        const Matrix Z = fromRowVec(problem.logits(x), n, n);
        const Matrix B = targetMatrix(problem);
        const bool rescaled = isRescaled(problem.kind());
        for (Index j = 0; j < n; ++j) {
            const Vector zj = Z.row(j).transpose();
            const Vector bj = B.row(j).transpose();
            const Vector db = direction.B.row(j).transpose();
            Vector part;
            if (rescaled) {
                // g = (diag u − u bᵀ) c with c = u − s b: b enters through bᵀ and through c.
                const Vector u = zj.array().exp().matrix();
                const double s = u.sum();
                const Vector c = u - s * bj;
                part = -u * db.dot(c) - s * (u.cwiseProduct(db) - u * bj.dot(db));
            } else {
                // g = (diag f − f fᵀ)(f − b): b enters only through c.
                Vector f = (zj.array() - zj.maxCoeff()).exp().matrix();
                f /= f.sum();
                part = -(f.cwiseProduct(db) - f * f.dot(db));
            }
            dG.row(j) += part.transpose();
        }
    }

    Matrix out = A1.transpose() * dG * A2;
    if (present(direction.A1))
        out += direction.A1.transpose() * G * A2;
    if (present(direction.A2))
        out += A1.transpose() * G * direction.A2;
    return rowVec(out);
}

Vector minimiserDataDirectional(const MatrixProblem &problem,
                                const Vector &xStar,
                                const DataDirection &direction) {
    const Matrix H = problem.hessian(xStar);
    const Eigen::LLT<Matrix> llt(H);
    if (llt.info() != Eigen::Success)
        throw EvaluationError(EvalStatus::Undefined,
                              std::string(problem.name()) +
                                  ": the Hessian at the minimiser is not positive definite, so "
                                  "the minimiser has no first-order response to the data");
    return -llt.solve(gradientDataDirectional(problem, xStar, direction));
}

std::string_view contextBranchName(ContextBranch branch) {
    switch (branch) {
    case ContextBranch::GradientStep:
        return "gradient_step";
    case ContextBranch::A1:
        return "A1";
    case ContextBranch::A2:
        return "A2";
    case ContextBranch::B:
        return "B";
    }
    return "unknown";
}

const std::vector<ContextBranch> &allContextBranches() {
    static const std::vector<ContextBranch> all{
        ContextBranch::GradientStep, ContextBranch::A1, ContextBranch::A2, ContextBranch::B};
    return all;
}

std::string_view contextStopName(ContextStop stop) {
    switch (stop) {
    case ContextStop::Completed:
        return "completed";
    case ContextStop::Overflow:
        return "overflow";
    case ContextStop::NotDefinite:
        return "not_definite";
    case ContextStop::NewtonFailed:
        return "newton_failed";
    case ContextStop::NegativeTarget:
        return "negative_target";
    case ContextStop::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

DataDirection
contextDirection(const MatrixProblem &problem, ContextBranch branch, std::uint64_t seed) {
    // One stream per branch, so A₂'s direction does not depend on whether A₁ was swept.
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(branch));
    const Index n = problem.n(), d = problem.d();
    DataDirection out;
    switch (branch) {
    case ContextBranch::GradientStep:
        return out;
    case ContextBranch::A1:
        out.A1 = gaussian(n, d, rng);
        out.A1 /= out.A1.norm();
        return out;
    case ContextBranch::A2:
        out.A2 = gaussian(n, d, rng);
        out.A2 /= out.A2.norm();
        return out;
    case ContextBranch::B: {
        // Δ_jk = B_jk (ξ_jk − m_j), m_j = Σ_k B_jk ξ_jk / Σ_k B_jk: zero row sums, and an entry
        // moves in proportion to its size, so the rows stay distributions for the longest t.
        const Matrix B = targetMatrix(problem);
        const Matrix xi = gaussian(n, n, rng);
        out.B.resize(n, n);
        for (Index j = 0; j < n; ++j) {
            const double mass = B.row(j).sum();
            const double m = mass > 0.0 ? B.row(j).dot(xi.row(j)) / mass : 0.0;
            out.B.row(j) = B.row(j).cwiseProduct((xi.row(j).array() - m).matrix());
        }
        const double norm = out.B.norm();
        if (norm > 0.0)
            out.B /= norm;
        return out;
    }
    }
    return out;
}

std::vector<double> contextSweep(double max, double decades, Index points) {
    if (points < 2 || !(max > 0.0) || !(decades >= 0.0))
        throw std::invalid_argument("contextSweep: needs points ≥ 2, max > 0, decades ≥ 0");
    std::vector<double> out(static_cast<std::size_t>(points));
    for (Index i = 0; i < points; ++i) {
        const double frac = static_cast<double>(i) / static_cast<double>(points - 1);
        out[static_cast<std::size_t>(i)] = max * std::pow(10.0, -decades * (1.0 - frac));
    }
    return out;
}

MinimiserResult
findMinimiser(const Problem &problem, const Vector &x0, double tolerance, int maxIterations) {
    SolverOptions o;
    o.tolerance = tolerance;
    o.maxIterations = maxIterations;
    // Pure Newton first: from a warm start it converges in a step or two, where the damped
    // run's Armijo test can stall on decreases below the rounding of L. Damped Newton is the
    // fallback for a start outside pure Newton's basin.
    o.method = Method::Exact;
    SolverSummary s = solve(problem, x0, o);
    if (s.reason != StopReason::Converged) {
        o.method = Method::Damped;
        s = solve(problem, x0, o);
    }
    MinimiserResult out;
    out.iterations = s.iterates.empty() ? 0 : static_cast<int>(s.iterates.size()) - 1;
    if (s.reason == StopReason::Overflow || s.iterates.empty()) {
        out.stop = ContextStop::Overflow;
        out.message = "Newton: " + s.message;
        return out;
    }
    if (s.reason != StopReason::Converged) {
        out.stop = ContextStop::NewtonFailed;
        out.message =
            "Newton did not converge (" + std::string(stopReasonName(s.reason)) + "): " + s.message;
        return out;
    }
    Vector x = s.iterates.back().x;
    try {
        // Polish with pure Newton steps down to the rounding floor of ∇L: the damped run's
        // Armijo test cannot see decreases below the rounding of L, so it stalls earlier than
        // the minimiser comparisons (warm vs scratch, differences of X*(t)) need.
        Vector g = problem.gradient(x);
        for (int k = 0; k < kPolishSteps; ++k) {
            const Eigen::LDLT<Matrix> ldlt(problem.hessian(x));
            const Vector next = x - ldlt.solve(g);
            if (!problem.loss(next).ok())
                break;
            const Vector gNext = problem.gradient(next);
            if (!(gNext.norm() < g.norm()))
                break;
            x = next;
            g = gNext;
            ++out.iterations;
        }
        const DenseSpectrum spectrum = denseSpectrum(problem.hessian(x));
        out.lambdaMin = spectrum.lambdaMin;
        if (!(spectrum.lambdaMin > kDefiniteRelTol * std::max(1.0, spectrum.lambdaMax))) {
            out.stop = ContextStop::NotDefinite;
            out.message = "the Hessian at the minimiser is not positive definite (λ_min = " +
                          number(spectrum.lambdaMin) + ", λ_max = " + number(spectrum.lambdaMax) +
                          "): the minimiser is not isolated";
            return out;
        }
    } catch (const EvaluationError &e) {
        out.stop = ContextStop::Overflow;
        out.message = e.what();
        return out;
    }
    out.x = x;
    return out;
}

namespace {

ContextCurve gradientStepCurve(const MatrixProblem &problem,
                               const Vector &x,
                               double L0,
                               const Vector &g0,
                               const std::vector<double> &sweep,
                               const ContextOptions &o) {
    ContextCurve curve;
    curve.branch = ContextBranch::GradientStep;
    const double gnorm = g0.norm();
    if (gnorm == 0.0) {
        curve.message = "∇L(X) = 0: a gradient step does not move X";
        return curve;
    }
    const Vector Hg = problem.hessianVector(x, g0);
    curve.lossSlope = gnorm;
    curve.gradSlope = Hg.norm() / gnorm;
    for (const double eta : sweep) {
        if (o.cancel && o.cancel()) {
            curve.stop = ContextStop::Cancelled;
            curve.stopParameter = eta;
            curve.message = "cancelled";
            break;
        }
        ContextPoint p;
        p.parameter = eta;
        p.size = eta * gnorm;
        const Vector x1 = x - eta * g0;
        const LossValue L1 = problem.loss(x1);
        if (!L1.ok()) {
            curve.stop = ContextStop::Overflow;
            curve.stopParameter = eta;
            curve.message = "at η = " + number(eta) + ": " + L1.message;
            break;
        }
        Vector g1;
        try {
            g1 = problem.gradient(x1);
        } catch (const EvaluationError &e) {
            curve.stop = ContextStop::Overflow;
            curve.stopParameter = eta;
            curve.message = "at η = " + number(eta) + ": " + e.what();
            break;
        }
        p.lossChange = lossDifference(problem, x, problem, x1, L1.total - L0);
        p.predictedLossChange = -eta * gnorm * gnorm;
        p.gradChange = (g1 - g0).stableNorm();
        p.predictedGradChange = eta * Hg.norm();
        p.lossDeviation =
            deviation(std::abs(p.lossChange - p.predictedLossChange), p.predictedLossChange);
        p.gradDeviation = deviation((g1 - g0 + eta * Hg).stableNorm(), p.predictedGradChange);
        p.linear = p.lossDeviation <= kLinearTolerance && p.gradDeviation <= kLinearTolerance;
        p.stepped = x1;
        curve.points.push_back(std::move(p));
    }
    return curve;
}

ContextCurve dataCurve(const MatrixProblem &problem,
                       ContextBranch branch,
                       const Vector &x,
                       double L0,
                       const Vector &g0,
                       const std::optional<Vector> &xStar,
                       const std::vector<double> &sweep,
                       const ContextOptions &o) {
    ContextCurve curve;
    curve.branch = branch;
    curve.direction = contextDirection(problem, branch, o.seed);
    const DataDirection &dir = curve.direction;
    const double dL = lossDataDirectional(problem, x, dir);
    const Vector dGrad = gradientDataDirectional(problem, x, dir);
    curve.lossSlope = std::abs(dL);
    curve.gradSlope = dGrad.norm();
    std::optional<Vector> dX;
    if (xStar) {
        try {
            dX = minimiserDataDirectional(problem, *xStar, dir);
            curve.minimiserSlope = dX->norm();
        } catch (const EvaluationError &) {
            // findMinimiser checked definiteness with a margin; LLT may still refuse a
            // borderline matrix, and then there is simply no first-order prediction.
        }
    }
    const Matrix B = targetMatrix(problem);
    const char *what = branch == ContextBranch::B    ? "‖Δ_B‖"
                       : branch == ContextBranch::A1 ? "‖Δ_A1‖"
                                                     : "‖Δ_A2‖";
    const auto stopAt = [&](ContextStop stop, double t, const std::string &why) {
        curve.stop = stop;
        curve.stopParameter = t;
        curve.message = std::string("at ") + what + " = " + number(t) + ": " + why;
    };
    for (const double t : sweep) {
        if (o.cancel && o.cancel()) {
            stopAt(ContextStop::Cancelled, t, "cancelled");
            break;
        }
        if (present(dir.B)) {
            Index j = 0, k = 0;
            const double lowest = (B + t * dir.B).minCoeff(&j, &k);
            if (lowest < 0.0) {
                stopAt(ContextStop::NegativeTarget,
                       t,
                       "B[" + std::to_string(j) + "][" + std::to_string(k) + "] would become " +
                           number(lowest) + " < 0, so the rows of B stop being distributions");
                break;
            }
        }
        std::unique_ptr<MatrixProblem> P;
        try {
            P = perturbedProblem(problem, dir, t);
        } catch (const InvalidInput &e) {
            stopAt(ContextStop::NegativeTarget, t, e.what());
            break;
        }
        const LossValue Lt = P->loss(x);
        if (!Lt.ok()) {
            stopAt(ContextStop::Overflow, t, Lt.message);
            break;
        }
        Vector gt;
        try {
            gt = P->gradient(x);
        } catch (const EvaluationError &e) {
            stopAt(ContextStop::Overflow, t, e.what());
            break;
        }
        ContextPoint p;
        p.parameter = t;
        p.size = t;
        p.lossChange = lossDifference(problem, x, *P, x, Lt.total - L0);
        p.predictedLossChange = t * dL;
        p.gradChange = (gt - g0).stableNorm();
        p.predictedGradChange = t * dGrad.norm();
        p.lossDeviation =
            deviation(std::abs(p.lossChange - p.predictedLossChange), p.predictedLossChange);
        p.gradDeviation = deviation((gt - g0 - t * dGrad).stableNorm(), p.predictedGradChange);
        p.linear = p.lossDeviation <= kLinearTolerance && p.gradDeviation <= kLinearTolerance;
        if (xStar) {
            const MinimiserResult m =
                findMinimiser(*P, *xStar, o.newtonTolerance, o.newtonIterations);
            if (!m.x) {
                stopAt(m.stop, t, m.message);
                break;
            }
            p.minimiser = *m.x;
            p.newtonIterations = m.iterations;
            p.lambdaMin = m.lambdaMin;
            p.minimiserChange = (*m.x - *xStar).norm();
            if (dX)
                p.predictedMinimiserChange = t * dX->norm();
        }
        curve.points.push_back(std::move(p));
    }
    return curve;
}

} // namespace

ContextResponse
contextResponse(const MatrixProblem &problem, const Vector &x, const ContextOptions &o) {
    if (o.points < 2)
        throw std::invalid_argument("contextResponse: points must be ≥ 2");
    if (!(o.maxDelta > 0.0) || !(o.maxEta >= 0.0) || !std::isfinite(o.maxDelta) ||
        !std::isfinite(o.maxEta))
        throw std::invalid_argument("contextResponse: maxDelta must be > 0 and maxEta ≥ 0");
    // X*(t) comes from dense Newton solves and its definiteness from a dense spectrum.
    if (problem.dimension() > kMaxDenseDimension)
        throw InvalidInput("context response: d² = " + std::to_string(problem.dimension()) +
                           " parameters, above the " + std::to_string(kMaxDenseDimension) +
                           " a dense Newton solve per sweep point allows; use d ≤ 40");
    ContextResponse r;
    r.x = x;
    const LossValue L0 = problem.loss(x);
    if (!L0.ok())
        throw EvaluationError(L0.status, L0.message);
    r.loss = L0.total;
    r.gradient = problem.gradient(x);

    r.maxEta = o.maxEta;
    if (r.maxEta == 0.0) {
        const double lambdaMax = largestEigenvalue(problem, x);
        r.maxEta = lambdaMax > 0.0 ? 2.0 / lambdaMax : 1.0;
    }

    const MinimiserResult base = findMinimiser(problem, x, o.newtonTolerance, o.newtonIterations);
    r.minimiser = base.x;
    r.minimiserLambdaMin = base.lambdaMin;
    if (!base.x)
        r.minimiserMessage = "no minimiser response: " + base.message;

    const std::vector<double> deltas = contextSweep(o.maxDelta, o.decades, o.points);
    const std::vector<double> etas = contextSweep(r.maxEta, o.decades, o.points);
    std::size_t done = 0;
    for (const ContextBranch branch : o.branches) {
        ContextCurve curve =
            branch == ContextBranch::GradientStep
                ? gradientStepCurve(problem, x, r.loss, r.gradient, etas, o)
                : dataCurve(problem, branch, x, r.loss, r.gradient, r.minimiser, deltas, o);
        curve.linearEnd = curve.points.size();
        for (std::size_t i = 0; i < curve.points.size(); ++i)
            if (!curve.points[i].linear) {
                curve.linearEnd = i;
                break;
            }
        log::debug(kLog) << "context " << contextBranchName(branch) << ": " << curve.points.size()
                         << " points, linear up to " << curve.linearEnd << ", "
                         << contextStopName(curve.stop);
        const bool cancelled = curve.stop == ContextStop::Cancelled;
        r.curves.push_back(std::move(curve));
        if (o.progress)
            o.progress(++done, o.branches.size());
        if (cancelled)
            break;
    }
    return r;
}

std::string contextCsv(const ContextResponse &response) {
    std::ostringstream out;
    out << std::setprecision(17);
    out << "branch,parameter,size,loss_change,predicted_loss_change,loss_ratio,grad_change,"
           "predicted_grad_change,grad_ratio,minimiser_change,predicted_minimiser_change,"
           "minimiser_ratio,linear\n";
    for (const ContextCurve &c : response.curves)
        for (const ContextPoint &p : c.points) {
            out << contextBranchName(c.branch) << ',' << p.parameter << ',' << p.size << ','
                << p.lossChange << ',' << p.predictedLossChange << ',' << p.lossRatio() << ','
                << p.gradChange << ',' << p.predictedGradChange << ',' << p.gradRatio() << ',';
            if (p.minimiserChange)
                out << *p.minimiserChange;
            out << ',';
            if (p.predictedMinimiserChange)
                out << *p.predictedMinimiserChange;
            out << ',';
            if (p.minimiserChange)
                out << *p.minimiserChange / p.size;
            out << ',' << (p.linear ? 1 : 0) << '\n';
        }
    for (const ContextCurve &c : response.curves)
        if (c.stop != ContextStop::Completed)
            out << "# " << contextBranchName(c.branch) << " stopped (" << contextStopName(c.stop)
                << ") " << c.message << '\n';
    return out.str();
}

} // namespace mowe::regression
