// Instance files: round trip, the generator, and every kind of bad input the issue lists —
// each refused with a message naming the field and the sizes (or the line and column).

#include "regression/instance.h"
#include "regression/json_format.h"
#include "regression/problems.h"
#include "test_support.h"

#include <Eigen/Eigenvalues>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

using namespace mowe::regression;
using namespace mowe::regression::test;

namespace {

std::string errorOf(const std::string &text) {
    try {
        parseInstance(text, "t.json");
    } catch (const InvalidInput &e) {
        return e.what();
    }
    return "(no error)";
}

bool contains(const std::string &s, const std::string &part) {
    return s.find(part) != std::string::npos;
}

const char *kGood = R"({"problem": "softmax_normalized",
 "A": [[1, 0], [0, 1], [1, 1]], "b": [0.25, 0.25, 0.5], "w": [1, 1, 1], "x": [0.1, 0.2]})";

} // namespace

TEST(Instance, RoundTripIsBitExactForEveryProblem) {
    const auto dir = std::filesystem::temp_directory_path() / "mowe_instance_rt";
    std::filesystem::create_directories(dir);
    for (const ProblemKind kind : allProblemKinds()) {
        const Instance a = generated(kind, 6, 3, 5);
        saveInstance(dir / "i.json", a);
        const Instance b = loadInstance(dir / "i.json");
        EXPECT_EQ(b.kind, kind);
        EXPECT_EQ(b.x, a.x) << problemName(kind);
        EXPECT_EQ(*b.planted, *a.planted);
        const auto pa = makeProblem(a), pb = makeProblem(b);
        EXPECT_EQ(pa->loss(a.x).total, pb->loss(b.x).total) << problemName(kind);
    }
}

TEST(Instance, MatrixStartMayBeGivenAsNestedX) {
    const Instance a = generated(ProblemKind::MatrixNormalized, 3, 2, 6);
    nlohmann::json j = instanceToJson(a);
    j.erase("x");
    j["X"] = {{1.0, 2.0}, {3.0, 4.0}};
    const Instance b = instanceFromJson(j);
    EXPECT_EQ(b.x, (Vector(4) << 1, 2, 3, 4).finished()); // row-major
}

TEST(Instance, FormatJsonWritesSeventeenDigitsAndRefusesNaN) {
    EXPECT_EQ(formatJson(nlohmann::json(0.1)), "0.10000000000000001");
    EXPECT_EQ(formatJson(nlohmann::json(2.0)), "2.0");
    EXPECT_THROW(formatJson(nlohmann::json(std::nan(""))), std::logic_error);
}

TEST(Instance, GeneratorPlantsADistributionAndAPositiveDefiniteHessian) {
    for (const ProblemKind kind : {ProblemKind::SoftmaxNormalized,
                                   ProblemKind::SoftmaxRescaled,
                                   ProblemKind::MatrixNormalized}) {
        const Instance inst = generated(kind, 30, 3, 9);
        const auto p = makeProblem(inst);
        const Vector b = p->target();
        const Index n = p->segmentLength();
        for (Index j = 0; j < b.size() / n; ++j)
            EXPECT_NEAR(b.segment(j * n, n).sum(), 1.0, 1e-14);
        const Eigen::SelfAdjointEigenSolver<Matrix> es(p->hessian(*inst.planted));
        EXPECT_GT(es.eigenvalues().minCoeff(), 0.0) << problemName(kind);
    }
    GenerateOptions weak;
    weak.w = 0.0;
    EXPECT_EQ(generateInstance(weak).w.norm(), 0.0);
}

