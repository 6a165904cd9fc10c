#include "regression/instance.h"

#include "common/atomic_file.h"
#include "regression/json_format.h"
#include "regression/link.h"
#include "regression/problems.h"

#include <Eigen/Eigenvalues>
#include <nlohmann/json.hpp>

#include <cmath>
#include <random>
#include <sstream>

namespace mowe::regression {

using nlohmann::json;

std::pair<std::size_t, std::size_t> lineColumn(std::string_view text, std::size_t offset) {
    std::size_t line = 1, column = 1;
    const std::size_t end = std::min(offset, text.size());
    for (std::size_t i = 0; i < end; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

namespace {

// nlohmann's parser is iterative, but a file of a million '[' still costs a node per level
// and says nothing useful: refuse it with the position of the first bracket too deep.
void checkDepth(std::string_view text, const std::string &source) {
    int depth = 0;
    bool inString = false, escaped = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth) {
                const auto [line, column] = lineColumn(text, i);
                throw ParseError(source + ":" + std::to_string(line) + ":" +
                                     std::to_string(column) + ": JSON nested deeper than " +
                                     std::to_string(kMaxJsonDepth) +
                                     " levels; an instance needs at most 3",
                                 line,
                                 column);
            }
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
}

std::string typeName(const json &j) {
    return j.type_name();
}

double readNumber(const json &j, const std::string &where) {
    if (!j.is_number())
        throw InvalidInput(where + " is " + typeName(j) + ", expected a number");
    const double v = j.get<double>();
    if (!std::isfinite(v))
        throw InvalidInput(where + " is not a finite number");
    return v;
}

Vector readVector(const json &j, const std::string &field) {
    if (!j.is_array())
        throw InvalidInput("field '" + field + "' is " + typeName(j) + ", expected a list");
    if (static_cast<Index>(j.size()) > kMaxEntries)
        throw InvalidInput("field '" + field + "' holds " + std::to_string(j.size()) +
                           " values, more than the limit " + std::to_string(kMaxEntries));
    Vector v(static_cast<Index>(j.size()));
    for (std::size_t i = 0; i < j.size(); ++i)
        v[static_cast<Index>(i)] =
            readNumber(j[i], "field '" + field + "'[" + std::to_string(i) + "]");
    return v;
}

Matrix readMatrix(const json &j, const std::string &field) {
    if (!j.is_array())
        throw InvalidInput("field '" + field + "' is " + typeName(j) + ", expected a list of rows");
    if (j.empty())
        throw InvalidInput("field '" + field + "' is empty (0 rows)");
    for (std::size_t i = 0; i < j.size(); ++i)
        if (!j[i].is_array())
            throw InvalidInput("field '" + field + "'[" + std::to_string(i) + "] is " +
                               typeName(j[i]) + ", expected a row (a list of numbers)");
    const std::size_t rows = j.size(), cols = j[0].size();
    for (std::size_t i = 1; i < rows; ++i)
        if (j[i].size() != cols)
            throw InvalidInput("field '" + field + "' is not rectangular: row " +
                               std::to_string(i) + " has " + std::to_string(j[i].size()) +
                               " entries, row 0 has " + std::to_string(cols));
    if (cols == 0)
        throw InvalidInput("field '" + field + "' has empty rows (" + std::to_string(rows) + "×0)");
    if (static_cast<double>(rows) * static_cast<double>(cols) > static_cast<double>(kMaxEntries))
        throw InvalidInput("field '" + field + "' is " + std::to_string(rows) + "×" +
                           std::to_string(cols) + ", more than the limit of " +
                           std::to_string(kMaxEntries) + " entries");
    Matrix m(static_cast<Index>(rows), static_cast<Index>(cols));
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t k = 0; k < cols; ++k)
            m(static_cast<Index>(i), static_cast<Index>(k)) = readNumber(
                j[i][k],
                "field '" + field + "'[" + std::to_string(i) + "][" + std::to_string(k) + "]");
    return m;
}

const json &requireField(const json &j, const char *field) {
    const auto it = j.find(field);
    if (it == j.end())
        throw InvalidInput(std::string("missing field '") + field + "'");
    return *it;
}

json matrixJson(const Matrix &m) {
    json rows = json::array();
    for (Index i = 0; i < m.rows(); ++i) {
        json row = json::array();
        for (Index k = 0; k < m.cols(); ++k)
            row.push_back(m(i, k));
        rows.push_back(std::move(row));
    }
    return rows;
}

json vectorJson(const Vector &v) {
    json out = json::array();
    for (Index i = 0; i < v.size(); ++i)
        out.push_back(v[i]);
    return out;
}

Vector flattenRowMajor(const Matrix &m) {
    const RowMatrix rm = m;
    return Eigen::Map<const Vector>(rm.data(), rm.size());
}

} // namespace

Instance instanceFromJson(const json &j) {
    if (!j.is_object())
        throw InvalidInput("an instance must be a JSON object, got " + typeName(j));
    const json &name = requireField(j, "problem");
    if (!name.is_string())
        throw InvalidInput("field 'problem' is " + typeName(name) + ", expected a string");
    const auto kind = problemFromName(name.get<std::string>());
    if (!kind) {
        std::string known;
        for (const auto k : allProblemKinds())
            known += (known.empty() ? "" : ", ") + std::string(problemName(k));
        throw InvalidInput("field 'problem' is '" + name.get<std::string>() +
                           "'; known problems: " + known);
    }
    Instance inst;
    inst.kind = *kind;
    if (!isMatrixProblem(inst.kind)) {
        inst.A = readMatrix(requireField(j, "A"), "A");
        inst.b = readVector(requireField(j, "b"), "b");
        if (j.contains("w"))
            inst.w = readVector(j["w"], "w");
        if (j.contains("x"))
            inst.x = readVector(j["x"], "x");
        else
            inst.x = Vector::Zero(inst.A.cols());
        if (inst.x.size() != inst.A.cols())
            throw InvalidInput("field 'x' has length " + std::to_string(inst.x.size()) +
                               " but 'A' has d = " + std::to_string(inst.A.cols()) + " columns");
    } else {
        inst.A1 = readMatrix(requireField(j, "A1"), "A1");
        inst.A2 = readMatrix(requireField(j, "A2"), "A2");
        inst.B = readMatrix(requireField(j, "B"), "B");
        const Index n = inst.A1.rows(), d = inst.A1.cols();
        if (j.contains("w")) {
            const Vector w = readVector(j["w"], "w");
            if (w.size() != n * n)
                throw InvalidInput("field 'w' holds " + std::to_string(w.size()) +
                                   " values but must hold n² = " + std::to_string(n * n) +
                                   " (row-major over Z)");
            inst.W = Eigen::Map<const RowMatrix>(w.data(), n, n);
        }
        if (j.contains("x") && j.contains("X"))
            throw InvalidInput("give either 'x' (d² values, row-major) or 'X' (d×d), not both");
        if (j.contains("X")) {
            const Matrix X = readMatrix(j["X"], "X");
            if (X.rows() != d || X.cols() != d)
                throw InvalidInput(
                    "field 'X' is " + std::to_string(X.rows()) + "×" + std::to_string(X.cols()) +
                    " but must be d×d = " + std::to_string(d) + "×" + std::to_string(d));
            inst.x = flattenRowMajor(X);
        } else if (j.contains("x")) {
            inst.x = readVector(j["x"], "x");
            if (inst.x.size() != d * d)
                throw InvalidInput("field 'x' has length " + std::to_string(inst.x.size()) +
                                   " but must hold d² = " + std::to_string(d * d) +
                                   " values (row-major X)");
        } else {
            inst.x = Vector::Zero(d * d);
        }
    }
    if (j.contains("x_planted")) {
        Vector p = readVector(j["x_planted"], "x_planted");
        if (p.size() != inst.dimension())
            throw InvalidInput("field 'x_planted' has length " + std::to_string(p.size()) +
                               ", expected " + std::to_string(inst.dimension()));
        inst.planted = std::move(p);
    }
    makeProblem(inst); // validates shapes, finiteness and distributions
    return inst;
}

Instance parseInstance(std::string_view text, const std::string &source) {
    if (text.size() > kMaxInstanceBytes)
        throw InvalidInput(source + ": " + std::to_string(text.size()) +
                           " bytes, more than the limit of " + std::to_string(kMaxInstanceBytes));
    checkDepth(text, source);
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::parse_error &e) {
        // e.byte counts characters read, 1-based: the offending one is at offset byte − 1.
        const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
        const auto [line, column] = lineColumn(text, offset);
        std::string detail = e.what();
        if (const auto colon = detail.find(": "); colon != std::string::npos)
            detail = detail.substr(colon + 2);
        throw ParseError(source + ":" + std::to_string(line) + ":" + std::to_string(column) +
                             ": malformed JSON: " + detail,
                         line,
                         column);
    } catch (const json::out_of_range &e) {
        // A number beyond double's range ("1e999"): nlohmann names the token but not its
        // position, so locate the token's first occurrence.
        const std::string what = e.what();
        const auto open = what.find('\''), close = what.rfind('\'');
        std::size_t offset = 0;
        std::string token;
        if (open != std::string::npos && close > open) {
            token = what.substr(open + 1, close - open - 1);
            offset = std::min(text.find(token), text.size());
        }
        const auto [line, column] = lineColumn(text, offset);
        throw ParseError(source + ":" + std::to_string(line) + ":" + std::to_string(column) +
                             ": the number " + token + " is outside the range of double precision",
                         line,
                         column);
    }
    try {
        return instanceFromJson(j);
    } catch (const ParseError &) {
        throw;
    } catch (const InvalidInput &e) {
        throw InvalidInput(source + ": " + e.what());
    }
}

