// Speed of the weather side, single-threaded (OpenCV's own threads off), on 128² crops as
// the training loop uses them and on whole photos as the GUI and eval use them.
//
// Baseline, run in the same program: converting an 8-bit 128² crop to float [0,1] and
// blurring it with a 5×5 Gaussian — the cheapest thing a data loader does to every crop
// anyway. After the run, every benchmark is printed as a ratio to it.

#include "weather/baselines.h"
#include "weather/image_io.h"
#include "weather/synth.h"

#include <benchmark/benchmark.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

namespace {

using namespace mowe::weather;

/// A 512 × 384 scene with photo-like content: smooth gradients, edges and texture.
cv::Mat scene() {
    static const cv::Mat img = [] {
        cv::Mat noise(48, 64, CV_32FC3);
        cv::RNG(1).fill(noise, cv::RNG::UNIFORM, 0.0, 1.0);
        cv::Mat big;
        cv::resize(noise, big, cv::Size(512, 384), 0, 0, cv::INTER_CUBIC);
        cv::Mat fine(384, 512, CV_32FC3);
        cv::RNG(2).fill(fine, cv::RNG::NORMAL, 0.0, 0.05);
        cv::Mat out = cv::min(cv::max(big + fine, 0.0), 1.0);
        return out;
    }();
    return img;
}

const cv::Rect kCrop(200, 150, 128, 128);

SynthOptions cropOptions() {
    SynthOptions o;
    o.sceneSize = scene().size();
    o.cropOrigin = kCrop.tl();
    return o;
}

void BM_Baseline_CropToFloatAndBlur(benchmark::State &state) {
    cv::Mat eight;
    scene()(kCrop).convertTo(eight, CV_8U, 255.0);
    for (auto _ : state) {
        cv::Mat f, blurred;
        eight.convertTo(f, CV_32F, 1.0 / 255.0);
        cv::GaussianBlur(f, blurred, cv::Size(5, 5), 0);
        benchmark::DoNotOptimize(blurred.data);
    }
}
BENCHMARK(BM_Baseline_CropToFloatAndBlur);

void synthCrop(benchmark::State &state, WeatherSpec spec) {
    const cv::Mat crop = scene()(kCrop).clone();
    const SynthOptions options = cropOptions();
    std::uint64_t seed = 0;
    for (auto _ : state) {
        SynthResult r = synthesize(crop, spec, ++seed, options);
        benchmark::DoNotOptimize(r.image.data);
    }
}
BENCHMARK_CAPTURE(synthCrop, rain_0_6, WeatherSpec{0.6f, 0, 0, 0});
BENCHMARK_CAPTURE(synthCrop, snow_0_6, WeatherSpec{0, 0.6f, 0, 0});
BENCHMARK_CAPTURE(synthCrop, fog_0_6, WeatherSpec{0, 0, 0.6f, 0});
BENCHMARK_CAPTURE(synthCrop, raindrops_0_6, WeatherSpec{0, 0, 0, 0.6f});
BENCHMARK_CAPTURE(synthCrop, mixed_all_0_6, WeatherSpec{0.6f, 0.6f, 0.6f, 0.6f});
BENCHMARK_CAPTURE(synthCrop, mixed_all_1_0, WeatherSpec{1, 1, 1, 1});

void BM_SynthWholeScene512x384_Mixed(benchmark::State &state) {
    const cv::Mat img = scene();
    std::uint64_t seed = 0;
    for (auto _ : state) {
        SynthResult r = synthesize(img, WeatherSpec{0.6f, 0.6f, 0.6f, 0.6f}, ++seed);
        benchmark::DoNotOptimize(r.image.data);
    }
}
BENCHMARK(BM_SynthWholeScene512x384_Mixed)->Unit(benchmark::kMillisecond);

std::filesystem::path benchPng() {
    const auto path = std::filesystem::temp_directory_path() /
                      ("mowe_bench_weather_" + std::to_string(::getpid()) + ".png");
    saveImage(path, scene());
    return path;
}

void BM_LoadPng512x384(benchmark::State &state) {
    const auto path = benchPng();
    for (auto _ : state) {
        LoadedImage img = loadImage(path);
        benchmark::DoNotOptimize(img.bgr.data);
    }
    std::filesystem::remove(path);
}
BENCHMARK(BM_LoadPng512x384)->Unit(benchmark::kMillisecond);

void BM_ImreadPng512x384(benchmark::State &state) {
    const auto path = benchPng();
    for (auto _ : state) {
        cv::Mat f;
        cv::imread(path.string(), cv::IMREAD_COLOR).convertTo(f, CV_32F, 1.0 / 255.0);
        benchmark::DoNotOptimize(f.data);
    }
    std::filesystem::remove(path);
}
BENCHMARK(BM_ImreadPng512x384)->Unit(benchmark::kMillisecond);

void BM_DehazeDarkChannel512x384(benchmark::State &state) {
    const cv::Mat foggy = synthesize(scene(), WeatherSpec{0, 0, 0.6f, 0}, 1).image;
    for (auto _ : state) {
        DehazeResult r = dehazeDarkChannel(foggy);
        benchmark::DoNotOptimize(r.image.data);
    }
}
BENCHMARK(BM_DehazeDarkChannel512x384)->Unit(benchmark::kMillisecond);

void BM_DerainMedian512x384(benchmark::State &state) {
    const cv::Mat rainy = synthesize(scene(), WeatherSpec{0.6f, 0, 0, 0}, 1).image;
    for (auto _ : state) {
        cv::Mat r = derainFilter(rainy);
        benchmark::DoNotOptimize(r.data);
    }
}
BENCHMARK(BM_DerainMedian512x384)->Unit(benchmark::kMillisecond);

/// Prints the usual table, then each benchmark's CPU time per iteration over the baseline's
/// (CPU rather than wall time: these machines are shared, and waiting for a core is not work).
class RatioReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run> &runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run &run : runs)
            if (run.run_type == Run::RT_Iteration && run.iterations > 0)
                seconds_[run.benchmark_name()] = run.cpu_accumulated_time / run.iterations;
    }
    void Finalize() override {
        ConsoleReporter::Finalize();
        const auto base = seconds_.find("BM_Baseline_CropToFloatAndBlur");
        if (base == seconds_.end())
            return;
        std::printf("\nCPU time per iteration relative to the baseline (%.1f us):\n",
                    base->second * 1e6);
        for (const auto &[name, seconds] : seconds_)
            std::printf("  %-45s %10.3f ms  %8.1f x\n",
                        name.c_str(),
                        seconds * 1e3,
                        seconds / base->second);
    }

private:
    std::map<std::string, double> seconds_;
};

} // namespace

int main(int argc, char **argv) {
    cv::setNumThreads(1); // the training loop runs one synthesis per worker thread
    benchmark::Initialize(&argc, argv);
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
