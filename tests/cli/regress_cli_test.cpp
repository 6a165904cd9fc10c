// mowe-cli regress, run as a process: the JSON keys issue 3 specifies, 17-digit numbers,
// statuses instead of NaN/Inf, and exit codes for bad input.

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Result {
    int status = -1;
    std::string out, err;
    json parsed() const { return json::parse(out); }
};

fs::path scratch() {
    static const fs::path dir = [] {
        // One folder per process: CTest runs each TEST as its own process, in parallel.
        const fs::path d =
            fs::temp_directory_path() / ("mowe_regress_cli_test_" + std::to_string(::getpid()));
        fs::remove_all(d);
        fs::create_directories(d);
        return d;
    }();
    return dir;
}

std::string slurp(const fs::path &p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Result cli(const std::string &args) {
    const fs::path err = scratch() / "stderr.txt";
    const std::string cmd =
        std::string(MOWE_BIN_DIR) + "/mowe-cli regress " + args + " 2>" + err.string();
    Result r;
    FILE *pipe = popen(cmd.c_str(), "r");
    if (!pipe)
        return r;
    std::array<char, 65536> buf;
    std::size_t got;
    while ((got = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
        r.out.append(buf.data(), got);
    const int raw = pclose(pipe);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.err = slurp(err);
    return r;
}

fs::path generate(const std::string &name, const std::string &args) {
    const fs::path file = scratch() / name;
    const Result r = cli("generate " + args + " --out " + file.string());
    EXPECT_EQ(r.status, 0) << r.err;
    return file;
}

fs::path writeText(const std::string &name, const std::string &text) {
    const fs::path file = scratch() / name;
    std::ofstream(file) << text;
    return file;
}

void expectNoNonFinite(const std::string &text) {
    for (const char *bad : {"nan", "NaN", "inf", "Infinity"})
        EXPECT_EQ(text.find(bad), std::string::npos) << bad;
}

} // namespace

TEST(RegressCli, GeneratePrintsAnInstanceWithSeventeenDigitNumbers) {
    const Result r = cli("generate --problem softmax_normalized --n 6 --d 2 --seed 4");
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = r.parsed();
    EXPECT_EQ(j["problem"], "softmax_normalized");
    EXPECT_EQ(j["A"].size(), 6u);
    EXPECT_EQ(j["A"][0].size(), 2u);
    EXPECT_EQ(j["x"].size(), 2u);
    double sum = 0;
    for (const auto &v : j["b"])
        sum += v.get<double>();
    EXPECT_NEAR(sum, 1.0, 1e-15);
    // A 17-significant-digit mantissa appears (e.g. 0.12345678901234567).
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"([1-9]\.?[0-9]{16}(e|,|\s|\]))")));
}

