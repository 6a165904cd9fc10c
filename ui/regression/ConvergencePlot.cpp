#include "regression/ConvergencePlot.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace mowe::ui {

namespace {
// Values at or below this are drawn on the bottom edge (a loss of exactly 0, ‖∇L‖ = 0).
constexpr double kTiny = 1e-300;
} // namespace

ConvergencePlot::ConvergencePlot(QWidget *parent)
    : QWidget(parent) {
    setMinimumHeight(140);
    setAutoFillBackground(true);
    QPalette p = palette();
    p.setColor(QPalette::Window, QColor(31, 33, 41));
    setPalette(p);
}

int ConvergencePlot::iterateCount() const {
    int n = 1;
    for (const auto &s : series_)
        n = std::max(n, int(s.loss.size()));
    return n;
}

void ConvergencePlot::setSeries(std::vector<ConvergenceSeries> series) {
    series_ = std::move(series);
    double lo = 1e300, hi = -1e300;
    for (const auto &s : series_) {
        for (const auto *values : {&s.loss, &s.gradNorm, &s.distance}) {
            for (double v : *values) {
                if (std::isfinite(v) && v > kTiny) {
                    lo = std::min(lo, std::log10(v));
                    hi = std::max(hi, std::log10(v));
                }
            }
        }
    }
    if (lo > hi) {
        lo = -1.0;
        hi = 1.0;
    }
    logMin_ = std::floor(std::max(lo, hi - 18.0)); // 18 decades are enough for doubles
    logMax_ = std::ceil(hi);
    if (logMax_ <= logMin_)
        logMax_ = logMin_ + 1.0;
    update();
}

void ConvergencePlot::setSelected(int iterate) {
    selected_ = iterate;
    update();
}

QRectF ConvergencePlot::plotRect() const {
    return QRectF(58, 26, std::max(10, width() - 58 - 16), std::max(10, height() - 26 - 44));
}

double ConvergencePlot::xOf(int iterate) const {
    const QRectF r = plotRect();
    const int n = iterateCount();
    return r.left() + (n <= 1 ? 0.5 : double(iterate) / (n - 1)) * r.width();
}

