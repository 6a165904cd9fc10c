// The landscape view rendered against a stored baseline image (fixed scene, size and camera),
// and the time a 201 × 201 matrix-attention landscape takes from asking to appearing.
//
// To refresh the baseline after a deliberate change of the drawing, run this test with
// MOWE_UPDATE_BASELINES=1 and look at the new image before committing it.

#include "regression/RegressionWorkspace.h"
#include "regression/WorkbenchModel.h"
#include "vtk/LandscapeView.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using namespace mowe::ui;
namespace reg = mowe::regression;
using workbench::WorkbenchSettings;

namespace {

const QString kBaseline =
    QStringLiteral(MOWE_REPO_ROOT "/tests/ui/baselines/regression_landscape.png");
constexpr int kWidth = 640;
constexpr int kHeight = 480;
// Mean absolute difference per channel (0–255) allowed against the baseline: absorbs the
// anti-aliasing and font hinting differences between Mesa versions, far below what a moved
// camera, a missing actor or another colour map gives (tens).
constexpr double kMaxMeanDifference = 3.0;

// The same scene every time: a generated softmax instance, exact Newton, eigen slice.
LandscapeScene fixedScene() {
    WorkbenchSettings s;
    s.problem = reg::ProblemKind::SoftmaxNormalized;
    s.n = 20;
    s.d = 5;
    s.seed = 3;
    s.grid = 61;
    s.maxIterations = 30;
    const auto r = workbench::computeWorkbench(s, nullptr, nullptr, {});
    const reg::Landscape &L = *r.landscape;
    LandscapeScene scene;
    scene.s.assign(L.s.data(), L.s.data() + L.s.size());
    scene.t.assign(L.t.data(), L.t.data() + L.t.size());
    for (reg::Index i = 0; i < L.t.size(); ++i)
        for (reg::Index j = 0; j < L.s.size(); ++j) {
            scene.loss.push_back(L.loss(i, j));
            scene.finite.push_back(L.status[std::size_t(i * L.s.size() + j)] ==
                                   reg::EvalStatus::Ok);
        }
    LandscapeScenePath path;
    path.colour = QColor(40, 220, 90);
    for (std::size_t k = 0; k < L.path.size(); ++k) {
        const reg::PathPoint &p = L.path[k];
        path.points.push_back(
            {p.s, p.t, p.loss, p.status == reg::EvalStatus::Ok, r.planeLoss[0][k], p.distance});
    }
    scene.paths.push_back(path);
    scene.offPlaneTolerance = 1e-6 * L.directions.scale;
    return scene;
}

} // namespace

class RegressionLandscapeTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void renderedLandscapeMatchesTheBaseline() {
        LandscapeView view;
        view.setFixedSize(kWidth, kHeight);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QTRY_VERIFY(view.isInitialized());
        view.setScene(fixedScene());
        view.setHighlight(0, 1);
        const QImage image = view.grabImage().convertToFormat(QImage::Format_RGB32);
        QCOMPARE(image.size(), QSize(kWidth, kHeight) * view.devicePixelRatioF());

