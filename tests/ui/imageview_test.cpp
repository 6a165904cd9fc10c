// ImageView: fits the image at start and on resize, zooms by a fixed step per wheel notch
// within its limits, and a double click fits again.

#include "ImageView.h"

#include <QApplication>
#include <QTest>
#include <QWheelEvent>

#include <cmath>

using mowe::ui::ImageView;

namespace {
constexpr double kZoomTolerance = 1e-9;

void wheel(ImageView &view, int notches) {
    const QPointF centre(view.viewport()->width() / 2.0, view.viewport()->height() / 2.0);
    QWheelEvent event(centre,
                      view.viewport()->mapToGlobal(centre),
                      QPoint(),
                      QPoint(0, 120 * notches),
                      Qt::NoButton,
                      Qt::NoModifier,
                      Qt::NoScrollPhase,
                      false);
    QCoreApplication::sendEvent(view.viewport(), &event);
}
} // namespace

class ImageViewTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fitsTheWholeImageAndKeepsFittingOnResize() {
        ImageView view;
        view.resize(400, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QImage image(800, 300, QImage::Format_RGB32);
        image.fill(Qt::green);
        view.setImage(image);
        QVERIFY(view.isFitting());
        // Width-limited: 800 px into a viewport a little under 400 px wide.
        const double fit = view.zoom();
        QVERIFY(fit > 0.4 && fit <= 0.5);
        view.resize(800, 600);
        QTRY_VERIFY(view.zoom() > fit * 1.5);
        QVERIFY(view.isFitting());
    }

    void wheelZoomsByTheStepAndDoubleClickFitsAgain() {
        ImageView view;
        view.resize(400, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QImage image(200, 100, QImage::Format_RGB32);
        image.fill(Qt::red);
        view.setImage(image);
        const double fit = view.zoom();
        wheel(view, 1);
        QVERIFY(std::abs(view.zoom() - fit * ImageView::kWheelStep) < kZoomTolerance);
        QVERIFY(!view.isFitting());
        wheel(view, -2);
        QVERIFY(std::abs(view.zoom() - fit / ImageView::kWheelStep) < kZoomTolerance);
        QTest::mouseDClick(view.viewport(), Qt::LeftButton);
        QVERIFY(view.isFitting());
        QVERIFY(std::abs(view.zoom() - fit) < kZoomTolerance);
    }

    void zoomStaysWithinItsLimits() {
        ImageView view;
        view.resize(300, 300);
        QImage image(100, 100, QImage::Format_RGB32);
        image.fill(Qt::blue);
        view.setImage(image);
        for (int i = 0; i < 100; ++i)
            view.zoomBy(2.0);
        QVERIFY(std::abs(view.zoom() - ImageView::kMaxZoom) < kZoomTolerance);
        for (int i = 0; i < 100; ++i)
            view.zoomBy(0.5);
        QVERIFY(std::abs(view.zoom() - ImageView::kMinZoom) < kZoomTolerance);
    }
};

QTEST_MAIN(ImageViewTest)
#include "imageview_test.moc"