TEST(Instance, HugeSizesAreRefusedBeforeAllocating) {
    GenerateOptions o;
    o.n = 1'000'000'000;
    o.d = 1000;
    const auto start = std::chrono::steady_clock::now();
    try {
        generateInstance(o);
        FAIL() << "expected InvalidInput";
    } catch (const InvalidInput &e) {
        EXPECT_TRUE(contains(e.what(), "limit")) << e.what();
        EXPECT_TRUE(contains(e.what(), "1000000000")) << e.what();
    }
    o.kind = ProblemKind::MatrixNormalized;
    o.n = 100'000;
    o.d = 2;
    EXPECT_THROW(generateInstance(o), InvalidInput); // n² = 1e10
    o.n = 0;
    EXPECT_THROW(generateInstance(o), InvalidInput);
    // Refusal is a check, not an allocation attempt.
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(InstanceErrors, MalformedJsonGivesLineAndColumn) {
    const std::string text = "{\n  \"problem\": \"softmax_normalized\",\n  \"A\": [[1, 2],\n"
                             "        [3, ]]\n}";
    try {
        parseInstance(text, "t.json");
        FAIL() << "expected ParseError";
    } catch (const ParseError &e) {
        EXPECT_EQ(e.line(), 4u);
        EXPECT_EQ(e.column(), 13u); // the ']' after "[3, "
        EXPECT_TRUE(contains(e.what(), "t.json:4:13")) << e.what();
    }
    EXPECT_EQ(lineColumn("ab\ncd", 4), (std::pair<std::size_t, std::size_t>{2, 2}));
}

TEST(InstanceErrors, DeepNestingIsRefusedWithItsPosition) {
    const std::string deep(100000, '[');
    try {
        parseInstance(deep, "deep.json");
        FAIL() << "expected ParseError";
    } catch (const ParseError &e) {
        EXPECT_EQ(e.line(), 1u);
        EXPECT_EQ(e.column(), static_cast<std::size_t>(kMaxJsonDepth + 1));
    }
    EXPECT_TRUE(
        contains(errorOf("[[[[[[[[[[[[[[[[[[\"[[[[[[[[[[[[[[[[\"]]]]]]]]]]]]]]]]]]"), "deeper"));
}

TEST(InstanceErrors, TruncatedAndEmptyFiles) {
    EXPECT_TRUE(contains(errorOf(""), "t.json:1:1"));
    EXPECT_TRUE(contains(errorOf(std::string(kGood).substr(0, 40)), "malformed JSON"));
    EXPECT_TRUE(contains(errorOf("[1, 2]"), "must be a JSON object"));
}

TEST(InstanceErrors, FieldsAreNamedWithTheirSizes) {
    const auto with = [](const std::string &field, const std::string &value) {
        nlohmann::json j = nlohmann::json::parse(kGood);
        j[field] = nlohmann::json::parse(value);
        return errorOf(j.dump());
    };
    EXPECT_EQ(errorOf(kGood), "(no error)");
    EXPECT_TRUE(contains(with("A", "[]"), "'A' is empty"));
    EXPECT_TRUE(contains(with("A", "[[]]"), "empty rows"));
    EXPECT_TRUE(contains(with("A", "[[1, 0], [0]]"), "row 1 has 1 entries, row 0 has 2"));
    EXPECT_TRUE(contains(with("A", "[[1, \"x\"], [0, 1], [1, 1]]"), "'A'[0][1] is string"));
    std::string huge = kGood;
    huge.replace(huge.find("[[1, 0]"), 7, "[[1, 1e999]");
    EXPECT_TRUE(contains(errorOf(huge), "t.json:2:12: the number 1e999 is outside"))
        << errorOf(huge);
    EXPECT_TRUE(contains(with("b", "[0.5, 0.5]"), "'b' has length 2 but 'A' has 3 rows"));
    EXPECT_TRUE(contains(with("w", "[1]"), "'w' has length 1 but 'A' has 3 rows"));
    EXPECT_TRUE(contains(with("x", "[1, 2, 3]"), "'x' has length 3 but 'A' has d = 2"));
    EXPECT_TRUE(contains(with("problem", "\"softmax\""), "known problems: softmax_normalized"));
    EXPECT_TRUE(contains(with("b", "[0.3, 0.3, 0.3]"), "probability distribution"));
    EXPECT_TRUE(contains(with("b", "[0.3, 0.3, 0.3]"), "0.8999999"));
    EXPECT_TRUE(contains(with("b", "[1.5, -0.5, 0]"), "smallest entry -0.5"));
    nlohmann::json missing = nlohmann::json::parse(kGood);
    missing.erase("b");
    EXPECT_TRUE(contains(errorOf(missing.dump()), "missing field 'b'"));
}

TEST(InstanceErrors, RescaledProblemsAcceptAnyFiniteTarget) {
    nlohmann::json j = nlohmann::json::parse(kGood);
    j["problem"] = "softmax_rescaled";
    j["b"] = {0.3, 0.3, 0.3};
    EXPECT_EQ(errorOf(j.dump()), "(no error)");
}

TEST(InstanceErrors, MatrixFieldsAreNamedWithTheirSizes) {
    const Instance good = generated(ProblemKind::MatrixNormalized, 3, 2, 8);
    const auto with = [&](const std::string &field, const nlohmann::json &value) {
        nlohmann::json j = instanceToJson(good);
        j[field] = value;
        return errorOf(j.dump());
    };
    EXPECT_TRUE(contains(with("A2", {{1.0, 2.0}}), "'A2' is 1×2 but 'A1' is 3×2"));
    EXPECT_TRUE(contains(with("B", {{1.0}}), "'B' is 1×1 but must be n×n = 3×3"));
    EXPECT_TRUE(contains(with("w", {1.0, 2.0}), "must hold n² = 9"));
    EXPECT_TRUE(contains(with("x", {1.0}), "must hold d² = 4"));
    EXPECT_TRUE(contains(with("X", {{1.0}}), "both"));
    EXPECT_TRUE(contains(with("B", {{1.0, 0.0, 0.0}, {0.5, 0.5, 0.0}, {0.2, 0.2, 0.2}}),
                         "'B[2]' must be a probability distribution"));
}

TEST(InstanceErrors, DirectConstructionChecksToo) {
    EXPECT_THROW(SingleProblem(ProblemKind::SoftmaxNormalized, Matrix(0, 3), Vector(0)),
                 InvalidInput);
    Matrix A = Matrix::Ones(2, 2);
    A(1, 1) = std::numeric_limits<double>::quiet_NaN();
    try {
        SingleProblem(ProblemKind::SoftmaxRescaled, A, Vector::Constant(2, 0.5));
        FAIL();
    } catch (const InvalidInput &e) {
        EXPECT_TRUE(contains(e.what(), "'A' has a non-finite entry at [1][1]")) << e.what();
    }
}

TEST(InstanceErrors, DenseHessianAboveTheLimitIsRefusedNotAllocated) {
    // d = 80: p = d² = 6400 > kMaxDenseHessianDimension; products still work.
    GenerateOptions o;
    o.kind = ProblemKind::MatrixNormalized;
    o.n = 3;
    o.d = 80;
    const Instance inst = generateInstance(o);
    const auto p = makeProblem(inst);
    try {
        p->hessian(inst.x);
        FAIL() << "expected InvalidInput";
    } catch (const InvalidInput &e) {
        EXPECT_TRUE(contains(e.what(), "6400×6400")) << e.what();
    }
    EXPECT_THROW(p->split(inst.x), InvalidInput);
    EXPECT_EQ(p->hessianVector(inst.x, inst.x).size(), 6400);
}