        if (qEnvironmentVariableIsSet("MOWE_UPDATE_BASELINES")) {
            QDir().mkpath(QFileInfo(kBaseline).path());
            QVERIFY(image.save(kBaseline));
            QSKIP("baseline written; look at it before committing");
        }
        const QImage baseline = QImage(kBaseline).convertToFormat(QImage::Format_RGB32);
        QVERIFY2(!baseline.isNull(),
                 "no baseline image: run with MOWE_UPDATE_BASELINES=1 to create it");
        QCOMPARE(baseline.size(), image.size());
        double sum[3] = {0, 0, 0};
        for (int y = 0; y < image.height(); ++y) {
            const QRgb *a = reinterpret_cast<const QRgb *>(image.constScanLine(y));
            const QRgb *b = reinterpret_cast<const QRgb *>(baseline.constScanLine(y));
            for (int x = 0; x < image.width(); ++x) {
                sum[0] += std::abs(qRed(a[x]) - qRed(b[x]));
                sum[1] += std::abs(qGreen(a[x]) - qGreen(b[x]));
                sum[2] += std::abs(qBlue(a[x]) - qBlue(b[x]));
            }
        }
        const double pixels = double(image.width()) * image.height();
        for (int c = 0; c < 3; ++c) {
            const double mean = sum[c] / pixels;
            if (mean >= kMaxMeanDifference)
                image.save(
                    QDir::temp().filePath(QStringLiteral("regression_landscape_actual.png")));
            QVERIFY2(mean < kMaxMeanDifference,
                     qPrintable(QStringLiteral("channel %1 differs by %2 on average (limit %3); "
                                               "the rendering is in %4")
                                    .arg(c)
                                    .arg(mean)
                                    .arg(kMaxMeanDifference)
                                    .arg(QDir::temp().filePath(
                                        QStringLiteral("regression_landscape_actual.png")))));
        }
    }

    void theBaselineTestCanFail() {
        // The same comparison must notice a different scene: log scale changes colours and
        // heights everywhere.
        LandscapeView view;
        view.setFixedSize(kWidth, kHeight);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        LandscapeScene scene = fixedScene();
        scene.logScale = true;
        view.setScene(scene);
        const QImage image = view.grabImage().convertToFormat(QImage::Format_RGB32);
        const QImage baseline = QImage(kBaseline).convertToFormat(QImage::Format_RGB32);
        if (baseline.isNull())
            QSKIP("no baseline yet");
        double sum = 0;
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x)
                sum += std::abs(qRed(image.pixel(x, y)) - qRed(baseline.pixel(x, y)));
        QVERIFY(sum / (double(image.width()) * image.height()) > kMaxMeanDifference);
    }

    // Not a pass/fail timing check (tests make none): prints how long a 201 × 201 landscape of
    // matrix attention regression at n = 64, d = 8 takes from the request to the first frame
    // that shows it, with the solver runs already done (a slice change) and from scratch.
    void timeA201LandscapeForMatrixAttention() {
        WorkbenchSettings s;
        s.problem = reg::ProblemKind::MatrixNormalized;
        s.n = 64;
        s.d = 8;
        s.seed = 1;
        s.grid = 201;
        s.maxIterations = 20;
        s.directions = reg::DirectionKind::Random;

        RegressionWorkspace ws(nullptr, false);
        ws.resize(1400, 900);
        ws.show();
        QVERIFY(QTest::qWaitForWindowExposed(&ws));
        auto shown = [&](quint64 count) {
            return QTest::qWaitFor([&] { return ws.isReady() && ws.resultCount() > count; },
                                   300000);
        };
        QElapsedTimer timer;
        timer.start();
        ws.setSettings(s);
        QVERIFY(shown(0));
        const qint64 fromScratch = timer.elapsed();
        QCOMPARE(ws.result()->landscape->s.size(), reg::Index(201));

        // A slice change: new directions, same runs.
        s.directions = reg::DirectionKind::Eigen;
        timer.restart();
        ws.setSettings(s);
        QVERIFY(shown(1));
        const qint64 sliceOnly = timer.elapsed();
        // Re-centring on an iterate: the same, centre moved.
        ws.selectIterate(0, 1);
        timer.restart();
        ws.recenterOnSelected();
        QVERIFY(shown(2));
        const qint64 recentre = timer.elapsed();
        QCOMPARE(ws.result()->landscape->loss.rows(), reg::Index(201));
        qInfo("201 x 201 matrix_normalized n = 64, d = 8 (%d threads): from scratch (instance, "
              "runs, spectra, landscape) %lld ms; new slice directions %lld ms; re-centre %lld ms",
              QThread::idealThreadCount(),
              fromScratch,
              sliceOnly,
              recentre);
    }
};

QTEST_MAIN(RegressionLandscapeTest)
#include "regression_landscape_test.moc"
