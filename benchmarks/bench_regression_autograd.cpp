// matrix_normalized Hessian three ways, in one run: the Kronecker sum (core/regression), the
// explicit 𝔄ᵀ·blockdiag(M_j)·𝔄 with 𝔄 = A₁ ⊗ A₂ formed, and LibTorch autograd (double backward,
// one backward per Hessian row), at (n, d) = (32, 4), (64, 8), (128, 16). Prints the ratios.

#include "regression/instance.h"
#include "regression/link.h"
#include "regression/problems.h"

#include <benchmark/benchmark.h>
#include <omp.h>
#include <torch/torch.h>

#include <cstdio>
#include <map>
#include <memory>

namespace reg = mowe::regression;
using reg::Index;
using reg::Matrix;
using reg::Vector;

namespace {

struct Setup {
    reg::Instance inst;
    std::unique_ptr<reg::Problem> problem;
    torch::Tensor A1, A2, B, W, x;
};

torch::Tensor toTorch(const Matrix &m) {
    const reg::RowMatrix rm = m;
    return torch::from_blob(
               const_cast<double *>(rm.data()), {rm.rows(), rm.cols()}, torch::kFloat64)
        .clone();
}

const Setup &setup(Index n, Index d) {
    static std::map<std::pair<Index, Index>, Setup> cache;
    auto &s = cache[{n, d}];
    if (!s.problem) {
        reg::GenerateOptions o;
        o.kind = reg::ProblemKind::MatrixNormalized;
        o.n = n;
        o.d = d;
        o.seed = 7;
        s.inst = reg::generateInstance(o);
        s.problem = reg::makeProblem(s.inst);
        s.A1 = toTorch(s.inst.A1);
        s.A2 = toTorch(s.inst.A2);
        s.B = toTorch(s.inst.B);
        s.W = toTorch(s.inst.W);
        s.x = torch::from_blob(s.inst.x.data(), {d * d}, torch::kFloat64).clone();
    }
    return s;
}

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

torch::Tensor autogradHessian(const Setup &s, Index d) {
    torch::Tensor x = s.x.clone().requires_grad_(true);
    const torch::Tensor Z = s.A1.matmul(x.view({d, d})).matmul(s.A2.t());
    const torch::Tensor L =
        0.5 * (torch::softmax(Z, 1) - s.B).pow(2).sum() + 0.5 * (s.W * Z).pow(2).sum();
    const torch::Tensor g = torch::autograd::grad({L}, {x}, {}, true, true)[0];
    torch::Tensor H = torch::empty({d * d, d * d}, torch::kFloat64);
    for (Index i = 0; i < d * d; ++i)
        H[i] = torch::autograd::grad({g[i]}, {x}, {}, true, false)[0];
    return H;
}

void BM_Kronecker(benchmark::State &state) {
    const auto &s = setup(state.range(0), state.range(1));
    for (auto _ : state)
        benchmark::DoNotOptimize(s.problem->hessian(s.inst.x));
}

void BM_Explicit(benchmark::State &state) {
    const auto &s = setup(state.range(0), state.range(1));
    for (auto _ : state)
        benchmark::DoNotOptimize(explicitHessian(s.inst, *s.problem, s.inst.x));
}

void BM_Autograd(benchmark::State &state) {
    const auto &s = setup(state.range(0), state.range(1));
    for (auto _ : state)
        benchmark::DoNotOptimize(autogradHessian(s, state.range(1)));
}

#define SIZES ->Args({32, 4})->Args({64, 8})->Args({128, 16})->Unit(benchmark::kMillisecond)
BENCHMARK(BM_Kronecker) SIZES;
BENCHMARK(BM_Explicit) SIZES;
BENCHMARK(BM_Autograd) SIZES;
#undef SIZES

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

} // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    // Cross-check once before timing: the three routes must agree.
    {
        const auto &s = setup(32, 4);
        const Matrix k = s.problem->hessian(s.inst.x);
        const Matrix e = explicitHessian(s.inst, *s.problem, s.inst.x);
        const torch::Tensor a = autogradHessian(s, 4).contiguous();
        const Matrix am = Eigen::Map<const reg::RowMatrix>(a.data_ptr<double>(), 16, 16);
        std::printf("agreement at (32, 4): |K - E|/|K| = %.2e, |K - autograd|/|K| = %.2e\n",
                    (k - e).norm() / k.norm(),
                    (k - am).norm() / k.norm());
    }
    CapturingReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    std::printf("\nRatios (same run; Eigen with %d OpenMP threads, LibTorch with %d threads):\n",
                omp_get_max_threads(),
                torch::get_num_threads());
    for (const auto &[n, d] : {std::pair{32, 4}, std::pair{64, 8}, std::pair{128, 16}}) {
        const std::string args = "/" + std::to_string(n) + "/" + std::to_string(d);
        const double k = reporter.seconds["BM_Kronecker" + args];
        const double e = reporter.seconds["BM_Explicit" + args];
        const double a = reporter.seconds["BM_Autograd" + args];
        if (k > 0)
            std::printf("  (n=%d, d=%d): Kronecker %.4g ms, explicit %.4g ms (%.1fx), autograd "
                        "%.4g ms (%.1fx)\n",
                        n,
                        d,
                        1e3 * k,
                        1e3 * e,
                        e / k,
                        1e3 * a,
                        a / k);
    }
    benchmark::Shutdown();
    return 0;
}
