#include "regression/landscape.h"

#include "regression/spectrum.h"

#include <Eigen/SVD>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <random>
#include <sstream>

#include <omp.h>

namespace mowe::regression {

std::string_view directionKindName(DirectionKind kind) {
    switch (kind) {
    case DirectionKind::Random:
        return "random";
    case DirectionKind::Eigen:
        return "eigen";
    case DirectionKind::Pca:
        return "pca";
    }
    return "unknown";
}

std::optional<DirectionKind> directionKindFromName(std::string_view name) {
    for (const auto k : {DirectionKind::Random, DirectionKind::Eigen, DirectionKind::Pca})
        if (directionKindName(k) == name)
            return k;
    return std::nullopt;
}

double naturalScale(const Problem &problem) {
    const Index N = problem.designRows(), p = problem.dimension();
    Vector row(p);
    double frob2 = 0.0;
    for (Index i = 0; i < N; ++i) {
        problem.designRow(i, row);
        frob2 += row.squaredNorm();
    }
    if (frob2 <= 0.0)
        return 1.0;
    return std::sqrt(static_cast<double>(N) * static_cast<double>(p) / frob2);
}

namespace {

Vector gaussian(Index p, std::mt19937_64 &rng) {
    std::normal_distribution<double> normal;
    Vector v(p);
    for (Index i = 0; i < p; ++i)
        v[i] = normal(rng);
    return v;
}

// v minus its component along unit u, normalised; a fresh random vector if v ∥ u.
Vector orthonormalTo(const Vector &u, Vector v, std::mt19937_64 &rng) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        v -= u.dot(v) * u;
        const double nv = v.norm();
        if (nv > 1e-8)
            return v / nv;
        v = gaussian(u.size(), rng);
    }
    return v.normalized();
}

} // namespace

LandscapeDirections landscapeDirections(const Problem &problem,
                                        const Vector &center,
                                        DirectionKind kind,
                                        const std::vector<Vector> &path,
                                        std::uint64_t seed) {
    const Index p = problem.dimension();
    if (center.size() != p)
        throw InvalidInput("landscape: the centre has length " + std::to_string(center.size()) +
                           ", the problem has " + std::to_string(p) + " parameters");
    if (p < 2)
        throw InvalidInput(
            "landscape: a 2-D slice needs at least 2 parameters (p = " + std::to_string(p) + ")");
    std::mt19937_64 rng(seed);
    LandscapeDirections d;
    d.kind = kind;
    const double natural = naturalScale(problem);
    d.scale = std::max(center.norm(), natural);
    Vector u, v;
    switch (kind) {
    case DirectionKind::Random:
        u = gaussian(p, rng).normalized();
        v = orthonormalTo(u, gaussian(p, rng), rng);
        d.note = "random directions, length " + std::to_string(d.scale);
        break;
    case DirectionKind::Eigen: {
        if (!problem.loss(center).ok())
            throw InvalidInput("landscape: eigen directions need a centre where the loss is "
                               "defined; " +
                               problem.loss(center).message);
        double lmin, lmax;
        if (p <= 400) {
            const DenseSpectrum s = denseSpectrum(problem.hessian(center), true);
            u = s.eigenvectors.col(0);
            v = s.eigenvectors.col(p - 1);
            lmin = s.lambdaMin;
            lmax = s.lambdaMax;
        } else {
            const LanczosResult r = lanczosExtreme(hessianOperator(problem, center), p, {});
            u = r.smallest.front().vector;
            v = r.largest.front().vector;
            lmin = r.smallest.front().value;
            lmax = r.largest.front().value;
        }
        v = orthonormalTo(u, v, rng);
        std::ostringstream note;
        note.precision(6);
        note << "eigenvectors of the Hessian at the centre: u for λ_min = " << lmin
             << ", v for λ_max = " << lmax;
        d.note = note.str();
        break;
    }
    case DirectionKind::Pca: {
        if (path.size() < 2)
            throw InvalidInput("landscape: pca directions need a path of at least 2 points, got " +
                               std::to_string(path.size()));
        Matrix P(static_cast<Index>(path.size()), p);
        for (std::size_t i = 0; i < path.size(); ++i) {
            if (path[i].size() != p)
                throw InvalidInput("landscape: path point " + std::to_string(i) + " has length " +
                                   std::to_string(path[i].size()));
            P.row(static_cast<Index>(i)) = path[i].transpose();
        }
        const Eigen::RowVectorXd mean = P.colwise().mean();
        P.rowwise() -= mean;
        Eigen::JacobiSVD<Matrix> svd(P, Eigen::ComputeThinV);
        const Vector sv = svd.singularValues();
        if (sv.size() == 0 || sv[0] <= 1e-14)
            throw InvalidInput("landscape: the path has no extent (all points equal)");
        u = svd.matrixV().col(0);
        if (sv.size() > 1 && sv[1] > 1e-12 * sv[0]) {
            v = svd.matrixV().col(1);
            d.note = "principal components of the path";
        } else {
            v = orthonormalTo(u, gaussian(p, rng), rng);
            d.note = "the path is a line: its direction, completed by a random orthogonal one";
        }
        double far = 0.0;
        for (const Vector &x : path)
            far = std::max(far, (x - center).norm());
        d.scale = far > 0.0 ? far : natural;
        break;
    }
    }
    d.u = d.scale * u;
    d.v = d.scale * v;
    return d;
}

