#include "weather/BarChart.h"

#include <QPainter>

#include <algorithm>

namespace mowe::ui {

BarChart::BarChart(const QString &title, QWidget *parent)
    : QWidget(parent)
    , title_(title) {
    setMinimumHeight(120);
}

void BarChart::setBars(const QVector<double> &values,
                       const QStringList &labels,
                       const QVector<QColor> &colours,
                       double axisMax,
                       const QString &valueFormat,
                       int decimals) {
    values_ = values;
    labels_ = labels;
    colours_ = colours;
    axisMax_ = axisMax;
    format_ = valueFormat;
    decimals_ = decimals;
    update();
}

void BarChart::paintEvent(QPaintEvent *) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics fm = fontMetrics();
    const int line = fm.height();
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(QRect(0, 0, width(), line), Qt::AlignLeft, title_);
    if (values_.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("no data yet"));
        return;
    }
    const double top = std::max(axisMax_, *std::max_element(values_.begin(), values_.end()));
    const QRectF plot(4, line * 2 + 2, width() - 8, height() - line * 4 - 4);
    const double slot = plot.width() / values_.size();
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    for (int i = 0; i < values_.size(); ++i) {
        const double h = top > 0 ? plot.height() * values_[i] / top : 0;
        const QRectF bar(plot.left() + i * slot + slot * 0.12, plot.bottom() - h, slot * 0.76, h);
        painter.fillRect(bar,
                         i < colours_.size() ? colours_[i] : palette().color(QPalette::Highlight));
        painter.setPen(palette().color(QPalette::WindowText));
        if (slot > fm.horizontalAdvance(QStringLiteral("00.0 %")) * 0.8 || values_.size() <= 8)
            painter.drawText(QRectF(bar.left() - slot * 0.12, bar.top() - line, slot, line),
                             Qt::AlignHCenter | Qt::AlignBottom,
                             format_.arg(values_[i], 0, 'f', decimals_));
        if (i < labels_.size() && !labels_[i].isEmpty())
            painter.drawText(QRectF(plot.left() + i * slot, plot.bottom() + 2, slot, line * 2),
                             Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap,
                             labels_[i]);
    }
}

} // namespace mowe::ui
