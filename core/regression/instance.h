#pragma once
// Instance files: one regression problem with its data and a start point, as JSON.
//
// Single problems (A ∈ R^{n×d}, b, w ∈ R^n, x ∈ R^d):
//     {"problem": "softmax_normalized" | "softmax_rescaled" | "softmax_relu" | "relu_normalized",
//      "A": [[…], …], "b": […], "w": […], "x": […]}
// Matrix problems (A₁, A₂ ∈ R^{n×d}, B ∈ R^{n×n}, X ∈ R^{d×d}):
//     {"problem": "matrix_normalized" | "matrix_rescaled", "A1": [[…]], "A2": [[…]],
//      "B": [[…]], "w": [n² values, row-major over Z] (optional), "x": [d² values, row-major]
//      or "X": [[…]]}
// Matrices are row-major nested lists. "w" and "x" may be omitted (no regulariser, start at
// 0); "x_planted" (the generator's ground truth) is kept if present; other keys are ignored.
// Errors are InvalidInput naming the field, index and sizes; malformed JSON is a ParseError
// with the 1-based line and column.

#include "regression/problem.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mowe::regression {

/// Largest number of doubles any single field (or a generated matrix) may hold: 2²⁵ (256 MiB).
/// Checked before anything of that size is allocated.
inline constexpr Index kMaxEntries = Index(1) << 25;
/// Largest instance file read: 512 MiB.
inline constexpr std::size_t kMaxInstanceBytes = std::size_t(512) << 20;
/// Nesting deeper than this is refused before the JSON parser sees it (instances need 3).
inline constexpr int kMaxJsonDepth = 16;

/// Malformed JSON, with the 1-based position of the offending character.
class ParseError : public InvalidInput {
public:
    ParseError(const std::string &message, std::size_t line, std::size_t column)
        : InvalidInput(message)
        , line_(line)
        , column_(column) {}
    std::size_t line() const { return line_; }
    std::size_t column() const { return column_; }

private:
    std::size_t line_, column_;
};

struct Instance {
    ProblemKind kind = ProblemKind::SoftmaxNormalized;
    // Single problems.
    Matrix A;
    Vector b;
    Vector w; ///< empty: no regulariser
    // Matrix problems.
    Matrix A1, A2, B;
    Matrix W; ///< n×n, empty: no regulariser
    /// Start point (length p = d or d², row-major for matrix problems).
    Vector x;
    /// The parameters the generator planted (b = the model's output at x_planted), if known.
    std::optional<Vector> planted;

    Index n() const { return isMatrixProblem(kind) ? A1.rows() : A.rows(); }
    Index d() const { return isMatrixProblem(kind) ? A1.cols() : A.cols(); }
    Index dimension() const { return isMatrixProblem(kind) ? d() * d() : d(); }
};

/// 1-based line and column of the byte at 0-based `offset` in `text`.
std::pair<std::size_t, std::size_t> lineColumn(std::string_view text, std::size_t offset);

/// Parses and validates an instance. `source` names the file in messages.
Instance parseInstance(std::string_view text, const std::string &source = "<input>");
Instance instanceFromJson(const nlohmann::json &json);
Instance loadInstance(const std::filesystem::path &path);

nlohmann::json instanceToJson(const Instance &instance);
/// Written atomically (common/atomic_file.h), numbers at 17 significant digits.
void saveInstance(const std::filesystem::path &path, const Instance &instance);

/// Builds the problem; throws InvalidInput (shapes, finiteness, distributions).
std::unique_ptr<Problem> makeProblem(const Instance &instance);

struct GenerateOptions {
    ProblemKind kind = ProblemKind::SoftmaxNormalized;
    Index n = 20; ///< rows of A (A₁, A₂)
    Index d = 5;  ///< columns; the matrix problems have d² parameters
    std::uint64_t seed = 1;
    /// Uniform regulariser weight wᵢ = w. Unset: chosen so that the middle matrix Ψ + W² is
    /// positive definite (margin 1e-2 plus half of Ψ's most negative eigenvalue bound) at the
    /// planted point, the start and between them, so ∇²L is PD there when A has full column
    /// rank. Exceptions: softmax_relu gets w = 0.01 (a larger w pulls the minimiser onto a
    /// kink) and relu_normalized w = 0 (it is scale-invariant: with w > 0 it has no
    /// minimiser; with w = 0 its minimisers form a ray, so ∇²L is singular along x).
    /// A small explicit w gives a deliberately ill-posed instance.
    std::optional<double> w;
    /// ‖x₀ − x_planted‖ / ‖x_planted‖ for the start point.
    double startDistance = 0.3;
};

/// A well-posed random instance: entries of A (A₁, A₂) ~ N(0,1), planted x ~ N(0, 1/d)
/// (X ~ N(0, 1/d²)) so logits are O(1), b = the problem's own output at the planted x (a
/// genuine softmax output). Throws InvalidInput for n, d < 1 or sizes above kMaxEntries
/// (refused before allocating).
Instance generateInstance(const GenerateOptions &options);

/// Lower bound on λ_min(diag(β) + U C Uᵀ) over all segments at x (cheap: O(N)), used by the
/// generator to pick w. Throws EvaluationError where the problem is not evaluable.
double middleLowerBound(const Problem &problem, const Vector &x);

} // namespace mowe::regression
