#pragma once
// Shared by the regression tests: tolerances (defined once), finite differences, fixtures.

#include "regression/instance.h"
#include "regression/problem.h"

#include <functional>
#include <random>

namespace mowe::regression::test {

/// Issue 3: every gradient and Hessian within 1e-7 relative error of central differences.
inline constexpr double kDerivativeRelTol = 1e-7;
/// Closed forms that must agree with each other to rounding (Kronecker vs explicit, Hv vs H·v).
inline constexpr double kIdentityRelTol = 1e-11;

inline double relError(const Matrix &got, const Matrix &want) {
    return (got - want).norm() / std::max(want.norm(), 1e-300);
}

/// Richardson-extrapolated central difference of a vector function along `v`:
/// (4 D(h/2) − D(h)) / 3 with D(h) = (f(x + hv) − f(x − hv)) / 2h. Error O(h⁴).
inline Vector directional(const std::function<Vector(const Vector &)> &f,
                          const Vector &x,
                          const Vector &v,
                          double h) {
    const auto D = [&](double s) { return Vector((f(x + s * v) - f(x - s * v)) / (2 * s)); };
    return (4 * D(h / 2) - D(h)) / 3;
}

inline Vector fdGradient(const Problem &p, const Vector &x, double h) {
    Vector g(x.size());
    const auto f = [&](const Vector &y) { return Vector::Constant(1, p.loss(y).total); };
    for (Index i = 0; i < x.size(); ++i)
        g[i] = directional(f, x, Vector::Unit(x.size(), i), h)[0];
    return g;
}

inline Matrix fdHessian(const Problem &p, const Vector &x, double h) {
    Matrix H(x.size(), x.size());
    const auto g = [&](const Vector &y) { return p.gradient(y); };
    for (Index i = 0; i < x.size(); ++i)
        H.col(i) = directional(g, x, Vector::Unit(x.size(), i), h);
    return H;
}

inline Vector randomVector(Index n, std::uint64_t seed, double scale = 1.0) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, scale);
    Vector v(n);
    for (Index i = 0; i < n; ++i)
        v[i] = normal(rng);
    return v;
}

inline Instance generated(ProblemKind kind,
                          Index n,
                          Index d,
                          std::uint64_t seed,
                          std::optional<double> w = std::nullopt) {
    GenerateOptions o;
    o.w = w;
    o.kind = kind;
    o.n = n;
    o.d = d;
    o.seed = seed;
    return generateInstance(o);
}

} // namespace mowe::regression::test
