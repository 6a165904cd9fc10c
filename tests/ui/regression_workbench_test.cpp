// The regression workbench: the iterate table holds the same numbers as `mowe-cli regress
// newton`, selecting an iterate moves the highlight in the 3-D landscape, cancelling and
// superseding jobs keep the previous result, bad instance files are refused with a message,
// non-finite parts of a slice become holes, and the exports write what is shown.

#include "JobRunner.h"
#include "common/atomic_file.h"
#include "regression/ConvergencePlot.h"
#include "regression/RegressionWorkspace.h"
#include "regression/instance.h"
#include "vtk/LandscapeView.h"
#include "vtk/SpectrumView.h"

#include <QDropEvent>
#include <QFile>
#include <QMimeData>
#include <QProcess>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <nlohmann/json.hpp>

#include <cmath>

using namespace mowe::ui;
namespace reg = mowe::regression;
using workbench::WorkbenchSettings;

namespace {

constexpr int kReadyTimeoutMs = 180000;
// The CLI prints 17 significant digits and runs the same code on the same data: the numbers
// agree to rounding of the last digit.
constexpr double kRelativeTolerance = 1e-13;
// A highlight pixel: the highlight colour (255, 221, 0) under the light kit stays strongly
// yellow; no surface, path, axis or bar colour is.
bool isHighlightPixel(const QColor &c) {
    return c.red() > 170 && c.green() > 140 && c.blue() < 90 && c.red() - c.blue() > 120;
}

bool close(double a, double b) {
    return std::abs(a - b) <= kRelativeTolerance * std::max({1.0, std::abs(a), std::abs(b)});
}

WorkbenchSettings smallSoftmax() {
    WorkbenchSettings s;
    s.problem = reg::ProblemKind::SoftmaxNormalized;
    s.n = 20;
    s.d = 5;
    s.seed = 3;
    s.maxIterations = 30;
    s.grid = 41;
    return s;
}

QPointF highlightCentroid(const QImage &image, int *count) {
    double x = 0, y = 0;
    int n = 0;
    for (int j = 0; j < image.height(); ++j)
        for (int i = 0; i < image.width(); ++i)
            if (isHighlightPixel(image.pixelColor(i, j))) {
                x += i;
                y += j;
                ++n;
            }
    *count = n;
    return n ? QPointF(x / n, y / n) : QPointF(-1, -1);
}

} // namespace

class RegressionWorkbenchTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> dir_;

    static bool waitReady(RegressionWorkspace &ws) {
        return QTest::qWaitFor([&] { return ws.isReady() && ws.result(); }, kReadyTimeoutMs);
    }

    static std::unique_ptr<RegressionWorkspace> shownWorkspace(const WorkbenchSettings &s) {
        auto ws = std::make_unique<RegressionWorkspace>(nullptr, false);
        ws->resize(1400, 900);
        ws->show();
        if (!QTest::qWaitForWindowExposed(ws.get()))
            return nullptr;
        ws->setSettings(s);
        return ws;
    }

    // Runs mowe-cli with `arguments`; returns its standard output (fails the test otherwise).
    static QByteArray cli(const QStringList &arguments) {
        QProcess p;
        p.start(QStringLiteral(MOWE_BIN_DIR "/mowe-cli"), arguments);
        if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit ||
            p.exitCode() != 0) {
            qWarning() << "mowe-cli" << arguments << "failed:" << p.readAllStandardError();
            return {};
        }
        return p.readAllStandardOutput();
    }