Instance loadInstance(const std::filesystem::path &path) {
    const std::string text = readFile(path, kMaxInstanceBytes);
    return parseInstance(text, path.string());
}

json instanceToJson(const Instance &inst) {
    json j;
    j["problem"] = std::string(problemName(inst.kind));
    if (!isMatrixProblem(inst.kind)) {
        j["A"] = matrixJson(inst.A);
        j["b"] = vectorJson(inst.b);
        if (inst.w.size())
            j["w"] = vectorJson(inst.w);
    } else {
        j["A1"] = matrixJson(inst.A1);
        j["A2"] = matrixJson(inst.A2);
        j["B"] = matrixJson(inst.B);
        if (inst.W.size())
            j["w"] = vectorJson(flattenRowMajor(inst.W));
    }
    j["x"] = vectorJson(inst.x);
    if (inst.planted)
        j["x_planted"] = vectorJson(*inst.planted);
    return j;
}

void saveInstance(const std::filesystem::path &path, const Instance &instance) {
    writeFileAtomically(path, formatJson(instanceToJson(instance), 1) + "\n");
}

std::unique_ptr<Problem> makeProblem(const Instance &inst) {
    if (isMatrixProblem(inst.kind))
        return std::make_unique<MatrixProblem>(inst.kind, inst.A1, inst.A2, inst.B, inst.W);
    return std::make_unique<SingleProblem>(inst.kind, inst.A, inst.b, inst.w);
}