TEST(RegressCli, EvalPrintsLossGradientHessianAndAscendingEigenvalues) {
    const fs::path inst = generate("eval.json", "--problem softmax_rescaled --n 12 --d 3 --seed 2");
    const Result r = cli("eval --instance " + inst.string());
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = r.parsed();
    for (const char *key : {"loss", "loss_data", "loss_reg", "grad", "hessian", "eigenvalues"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_NEAR(j["loss"].get<double>(),
                j["loss_data"].get<double>() + j["loss_reg"].get<double>(),
                1e-15 * j["loss"].get<double>());
    EXPECT_EQ(j["grad"].size(), 3u);
    EXPECT_EQ(j["hessian"].size(), 3u);
    EXPECT_EQ(j["hessian"][0].size(), 3u);
    const auto ev = j["eigenvalues"].get<std::vector<double>>();
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_TRUE(std::is_sorted(ev.begin(), ev.end()));
    // trace(H) = Σ λ.
    double trace = 0;
    for (int i = 0; i < 3; ++i)
        trace += j["hessian"][i][i].get<double>();
    EXPECT_NEAR(trace, ev[0] + ev[1] + ev[2], 1e-10 * std::abs(trace));
}

TEST(RegressCli, EvalAboveTheDenseLimitUsesLanczosAndSaysSo) {
    const fs::path inst = generate("big.json", "--problem matrix_normalized --n 6 --d 4 --seed 3");
    const Result r = cli("eval --instance " + inst.string() + " --dense-limit 10 --k 2");
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = r.parsed();
    EXPECT_FALSE(j.contains("hessian"));
    EXPECT_EQ(j["eigenvalues"].size(), 4u);
    EXPECT_NE(j["note"].get<std::string>().find("Lanczos"), std::string::npos);
    EXPECT_EQ(j["grad"].size(), 16u); // flat, row-major d²
}

TEST(RegressCli, ExactNewtonStartsAtXAndConverges) {
    const fs::path inst = generate("newton.json", "--problem softmax_normalized --n 40 --d 4");
    const json instance = json::parse(slurp(inst));
    const Result r = cli("newton --instance " + inst.string() +
                         " --method exact --max-iter 30 --tol 1e-10 --seed 1");
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = r.parsed();
    EXPECT_EQ(j["status"], "converged") << j["message"];
    const auto &its = j["iterates"];
    ASSERT_GE(its.size(), 2u);
    EXPECT_EQ(its[0]["step"], "start");
    EXPECT_EQ(its[0]["x"], instance["x"]);
    for (std::size_t t = 1; t < its.size(); ++t) {
        EXPECT_EQ(its[t]["step"], "newton");
        EXPECT_TRUE(its[t]["eps0"].is_null());
        for (const char *key : {"x", "loss", "grad_norm", "step", "eps0"})
            EXPECT_TRUE(its[t].contains(key));
    }
    const double g0 = its[0]["grad_norm"].get<double>();
    EXPECT_LE(its.back()["grad_norm"].get<double>(), 1e-10 * std::max(1.0, g0));
}

TEST(RegressCli, ApproxNewtonReportsEps0AndDampedReportsItsSteps) {
    const fs::path inst = generate("approx.json", "--problem softmax_normalized --n 400 --d 5");
    Result r = cli("newton --instance " + inst.string() +
                   " --method approx --samples 200 --max-iter 80 --tol 1e-8 --seed 3");
    ASSERT_EQ(r.status, 0) << r.err;
    json j = r.parsed();
    EXPECT_EQ(j["status"], "converged") << j["message"];
    EXPECT_EQ(j["iterates"][1]["step"], "approx");
    EXPECT_TRUE(j["iterates"][1]["eps0"].is_number());
    r = cli("newton --instance " + inst.string() + " --method damped");
    j = r.parsed();
    EXPECT_EQ(j["status"], "converged");
    const std::string step = j["iterates"][1]["step"];
    EXPECT_TRUE(step == "newton" || step == "damped" || step == "shifted") << step;
    r = cli("newton --instance " + inst.string() + " --method gd --max-iter 3");
    j = r.parsed();
    EXPECT_EQ(j["status"], "max_iterations");
    EXPECT_EQ(j["iterates"][1]["step"], "gd");
}

TEST(RegressCli, DegenerateStationaryAndOverflowAreStatusesNotNumbers) {
    fs::path inst = generate("relu.json", "--problem softmax_relu --n 10 --d 3");
    json j = json::parse(slurp(inst));
    j["x"] = {0.0, 0.0, 0.0};
    fs::path zero = writeText("relu0.json", j.dump());
    Result r = cli("newton --instance " + zero.string());
    EXPECT_EQ(r.parsed()["status"], "degenerate_stationary");

    inst = generate("resc.json", "--problem softmax_rescaled --n 10 --d 2");
    j = json::parse(slurp(inst));
    j["x"] = {900.0, 900.0};
    fs::path far = writeText("resc_far.json", j.dump());
    r = cli("eval --instance " + far.string());
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.parsed()["status"], "overflow");
    expectNoNonFinite(r.out);
    r = cli("newton --instance " + far.string());
    EXPECT_EQ(r.parsed()["status"], "overflow");
    expectNoNonFinite(r.out);
}

TEST(RegressCli, SpectrumAndLandscape) {
    const fs::path inst = generate("land.json", "--problem matrix_rescaled --n 5 --d 2");
    Result r = cli("spectrum --instance " + inst.string() + " --at x* --probes 4 --steps 4");
    ASSERT_EQ(r.status, 0) << r.err;
    json j = r.parsed();
    const auto ev = j["eigenvalues"].get<std::vector<double>>();
    EXPECT_EQ(ev.size(), 4u);
    EXPECT_TRUE(std::is_sorted(ev.begin(), ev.end()));
    EXPECT_TRUE(j["density"].contains("density"));

    r = cli("landscape --instance " + inst.string() + " --dirs pca --grid 5 --span 2");
    ASSERT_EQ(r.status, 0) << r.err;
    j = r.parsed();
    EXPECT_EQ(j["loss"].size(), 5u);
    EXPECT_EQ(j["loss"][0].size(), 5u);
    EXPECT_GE(j["path"].size(), 2u);
    EXPECT_TRUE(j["path"][0].contains("distance"));
    for (const char *ext : {".csv", ".vtp"}) {
        const fs::path out = scratch() / (std::string("land") + ext);
        r = cli("landscape --instance " + inst.string() + " --center x* --grid 4 --out " +
                out.string());
        ASSERT_EQ(r.status, 0) << r.err;
        EXPECT_TRUE(fs::exists(out));
        expectNoNonFinite(slurp(out));
    }
}

TEST(RegressCli, LandscapeMarksOverflowWithNull) {
    const fs::path inst = generate("lo.json", "--problem softmax_rescaled --n 8 --d 2");
    const Result r = cli("landscape --instance " + inst.string() + " --grid 9 --span 2000");
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = r.parsed();
    EXPECT_GT(j["nonfinite"].get<int>(), 0);
    EXPECT_EQ(j["status"], "partial");
    EXPECT_TRUE(j["loss"][0][0].is_null());
    expectNoNonFinite(r.out);
}

TEST(RegressCli, BadInputExitsWithAMessage) {
    const fs::path bad =
        writeText("bad.json", "{\n \"problem\": \"softmax_normalized\",\n \"A\": [[1,]]\n}");
    Result r = cli("eval --instance " + bad.string());
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("bad.json:3:11"), std::string::npos) << r.err;
    r = cli("eval --instance " + (scratch() / "missing.json").string());
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("missing.json"), std::string::npos);
    r = cli("eval --bogus 1");
    EXPECT_EQ(r.status, 2);
    r = cli("newton --instance " + bad.string() + " --method newtonish");
    EXPECT_NE(r.status, 0);
    r = cli("generate --problem softmax_normalized --n 1000000000 --d 1000");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("limit"), std::string::npos);
    r = cli("frobnicate");
    EXPECT_EQ(r.status, 2);
}

