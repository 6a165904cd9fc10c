#pragma once
// A zoomable, pannable view of one image. The wheel zooms about the cursor, dragging pans,
// a double click (or fitToView()) fits the whole image again. Until the user zooms, the
// image keeps fitting the view as it resizes.

#include <QGraphicsView>
#include <QImage>

class QGraphicsPixmapItem;

namespace mowe::ui {

class ImageView : public QGraphicsView {
    Q_OBJECT
public:
    explicit ImageView(QWidget *parent = nullptr);

    void setImage(const QImage &image);
    QImage image() const { return image_; }

    /// Scale from image pixels to view pixels (1 = one image pixel per device-independent
    /// view pixel).
    double zoom() const;
    /// Multiplies the zoom by `factor`, clamped to [kMinZoom, kMaxZoom], about the view's
    /// centre.
    void zoomBy(double factor);
    void fitToView();
    bool isFitting() const { return fitting_; }

    static constexpr double kMinZoom = 0.02;
    static constexpr double kMaxZoom = 40.0;
    /// Zoom factor for one wheel notch.
    static constexpr double kWheelStep = 1.25;

protected:
    void wheelEvent(QWheelEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    QGraphicsPixmapItem *item_ = nullptr;
    QImage image_;
    bool fitting_ = true;
};

} // namespace mowe::ui