double middleLowerBound(const Problem &problem, const Vector &x) {
    const Vector z = problem.logits(x);
    const Index n = problem.segmentLength();
    const LinkKind link = linkOf(problem.kind());
    double bound = std::numeric_limits<double>::infinity();
    for (Index j = 0; j < z.size() / n; ++j) {
        const LinkDerivatives l =
            linkDerivatives(link, z.segment(j * n, n), problem.target().segment(j * n, n), true);
        if (l.status != EvalStatus::Ok)
            throw EvaluationError(l.status, "middleLowerBound: not evaluable at x");
        // λ_min(diag β + U C Uᵀ) ≥ min β + min(0, λ_min(G^½ C G^½)), G = UᵀU: the nonzero
        // eigenvalues of U C Uᵀ are those of the 2×2 G^½ C G^½.
        const Eigen::Matrix2d G = l.U.transpose() * l.U;
        Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> gs(G);
        const Eigen::Matrix2d root = gs.operatorSqrt();
        const Eigen::Matrix2d M = root * l.C * root;
        Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> ms(M);
        bound = std::min(bound, l.beta.minCoeff() + std::min(0.0, ms.eigenvalues()[0]));
    }
    return bound;
}

namespace {

Vector plantedOutput(ProblemKind kind, const Vector &z) {
    const Vector h = hasRelu(kind) ? Vector(z.cwiseMax(0.0)) : z;
    if (kind == ProblemKind::ReluNormalized)
        return h / h.sum();
    const Vector u = (h.array() - h.maxCoeff()).exp().matrix();
    return u / u.sum();
}

} // namespace

