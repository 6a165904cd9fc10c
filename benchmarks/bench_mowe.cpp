// MoWE inference speed against the machine's own matrix-multiply rate (the roofline), and
// sparse top-k dispatch against dense evaluation of every expert. Run with scripts/bench
// bench_mowe; the ratios it prints at the end are what the model card reports.
#include "mowe/engine.h"
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

/// One 3×3 convolution of the head/tail width (16 → 16 channels) over a 256² tile: the
/// full-resolution layers run at this rate, not at the GEMM rate.
void BM_Conv16(benchmark::State &state) {
    torch::set_num_threads(2);
    torch::InferenceMode guard;
    const int C = 16, S = 256;
    auto conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(C, C, 3).padding(1));
    auto x = torch::rand({1, C, S, S});
    for (auto _ : state)
        benchmark::DoNotOptimize(conv(x));
    state.counters["model_GFLOP"] = 2.0 * S * S * C * C * 9 / 1e9;
}
BENCHMARK(BM_Conv16)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);

/// The FLOPs a pass really needs: flops() counts every expert densely, while sparse
/// dispatch runs fc1 and the depthwise conv of every expert on all tokens (a routed token's
/// neighbours feed its convolution) but fc2 only for the top-k.
double neededFlops(const MoweNet &net, int h, int w, bool sparse) {
    const auto &o = net->options();
    const double N = double(h) * w / (o.patchSize * o.patchSize);
    const double saved = o.depth * (o.experts - o.topK) * N * o.width * o.mlpRatio * o.width;
    return net->flops(h, w) - (sparse ? 2.0 * saved : 0.0);
}

void forward(benchmark::State &state, int h, int w, bool sparse) {
    torch::set_num_threads(2);
    static MoweNet net = shippedOrSmall();
    torch::InferenceMode guard;
    auto x = torch::rand({1, 3, h, w});
    ForwardControl control;
    control.sparse = sparse;
    for (auto _ : state)
        benchmark::DoNotOptimize(net->forward(x, control).image);
    state.counters["model_GFLOP"] = neededFlops(net, h, w, sparse) / 1e9;
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
/// What the application does with a 480×720 photo: tiles of 256 with 32 px overlap,
/// feathered, with the route trace. The roofline counts every tile as a full 256² pass.
void BM_Restore480x720Tiled(benchmark::State &state) {
    mowe::model::setThreads(2);
    static auto restorer = mowe::model::Restorer::load(mowe::shippedModelDir());
    cv::Mat image(480, 720, CV_32FC3);
    cv::randu(image, 0.0f, 1.0f);
    int tiles = 0;
    for (auto _ : state)
        tiles = restorer->restore(image).tiles;
    state.counters["model_GFLOP"] = tiles * restorer->flops(256, 256) / 1e9;
}
BENCHMARK(BM_Restore480x720Tiled)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

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
