#include "ImageView.h"

#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace mowe::ui {

ImageView::ImageView(QWidget *parent)
    : QGraphicsView(parent) {
    setScene(new QGraphicsScene(this));
    item_ = scene()->addPixmap(QPixmap());
    item_->setTransformationMode(Qt::SmoothTransformation);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setRenderHint(QPainter::SmoothPixmapTransform);
    setBackgroundBrush(QColor(32, 34, 40));
    setFrameShape(QFrame::NoFrame);
}

void ImageView::setImage(const QImage &image) {
    image_ = image;
    item_->setPixmap(QPixmap::fromImage(image));
    scene()->setSceneRect(item_->boundingRect());
    fitToView();
}

double ImageView::zoom() const {
    return transform().m11();
}

void ImageView::zoomBy(double factor) {
    const double target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
    const double applied = target / zoom();
    if (!std::isfinite(applied) || applied <= 0.0)
        return;
    scale(applied, applied);
    fitting_ = false;
}

void ImageView::fitToView() {
    fitting_ = true;
    if (image_.isNull())
        return;
    fitInView(item_, Qt::KeepAspectRatio);
}

void ImageView::wheelEvent(QWheelEvent *event) {
    const double notches = event->angleDelta().y() / 120.0;
    if (notches != 0.0)
        zoomBy(std::pow(kWheelStep, notches));
    event->accept();
}

void ImageView::mouseDoubleClickEvent(QMouseEvent *event) {
    fitToView();
    event->accept();
}

void ImageView::resizeEvent(QResizeEvent *event) {
    QGraphicsView::resizeEvent(event);
    if (fitting_)
        fitToView();
}

} // namespace mowe::ui
