// Regression core benchmarks (Eigen only). Prints, after the Google Benchmark table, the ratios
// issue 3 asks for, all measured in this run:
//   - matrix-problem Hessian: Kronecker sum vs explicit 𝔄ᵀ·blockdiag(M_j)·𝔄, at (n, d) =
//     (32, 4), (64, 8), (128, 16);
//   - landscape points per second on a 201×201 grid at n = 64, d = 8 (matrix_normalized),
//     against the floor: n²·201² exponentials with the same vectorised exp, same threads;
//   - approximate vs exact Newton step for softmax_normalized at n = 100 000, d = 50.

#include "regression/instance.h"
#include "regression/landscape.h"
#include "regression/link.h"
#include "regression/problems.h"
#include "regression/solvers.h"

#include <Eigen/Cholesky>
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

namespace reg = mowe::regression;
using reg::Index;
using reg::Matrix;
using reg::Vector;

namespace {

struct MatrixSetup {
    reg::Instance inst;
    std::unique_ptr<reg::Problem> problem;
};

const MatrixSetup &matrixSetup(Index n, Index d) {
    static std::map<std::pair<Index, Index>, MatrixSetup> cache;
    auto &s = cache[{n, d}];
    if (!s.problem) {
        reg::GenerateOptions o;
        o.kind = reg::ProblemKind::MatrixNormalized;
        o.n = n;
        o.d = d;
        o.seed = 7;
        s.inst = reg::generateInstance(o);
        s.problem = reg::makeProblem(s.inst);
    }
    return s;
}

// The explicit route: form 𝔄 = A₁ ⊗ A₂ (n²×d²) and dense middle blocks M_j (n×n), then
// Σ_j 𝔄_jᵀ M_j 𝔄_j. O(n²d⁴ + n³d²). Link derivatives are included, as in hessian().
Matrix explicitHessian(const reg::Instance &inst, const reg::Problem &problem, const Vector &x) {
    const Index n = inst.A1.rows(), p = problem.dimension();
    const Matrix big = reg::explicitKronecker(inst.A1, inst.A2);
    const Vector z = big * x;
    Matrix H = Matrix::Zero(p, p);
    for (Index j = 0; j < n; ++j) {
        const reg::LinkDerivatives l = reg::linkDerivatives(reg::LinkKind::SoftmaxNormalized,
                                                            z.segment(j * n, n),
                                                            problem.target().segment(j * n, n),
                                                            true);
        Matrix M = l.U * l.C * l.U.transpose();
        M.diagonal() += l.beta + problem.weights().segment(j * n, n).cwiseAbs2();
        const auto block = big.middleRows(j * n, n);
        const Matrix MB = M * block;
        H.noalias() += block.transpose() * MB;
    }
    return H;
}

void BM_MatrixHessianKronecker(benchmark::State &state) {
    const auto &s = matrixSetup(state.range(0), state.range(1));
    for (auto _ : state)
        benchmark::DoNotOptimize(s.problem->hessian(s.inst.x));
}

void BM_MatrixHessianExplicit(benchmark::State &state) {
    const auto &s = matrixSetup(state.range(0), state.range(1));
    for (auto _ : state)
        benchmark::DoNotOptimize(explicitHessian(s.inst, *s.problem, s.inst.x));
}

BENCHMARK(BM_MatrixHessianKronecker)
    ->Args({32, 4})
    ->Args({64, 8})
    ->Args({128, 16})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MatrixHessianExplicit)
    ->Args({32, 4})
    ->Args({64, 8})
    ->Args({128, 16})
    ->Unit(benchmark::kMillisecond);

constexpr Index kGrid = 201;

void BM_Landscape201(benchmark::State &state) {
    const auto &s = matrixSetup(64, 8);
    const auto dirs = reg::landscapeDirections(*s.problem, s.inst.x, reg::DirectionKind::Random);
    reg::LandscapeOptions o;
    o.grid = kGrid;
    for (auto _ : state)
        benchmark::DoNotOptimize(reg::computeLandscape(*s.problem, s.inst.x, dirs, o));
    state.counters["points_per_s"] = benchmark::Counter(
        static_cast<double>(kGrid * kGrid), benchmark::Counter::kIsIterationInvariantRate);
}

// The floor: n² exponentials per grid point, row by row with the same Eigen array exp the
// link uses, parallelised over grid rows the same way.
void BM_LandscapeExpFloor(benchmark::State &state) {
    const Index n = 64;
    const Vector z = Vector::LinSpaced(n * n, -3.0, 3.0);
    for (auto _ : state) {
        double total = 0.0;
#pragma omp parallel reduction(+ : total)
        {
            Vector work(n);
#pragma omp for schedule(dynamic, 1)
            for (Index i = 0; i < kGrid; ++i)
                for (Index j = 0; j < kGrid; ++j)
                    for (Index r = 0; r < n; ++r) {
                        work = (z.segment(r * n, n).array() - 1e-9 * (i + j)).exp().matrix();
                        total += work[0];
                    }
        }
        benchmark::DoNotOptimize(total);
    }
}

