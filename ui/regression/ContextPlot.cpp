#include "regression/ContextPlot.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace mowe::ui {

namespace {

constexpr double kMargin = 8.0;
constexpr double kLeftAxis = 58.0;
constexpr double kBottomAxis = 30.0;
constexpr double kPanelGap = 10.0;
constexpr double kLegendLine = 16.0;

bool positive(double v) {
    return std::isfinite(v) && v > 0.0;
}

const std::vector<double> &measured(const ContextPlotCurve &c, ContextPlot::Panel p) {
    return p == ContextPlot::LossPanel       ? c.loss
           : p == ContextPlot::GradientPanel ? c.grad
                                             : c.minimiser;
}

const std::vector<double> &predicted(const ContextPlotCurve &c, ContextPlot::Panel p) {
    return p == ContextPlot::LossPanel       ? c.predictedLoss
           : p == ContextPlot::GradientPanel ? c.predictedGrad
                                             : c.predictedMinimiser;
}

QString powerOfTen(int e) {
    return QStringLiteral("1e%1").arg(e);
}

} // namespace

ContextPlot::ContextPlot(QWidget *parent)
    : QWidget(parent) {
    setObjectName(QStringLiteral("contextPlot"));
    setAutoFillBackground(true);
    QPalette p = palette();
    p.setColor(QPalette::Window, QColor(31, 33, 41));
    setPalette(p);
}

QColor ContextPlot::branchColour(int branch) {
    static const QColor colours[4] = {
        QColor(230, 230, 230), // gradient step: near white
        QColor(230, 159, 0),   // A₁: orange
        QColor(86, 180, 233),  // A₂: sky blue
        QColor(0, 158, 115),   // B: bluish green
    };
    return colours[std::clamp(branch, 0, 3)];
}

void ContextPlot::setCurves(std::vector<ContextPlotCurve> curves) {
    curves_ = std::move(curves);
    double xlo = 1e300, xhi = -1e300;
    double ylo[PanelCount], yhi[PanelCount];
    std::fill(std::begin(ylo), std::end(ylo), 1e300);
    std::fill(std::begin(yhi), std::end(yhi), -1e300);
    for (const auto &c : curves_) {
        for (std::size_t i = 0; i < c.size.size(); ++i) {
            if (!positive(c.size[i]))
                continue;
            xlo = std::min(xlo, std::log10(c.size[i]));
            xhi = std::max(xhi, std::log10(c.size[i]));
            for (int p = 0; p < PanelCount; ++p)
                for (const auto *values : {&measured(c, Panel(p)), &predicted(c, Panel(p))})
                    if (i < values->size() && positive((*values)[i])) {
                        ylo[p] = std::min(ylo[p], std::log10((*values)[i]));
                        yhi[p] = std::max(yhi[p], std::log10((*values)[i]));
                    }
        }
    }
    if (xlo > xhi) {
        xlo = -4.0;
        xhi = 0.0;
    }
    xMin_ = std::floor(xlo);
    xMax_ = std::max(std::ceil(xhi), xMin_ + 1.0);
    for (int p = 0; p < PanelCount; ++p) {
        if (ylo[p] > yhi[p]) {
            ylo[p] = -1.0;
            yhi[p] = 0.0;
        }
        // 16 decades are what doubles resolve; below that a curve is rounding noise.
        yMin_[p] = std::floor(std::max(ylo[p], yhi[p] - 16.0));
        yMax_[p] = std::max(std::ceil(yhi[p]), yMin_[p] + 1.0);
    }
    update();
}

void ContextPlot::setCursor(double size) {
    cursor_ = size;
    update();
}

double ContextPlot::legendHeight() const {
    int lines = 1;
    for (const auto &c : curves_)
        lines += c.stopped ? 1 : 0;
    return kMargin + lines * kLegendLine;
}

QRectF ContextPlot::panelRect(Panel panel) const {
    const double top = legendHeight();
    const double usable = height() - top - kBottomAxis - kMargin - 2 * kPanelGap;
    const double h = std::max(20.0, usable / double(PanelCount));
    return {kLeftAxis,
            top + int(panel) * (h + kPanelGap),
            std::max(20.0, width() - kLeftAxis - kMargin),
            h};
}

QPointF ContextPlot::toPixel(Panel panel, double size, double value) const {
    const QRectF r = panelRect(panel);
    const double lx = positive(size) ? std::log10(size) : xMin_;
    const double ly = positive(value) ? std::log10(value) : yMin_[panel];
    const double fx = std::clamp((lx - xMin_) / (xMax_ - xMin_), 0.0, 1.0);
    const double fy = std::clamp((ly - yMin_[panel]) / (yMax_[panel] - yMin_[panel]), 0.0, 1.0);
    return {r.left() + fx * r.width(), r.bottom() - fy * r.height()};
}

