// mowe-cli regress: the regression workbench from the command line. Every subcommand reads an
// instance file (regression/instance.h) and prints one JSON object to standard output, numbers
// at 17 significant digits, never NaN or Inf: where a value does not exist a status says why.
// The formats are described in docs/regression.md.

#include "cli/args.h"
#include "cli/commands.h"
#include "common/atomic_file.h"
#include "regression/context.h"
#include "regression/instance.h"
#include "regression/json_format.h"
#include "regression/landscape.h"
#include "regression/solvers.h"
#include "regression/spectrum.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace mowe::cli {

namespace {

namespace reg = mowe::regression;
using Json = nlohmann::ordered_json;
using reg::Index;
using reg::Matrix;
using reg::Vector;

constexpr const char *kUsage =
    "Usage: mowe-cli regress COMMAND [OPTIONS]\n"
    "\n"
    "  generate  --problem P --n N --d D [--seed S] [--w W] [--start-distance R] [--out F]\n"
    "            a well-posed random instance (b a genuine softmax output, w large enough\n"
    "            for a PD Hessian unless --w is given)\n"
    "  eval      --instance F [--dense-limit P] [--k K]\n"
    "            loss, loss_data, loss_reg, grad, hessian, eigenvalues at the instance's x\n"
    "  newton    --instance F [--method exact|damped|approx|gd|gd_backtracking]\n"
    "            [--max-iter N] [--tol T] [--seed S] [--samples s]\n"
    "            [--leverage auto|exact|sketched] [--step ETA] [--lipschitz]\n"
    "  spectrum  --instance F [--at x|x*] [--k K] [--method auto|dense|lanczos]\n"
    "            [--probes P] [--steps M] [--grid G] [--seed S]\n"
    "  landscape --instance F [--center x|x*] [--dirs random|eigen|pca] [--span S]\n"
    "            [--grid N] [--seed S] [--out FILE.json|.csv|.vtp]\n"
    "  context   --instance F [--points N] [--max-delta D] [--max-eta E] [--decades K]\n"
    "            [--seed S] [--out FILE.csv]\n"
    "            matrix problems: response of loss, gradient and minimiser to a gradient\n"
    "            step of size η ≤ E (default 2/λ_max) and to a change of A1, A2 or B of\n"
    "            norm ≤ D, over N log-spaced sizes spanning K decades\n"
    "\n"
    "Problems: softmax_normalized, softmax_rescaled, softmax_relu, relu_normalized,\n"
    "          matrix_normalized, matrix_rescaled.\n";

void print(const Json &j) {
    const std::string text = reg::formatJson(j, 1);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
}

Json vec(const Vector &v) {
    Json out = Json::array();
    for (Index i = 0; i < v.size(); ++i)
        out.push_back(v[i]);
    return out;
}

Json mat(const Matrix &m) {
    Json rows = Json::array();
    for (Index i = 0; i < m.rows(); ++i) {
        Json row = Json::array();
        for (Index k = 0; k < m.cols(); ++k)
            row.push_back(m(i, k));
        rows.push_back(std::move(row));
    }
    return rows;
}

// A number that may not exist: null instead of NaN/Inf.
Json numberOrNull(double v) {
    return std::isfinite(v) ? Json(v) : Json(nullptr);
}

reg::Instance loadArg(const Args &a) {
    return reg::loadInstance(a.required("instance"));
}

Index positiveInt(const Args &a, const std::string &key, long long fallback, long long max) {
    const long long v = a.getInt(key, fallback);
    if (v < 1 || v > max)
        throw UsageError("--" + key + " must be between 1 and " + std::to_string(max) + ", got " +
                         std::to_string(v));
    return static_cast<Index>(v);
}

Json problemHeader(const reg::Instance &inst) {
    Json j;
    j["problem"] = std::string(reg::problemName(inst.kind));
    j["n"] = inst.n();
    j["d"] = inst.d();
    j["dimension"] = inst.dimension();
    return j;
}

// x*: a damped Newton run from the instance's start, tight tolerance.
reg::SolverSummary referenceRun(const reg::Problem &problem, const Vector &x0) {
    reg::SolverOptions o;
    o.method = reg::Method::Damped;
    o.maxIterations = 200;
    o.tolerance = 1e-12;
    return reg::solve(problem, x0, o);
}

Json spectrumJson(const reg::Problem &problem,
                  const Vector &x,
                  Index denseLimit,
                  Index k,
                  bool forceLanczos,
                  bool withHessian) {
    Json j;
    if (!forceLanczos && problem.dimension() <= denseLimit) {
        const Matrix H = problem.hessian(x);
        const reg::DenseSpectrum s = reg::denseSpectrum(H);
        if (withHessian)
            j["hessian"] = mat(H);
        j["eigenvalues"] = vec(s.eigenvalues);
        j["spectrum_method"] = "dense";
        j["lambda_min"] = s.lambdaMin;
        j["lambda_max"] = s.lambdaMax;
        j["condition"] = s.condition ? Json(*s.condition) : Json(nullptr);
        j["psd"] = s.positiveSemidefinite;
        j["pd"] = s.positiveDefinite;
        return j;
    }
    reg::LanczosOptions lo;
    lo.pairs = k;
    const reg::LanczosResult r =
        reg::lanczosExtreme(reg::hessianOperator(problem, x), problem.dimension(), lo);
    Vector values(static_cast<Index>(r.smallest.size() + r.largest.size()));
    Json residuals = Json::array();
    Index at = 0;
    for (const auto &e : r.smallest) {
        values[at++] = e.value;
    }
    for (auto it = r.largest.rbegin(); it != r.largest.rend(); ++it)
        values[at++] = it->value;
    std::sort(values.data(), values.data() + values.size());
    Json small = Json::array(), large = Json::array();
    for (const auto &e : r.smallest)
        small.push_back({{"value", e.value}, {"residual", e.residual}});
    for (const auto &e : r.largest)
        large.push_back({{"value", e.value}, {"residual", e.residual}});
    j["eigenvalues"] = vec(values);
    j["spectrum_method"] = "lanczos";
    j["smallest"] = small;
    j["largest"] = large;
    j["lambda_min"] = r.smallest.front().value;
    j["lambda_max"] = r.largest.front().value;
    j["lanczos_iterations"] = r.iterations;
    j["lanczos_converged"] = r.converged;
    j["note"] = "p = " + std::to_string(problem.dimension()) + " is above the dense limit " +
                std::to_string(denseLimit) +
                ": the Hessian is not formed; 'eigenvalues' holds only the " + std::to_string(k) +
                " smallest and largest, from Lanczos on Hessian-vector " + "products (" +
                r.message + ")";
    return j;
}

int runGenerate(const Args &a) {
    reg::GenerateOptions o;
    const auto kind = reg::problemFromName(a.required("problem"));
    if (!kind)
        throw UsageError("unknown --problem '" + a.get("problem") + "'");
    o.kind = *kind;
    o.n = positiveInt(a, "n", 20, 1LL << 50); // the library refuses sizes over its limit
    o.d = positiveInt(a, "d", 5, 1LL << 50);
    o.seed = static_cast<std::uint64_t>(a.getInt("seed", 1));
    if (a.has("w"))
        o.w = a.getDouble("w", 0.0);
    o.startDistance = a.getDouble("start-distance", o.startDistance);
    const reg::Instance inst = reg::generateInstance(o);
    if (a.has("out")) {
        reg::saveInstance(a.get("out"), inst);
        Json j = problemHeader(inst);
        j["out"] = a.get("out");
        print(j);
    } else {
        const std::string text = reg::formatJson(reg::instanceToJson(inst), 1);
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fputc('\n', stdout);
    }
    return 0;
}

int runEval(const Args &a) {
    const reg::Instance inst = loadArg(a);
    const auto problem = reg::makeProblem(inst);
    const Index denseLimit = positiveInt(a, "dense-limit", reg::kMaxDenseDimension, 4000);
    const Index k = positiveInt(a, "k", 3, 1000);
    Json j = problemHeader(inst);
    const reg::LossValue l = problem->loss(inst.x);
    j["status"] = std::string(reg::evalStatusName(l.status));
    if (!l.ok()) {
        j["message"] = l.message;
        print(j);
        return 0;
    }
    j["loss"] = l.total;
    j["loss_data"] = l.data;
    j["loss_reg"] = l.reg;
    const Vector g = problem->gradient(inst.x);
    j["grad"] = vec(g);
    j["grad_norm"] = g.norm();
    try {
        // Named: a range-for over items() of a temporary would dangle.
        const Json spectrum = spectrumJson(*problem, inst.x, denseLimit, k, false, true);
        for (const auto &[key, value] : spectrum.items())
            j[key] = value;
    } catch (const reg::EvaluationError &e) {
        j["status"] = std::string(reg::evalStatusName(e.status()));
        j["message"] = e.what();
    }
    if (reg::hasRelu(inst.kind)) {
        j["active_set"] = problem->activeSet(inst.x);
        j["kinks"] = problem->kinks(inst.x, 1e-7);
    }
    print(j);
    return 0;
}

int runNewton(const Args &a) {
    const reg::Instance inst = loadArg(a);
    const auto problem = reg::makeProblem(inst);
    reg::SolverOptions o;
    const std::string methodName = a.get("method", "exact");
    const auto method = reg::methodFromName(methodName);
    if (!method)
        throw UsageError("--method must be exact, damped, approx, gd or gd_backtracking, got '" +
                         methodName + "'");
    o.method = *method;
    o.maxIterations = static_cast<int>(a.getInt("max-iter", 50));
    if (o.maxIterations < 0 || o.maxIterations > 1000000)
        throw UsageError("--max-iter must be between 0 and 1000000");
    o.tolerance = a.getDouble("tol", 1e-10);
    if (o.tolerance < 0)
        throw UsageError("--tol must be ≥ 0");
    o.seed = static_cast<std::uint64_t>(a.getInt("seed", 1));
    if (a.has("samples"))
        o.samples = positiveInt(a, "samples", 1, reg::kMaxEntries);
    const std::string leverage = a.get("leverage", "auto");
    if (leverage == "exact")
        o.leverage = reg::LeverageMethod::Exact;
    else if (leverage == "sketched")
        o.leverage = reg::LeverageMethod::Sketched;
    else if (leverage != "auto")
        throw UsageError("--leverage must be auto, exact or sketched");
    o.gdStep = a.getDouble("step", 0.0);

    const reg::SolverSummary s = reg::solve(*problem, inst.x, o);
    Json j = problemHeader(inst);
    j["method"] = methodName;
    Json iterates = Json::array();
    const bool converged = s.reason == reg::StopReason::Converged;
    for (const auto &it : s.iterates) {
        Json e;
        e["x"] = vec(it.x);
        e["loss"] = it.loss;
        e["grad_norm"] = it.gradNorm;
        e["step"] = std::string(reg::stepKindName(it.step));
        e["eps0"] = it.eps0 ? Json(*it.eps0) : Json(nullptr);
        e["step_length"] = it.stepLength;
        e["shift"] = it.shift;
        if (converged)
            e["distance_to_solution"] = (it.x - s.iterates.back().x).norm();
        iterates.push_back(std::move(e));
    }
    j["iterates"] = std::move(iterates);
    j["status"] = std::string(reg::stopReasonName(s.reason));
    j["message"] = s.message;
    j["initial_grad_norm"] = s.initialGradNorm;
    j["threshold"] = s.threshold;
    if (reg::hasRelu(inst.kind)) {
        j["active_set"] = s.activeSet;
        j["kink_set"] = s.kinkSet;
    }
    if (a.has("lipschitz")) {
        std::vector<Vector> path;
        for (const auto &it : s.iterates)
            path.push_back(it.x);
        const reg::LipschitzEstimate est = reg::hessianLipschitz(*problem, path);
        j["hessian_lipschitz"] = est.estimate;
        j["hessian_lipschitz_ratios"] = est.ratios;
    }
    print(j);
    return 0;
}

// The point named by --at / --center: the instance's x or x* from a damped Newton run.
Vector pointArg(const Args &a,
                const std::string &key,
                const reg::Problem &problem,
                const reg::Instance &inst,
                Json &j,
                std::vector<Vector> *path = nullptr) {
    const std::string which = a.get(key, "x");
    if (which != "x" && which != "x*")
        throw UsageError("--" + key + " must be x or x*, got '" + which + "'");
    const bool needRun = which == "x*" || path;
    if (!needRun)
        return inst.x;
    const reg::SolverSummary run = referenceRun(problem, inst.x);
    if (path)
        for (const auto &it : run.iterates)
            path->push_back(it.x);
    if (which == "x")
        return inst.x;
    if (run.iterates.empty())
        throw std::runtime_error("x* is not available: " + run.message);
    j["reference_status"] = std::string(reg::stopReasonName(run.reason));
    if (run.reason != reg::StopReason::Converged)
        j["note_center"] = "the damped Newton run for x* did not converge (" + run.message +
                           "); its last iterate is used";
    return run.iterates.back().x;
}

int runSpectrum(const Args &a) {
    const reg::Instance inst = loadArg(a);
    const auto problem = reg::makeProblem(inst);
    Json j = problemHeader(inst);
    const Vector x = pointArg(a, "at", *problem, inst, j);
    const std::string method = a.get("method", "auto");
    if (method != "auto" && method != "dense" && method != "lanczos")
        throw UsageError("--method must be auto, dense or lanczos");
    const Index k = positiveInt(a, "k", 3, 1000);
    const Index limit =
        method == "dense" ? std::max<Index>(problem->dimension(), 1) : reg::kMaxDenseDimension;
    if (method == "dense" && problem->dimension() > 4000)
        throw UsageError("--method dense: p = " + std::to_string(problem->dimension()) +
                         " is too large for a dense Hessian (limit 4000)");
    const reg::LossValue l = problem->loss(x);
    j["status"] = std::string(reg::evalStatusName(l.status));
    if (!l.ok()) {
        j["message"] = l.message;
        print(j);
        return 0;
    }
    const Json spectrum = spectrumJson(*problem, x, limit, k, method == "lanczos", false);
    for (const auto &[key, value] : spectrum.items())
        j[key] = value;
    reg::DensityOptions d;
    d.probes = positiveInt(a, "probes", 10, 10000);
    d.steps = positiveInt(a, "steps", 40, 10000);
    d.gridPoints = positiveInt(a, "grid", 200, 100000);
    d.seed = static_cast<std::uint64_t>(a.getInt("seed", 1));
    if (d.gridPoints < 2)
        throw UsageError("--grid must be ≥ 2");
    const reg::SpectralDensity density =
        reg::spectralDensity(reg::hessianOperator(*problem, x), problem->dimension(), d);
    j["density"] = {{"grid", vec(density.grid)},
                    {"density", vec(density.density)},
                    {"nodes", vec(density.nodes)},
                    {"weights", vec(density.weights)},
                    {"probes", d.probes},
                    {"steps", d.steps}};
    print(j);
    return 0;
}

int runLandscape(const Args &a) {
    const reg::Instance inst = loadArg(a);
    const auto problem = reg::makeProblem(inst);
    Json j = problemHeader(inst);
    const auto dirs = reg::directionKindFromName(a.get("dirs", "random"));
    if (!dirs)
        throw UsageError("--dirs must be random, eigen or pca");
    reg::LandscapeOptions o;
    o.span = a.getDouble("span", 1.0);
    if (!(o.span > 0))
        throw UsageError("--span must be positive");
    o.grid = positiveInt(a, "grid", 41, reg::kMaxLandscapeGrid);
    if (o.grid < 2)
        throw UsageError("--grid must be at least 2");
    const auto seed = static_cast<std::uint64_t>(a.getInt("seed", 1));
    std::vector<Vector> path;
    const Vector center = pointArg(a, "center", *problem, inst, j, &path);
    const reg::LandscapeDirections d =
        reg::landscapeDirections(*problem, center, *dirs, path, seed);
    o.path = path;
    const reg::Landscape L = reg::computeLandscape(*problem, center, d, o);

    j["directions"] = std::string(reg::directionKindName(d.kind));
    j["note"] = d.note;
    j["scale"] = d.scale;
    j["span"] = o.span;
    j["grid"] = o.grid;
    j["nonfinite"] = L.nonFinite;
    j["status"] = L.nonFinite ? "partial" : "ok";
    Json pathJson = Json::array();
    for (const auto &pp : L.path)
        pathJson.push_back(
            {{"s", pp.s},
             {"t", pp.t},
             {"distance", pp.distance},
             {"loss", pp.status == reg::EvalStatus::Ok ? Json(pp.loss) : Json(nullptr)},
             {"status", std::string(reg::evalStatusName(pp.status))}});
    if (a.has("out")) {
        const std::filesystem::path out = a.get("out");
        const std::string ext = out.extension().string();
        std::string text;
        if (ext == ".csv")
            text = reg::landscapeCsv(L);
        else if (ext == ".vtp")
            text = reg::landscapeVtp(L);
        else if (ext != ".json")
            throw UsageError("--out must end in .json, .csv or .vtp");
        if (ext != ".json") {
            writeFileAtomically(out, text);
            j["out"] = out.string();
            j["path"] = pathJson;
            print(j);
            return 0;
        }
    }
    j["center"] = vec(center);
    j["u"] = vec(d.u);
    j["v"] = vec(d.v);
    j["s"] = vec(L.s);
    j["t"] = vec(L.t);
    Json rows = Json::array();
    for (Index i = 0; i < o.grid; ++i) {
        Json row = Json::array();
        for (Index k = 0; k < o.grid; ++k)
            row.push_back(L.status[static_cast<std::size_t>(i * o.grid + k)] == reg::EvalStatus::Ok
                              ? Json(L.loss(i, k))
                              : Json(nullptr));
        rows.push_back(std::move(row));
    }
    j["loss"] = std::move(rows);
    j["path"] = std::move(pathJson);
    if (a.has("out")) {
        writeFileAtomically(a.get("out"), reg::formatJson(j, 1) + "\n");
        Json brief = problemHeader(inst);
        brief["out"] = a.get("out");
        brief["nonfinite"] = L.nonFinite;
        print(brief);
        return 0;
    }
    print(j);
    return 0;
}

Json contextPointJson(const reg::ContextPoint &p) {
    Json e;
    e["parameter"] = p.parameter;
    e["size"] = p.size;
    e["loss_change"] = p.lossChange;
    e["predicted_loss_change"] = p.predictedLossChange;
    e["loss_ratio"] = numberOrNull(p.lossRatio());
    e["grad_change"] = p.gradChange;
    e["predicted_grad_change"] = p.predictedGradChange;
    e["grad_ratio"] = numberOrNull(p.gradRatio());
    e["loss_deviation"] = numberOrNull(p.lossDeviation);
    e["grad_deviation"] = numberOrNull(p.gradDeviation);
    e["linear"] = p.linear;
    const auto opt = [](const std::optional<double> &v) {
        return v ? numberOrNull(*v) : Json(nullptr);
    };
    e["minimiser_change"] = opt(p.minimiserChange);
    e["predicted_minimiser_change"] = opt(p.predictedMinimiserChange);
    e["minimiser_ratio"] =
        p.minimiserChange ? numberOrNull(*p.minimiserChange / p.size) : Json(nullptr);
    if (p.minimiserChange) {
        e["newton_iterations"] = p.newtonIterations;
        e["lambda_min"] = p.lambdaMin;
    }
    return e;
}

int runContext(const Args &a) {
    const reg::Instance inst = loadArg(a);
    if (!reg::isMatrixProblem(inst.kind))
        throw std::runtime_error(
            "regress context needs a matrix attention problem (matrix_normalized or "
            "matrix_rescaled); " +
            a.get("instance") + " holds " + std::string(reg::problemName(inst.kind)));
    const reg::MatrixProblem problem(inst.kind, inst.A1, inst.A2, inst.B, inst.W);
    reg::ContextOptions o;
    o.points = positiveInt(a, "points", 25, 10000);
    if (o.points < 2)
        throw UsageError("--points must be at least 2");
    o.maxDelta = a.getDouble("max-delta", 1.0);
    if (!(o.maxDelta > 0.0) || !std::isfinite(o.maxDelta))
        throw UsageError("--max-delta must be a positive number");
    o.maxEta = a.getDouble("max-eta", 0.0);
    if (!(o.maxEta >= 0.0) || !std::isfinite(o.maxEta))
        throw UsageError("--max-eta must be ≥ 0 (0: 2/λ_max of the Hessian at x)");
    o.decades = a.getDouble("decades", 4.0);
    if (!(o.decades >= 0.0 && o.decades <= 300.0))
        throw UsageError("--decades must be between 0 and 300");
    o.seed = static_cast<std::uint64_t>(a.getInt("seed", 1));

    Json j = problemHeader(inst);
    const reg::LossValue l = problem.loss(inst.x);
    j["status"] = std::string(reg::evalStatusName(l.status));
    if (!l.ok()) {
        j["message"] = l.message + " (at the instance's x: no response can be measured)";
        print(j);
        return 0;
    }
    const reg::ContextResponse r = reg::contextResponse(problem, inst.x, o);
    j["loss"] = r.loss;
    j["grad_norm"] = r.gradient.norm();
    j["max_eta"] = r.maxEta;
    j["max_delta"] = o.maxDelta;
    j["decades"] = o.decades;
    j["seed"] = o.seed;
    j["linear_tolerance"] = reg::kLinearTolerance;
    Json m;
    m["status"] = r.minimiser ? "ok" : "missing";
    if (r.minimiser) {
        m["x"] = vec(*r.minimiser);
        m["lambda_min"] = r.minimiserLambdaMin;
        m["distance_from_x"] = (*r.minimiser - inst.x).norm();
    } else {
        m["message"] = r.minimiserMessage;
    }
    j["minimiser"] = std::move(m);
    Json curves = Json::array();
    for (const reg::ContextCurve &c : r.curves) {
        Json e;
        e["branch"] = std::string(reg::contextBranchName(c.branch));
        e["loss_slope"] = c.lossSlope;
        e["grad_slope"] = c.gradSlope;
        e["minimiser_slope"] = c.minimiserSlope ? Json(*c.minimiserSlope) : Json(nullptr);
        e["linear_end"] = c.linearEnd;
        // The largest size still in the linear regime, when there is one.
        e["linear_until"] = c.linearEnd > 0 ? Json(c.points[c.linearEnd - 1].size) : Json(nullptr);
        e["stop"] = std::string(reg::contextStopName(c.stop));
        e["message"] = c.message;
        e["stop_parameter"] =
            c.stop == reg::ContextStop::Completed ? Json(nullptr) : Json(c.stopParameter);
        Json points = Json::array();
        for (const reg::ContextPoint &p : c.points)
            points.push_back(contextPointJson(p));
        e["points"] = std::move(points);
        curves.push_back(std::move(e));
    }
    j["curves"] = std::move(curves);
    if (a.has("out")) {
        const std::filesystem::path out = a.get("out");
        if (out.extension() != ".csv")
            throw UsageError("--out must end in .csv");
        writeFileAtomically(out, reg::contextCsv(r));
        j["out"] = out.string();
    }
    print(j);
    return 0;
}

} // namespace