BENCHMARK(BM_Landscape201)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LandscapeExpFloor)->Unit(benchmark::kMillisecond)->UseRealTime();

struct NewtonSetup {
    reg::Instance inst;
    std::unique_ptr<reg::Problem> problem;
};

const NewtonSetup &newtonSetup() {
    static NewtonSetup s = [] {
        reg::GenerateOptions o;
        o.kind = reg::ProblemKind::SoftmaxNormalized;
        o.n = 100000;
        o.d = 50;
        o.seed = 3;
        NewtonSetup out;
        out.inst = reg::generateInstance(o);
        out.problem = reg::makeProblem(out.inst);
        return out;
    }();
    return s;
}

void BM_NewtonStepExact(benchmark::State &state) {
    const auto &s = newtonSetup();
    for (auto _ : state) {
        const Vector g = s.problem->gradient(s.inst.x);
        const Matrix H = s.problem->hessian(s.inst.x);
        benchmark::DoNotOptimize(Vector(s.inst.x - H.ldlt().solve(g)));
    }
}

void BM_NewtonStepApprox(benchmark::State &state) {
    const auto &s = newtonSetup();
    reg::SolverOptions o;
    o.leverage = state.range(0) ? reg::LeverageMethod::Sketched : reg::LeverageMethod::Exact;
    std::mt19937_64 rng(1);
    for (auto _ : state) {
        const Vector g = s.problem->gradient(s.inst.x);
        const reg::ApproximateHessian a = reg::approximateHessian(*s.problem, s.inst.x, o, rng);
        benchmark::DoNotOptimize(Vector(s.inst.x - a.H.ldlt().solve(g)));
    }
}

BENCHMARK(BM_NewtonStepExact)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_NewtonStepApprox)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

// Keeps each run's real time per iteration (seconds) so the ratios come from this run.
class CapturingReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run> &runs) override {
        for (const auto &r : runs)
            if (r.run_type == Run::RT_Iteration)
                seconds[r.benchmark_name()] =
                    r.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(r.time_unit);
        ConsoleReporter::ReportRuns(runs);
    }
    std::map<std::string, double> seconds;
};

void printRatios(const std::map<std::string, double> &t) {
    const auto get = [&](const std::string &name) {
        const auto it = t.find(name);
        return it == t.end() ? 0.0 : it->second;
    };
    std::printf("\nRatios (same run, %d OpenMP threads):\n", omp_get_max_threads());
    for (const auto &[n, d] : {std::pair{32, 4}, std::pair{64, 8}, std::pair{128, 16}}) {
        const std::string args = "/" + std::to_string(n) + "/" + std::to_string(d);
        const double k = get("BM_MatrixHessianKronecker" + args);
        const double e = get("BM_MatrixHessianExplicit" + args);
        if (k > 0 && e > 0)
            std::printf("  Hessian (n=%d, d=%d): Kronecker %.4g ms, explicit %.4g ms: "
                        "explicit/Kronecker = %.1fx (aim >= n/4 = %d)\n",
                        n,
                        d,
                        1e3 * k,
                        1e3 * e,
                        e / k,
                        n / 4);
    }
    const double land = get("BM_Landscape201/real_time");
    const double floor = get("BM_LandscapeExpFloor/real_time");
    if (land > 0 && floor > 0)
        std::printf("  Landscape 201x201 (n=64, d=8): %.4g s = %.3g points/s; exp floor %.4g s; "
                    "landscape/floor = %.2fx (aim <= 3)\n",
                    land,
                    kGrid * kGrid / land,
                    floor,
                    land / floor);
    const double exact = get("BM_NewtonStepExact/real_time");
    const double sketched = get("BM_NewtonStepApprox/1/real_time");
    const double exactLev = get("BM_NewtonStepApprox/0/real_time");
    if (exact > 0 && sketched > 0)
        std::printf("  Newton step (n=100000, d=50): exact %.4g ms, approx (sketched leverage) "
                    "%.4g ms, approx (exact leverage) %.4g ms: exact/approx = %.2fx\n",
                    1e3 * exact,
                    1e3 * sketched,
                    1e3 * exactLev,
                    exact / sketched);
}

} // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    CapturingReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    printRatios(reporter.seconds);
    benchmark::Shutdown();
    return 0;
}