TEST(RegressCli, ContextPrintsFourCurvesWithRatiosAndTheMinimiser) {
    const fs::path inst = generate("ctx.json", "--problem matrix_normalized --n 6 --d 2 --seed 5");
    const fs::path csv = scratch() / "ctx.csv";
    const Result r = cli("context --instance " + inst.string() +
                         " --points 6 --max-delta 0.5 --max-eta 0.2 --out " + csv.string());
    ASSERT_EQ(r.status, 0) << r.err;
    expectNoNonFinite(r.out);
    const json j = r.parsed();
    EXPECT_EQ(j["status"], "ok");
    EXPECT_EQ(j["minimiser"]["status"], "ok");
    EXPECT_DOUBLE_EQ(j["max_eta"].get<double>(), 0.2);
    ASSERT_EQ(j["curves"].size(), 4u);
    std::vector<std::string> branches;
    for (const auto &c : j["curves"]) {
        branches.push_back(c["branch"]);
        ASSERT_EQ(c["stop"], "completed") << c["message"];
        ASSERT_EQ(c["points"].size(), 6u);
        const auto &first = c["points"][0];
        // The smallest size sits in the linear regime: ratio ≈ first-order slope.
        EXPECT_TRUE(first["linear"].get<bool>());
        EXPECT_NEAR(first["loss_ratio"].get<double>() / c["loss_slope"].get<double>(), 1.0, 0.1);
        EXPECT_NEAR(first["grad_ratio"].get<double>() / c["grad_slope"].get<double>(), 1.0, 0.1);
        const bool data = c["branch"] != "gradient_step";
        EXPECT_EQ(first["minimiser_change"].is_number(), data);
        EXPECT_EQ(c["minimiser_slope"].is_number(), data);
    }
    EXPECT_EQ(branches, (std::vector<std::string>{"gradient_step", "A1", "A2", "B"}));
    const std::string text = slurp(csv);
    EXPECT_EQ(text.rfind("branch,parameter,size,", 0), 0u);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 4 * 6);
}

TEST(RegressCli, ContextStopsAnIllPosedSweepWithTheReasonAndRefusesSingleProblems) {
    const fs::path inst = generate("ctxr.json", "--problem matrix_rescaled --n 8 --d 3 --seed 23");
    Result r = cli("context --instance " + inst.string() + " --points 30 --max-delta 1e4 " +
                   "--decades 6");
    ASSERT_EQ(r.status, 0) << r.err;
    expectNoNonFinite(r.out);
    const json j = r.parsed();
    bool stopped = false;
    for (const auto &c : j["curves"])
        if (c["stop"] != "completed") {
            stopped = true;
            EXPECT_TRUE(c["stop_parameter"].is_number());
            EXPECT_FALSE(c["message"].get<std::string>().empty());
            EXPECT_LT(c["points"].size(), 30u);
        }
    EXPECT_TRUE(stopped);

    const fs::path single = generate("ctxs.json", "--problem softmax_normalized --n 6 --d 2");
    r = cli("context --instance " + single.string());
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("matrix_normalized or matrix_rescaled"), std::string::npos) << r.err;
    r = cli("context --instance " + inst.string() + " --points 1");
    EXPECT_EQ(r.status, 2);
    r = cli("context --instance " + inst.string() + " --max-delta -1");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--max-delta"), std::string::npos) << r.err;
}