int runRegress(const std::vector<std::string> &args) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::fputs(kUsage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    const std::string sub = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const auto &w : rest)
        if (w == "--help" || w == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
    try {
        if (sub == "generate")
            return runGenerate(
                Args(rest, {"problem", "n", "d", "seed", "w", "start-distance", "out"}));
        if (sub == "eval")
            return runEval(Args(rest, {"instance", "dense-limit", "k"}));
        if (sub == "newton")
            return runNewton(Args(
                rest,
                {"instance", "method", "max-iter", "tol", "seed", "samples", "leverage", "step"},
                {"lipschitz"}));
        if (sub == "spectrum")
            return runSpectrum(
                Args(rest, {"instance", "at", "k", "method", "probes", "steps", "grid", "seed"}));
        if (sub == "landscape")
            return runLandscape(
                Args(rest, {"instance", "center", "dirs", "span", "grid", "seed", "out"}));
        if (sub == "context")
            return runContext(Args(
                rest, {"instance", "points", "max-delta", "max-eta", "decades", "seed", "out"}));
    } catch (const reg::InvalidInput &e) {
        // Bad data, not bad usage: exit 1 with the file's own message.
        throw std::runtime_error(e.what());
    }
    throw UsageError("unknown regress command '" + sub + "' (eval, newton, spectrum, " +
                     "landscape, context, generate)");
}

} // namespace mowe::cli