private Q_SLOTS:
    void initTestCase() {
        dir_ = std::make_unique<QTemporaryDir>();
        QVERIFY(dir_->isValid());
        QVERIFY2(QFile::exists(QStringLiteral(MOWE_BIN_DIR "/mowe-cli")),
                 "build the mowe-cli target first");
    }

    void newtonTableMatchesTheCli() {
        auto ws = shownWorkspace(smallSoftmax());
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));

        // The same instance from the CLI's generator, then its Newton run.
        const QString instance = dir_->filePath(QStringLiteral("softmax.json"));
        QVERIFY(!cli({"regress",
                      "generate",
                      "--problem",
                      "softmax_normalized",
                      "--n",
                      "20",
                      "--d",
                      "5",
                      "--seed",
                      "3",
                      "--out",
                      instance})
                     .isEmpty());
        const QByteArray out = cli(
            {"regress", "newton", "--instance", instance, "--method", "exact", "--max-iter", "30"});
        QVERIFY(!out.isEmpty());
        const auto json = nlohmann::json::parse(out.toStdString());
        QCOMPARE(QString::fromStdString(json.at("status").get<std::string>()),
                 QStringLiteral("converged"));
        const auto &iterates = json.at("iterates");

        const QTableWidget *table = ws->iterateTable();
        QCOMPARE(table->rowCount(), int(iterates.size()));
        QVERIFY(table->rowCount() >= 3); // a converging run has a start and several steps
        for (int i = 0; i < table->rowCount(); ++i) {
            const auto &it = iterates[std::size_t(i)];
            auto value = [&](int column) {
                return table->item(i, column)->data(Qt::UserRole).toDouble();
            };
            QVERIFY2(close(value(RegressionWorkspace::ColLoss), it.at("loss").get<double>()),
                     qPrintable(QStringLiteral("loss at %1").arg(i)));
            QVERIFY2(
                close(value(RegressionWorkspace::ColGradNorm), it.at("grad_norm").get<double>()),
                qPrintable(QStringLiteral("grad norm at %1").arg(i)));
            QVERIFY2(close(value(RegressionWorkspace::ColDistance),
                           it.at("distance_to_solution").get<double>()),
                     qPrintable(QStringLiteral("distance at %1").arg(i)));
            QCOMPARE(table->item(i, RegressionWorkspace::ColStep)->text(),
                     QString::fromStdString(it.at("step").get<std::string>()));
            QVERIFY(close(value(RegressionWorkspace::ColStepLength),
                          it.at("step_length").get<double>()));
        }
        // Quadratic convergence is visible in the numbers the table shows.
        const int last = table->rowCount() - 1;
        QVERIFY(table->item(last, RegressionWorkspace::ColGradNorm)->data(Qt::UserRole).toDouble() <
                1e-9);
    }

    void selectingAnIterateMovesTheHighlight() {
        auto ws = shownWorkspace(smallSoftmax());
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        LandscapeView *view = ws->landscapeView();
        const int last = ws->iterateTable()->rowCount() - 1;
        QVERIFY(last >= 2);

        ws->selectIterate(0, 0);
        QVERIFY(view->isHighlightVisible());
        QCOMPARE(view->highlightPosition(), view->pointPosition(0, 0));
        QImage before = view->grabImage();
        int countBefore = 0;
        const QPointF a = highlightCentroid(before, &countBefore);

        ws->selectIterate(0, last);
        QCOMPARE(view->highlightPosition(), view->pointPosition(0, last));
        QVERIFY(view->pointPosition(0, 0) != view->pointPosition(0, last));
        QImage after = view->grabImage();
        int countAfter = 0;
        const QPointF b = highlightCentroid(after, &countAfter);
        QVERIFY2(countBefore > 20 && countAfter > 20, "the highlight must be visible");
        QVERIFY2(QLineF(a, b).length() > 5.0, "the highlighted pixels must move");

        // The other views follow.
        QCOMPARE(ws->iterateTable()->currentRow(), last);
        QCOMPARE(ws->convergencePlot()->selected(), last);
        QVERIFY(ws->spectrumInfo().contains(QStringLiteral("Iterate %1").arg(last)));
        QCOMPARE(ws->spectrumView()->negativeStems() + ws->spectrumView()->positiveStems(), 5);

        // Keys: ← steps back, Space plays from there (shortcuts need the active window).
        ws->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(ws.get()));
        ws->iterateTable()->setFocus();
        QTest::keyClick(ws->iterateTable(), Qt::Key_Left);
        QCOMPARE(ws->selectedIterate(), last - 1);
        QTest::keyClick(ws->iterateTable(), Qt::Key_Space);
        QVERIFY(ws->isPlaying());
        QTRY_COMPARE_WITH_TIMEOUT(ws->selectedIterate(), last, 5000);
        QTRY_VERIFY(!ws->isPlaying());
    }

    void cancelKeepsThePreviousResult() {
        auto ws = shownWorkspace(smallSoftmax());
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        const auto shown = ws->result();
        const quint64 count = ws->resultCount();

        QSignalSpy cancelled(ws->jobRunner(), &JobRunner::cancelled);
        WorkbenchSettings big = smallSoftmax();
        big.grid = 1201; // long enough to be running when cancelled
        ws->setSettings(big);
        QVERIFY(ws->jobRunner()->isBusy());
        QVERIFY(!ws->isReady());
        ws->jobRunner()->cancel();
        QVERIFY(cancelled.wait(60000));
        QTRY_VERIFY(ws->isReady());
        QCOMPARE(ws->result(), shown);
        QCOMPARE(ws->resultCount(), count);
        QVERIFY2(ws->statusText().contains(QStringLiteral("Cancelled")),
                 qPrintable(ws->statusText()));
    }

    void aParameterChangeSupersedesTheRunningJob() {
        auto ws = shownWorkspace(smallSoftmax());
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        const quint64 count = ws->resultCount();
        WorkbenchSettings first = smallSoftmax();
        first.grid = 1201;
        ws->setSettings(first);
        WorkbenchSettings second = smallSoftmax();
        second.seed = 4;
        ws->setSettings(second);
        QVERIFY(waitReady(*ws));
        ws->jobRunner()->waitForDone();
        QCoreApplication::processEvents();
        // Only the second job's result was shown; the first one's was dropped.
        QCOMPARE(ws->resultCount(), count + 1);
        QCOMPARE(ws->result()->settings.seed, std::uint64_t(4));
        QCOMPARE(ws->result()->landscape->s.size(), reg::Index(41));
    }

    void malformedInstanceIsRefusedAndThePreviousResultStays() {
        auto ws = shownWorkspace(smallSoftmax());
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        const auto shown = ws->result();

        const QString bad = dir_->filePath(QStringLiteral("bad.json"));
        {
            QFile f(bad);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{\"problem\": \"softmax_normalized\",\n \"A\": [[1, 2], [3, ]]}\n");
        }
        QString error;
        QVERIFY(!ws->openFile(bad, &error));
        QVERIFY2(error.contains(QStringLiteral("line 2")), qPrintable(error));
        QVERIFY(ws->statusText().contains(QStringLiteral("previous instance")));

        const QString wrongShape = dir_->filePath(QStringLiteral("shape.json"));
        {
            QFile f(wrongShape);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{\"problem\": \"softmax_normalized\", \"A\": [[1, 2], [3, 4]], "
                    "\"b\": [0.5, 0.25, 0.25]}");
        }
        QVERIFY(!ws->openFile(wrongShape, &error));
        QVERIFY2(error.contains(QStringLiteral("b")), qPrintable(error));
        QVERIFY(ws->isReady());
        QCOMPARE(ws->result(), shown);
    }

    void openAndDropAnInstanceFile() {
        auto ws = shownWorkspace(smallSoftmax());
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        const QString instance = dir_->filePath(QStringLiteral("matrix.json"));
        QVERIFY(!cli({"regress",
                      "generate",
                      "--problem",
                      "matrix_normalized",
                      "--n",
                      "6",
                      "--d",
                      "3",
                      "--seed",
                      "2",
                      "--out",
                      instance})
                     .isEmpty());
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(instance)});
        QDragEnterEvent enter(
            QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(ws.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(ws.get(), &drop);
        QVERIFY(waitReady(*ws));
        QCOMPARE(ws->result()->instance->kind, reg::ProblemKind::MatrixNormalized);
        QCOMPARE(ws->result()->problem->dimension(), reg::Index(9));
        QCOMPARE(ws->spectrumView()->negativeStems() + ws->spectrumView()->positiveStems(), 9);
    }

    void nonFiniteLossLeavesHolesAndSaysSo() {
        WorkbenchSettings s = smallSoftmax();
        s.problem = reg::ProblemKind::SoftmaxRescaled;
        s.directions = reg::DirectionKind::Random;
        s.span = 1000.0; // far enough that exp(Ax) overflows on part of the slice
        auto ws = shownWorkspace(s);
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        const auto &L = *ws->result()->landscape;
        QVERIFY(L.nonFinite > 0);
        QVERIFY(L.nonFinite < L.s.size() * L.t.size()); // part of it is still drawn
        const long long full = (L.s.size() - 1) * (L.t.size() - 1);
        QVERIFY(ws->landscapeView()->surfaceCells() > 0);
        QVERIFY(ws->landscapeView()->surfaceCells() < full);
        QVERIFY2(ws->statusText().contains(QStringLiteral("not finite")),
                 qPrintable(ws->statusText()));
    }

    void twoSolversShareOneSlice() {
        WorkbenchSettings s = smallSoftmax();
        s.solverB = workbench::SolverChoice{reg::Method::GradientBacktracking, 0, 0.0};
        auto ws = shownWorkspace(s);
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        QCOMPARE(ws->result()->runs.size(), std::size_t(2));
        // Both paths start at the same point of the same slice.
        QCOMPARE(ws->landscapeView()->pointPosition(0, 0),
                 ws->landscapeView()->pointPosition(1, 0));
        ws->selectIterate(1, 3);
        QCOMPARE(ws->selectedRun(), 1);
        QCOMPARE(ws->landscapeView()->highlightPosition(),
                 ws->landscapeView()->pointPosition(1, 3));
        QCOMPARE(ws->iterateTable()->rowCount(),
                 int(ws->result()->runs[1]->summary.iterates.size()));
    }

    void largeProblemsShowLanczosExtremesAndTheSlqDensity() {
        WorkbenchSettings s = smallSoftmax();
        s.n = 600;
        s.d = 420; // p = 420 > kDenseSpectrumLimit: no dense eigensolve per iterate
        s.maxIterations = 2;
        s.grid = 21;
        auto ws = shownWorkspace(s);
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        const auto &spectrum = ws->result()->runs[0]->spectra[0];
        QVERIFY(!spectrum.dense);
        QCOMPARE(spectrum.eigenvalues.size(), 2 * workbench::kLanczosPairs);
        QVERIFY(spectrum.density.size() > 10);
        QVERIFY(ws->spectrumInfo().contains(QStringLiteral("Lanczos")));
        QCOMPARE(ws->spectrumView()->negativeStems() + ws->spectrumView()->positiveStems(),
                 int(2 * workbench::kLanczosPairs));
    }

    void displayOptionsRedrawWithoutRecomputing() {
        auto ws = shownWorkspace(smallSoftmax());
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        const quint64 count = ws->resultCount();
        const double linearMax = ws->landscapeView()->drawnMaximum();
        RegressionWorkspace::Display d = ws->display();
        d.logScale = true;
        d.waterfall = true;
        d.logMagnitude = true;
        ws->setDisplay(d);
        QCOMPARE(ws->resultCount(), count);
        QVERIFY(!ws->jobRunner()->isBusy());
        QVERIFY(std::abs(ws->landscapeView()->drawnMaximum() - std::log10(linearMax)) < 1e-12);
        QVERIFY(ws->spectrumView()->hasScene());
        d.logScale = false;
        d.clipQuantile = 0.75;
        ws->setDisplay(d);
        QVERIFY(ws->landscapeView()->drawnMaximum() < linearMax);
        // Camera keys: 7 looks from the top, 5 toggles the projection.
        ws->landscapeView()->setFocus();
        QTest::keyClick(ws->landscapeView(), Qt::Key_7);
        const QVector3D eye = ws->landscapeView()->cameraPosition();
        const QVector3D focus = ws->landscapeView()->cameraFocalPoint();
        QVERIFY(std::abs(eye.x() - focus.x()) < 1e-4 && std::abs(eye.y() - focus.y()) < 1e-4);
        QVERIFY(!ws->landscapeView()->isOrthographic());
        QTest::keyClick(ws->landscapeView(), Qt::Key_5);
        QVERIFY(ws->landscapeView()->isOrthographic());
    }

    void fitsTheSmallestScreenshotWindow() {
        // mowe-studio --screenshot --size 800x600 must get exactly that size: the workbench
        // may not ask for more (the main window adds menus, tabs and a status bar).
        RegressionWorkspace ws(nullptr, false);
        QVERIFY2(ws.minimumSizeHint().width() <= 780,
                 qPrintable(QString::number(ws.minimumSizeHint().width())));
        QVERIFY2(ws.minimumSizeHint().height() <= 500,
                 qPrintable(QString::number(ws.minimumSizeHint().height())));
    }

    void exportsWriteWhatIsShown() {
        auto ws = shownWorkspace(smallSoftmax());
        QVERIFY(ws);
        QVERIFY(waitReady(*ws));
        const QString vtp = dir_->filePath(QStringLiteral("landscape.vtp"));
        ws->exportTo(vtp);
        QFile v(vtp);
        QVERIFY(v.open(QIODevice::ReadOnly));
        const QByteArray xml = v.readAll();
        QVERIFY(xml.contains("<VTKFile type=\"PolyData\""));
        QVERIFY(xml.contains("Name=\"loss\""));
        QVERIFY(xml.contains("Name=\"distance\""));

        const QString csv = dir_->filePath(QStringLiteral("iterates.csv"));
        ws->exportTo(csv);
        QFile c(csv);
        QVERIFY(c.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = c.readAll().trimmed().split('\n');
        QVERIFY(lines.front().startsWith("run,method,iterate,loss,grad_norm"));
        QCOMPARE(lines.size() - 1, ws->iterateTable()->rowCount());

        const QString spectra = dir_->filePath(QStringLiteral("spectra.csv"));
        ws->exportTo(spectra);
        QFile sp(spectra);
        QVERIFY(sp.open(QIODevice::ReadOnly));
        QCOMPARE(sp.readAll().trimmed().split('\n').size() - 1, ws->iterateTable()->rowCount() * 5);

        const QString json = dir_->filePath(QStringLiteral("instance.json"));
        ws->exportTo(json);
        const reg::Instance back = reg::loadInstance(json.toStdString());
        QCOMPARE(back.A, ws->result()->instance->A);

        const QString png = dir_->filePath(QStringLiteral("spectrum.png"));
        ws->exportViewPng(RegressionWorkspace::View::Spectrum, png);
        QCOMPARE(QImage(png).size(),
                 ws->spectrumView()->size() * ws->spectrumView()->devicePixelRatioF());
        QVERIFY_THROWS_EXCEPTION(mowe::WriteError,
                                 ws->exportTo(QStringLiteral("/nonexistent/dir/x.vtp")));
    }
};

QTEST_MAIN(RegressionWorkbenchTest)
#include "regression_workbench_test.moc"