Landscape computeLandscape(const Problem &problem,
                           const Vector &center,
                           const LandscapeDirections &dirs,
                           const LandscapeOptions &o) {
    const Index p = problem.dimension();
    if (center.size() != p || dirs.u.size() != p || dirs.v.size() != p)
        throw InvalidInput("landscape: centre and directions must have length " +
                           std::to_string(p));
    if (!center.allFinite() || !dirs.u.allFinite() || !dirs.v.allFinite())
        throw InvalidInput("landscape: centre or directions have non-finite entries");
    if (o.grid < 2 || o.grid > kMaxLandscapeGrid)
        throw InvalidInput("landscape: grid must be between 2 and " +
                           std::to_string(kMaxLandscapeGrid) + " points per axis, got " +
                           std::to_string(o.grid));
    if (!(o.span > 0.0) || !std::isfinite(o.span))
        throw InvalidInput("landscape: span must be a positive finite number");

    Landscape L;
    L.center = center;
    L.directions = dirs;
    const Index G = o.grid;
    L.s = Vector::LinSpaced(G, -o.span, o.span);
    L.t = L.s;
    L.loss = Matrix::Zero(G, G);
    L.status.assign(static_cast<std::size_t>(G * G), EvalStatus::Undefined);

    const Vector z0 = problem.logits(center);
    const Vector zu = problem.logits(dirs.u);
    const Vector zv = problem.logits(dirs.v);
    const Vector w2 = problem.weights().cwiseAbs2();
    // ½‖w∘(z0 + s zu + t zv)‖² = ½(a00 + 2s a0u + 2t a0v + s² auu + 2st auv + t² avv).
    const double a00 = w2.dot(z0.cwiseProduct(z0)), a0u = w2.dot(z0.cwiseProduct(zu)),
                 a0v = w2.dot(z0.cwiseProduct(zv)), auu = w2.dot(zu.cwiseProduct(zu)),
                 auv = w2.dot(zu.cwiseProduct(zv)), avv = w2.dot(zv.cwiseProduct(zv));

    std::atomic<bool> stop{false};
    std::mutex callbacks;
    Index done = 0, nonFinite = 0;
    const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel num_threads(threads) reduction(+ : nonFinite)
    {
        Vector z(problem.designRows()), work(problem.segmentLength());
#pragma omp for schedule(dynamic, 1)
        for (Index i = 0; i < G; ++i) {
            if (stop.load(std::memory_order_relaxed))
                continue;
            if (o.cancel) {
                std::lock_guard<std::mutex> lock(callbacks);
                if (o.cancel()) {
                    stop = true;
                    continue;
                }
            }
            const double t = L.t[i];
            for (Index j = 0; j < G; ++j) {
                const double s = L.s[j];
                z = z0 + s * zu + t * zv;
                double data = 0.0;
                EvalStatus st = problem.dataFromLogits(z, work, data);
                const double reg = 0.5 * (a00 + 2 * s * a0u + 2 * t * a0v + s * s * auu +
                                          2 * s * t * auv + t * t * avv);
                const double total = data + reg;
                if (st == EvalStatus::Ok && !std::isfinite(total))
                    st = EvalStatus::Overflow;
                L.status[static_cast<std::size_t>(i * G + j)] = st;
                if (st == EvalStatus::Ok)
                    L.loss(i, j) = total;
                else
                    ++nonFinite;
            }
            std::lock_guard<std::mutex> lock(callbacks);
            ++done;
            if (o.progress)
                o.progress(done, G);
        }
    }
    L.rowsDone = done;
    L.cancelled = stop.load();
    L.nonFinite = nonFinite + (G - done) * G;

    // Path points: least squares in the (orthogonal, equal-length) basis u, v.
    Matrix basis(p, 2);
    basis << dirs.u, dirs.v;
    const Eigen::Matrix2d gram = basis.transpose() * basis;
    for (const Vector &x : o.path) {
        if (x.size() != p)
            throw InvalidInput("landscape: a path point has length " + std::to_string(x.size()) +
                               ", expected " + std::to_string(p));
        PathPoint pp;
        const Eigen::Vector2d st = gram.ldlt().solve(basis.transpose() * (x - center));
        pp.s = st[0];
        pp.t = st[1];
        pp.distance = (x - center - basis * st).norm();
        const LossValue l = problem.loss(x);
        pp.status = l.status;
        pp.loss = l.ok() ? l.total : 0.0;
        L.path.push_back(pp);
    }
    return L;
}

