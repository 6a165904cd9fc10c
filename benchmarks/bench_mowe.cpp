// MoWE inference speed against the machine's own matrix-multiply rate (the roofline), and
// sparse top-k dispatch against dense evaluation of every expert. Run with scripts/bench
// bench_mowe; the ratios it prints at the end are what the model card reports.
#include "mowe/model_files.h"

#include "common/resources.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>

namespace {

using namespace mowe::model;

MoweNet shippedOrSmall() {
    try {
        return loadModelFolder(mowe::shippedModelDir());
    } catch (const std::exception &) {
        torch::manual_seed(1);
        MoweNet net(MoweOptions::small());
        net->eval();
        return net;
    }
}

double g_gemmFlops = 0; // measured rate, FLOP/s

void BM_Gemm(benchmark::State &state) {
    torch::set_num_threads(2);
    torch::InferenceMode guard;
    const int n = static_cast<int>(state.range(0));
    auto a = torch::rand({n, n}), b = torch::rand({n, n});
    for (auto _ : state)
        benchmark::DoNotOptimize(torch::mm(a, b));
    state.counters["GFLOP/s"] =
        benchmark::Counter(2.0 * n * n * n / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Gemm)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();

void forward(benchmark::State &state, int h, int w, bool sparse) {
    torch::set_num_threads(2);
    static MoweNet net = shippedOrSmall();
    torch::InferenceMode guard;
    auto x = torch::rand({1, 3, h, w});
    ForwardControl control;
    control.sparse = sparse;
    for (auto _ : state)
        benchmark::DoNotOptimize(net->forward(x, control).image);
    state.counters["model_GFLOP"] = net->flops(h, w) / 1e9;
}

void BM_Tile256Sparse(benchmark::State &s) {
    forward(s, 256, 256, true);
}
void BM_Tile256Dense(benchmark::State &s) {
    forward(s, 256, 256, false);
}
void BM_Image480x720Sparse(benchmark::State &s) {
    forward(s, 480, 720, true);
}
BENCHMARK(BM_Tile256Sparse)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_Tile256Dense)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_Image480x720Sparse)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

/// Prints the ratios from the same run after the table.
class RatioReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run> &runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const auto &r : runs) {
            const double seconds = r.GetAdjustedRealTime() / 1e3; // ms → s
            if (r.benchmark_name().find("BM_Gemm") == 0)
                g_gemmFlops = 2.0 * 1024.0 * 1024.0 * 1024.0 / seconds;
            else
                times_[r.benchmark_name()] = {seconds, r.counters.at("model_GFLOP").value * 1e9};
        }
    }
    void Finalize() override {
        ConsoleReporter::Finalize();
        std::printf("\nmatrix-multiply rate (1024², 2 threads): %.1f GFLOP/s\n", g_gemmFlops / 1e9);
        for (const auto &[name, t] : times_) {
            const double roof = t.second / g_gemmFlops;
            std::printf("%-28s %8.1f ms  roofline %7.1f ms  ratio %.2fx  (%.1f frames/s)\n",
                        name.c_str(),
                        t.first * 1e3,
                        roof * 1e3,
                        t.first / roof,
                        1.0 / t.first);
        }
        const auto s = times_.find("BM_Tile256Sparse/min_time:2.000/real_time");
        const auto d = times_.find("BM_Tile256Dense/min_time:2.000/real_time");
        if (s != times_.end() && d != times_.end())
            std::printf("sparse top-k dispatch vs dense experts (256² tile): %.2fx faster\n",
                        d->second.first / s->second.first);
    }

private:
    std::map<std::string, std::pair<double, double>> times_;
};

} // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    return 0;
}
