#include "weather/ImageCanvas.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace mowe::ui {

ImageCanvas::ImageCanvas(QWidget *parent)
    : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(200, 150);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    flickerTimer_.setInterval(kFlickerMs);
    connect(&flickerTimer_, &QTimer::timeout, this, [this] {
        flickerShowsBefore_ = !flickerShowsBefore_;
        update();
    });
}

void ImageCanvas::setImages(const QImage &before, const QImage &after) {
    const bool resized = before.size() != before_.size();
    before_ = before;
    after_ = after.size() == before.size() ? after : QImage();
    if (resized) {
        overlay_ = {};
        boxes_.clear();
        fitting_ = true;
    }
    if (fitting_)
        fitToView();
    update();
}

void ImageCanvas::setSplit(double fraction) {
    split_ = std::clamp(fraction, 0.0, 1.0);
    update();
}

void ImageCanvas::setFlicker(bool on) {
    flickerShowsBefore_ = false;
    if (on)
        flickerTimer_.start();
    else
        flickerTimer_.stop();
    update();
}

void ImageCanvas::setOverlay(const QImage &overlay) {
    overlay_ = overlay.size() == before_.size() ? overlay : QImage();
    update();
}

void ImageCanvas::setOverlayOpacity(double opacity) {
    opacity_ = std::clamp(opacity, 0.0, 1.0);
    update();
}

void ImageCanvas::setGrid(int patch) {
    patch_ = std::max(0, patch);
    update();
}

void ImageCanvas::setBoxes(const QVector<QRect> &boxes, const QColor &colour) {
    boxes_ = boxes;
    boxColour_ = colour;
    update();
}

void ImageCanvas::paintImage(QPainter &painter, bool cosmeticGrid) const {
    const int w = before_.width(), h = before_.height();
    if (after_.isNull()) {
        painter.drawImage(0, 0, before_);
    } else if (flickerTimer_.isActive()) {
        painter.drawImage(0, 0, flickerShowsBefore_ ? before_ : after_);
    } else {
        const int cut = int(std::lround(split_ * w));
        painter.drawImage(QRect(0, 0, cut, h), before_, QRect(0, 0, cut, h));
        painter.drawImage(QRect(cut, 0, w - cut, h), after_, QRect(cut, 0, w - cut, h));
    }
    if (!overlay_.isNull() && opacity_ > 0) {
        painter.setOpacity(opacity_);
        painter.drawImage(0, 0, overlay_);
        painter.setOpacity(1.0);
    }
    if (patch_ > 0) {
        QPen pen(QColor(255, 255, 255, 110));
        pen.setCosmetic(cosmeticGrid);
        pen.setWidth(cosmeticGrid ? 1 : 1);
        painter.setPen(pen);
        for (int x = patch_; x < w; x += patch_)
            painter.drawLine(QLineF(x, 0, x, h));
        for (int y = patch_; y < h; y += patch_)
            painter.drawLine(QLineF(0, y, w, y));
    }
    if (!after_.isNull() && !flickerTimer_.isActive() && split_ > 0 && split_ < 1) {
        QPen pen(Qt::white);
        pen.setCosmetic(true);
        pen.setWidth(2);
        painter.setPen(pen);
        const double cut = std::round(split_ * w);
        painter.drawLine(QLineF(cut, 0, cut, h));
    }
    if (!boxes_.isEmpty()) {
        QPen pen(boxColour_);
        pen.setCosmetic(true);
        pen.setWidth(2);
        painter.setPen(pen);
        painter.setBrush(Qt::NoBrush);
        for (const QRect &box : boxes_)
            painter.drawRect(box);
    }
}

QImage ImageCanvas::composite() const {
    if (before_.isNull())
        return {};
    QImage image(before_.size(), QImage::Format_RGB32);
    image.fill(Qt::black);
    QPainter painter(&image);
    paintImage(painter, false);
    return image;
}

void ImageCanvas::paintEvent(QPaintEvent *) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Dark));
    if (before_.isNull())
        return;
    painter.translate(offset_);
    painter.scale(scale_, scale_);
    // Enlarged pixels stay sharp blocks (tokens must read as blocks); reductions are smoothed.
    painter.setRenderHint(QPainter::SmoothPixmapTransform, scale_ < 1.0);
    paintImage(painter, true);
}

void ImageCanvas::fitToView() {
    fitting_ = true;
    if (before_.isNull() || width() <= 0 || height() <= 0)
        return;
    scale_ =
        std::clamp(std::min(double(width()) / before_.width(), double(height()) / before_.height()),
                   kMinZoom,
                   kMaxZoom);
    offset_ = QPointF((width() - scale_ * before_.width()) / 2,
                      (height() - scale_ * before_.height()) / 2);
    update();
    Q_EMIT viewChanged();
}

void ImageCanvas::actualSize() {
    const QPointF centre(width() / 2.0, height() / 2.0);
    zoomAt(1.0 / scale_, centre);
}

void ImageCanvas::zoomAt(double factor, const QPointF &anchor) {
    if (before_.isNull())
        return;
    const double next = std::clamp(scale_ * factor, kMinZoom, kMaxZoom);
    const QPointF imagePoint = widgetToImage(anchor);
    scale_ = next;
    offset_ = anchor - imagePoint * scale_;
    fitting_ = false;
    update();
    Q_EMIT viewChanged();
}

QPointF ImageCanvas::widgetToImage(const QPointF &p) const {
    return (p - offset_) / scale_;
}

QRect ImageCanvas::visibleImageRect() const {
    const QPointF a = widgetToImage(QPointF(0, 0));
    const QPointF b = widgetToImage(QPointF(width(), height()));
    const QRect r(QPoint(int(std::floor(a.x())), int(std::floor(a.y()))),
                  QPoint(int(std::ceil(b.x())) - 1, int(std::ceil(b.y())) - 1));
    return r.intersected(before_.rect());
}

void ImageCanvas::wheelEvent(QWheelEvent *event) {
    const double notches = event->angleDelta().y() / 120.0;
    if (notches != 0)
        zoomAt(std::pow(kWheelStep, notches), event->position());
    event->accept();
}

void ImageCanvas::mousePressEvent(QMouseEvent *event) {
    if (event->button() == Qt::LeftButton || event->button() == Qt::MiddleButton) {
        dragging_ = true;
        dragStart_ = event->position();
        offsetAtDragStart_ = offset_;
        setCursor(Qt::ClosedHandCursor);
    }
}

void ImageCanvas::mouseMoveEvent(QMouseEvent *event) {
    if (dragging_) {
        offset_ = offsetAtDragStart_ + (event->position() - dragStart_);
        fitting_ = false;
        update();
        Q_EMIT viewChanged();
    }
    const QPointF p = widgetToImage(event->position());
    const QPoint pixel(int(std::floor(p.x())), int(std::floor(p.y())));
    Q_EMIT hovered(before_.rect().contains(pixel) ? pixel : QPoint(-1, -1));
}

void ImageCanvas::mouseReleaseEvent(QMouseEvent *) {
    dragging_ = false;
    unsetCursor();
}

void ImageCanvas::mouseDoubleClickEvent(QMouseEvent *) {
    fitToView();
}

void ImageCanvas::resizeEvent(QResizeEvent *) {
    if (fitting_)
        fitToView();
}

void ImageCanvas::leaveEvent(QEvent *) {
    Q_EMIT hovered(QPoint(-1, -1));
}

} // namespace mowe::ui
