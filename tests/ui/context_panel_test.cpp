// The workbench's in-context tab (issue 9): the curves it draws are core's contextResponse for
// the workbench's problem and point, the first-order lines meet the measured ones at small
// sizes and the linear-regime markers are drawn, the landscape morphs with the ‖Δ‖ slider
// (the surface changes, X*(Δ) moves away from X* by what a Newton solve of the perturbed
// problem gives), the exports write those numbers, and an ill-posed sweep shows where and why
// its curve stopped.

#include "regression/ContextPanel.h"
#include "regression/ContextPlot.h"
#include "regression/RegressionWorkspace.h"
#include "vtk/LandscapeView.h"

#include "regression/context.h"

#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace mowe::ui;
namespace reg = mowe::regression;
using workbench::WorkbenchSettings;

namespace {

constexpr int kReadyTimeoutMs = 180000;

WorkbenchSettings smallMatrix(reg::ProblemKind kind) {
    WorkbenchSettings s;
    s.problem = kind;
    s.n = 6;
    s.d = 2;
    s.seed = 5;
    s.maxIterations = 20;
    s.grid = 31;
    return s;
}

bool waitReady(RegressionWorkspace &ws) {
    return QTest::qWaitFor(
        [&] { return ws.isReady() && ws.result() && ws.contextPanel()->isReady(); },
        kReadyTimeoutMs);
}

std::unique_ptr<RegressionWorkspace> contextTab(const WorkbenchSettings &s,
                                                const workbench::ContextSettings &c) {
    auto ws = std::make_unique<RegressionWorkspace>(nullptr, false);
    ws->resize(1400, 900);
    ws->show();
    if (!QTest::qWaitForWindowExposed(ws.get()) || !ws->showPanel(QStringLiteral("context")))
        return nullptr;
    ws->contextPanel()->setSettings(c);
    ws->setSettings(s);
    return ws;
}

workbench::ContextSettings quickSweep() {
    workbench::ContextSettings c;
    c.points = 12;
    c.maxDelta = 0.5;
    c.decades = 4;
    c.grid = 25;
    return c;
}

double relativeGap(double a, double b) {
    return std::abs(a - b) / std::max(std::abs(b), 1e-300);
}

/// Mean absolute difference of two same-sized images' RGB channels.
double meanDifference(const QImage &a, const QImage &b) {
    const QImage x = a.convertToFormat(QImage::Format_RGB32);
    const QImage y = b.convertToFormat(QImage::Format_RGB32);
    if (x.size() != y.size())
        return 255.0;
    double sum = 0;
    for (int j = 0; j < x.height(); ++j)
        for (int i = 0; i < x.width(); ++i) {
            const QRgb p = x.pixel(i, j), q = y.pixel(i, j);
            sum += std::abs(qRed(p) - qRed(q)) + std::abs(qGreen(p) - qGreen(q)) +
                   std::abs(qBlue(p) - qBlue(q));
        }
    return sum / (3.0 * x.width() * x.height());
}

} // namespace

class ContextPanelTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void theCurvesAreCoresResponseForTheWorkbenchPoint() {
        auto ws = contextTab(smallMatrix(reg::ProblemKind::MatrixNormalized), quickSweep());
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        ContextPanel *panel = ws->contextPanel();
        const auto result = panel->result();
        QVERIFY2(result, qPrintable(panel->statusText()));

