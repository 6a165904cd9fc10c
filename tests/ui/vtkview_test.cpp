// VtkView: a known scene (a red sphere on a blue background) must reach the grabbed
// framebuffer with the right colours at the right places, survive resizes and high-DPI
// scaling, save to PNG, and forward mouse and key input to VTK's trackball-camera style.

#include "Log.h"
#include "common/atomic_file.h"
#include "vtk/VtkView.h"

#include <QApplication>
#include <QCoreApplication>
#include <QImage>
#include <QProcess>
#include <QSignalSpy>
#include <QSurfaceFormat>
#include <QTemporaryDir>
#include <QTest>

#include <vtkActor.h>
#include <vtkNew.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>

#include <cmath>

using mowe::ui::VtkView;

namespace {

// Flat-shaded colours: lighting darkens the sphere towards its rim, but its centre faces the
// headlight, so the centre pixel is close to the diffuse colour. 40 of 255 allows for
// the specular-free Phong shading and 8-bit rounding on any GL implementation.
constexpr int kColourTolerance = 40;
// Camera positions are compared after a reset in world units on a unit-radius sphere.
constexpr float kCameraTolerance = 1e-3f;

const QColor kBackground(0, 0, 255);
const QColor kSphere(255, 0, 0);

bool near(QColor actual, QColor expected) {
    return std::abs(actual.red() - expected.red()) <= kColourTolerance &&
           std::abs(actual.green() - expected.green()) <= kColourTolerance &&
           std::abs(actual.blue() - expected.blue()) <= kColourTolerance;
}

QString describe(QColor c) {
    return QStringLiteral("rgb(%1, %2, %3)").arg(c.red()).arg(c.green()).arg(c.blue());
}

// Counts VTK's warnings and errors (routed into mowe.vtk by VtkView): a GL problem such as a
// context that is not current shows up there, not as a failed call.
int g_vtkProblems = 0;
QtMessageHandler g_previousHandler = nullptr;
void countVtkProblems(QtMsgType type, const QMessageLogContext &context, const QString &msg) {
    if (type != QtDebugMsg && type != QtInfoMsg && context.category &&
        QByteArray(context.category) == "mowe.vtk")
        ++g_vtkProblems;
    g_previousHandler(type, context, msg);
}

} // namespace

class VtkViewTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { g_previousHandler = qInstallMessageHandler(countVtkProblems); }

    void init() {
        view_ = std::make_unique<VtkView>();
        view_->setBackground(kBackground);
        vtkNew<vtkSphereSource> sphere;
        sphere->SetRadius(1.0);
        sphere->SetThetaResolution(48);
        sphere->SetPhiResolution(48);
        vtkNew<vtkPolyDataMapper> mapper;
        mapper->SetInputConnection(sphere->GetOutputPort());
        vtkNew<vtkActor> actor;
        actor->SetMapper(mapper);
        actor->GetProperty()->SetColor(1.0, 0.0, 0.0);
        actor->GetProperty()->SetAmbient(0.3);
        actor->GetProperty()->SetDiffuse(0.7);
        view_->renderer()->AddActor(actor);
        view_->resize(400, 300);
        view_->show();
        QVERIFY(QTest::qWaitForWindowExposed(view_.get()));
        QTRY_VERIFY(view_->isInitialized());
        view_->resetCamera();
    }

    void cleanup() { view_.reset(); }

    void rendersBackgroundInCornerAndSphereAtCentre() {
        const QImage image = view_->grabImage();
        QVERIFY(!image.isNull());
        const double dpr = view_->devicePixelRatioF();
        QCOMPARE(image.width(), static_cast<int>(std::lround(400 * dpr)));
        QCOMPARE(image.height(), static_cast<int>(std::lround(300 * dpr)));
        const QColor corner = image.pixelColor(2, 2);
        const QColor centre = image.pixelColor(image.width() / 2, image.height() / 2);
        QVERIFY2(near(corner, kBackground), qPrintable(describe(corner)));
        QVERIFY2(near(centre, kSphere), qPrintable(describe(centre)));
        QVERIFY(view_->frameCount() > 0);
    }

    void resizeKeepsSceneCentredAndFillsNewSize() {
        view_->resize(640, 200);
        QTRY_COMPARE(view_->width(), 640);
        const QImage image = view_->grabImage();
        const double dpr = view_->devicePixelRatioF();
        QCOMPARE(image.width(), static_cast<int>(std::lround(640 * dpr)));
        QCOMPARE(image.height(), static_cast<int>(std::lround(200 * dpr)));
        // The far right column was outside the old framebuffer: it must show background.
        const QColor right = image.pixelColor(image.width() - 2, image.height() / 2);
        const QColor centre = image.pixelColor(image.width() / 2, image.height() / 2);
        QVERIFY2(near(right, kBackground), qPrintable(describe(right)));
        QVERIFY2(near(centre, kSphere), qPrintable(describe(centre)));
    }

    void saveImageWritesPngWithTheSamePixels() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("view.png"));
        view_->saveImage(path);
        QImage saved(path);
        QVERIFY(!saved.isNull());
        const QImage grabbed = view_->grabImage();
        QCOMPARE(saved.size(), grabbed.size());
        QVERIFY(near(saved.pixelColor(2, 2), kBackground));
        QVERIFY(near(saved.pixelColor(saved.width() / 2, saved.height() / 2), kSphere));
        // No alpha channel leaks into the file: the background is opaque.
        QCOMPARE(saved.pixelColor(2, 2).alpha(), 255);
    }

    void saveImageToMissingFolderThrowsWriteError() {
        QVERIFY_THROWS_EXCEPTION(mowe::WriteError,
                                 view_->saveImage(QStringLiteral("/nonexistent/dir/view.png")));
    }

    void saveImageBeforeShowThrowsWriteError() {
        VtkView hidden;
        QVERIFY(!hidden.isInitialized());
        QVERIFY(hidden.grabImage().isNull());
        QTemporaryDir dir;
        QVERIFY_THROWS_EXCEPTION(mowe::WriteError,
                                 hidden.saveImage(dir.filePath(QStringLiteral("x.png"))));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("x.png"))));
    }

    void leftDragRotatesAndKeyRResetsCamera() {
        view_->grabImage();
        const QVector3D homePosition = view_->cameraPosition();
        const QVector3D homeFocal = view_->cameraFocalPoint();
        const float homeDistance = (homePosition - homeFocal).length();

        drag(Qt::LeftButton, Qt::NoModifier, QPoint(200, 150), QPoint(300, 120));
        QVERIFY2((view_->cameraPosition() - homePosition).length() > 0.1f,
                 "a left drag must rotate the camera");
        drag(Qt::LeftButton, Qt::ShiftModifier, QPoint(200, 150), QPoint(240, 170));
        drag(Qt::RightButton, Qt::NoModifier, QPoint(200, 150), QPoint(200, 100));
        QVERIFY((view_->cameraFocalPoint() - homeFocal).length() > 0.05f);

        QTest::keyClick(view_.get(), Qt::Key_R);
        // `r` fits the camera to the scene along the current direction of view: the focal
        // point returns to the sphere's centre and the distance to the fitted one.
        const QVector3D focal = view_->cameraFocalPoint();
        const float distance = (view_->cameraPosition() - focal).length();
        QVERIFY2(
            (focal - homeFocal).length() < kCameraTolerance,
            qPrintable(QStringLiteral("focal point off by %1").arg((focal - homeFocal).length())));
        QVERIFY2(
            std::abs(distance - homeDistance) < kCameraTolerance,
            qPrintable(QStringLiteral("distance %1, expected %2").arg(distance).arg(homeDistance)));
        const QImage image = view_->grabImage();
        QVERIFY(near(image.pixelColor(image.width() / 2, image.height() / 2), kSphere));
    }

    void shiftLeftDragPansFocalPoint() {
        view_->grabImage();
        const QVector3D focal = view_->cameraFocalPoint();
        drag(Qt::LeftButton, Qt::ShiftModifier, QPoint(200, 150), QPoint(260, 150));
        QVERIFY2((view_->cameraFocalPoint() - focal).length() > 0.05f,
                 "Shift+left drag must pan (move the focal point)");
    }

    void wheelZoomsTowardsTheScene() {
        view_->grabImage();
        const float before = (view_->cameraPosition() - view_->cameraFocalPoint()).length();
        QWheelEvent wheel(QPointF(200, 150),
                          view_->mapToGlobal(QPointF(200, 150)),
                          QPoint(),
                          QPoint(0, 120),
                          Qt::NoButton,
                          Qt::NoModifier,
                          Qt::NoScrollPhase,
                          false);
        QCoreApplication::sendEvent(view_.get(), &wheel);
        const float after = (view_->cameraPosition() - view_->cameraFocalPoint()).length();
        QVERIFY2(after < before * 0.99f,
                 qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
    }

    void otherStyleKeysAreIgnored() {
        view_->grabImage();
        const QVector3D before = view_->cameraPosition();
        QTest::keyClick(view_.get(), Qt::Key_F); // fly-to in VTK's default style
        QTest::keyClick(view_.get(), Qt::Key_3); // stereo in VTK's default style
        const QImage image = view_->grabImage();
        QCOMPARE(view_->cameraPosition(), before);
        QVERIFY(near(image.pixelColor(image.width() / 2, image.height() / 2), kSphere));
    }

    void reparentingToAnotherWindowRendersAgain() {
        // A QOpenGLWidget gets a new GL context when its top-level window changes.
        QWidget other;
        other.resize(400, 300);
        view_->setParent(&other);
        view_->resize(400, 300);
        other.show();
        QVERIFY(QTest::qWaitForWindowExposed(&other));
        QTRY_VERIFY(view_->isInitialized());
        const QImage image = view_->grabImage();
        QVERIFY(near(image.pixelColor(image.width() / 2, image.height() / 2), kSphere));
        view_->setParent(nullptr);
    }

    void noVtkWarningsWereEmitted() { QCOMPARE(g_vtkProblems, 0); }

    void highDpiScaleFactorTwoRendersAtDevicePixels() {
        if (qEnvironmentVariable("QT_SCALE_FACTOR") == QLatin1String("2"))
            QSKIP("already running at scale factor 2");
        // The device pixel ratio is fixed when QApplication starts, so run the pixel tests
        // again in a child process with Qt scaling everything by two.
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_SCALE_FACTOR"), QStringLiteral("2"));
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(),
                    {QStringLiteral("rendersBackgroundInCornerAndSphereAtCentre"),
                     QStringLiteral("resizeKeepsSceneCentredAndFillsNewSize"),
                     QStringLiteral("leftDragRotatesAndKeyRResetsCamera"),
                     QStringLiteral("wheelZoomsTowardsTheScene"),
                     QStringLiteral("noVtkWarningsWereEmitted"),
                     QStringLiteral("devicePixelRatioIsTwo")});
        QVERIFY(child.waitForFinished(300000));
        QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0,
                 child.readAllStandardOutput().constData());
    }

    void devicePixelRatioIsTwo() {
        if (qEnvironmentVariable("QT_SCALE_FACTOR") != QLatin1String("2"))
            QSKIP("only meaningful in the scale-factor-2 child process");
        QCOMPARE(view_->devicePixelRatioF(), 2.0);
        QCOMPARE(view_->grabImage().width(), 800);
    }

private:
    void drag(Qt::MouseButton button, Qt::KeyboardModifiers modifiers, QPoint from, QPoint to) {
        QMouseEvent press(
            QEvent::MouseButtonPress, from, view_->mapToGlobal(from), button, button, modifiers);
        QCoreApplication::sendEvent(view_.get(), &press);
        constexpr int kSteps = 10;
        for (int i = 1; i <= kSteps; ++i) {
            const QPointF p = QPointF(from) + (QPointF(to - from) * i) / kSteps;
            QMouseEvent move(
                QEvent::MouseMove, p, view_->mapToGlobal(p), Qt::NoButton, button, modifiers);
            QCoreApplication::sendEvent(view_.get(), &move);
        }
        QMouseEvent release(QEvent::MouseButtonRelease,
                            to,
                            view_->mapToGlobal(to),
                            button,
                            Qt::NoButton,
                            modifiers);
        QCoreApplication::sendEvent(view_.get(), &release);
    }

    std::unique_ptr<VtkView> view_;
};

int main(int argc, char **argv) {
    QSurfaceFormat::setDefaultFormat(VtkView::surfaceFormat());
    QApplication app(argc, argv);
    VtkViewTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "vtkview_test.moc"