void ConvergencePlot::paintEvent(QPaintEvent *) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF r = plotRect();
    const QColor text(225, 225, 225), grid(70, 72, 82);
    p.setPen(grid);
    p.drawRect(r);
    auto yOf = [&](double v) {
        const double l = std::log10(std::max(v, std::pow(10.0, logMin_)));
        return r.bottom() - (l - logMin_) / (logMax_ - logMin_) * r.height();
    };
    QFont small = font();
    small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1.5));
    p.setFont(small);
    const int decades = int(logMax_ - logMin_);
    const int stride = std::max(1, decades / 6);
    for (int e = int(logMin_); e <= int(logMax_); e += stride) {
        const double y = yOf(std::pow(10.0, e));
        p.setPen(grid);
        p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y));
        p.setPen(text);
        p.drawText(QRectF(0, y - 8, r.left() - 4, 16),
                   Qt::AlignRight | Qt::AlignVCenter,
                   QStringLiteral("1e%1").arg(e));
    }
    const int n = iterateCount();
    const int xStride = std::max(1, n / 10);
    for (int t = 0; t < n; t += xStride) {
        p.setPen(text);
        p.drawText(
            QRectF(xOf(t) - 20, r.bottom() + 2, 40, 14), Qt::AlignCenter, QString::number(t));
    }

    // The selected iterate.
    p.setPen(QPen(QColor(255, 221, 0), 1.5, Qt::DashLine));
    p.drawLine(QPointF(xOf(selected_), r.top()), QPointF(xOf(selected_), r.bottom()));

    auto marker = [&](const QPointF &c, const QString &kind) {
        const double s = 3.5;
        if (kind == QLatin1String("damped"))
            p.drawRect(QRectF(c.x() - s, c.y() - s, 2 * s, 2 * s));
        else if (kind == QLatin1String("shifted"))
            p.drawPolygon(QPolygonF({c + QPointF(0, -s - 1),
                                     c + QPointF(s + 1, 0),
                                     c + QPointF(0, s + 1),
                                     c + QPointF(-s - 1, 0)}));
        else if (kind == QLatin1String("approx"))
            p.drawPolygon(
                QPolygonF({c + QPointF(0, -s - 1), c + QPointF(s + 1, s), c + QPointF(-s - 1, s)}));
        else if (kind == QLatin1String("gd")) {
            p.drawLine(c + QPointF(-s, -s), c + QPointF(s, s));
            p.drawLine(c + QPointF(-s, s), c + QPointF(s, -s));
        } else
            p.drawEllipse(c, s, s);
    };
    for (std::size_t k = 0; k < series_.size(); ++k) {
        const ConvergenceSeries &s = series_[k];
        const Qt::PenStyle style = k == 0 ? Qt::SolidLine : Qt::DashLine;
        const std::pair<const std::vector<double> *, QColor> lines[] = {
            {&s.loss, lossColour()}, {&s.gradNorm, gradColour()}, {&s.distance, distanceColour()}};
        for (const auto &[values, colour] : lines) {
            QPainterPath path;
            bool started = false;
            for (std::size_t t = 0; t < values->size(); ++t) {
                const double v = (*values)[t];
                if (!std::isfinite(v)) {
                    started = false;
                    continue;
                }
                const QPointF pt(xOf(int(t)), yOf(v));
                started ? path.lineTo(pt) : path.moveTo(pt);
                started = true;
            }
            p.setPen(QPen(colour, 1.8, style));
            p.setBrush(Qt::NoBrush);
            p.drawPath(path);
            p.setBrush(k == 0 ? QBrush(colour) : QBrush(Qt::NoBrush));
            for (std::size_t t = 0; t < values->size(); ++t) {
                if (std::isfinite((*values)[t]))
                    marker(QPointF(xOf(int(t)), yOf((*values)[t])),
                           t < s.stepKind.size() ? s.stepKind[t] : QString());
            }
        }
        // ε₀ of approximate steps under the axis.
        for (std::size_t t = 0; t < s.eps0.size(); ++t) {
            if (!s.eps0[t])
                continue;
            p.setPen(*s.eps0[t] >= 0.5 ? QColor(255, 90, 70) : text);
            p.drawText(QRectF(xOf(int(t)) - 22, r.bottom() + 14 + 13 * double(k), 44, 13),
                       Qt::AlignCenter,
                       QString::number(*s.eps0[t], 'f', 2));
        }
    }
    // Legend.
    p.setBrush(Qt::NoBrush);
    double x = r.left();
    const std::pair<QString, QColor> legend[] = {{tr("loss"), lossColour()},
                                                 {tr("‖∇L‖"), gradColour()},
                                                 {tr("‖x_t − x*‖"), distanceColour()}};
    for (const auto &[label, colour] : legend) {
        p.setPen(QPen(colour, 2.5));
        p.drawLine(QPointF(x, 12), QPointF(x + 18, 12));
        p.setPen(text);
        p.drawText(QPointF(x + 22, 16), label);
        x += 34 + p.fontMetrics().horizontalAdvance(label);
    }
    QStringList names;
    for (std::size_t k = 0; k < series_.size(); ++k)
        names << (k == 0 ? tr("%1 solid") : tr("%1 dashed")).arg(series_[k].name);
    p.setPen(text);
    p.drawText(QPointF(x + 8, 16),
               names.join(QStringLiteral(", ")) +
                   tr("   ● Newton ■ damped ◆ shifted ▲ approx (ε₀ below) ✕ GD"));
}

void ConvergencePlot::mousePressEvent(QMouseEvent *event) {
    const QRectF r = plotRect();
    const int n = iterateCount();
    if (n <= 1 || r.width() <= 0)
        return;
    const double f = (event->position().x() - r.left()) / r.width();
    const int t = std::clamp(int(std::lround(f * (n - 1))), 0, n - 1);
    Q_EMIT iterateClicked(t);
}

} // namespace mowe::ui