Instance generateInstance(const GenerateOptions &o) {
    if (o.n < 1 || o.d < 1)
        throw InvalidInput("generate: n and d must be at least 1 (got n = " + std::to_string(o.n) +
                           ", d = " + std::to_string(o.d) + ")");
    const bool matrix = isMatrixProblem(o.kind);
    // Refuse before allocating: n·d for A, n² for B and W, d² parameters (d⁴ for a Hessian is
    // the caller's business: the dense spectrum checks it).
    const double nd = static_cast<double>(o.n) * static_cast<double>(o.d);
    const double nn = static_cast<double>(o.n) * static_cast<double>(o.n);
    const double dd = static_cast<double>(o.d) * static_cast<double>(o.d);
    const double biggest = matrix ? std::max({nd, nn, dd}) : nd;
    if (biggest > static_cast<double>(kMaxEntries))
        throw InvalidInput("generate: n = " + std::to_string(o.n) + ", d = " + std::to_string(o.d) +
                           " needs " + std::to_string(static_cast<long long>(biggest)) +
                           " entries in one matrix, more than the limit of " +
                           std::to_string(kMaxEntries));
    if (o.w && (!std::isfinite(*o.w) || *o.w < 0))
        throw InvalidInput("generate: w must be a finite number ≥ 0");

    std::mt19937_64 rng(o.seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    const auto gaussian = [&](Index rows, Index cols, double sd) {
        Matrix m(rows, cols);
        for (Index i = 0; i < m.size(); ++i)
            m.data()[i] = sd * normal(rng);
        return m;
    };

    Instance inst;
    inst.kind = o.kind;
    const Index p = matrix ? o.d * o.d : o.d;
    // Logits O(1): each logit sums d (or d²) products of N(0,1) entries with the parameters.
    Vector planted = gaussian(p, 1, 1.0 / std::sqrt(static_cast<double>(p)));
    Vector z;
    if (!matrix) {
        inst.A = gaussian(o.n, o.d, 1.0);
        z = inst.A * planted;
        if (o.kind == ProblemKind::ReluNormalized && z.maxCoeff() <= 0.0) {
            planted = -planted; // needs one active unit for σ > 0
            z = -z;
        }
        inst.b = plantedOutput(o.kind, z);
    } else {
        inst.A1 = gaussian(o.n, o.d, 1.0);
        inst.A2 = gaussian(o.n, o.d, 1.0);
        const Eigen::Map<const RowMatrix> X(planted.data(), o.d, o.d);
        const Matrix Z = inst.A1 * X * inst.A2.transpose();
        inst.B.resize(o.n, o.n);
        for (Index j = 0; j < o.n; ++j)
            inst.B.row(j) = plantedOutput(o.kind, Z.row(j).transpose()).transpose();
    }
    const Vector dir = gaussian(p, 1, 1.0);
    const double scale = std::max(planted.norm(), 1e-3);
    inst.x = planted + o.startDistance * scale * dir / std::max(dir.norm(), 1e-300);
    inst.planted = planted;

    double w = 0.0;
    if (o.w) {
        w = *o.w;
    } else if (o.kind == ProblemKind::SoftmaxRelu) {
        // The regulariser pulls every logit towards 0, i.e. onto a ReLU kink, and inactive
        // units feel nothing else: with w ~ 0.1 the minimiser usually sits on a kink and
        // Newton stalls. A small w keeps it near the planted point, where the data Hessian
        // AᵀSJᵀJSA (J = diag f − f fᵀ) is positive definite.
        w = 0.01;
    } else if (o.kind == ProblemKind::ReluNormalized) {
        // ReLU(cAx)/σ is invariant under x → cx (c > 0): any w > 0 makes the loss decrease
        // towards x = 0, where it is undefined, so there is no minimiser. With w = 0 the
        // minimisers form a ray and the Hessian is singular along it (damped Newton copes).
        w = 0.0;
    } else {
        // Bound Ψ's most negative eigenvalue along the segment start → planted (and at 0, a
        // common start), then take w² = 1.5·max(0, −bound) + 1e-2.
        const std::unique_ptr<Problem> probe = makeProblem(inst);
        double worst = 0.0;
        for (int k = 0; k <= 4; ++k) {
            const double t = k / 4.0;
            const Vector xt = (1 - t) * inst.x + t * planted;
            try {
                worst = std::min(worst, middleLowerBound(*probe, xt));
            } catch (const EvaluationError &) {
                // Not evaluable there (relu_normalized with σ = 0): no curvature to bound.
            }
        }
        w = std::sqrt(1.5 * -worst + 1e-2);
    }
    if (!matrix)
        inst.w = Vector::Constant(o.n, w);
    else
        inst.W = Matrix::Constant(o.n, o.n, w);
    return inst;
}

} // namespace mowe::regression
