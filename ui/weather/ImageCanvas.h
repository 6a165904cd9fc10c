#pragma once
// The weather workspace's image view: the input ("before") and the restored image ("after")
// split by a vertical line the user moves (split slider), or flickering between the two, with
// an overlay (a route-trace picture) blended on top at an adjustable opacity, the token grid
// and detection boxes. Pan by dragging, zoom with the wheel about the cursor, fit or 1:1.
//
// Everything is drawn in image coordinates, so composite() (what the user sees, at the
// image's own resolution) is what exports and tests read.

#include <QImage>
#include <QPointF>
#include <QRectF>
#include <QTimer>
#include <QVector>
#include <QWidget>

namespace mowe::ui {

class ImageCanvas : public QWidget {
    Q_OBJECT
public:
    explicit ImageCanvas(QWidget *parent = nullptr);

    /// `before` is the input, `after` the restored image (may be null: before only). Both
    /// the same size. Keeps the zoom unless the size changed.
    void setImages(const QImage &before, const QImage &after);
    QImage before() const { return before_; }
    QImage after() const { return after_; }

    /// Share of the width, from the left, that shows `before` (0 = all restored).
    void setSplit(double fraction);
    double split() const { return split_; }
    /// Alternate before/after every `kFlickerMs` (the split is ignored meanwhile).
    void setFlicker(bool on);
    bool flicker() const { return flickerTimer_.isActive(); }

    /// An image-sized picture blended over the image with `opacity` in [0,1]; null: none.
    void setOverlay(const QImage &overlay);
    void setOverlayOpacity(double opacity);
    double overlayOpacity() const { return opacity_; }
    /// Token grid lines every `patch` pixels (0 hides them).
    void setGrid(int patch);
    /// Boxes (image pixels) drawn in `colour`, e.g. detections.
    void setBoxes(const QVector<QRect> &boxes, const QColor &colour);

    /// What is drawn, at the image's resolution (split or flicker state, overlay, grid,
    /// boxes). Null when there is no image.
    QImage composite() const;

    double zoom() const { return scale_; }
    bool isFitting() const { return fitting_; }
    void fitToView();
    void actualSize();
    /// Zooms by `factor` keeping the image point under `anchor` (widget coordinates) fixed.
    void zoomAt(double factor, const QPointF &anchor);
    /// The part of the image visible now, in image pixels (clipped to the image).
    QRect visibleImageRect() const;
    QPointF widgetToImage(const QPointF &p) const;

    static constexpr double kMinZoom = 0.02;
    static constexpr double kMaxZoom = 40.0;
    static constexpr double kWheelStep = 1.25;
    static constexpr int kFlickerMs = 600;

Q_SIGNALS:
    /// The image pixel under the cursor; (-1, -1) when it left the image.
    void hovered(QPoint imagePixel);
    /// The zoom or the visible part changed.
    void viewChanged();

protected:
    void paintEvent(QPaintEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    void paintImage(class QPainter &painter, bool cosmeticGrid) const;

    QImage before_, after_, overlay_;
    double split_ = 0.5;
    double opacity_ = 0.5;
    int patch_ = 0;
    QVector<QRect> boxes_;
    QColor boxColour_;
    bool flickerShowsBefore_ = false;
    QTimer flickerTimer_;
    double scale_ = 1.0;
    QPointF offset_; ///< widget position of image pixel (0, 0)
    bool fitting_ = true;
    bool dragging_ = false;
    QPointF dragStart_;
    QPointF offsetAtDragStart_;
};

} // namespace mowe::ui