        // The same sweep computed here, on the panel's problem and point.
        reg::ContextOptions o;
        o.points = 12;
        o.maxDelta = 0.5;
        o.decades = 4;
        o.seed = 1;
        const reg::ContextResponse expected =
            reg::contextResponse(*result->problem, result->response.x, o);
        const auto &curves = panel->plot()->curves();
        QCOMPARE(curves.size(), expected.curves.size());
        QCOMPARE(int(curves.size()), 4); // gradient step, A1, A2, B
        for (std::size_t k = 0; k < curves.size(); ++k) {
            const reg::ContextCurve &e = expected.curves[k];
            const ContextPlotCurve &c = curves[k];
            QCOMPARE(c.size.size(), e.points.size());
            QCOMPARE(c.linearEnd, int(e.linearEnd));
            for (std::size_t i = 0; i < e.points.size(); ++i) {
                QCOMPARE(c.size[i], e.points[i].size);
                QCOMPARE(c.loss[i], std::abs(e.points[i].lossChange));
                QCOMPARE(c.grad[i], e.points[i].gradChange);
            }
            // Small changes are in the linear regime: measured and first order meet.
            QVERIFY2(c.linearEnd > 0, qPrintable(c.name));
            const QString values = QStringLiteral("%1: size %2 |ΔL| %3 first order %4")
                                       .arg(c.name)
                                       .arg(c.size[0])
                                       .arg(c.loss[0], 0, 'g', 10)
                                       .arg(c.predictedLoss[0], 0, 'g', 10);
            // Agreement to first order: the gap is the second-order term, so it shrinks with
            // the size (for B, ½‖Δ‖² is 0.3 % of a first order of 4e-7 at ‖Δ‖ = 5e-5).
            const double lossGap = relativeGap(c.loss[0], c.predictedLoss[0]);
            QVERIFY2(lossGap < 1e-2, qPrintable(values));
            QVERIFY2(lossGap < relativeGap(c.loss[2], c.predictedLoss[2]), qPrintable(values));
            QVERIFY2(relativeGap(c.grad[0], c.predictedGrad[0]) < 1e-2, qPrintable(c.name));
            if (k > 0) { // data branches move the minimiser, and say by how much
                QVERIFY(std::isfinite(c.minimiser[0]));
                QVERIFY2(relativeGap(c.minimiser[0], c.predictedMinimiser[0]) < 1e-3,
                         qPrintable(c.name));
            }
        }
        // Every curve that leaves its linear regime within the sweep gets a ring in each
        // panel where it has a value there: |ΔL|, ‖Δ∇L‖ and, for the data branches, ‖ΔX*‖.
        int leaving = 0;
        for (const auto &c : curves) {
            const auto end = std::size_t(c.linearEnd);
            if (end >= c.size.size())
                continue;
            for (const auto *values : {&c.loss, &c.grad, &c.minimiser})
                leaving += std::isfinite((*values)[end]) && (*values)[end] > 0 ? 1 : 0;
        }
        QVERIFY(leaving > 0); // the sweep reaches ‖Δ‖ = 0.5, well past first order
        panel->plot()->repaint();
        QCOMPARE(panel->plot()->linearMarkerCount(), leaving);
    }

    void theLandscapeMorphsAndTheNewMinimiserIsNewtonsAnswer() {
        auto ws = contextTab(smallMatrix(reg::ProblemKind::MatrixNormalized), quickSweep());
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        ContextPanel *panel = ws->contextPanel();
        QVERIFY(panel->result() && panel->result()->response.minimiser);
        panel->setMorphBranch(reg::ContextBranch::A1);
        panel->setMorphDelta(0.0);
        QVERIFY(waitReady(*ws));
        const auto still = panel->frame();
        QVERIFY(still && still->landscape && still->hasOld && still->hasNew);
        QVERIFY(still->minimiserShift < 1e-8);
        const QImage before = panel->landscapeView()->grabImage();

        panel->setMorphDelta(0.4);
        QVERIFY(waitReady(*ws));
        const auto moved = panel->frame();
        QVERIFY(moved && moved->landscape && moved->hasNew);
        QCOMPARE(moved->delta, 0.4);
        // The surface is the perturbed problem's: it differs from Δ = 0 on the same grid.
        const double surfaceChange =
            (moved->landscape->loss - still->landscape->loss).cwiseAbs().maxCoeff();
        QVERIFY2(surfaceChange > 1e-6, qPrintable(QString::number(surfaceChange)));
        // X*(Δ) is the minimiser of that problem: a Newton solve from scratch lands on it.
        const auto &result = *panel->result();
        const reg::ContextCurve &a1 = result.response.curves.at(1);
        QCOMPARE(a1.branch, reg::ContextBranch::A1);
        const auto perturbed = reg::perturbedProblem(*result.problem, a1.direction, 0.4);
        const reg::MinimiserResult scratch =
            reg::findMinimiser(*perturbed, reg::Vector::Zero(result.response.x.size()));
        QVERIFY2(scratch.x, scratch.message.c_str());
        QVERIFY((*scratch.x - *moved->newMinimiser).norm() < 1e-6);
        QVERIFY(std::abs(moved->minimiserShift -
                         (*moved->newMinimiser - *result.response.minimiser).norm()) < 1e-12);
        QVERIFY(moved->minimiserShift > 1e-4);
        // And the picture changed with it.
        const QImage after = panel->landscapeView()->grabImage();
        QVERIFY2(meanDifference(before, after) > 0.5,
                 qPrintable(QString::number(meanDifference(before, after))));
    }

    void exportsWriteTheCurvesShown() {
        auto ws = contextTab(smallMatrix(reg::ProblemKind::MatrixNormalized), quickSweep());
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString csv = dir.filePath(QStringLiteral("context.csv"));
        ws->exportTo(csv);
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
        const auto &curves = ws->contextPanel()->plot()->curves();
        std::size_t points = 0;
        for (const auto &c : curves)
            points += c.size.size();
        QCOMPARE(std::size_t(lines.size()), points + 1); // header + one row per point
        QVERIFY(lines[0].startsWith(QStringLiteral("branch,parameter,size,loss_change")));
        // The first row is the gradient step's smallest size, with the numbers drawn.
        const QStringList first = lines[1].split(',');
        QCOMPARE(first[0], QStringLiteral("gradient_step"));
        QCOMPARE(first[2].toDouble(), curves[0].size[0]);
        QCOMPARE(std::abs(first[3].toDouble()), curves[0].loss[0]);

        const QString png = dir.filePath(QStringLiteral("context.png"));
        ws->exportTo(png);
        const QImage image(png);
        QCOMPARE(image.size(), ws->contextPanel()->plot()->size());
        const QString landscape = dir.filePath(QStringLiteral("landscape.png"));
        ws->contextPanel()->exportLandscapePng(landscape);
        QVERIFY(!QImage(landscape).isNull());
    }

    void anIllPosedSweepStopsItsCurveWithTheReason() {
        workbench::ContextSettings c = quickSweep();
        c.maxDelta = 20.0; // B's rows have norm ≤ 1: B + Δ leaves the simplex on the way
        auto ws = contextTab(smallMatrix(reg::ProblemKind::MatrixNormalized), c);
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        const auto result = ws->contextPanel()->result();
        QVERIFY(result);
        const reg::ContextCurve &b = result->response.curves.at(3);
        QCOMPARE(b.branch, reg::ContextBranch::B);
        QCOMPARE(b.stop, reg::ContextStop::NegativeTarget);
        const ContextPlotCurve &drawn = ws->contextPanel()->plot()->curves().at(3);
        QVERIFY(drawn.stopped);
        QCOMPARE(drawn.size.size(), b.points.size());
        QVERIFY(drawn.size.size() < 12u);
        QVERIFY(!drawn.stopText.isEmpty());
        // The landscape past the stop has no perturbed problem: it says so, drawing nothing.
        ws->contextPanel()->setMorphBranch(reg::ContextBranch::B);
        ws->contextPanel()->setMorphDelta(20.0);
        QVERIFY(waitReady(*ws));
        const auto frame = ws->contextPanel()->frame();
        QVERIFY(frame);
        QVERIFY(!frame->landscape);
        QVERIFY(!frame->message.empty());
        QCOMPARE(ws->contextPanel()->statusText(), QString::fromStdString(frame->message));
    }

    void aSingleProblemShowsANoteInsteadOfCurves() {
        WorkbenchSettings s;
        s.problem = reg::ProblemKind::SoftmaxNormalized;
        s.n = 12;
        s.d = 3;
        s.grid = 21;
        auto ws = contextTab(s, quickSweep());
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        QVERIFY(!ws->contextPanel()->result());
        QVERIFY(ws->contextPanel()->plot()->curves().empty());
        QVERIFY(ws->contextPanel()->statusText().contains(QStringLiteral("matrix_normalized")));
    }
};

QTEST_MAIN(ContextPanelTest)
#include "context_panel_test.moc"