void ContextPlot::paintEvent(QPaintEvent *) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor axis(150, 155, 170), grid(60, 63, 75), text(210, 212, 220);
    QFont small = font();
    small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1.0));
    p.setFont(small);
    const QFontMetricsF fm(small);

    // Legend: colour swatches, the line styles, and one line per stopped curve.
    double lx = kLeftAxis;
    const double ly = kMargin + fm.ascent();
    for (const auto &c : curves_) {
        p.setPen(QPen(c.colour, 2.5));
        p.drawLine(QPointF(lx, ly - 4), QPointF(lx + 16, ly - 4));
        p.setPen(text);
        p.drawText(QPointF(lx + 20, ly), c.name);
        lx += 28 + fm.horizontalAdvance(c.name);
    }
    p.setPen(text);
    p.drawText(QPointF(lx + 6, ly), tr("solid measured, dashed first order, ○ leaves linear"));
    double sy = ly;
    for (const auto &c : curves_) {
        if (!c.stopped)
            continue;
        sy += kLegendLine;
        p.setPen(c.colour);
        const QString line = QStringLiteral("✕ %1 %2").arg(c.name, c.stopText);
        p.drawText(QPointF(kLeftAxis, sy),
                   fm.elidedText(line, Qt::ElideRight, width() - kLeftAxis - kMargin));
    }

    static const QString titles[PanelCount] = {
        QStringLiteral("|ΔL|"), QStringLiteral("‖Δ∇L‖"), QStringLiteral("‖ΔX*‖")};
    linearMarkers_ = 0;
    for (int pi = 0; pi < PanelCount; ++pi) {
        const Panel panel = Panel(pi);
        const QRectF r = panelRect(panel);
        // Grid and tick labels at every decade (every second one when crowded).
        const int xStep = (xMax_ - xMin_) > 8 ? 2 : 1;
        for (int e = int(xMin_); e <= int(xMax_); e += xStep) {
            const double x = toPixel(panel, std::pow(10.0, e), 1.0).x();
            p.setPen(grid);
            p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
            if (pi == PanelCount - 1) {
                p.setPen(text);
                const QString label = powerOfTen(e);
                const double w = fm.horizontalAdvance(label);
                const double left = std::clamp(x - w / 2, 0.0, double(width()) - w - 2);
                p.drawText(QPointF(left, r.bottom() + fm.height()), label);
            }
        }
        const int yStep = std::max(1, int(std::ceil((yMax_[pi] - yMin_[pi]) / 4.0)));
        for (int e = int(yMin_[pi]); e <= int(yMax_[pi]); e += yStep) {
            const double y = toPixel(panel, 1.0, std::pow(10.0, e)).y();
            p.setPen(grid);
            p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y));
            p.setPen(text);
            const QString label = powerOfTen(e);
            p.drawText(QPointF(r.left() - 4 - fm.horizontalAdvance(label), y + fm.ascent() / 2 - 1),
                       label);
        }
        p.setPen(axis);
        p.setBrush(Qt::NoBrush);
        p.drawRect(r);
        p.setPen(text);
        p.drawText(QPointF(r.left() + 6, r.top() + fm.ascent() + 2), titles[pi]);

        p.save();
        p.setClipRect(r.adjusted(-4, -4, 4, 4));
        for (const auto &c : curves_) {
            const auto &m = measured(c, panel);
            const auto &f = predicted(c, panel);
            for (int which = 0; which < 2; ++which) {
                const auto &values = which == 0 ? f : m;
                QPainterPath path;
                bool open = false;
                for (std::size_t i = 0; i < c.size.size() && i < values.size(); ++i) {
                    if (!positive(values[i]) || !positive(c.size[i])) {
                        open = false; // a gap, not a line through a missing value
                        continue;
                    }
                    const QPointF q = toPixel(panel, c.size[i], values[i]);
                    open ? path.lineTo(q) : path.moveTo(q);
                    open = true;
                }
                QPen pen(c.colour, which == 0 ? 1.3 : 2.0);
                if (which == 0)
                    pen.setStyle(Qt::DashLine);
                p.setPen(pen);
                p.setBrush(Qt::NoBrush);
                p.drawPath(path);
            }
            p.setPen(Qt::NoPen);
            p.setBrush(c.colour);
            std::size_t last = 0;
            bool any = false;
            for (std::size_t i = 0; i < c.size.size() && i < m.size(); ++i)
                if (positive(m[i]) && positive(c.size[i])) {
                    p.drawEllipse(toPixel(panel, c.size[i], m[i]), 2.2, 2.2);
                    last = i;
                    any = true;
                }
            const auto end = std::size_t(std::max(0, c.linearEnd));
            if (end < c.size.size() && end < m.size() && positive(m[end])) {
                const QPointF q = toPixel(panel, c.size[end], m[end]);
                p.setBrush(Qt::NoBrush);
                p.setPen(QPen(c.colour, 1.8));
                p.drawEllipse(q, 6.0, 6.0);
                QPen dotted(c.colour, 1.0, Qt::DotLine);
                p.setPen(dotted);
                p.drawLine(q + QPointF(0, 6), QPointF(q.x(), r.bottom()));
                ++linearMarkers_;
            }
            if (c.stopped && any) {
                const QPointF q = toPixel(panel, c.size[last], m[last]) + QPointF(9, 0);
                p.setPen(QPen(c.colour, 2.0));
                p.drawLine(q + QPointF(-4, -4), q + QPointF(4, 4));
                p.drawLine(q + QPointF(-4, 4), q + QPointF(4, -4));
            }
        }
        if (cursor_ > 0.0) {
            const double x = toPixel(panel, cursor_, 1.0).x();
            p.setPen(QPen(QColor(255, 221, 0), 1.2));
            p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
        }
        p.restore();
    }
    const QRectF last = panelRect(MinimiserPanel);
    p.setPen(text);
    const QString xTitle = tr("size of the change: ‖Δ‖ (A₁, A₂, B) or η‖∇L‖ (gradient step)");
    p.drawText(QPointF(last.center().x() - fm.horizontalAdvance(xTitle) / 2,
                       last.bottom() + 2 * fm.height()),
               xTitle);
}

} // namespace mowe::ui