std::string landscapeCsv(const Landscape &L) {
    std::string out = "s,t,loss,status\n";
    char buf[128];
    const Index G = L.s.size();
    for (Index i = 0; i < G; ++i)
        for (Index j = 0; j < G; ++j) {
            const EvalStatus st = L.status[static_cast<std::size_t>(i * G + j)];
            if (st == EvalStatus::Ok)
                std::snprintf(
                    buf, sizeof buf, "%.17g,%.17g,%.17g,ok\n", L.s[j], L.t[i], L.loss(i, j));
            else
                std::snprintf(buf,
                              sizeof buf,
                              "%.17g,%.17g,,%s\n",
                              L.s[j],
                              L.t[i],
                              std::string(evalStatusName(st)).c_str());
            out += buf;
        }
    return out;
}

std::string landscapeVtp(const Landscape &L) {
    const Index G = L.s.size();
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (Index k = 0; k < G * G; ++k)
        if (L.status[static_cast<std::size_t>(k)] == EvalStatus::Ok) {
            lo = std::min(lo, L.loss(k / G, k % G));
            hi = std::max(hi, L.loss(k / G, k % G));
        }
    if (!(lo <= hi))
        lo = hi = 0.0;
    std::ostringstream o;
    o.precision(17);
    o << "<?xml version=\"1.0\"?>\n"
         "<VTKFile type=\"PolyData\" version=\"0.1\" byte_order=\"LittleEndian\">\n<PolyData>\n";
    // Piece 1: the grid surface; non-finite points sit at the top of the finite range and
    // are flagged finite = 0 so a viewer can blank them.
    o << "<Piece NumberOfPoints=\"" << G * G << "\" NumberOfVerts=\"0\" NumberOfLines=\"0\" "
      << "NumberOfStrips=\"0\" NumberOfPolys=\"" << (G - 1) * (G - 1) << "\">\n";
    o << "<PointData Scalars=\"loss\">\n<DataArray type=\"Float64\" Name=\"loss\" "
         "format=\"ascii\">\n";
    for (Index k = 0; k < G * G; ++k)
        o << (L.status[static_cast<std::size_t>(k)] == EvalStatus::Ok ? L.loss(k / G, k % G) : hi)
          << ' ';
    o << "\n</DataArray>\n<DataArray type=\"UInt8\" Name=\"finite\" format=\"ascii\">\n";
    for (Index k = 0; k < G * G; ++k)
        o << (L.status[static_cast<std::size_t>(k)] == EvalStatus::Ok ? 1 : 0) << ' ';
    o << "\n</DataArray>\n<DataArray type=\"Float64\" Name=\"distance\" format=\"ascii\">\n";
    for (Index k = 0; k < G * G; ++k)
        o << "0 ";
    o << "\n</DataArray>\n</PointData>\n";
    o << "<Points>\n<DataArray type=\"Float64\" NumberOfComponents=\"3\" format=\"ascii\">\n";
    for (Index i = 0; i < G; ++i)
        for (Index j = 0; j < G; ++j) {
            const auto k = static_cast<std::size_t>(i * G + j);
            o << L.s[j] << ' ' << L.t[i] << ' '
              << (L.status[k] == EvalStatus::Ok ? L.loss(i, j) : hi) << '\n';
        }
    o << "</DataArray>\n</Points>\n<Polys>\n<DataArray type=\"Int64\" Name=\"connectivity\" "
         "format=\"ascii\">\n";
    for (Index i = 0; i + 1 < G; ++i)
        for (Index j = 0; j + 1 < G; ++j)
            o << i * G + j << ' ' << i * G + j + 1 << ' ' << (i + 1) * G + j + 1 << ' '
              << (i + 1) * G + j << '\n';
    o << "</DataArray>\n<DataArray type=\"Int64\" Name=\"offsets\" format=\"ascii\">\n";
    for (Index c = 1; c <= (G - 1) * (G - 1); ++c)
        o << 4 * c << ' ';
    o << "\n</DataArray>\n</Polys>\n</Piece>\n";
    // Piece 2: the path as a polyline at its true loss, with its distance from the plane.
    const auto m = static_cast<Index>(L.path.size());
    o << "<Piece NumberOfPoints=\"" << m << "\" NumberOfVerts=\"0\" NumberOfLines=\""
      << (m > 1 ? 1 : 0) << "\" NumberOfStrips=\"0\" NumberOfPolys=\"0\">\n";
    o << "<PointData Scalars=\"loss\">\n<DataArray type=\"Float64\" Name=\"loss\" "
         "format=\"ascii\">\n";
    for (const auto &pp : L.path)
        o << pp.loss << ' ';
    o << "\n</DataArray>\n<DataArray type=\"UInt8\" Name=\"finite\" format=\"ascii\">\n";
    for (const auto &pp : L.path)
        o << (pp.status == EvalStatus::Ok ? 1 : 0) << ' ';
    o << "\n</DataArray>\n<DataArray type=\"Float64\" Name=\"distance\" format=\"ascii\">\n";
    for (const auto &pp : L.path)
        o << pp.distance << ' ';
    o << "\n</DataArray>\n</PointData>\n<Points>\n<DataArray type=\"Float64\" "
         "NumberOfComponents=\"3\" format=\"ascii\">\n";
    for (const auto &pp : L.path)
        o << pp.s << ' ' << pp.t << ' ' << pp.loss << '\n';
    o << "</DataArray>\n</Points>\n";
    if (m > 1) {
        o << "<Lines>\n<DataArray type=\"Int64\" Name=\"connectivity\" format=\"ascii\">\n";
        for (Index k = 0; k < m; ++k)
            o << k << ' ';
        o << "\n</DataArray>\n<DataArray type=\"Int64\" Name=\"offsets\" format=\"ascii\">\n"
          << m << "\n</DataArray>\n</Lines>\n";
    }
    o << "</Piece>\n</PolyData>\n</VTKFile>\n";
    return o.str();
}

} // namespace mowe::regression
