#pragma once
// The in-context panel's curves: three stacked log-log charts sharing one horizontal axis, the
// size of the change of the input (‖Δ‖ for A₁, A₂, B; η‖∇L‖ for a gradient step):
//     |ΔL|      the change of the loss at X,
//     ‖Δ∇L‖     the change of its gradient at X,
//     ‖ΔX*‖     the move of the minimiser (data branches only).
// Per branch one colour (Okabe–Ito); the measured response is a solid line with a dot per sweep
// point, the first-order prediction a dashed line. Where a curve leaves its linear regime (the
// first point more than kLinearTolerance from first order) an open ring and a dotted drop line
// mark it; a curve stopped by an ill-posed problem ends in a ✕ and the legend gives the reason.
// A vertical line shows the ‖Δ‖ of the landscape slider. Plain QPainter, like ConvergencePlot.

#include <QColor>
#include <QString>
#include <QWidget>

#include <vector>

namespace mowe::ui {

struct ContextPlotCurve {
    QString name;
    QColor colour;
    /// One entry per sweep point; NaN where a value does not exist (no X* response).
    std::vector<double> size, loss, predictedLoss, grad, predictedGrad, minimiser,
        predictedMinimiser;
    int linearEnd = 0; ///< first point outside the linear regime (size() when none)
    bool stopped = false;
    QString stopText; ///< "stopped at ‖Δ‖ = …: reason"
};

class ContextPlot : public QWidget {
    Q_OBJECT
public:
    enum Panel { LossPanel, GradientPanel, MinimiserPanel, PanelCount };

    explicit ContextPlot(QWidget *parent = nullptr);

    void setCurves(std::vector<ContextPlotCurve> curves);
    const std::vector<ContextPlotCurve> &curves() const { return curves_; }
    /// The slider's ‖Δ‖ (≤ 0 hides the line).
    void setCursor(double size);
    double cursor() const { return cursor_; }
    /// Pixel of (size, value) in `panel` (for tests); off-range values are clamped.
    QPointF toPixel(Panel panel, double size, double value) const;
    /// The linear-regime markers drawn in the last paint (for tests).
    int linearMarkerCount() const { return linearMarkers_; }

    /// Okabe–Ito colours of the four branches: gradient step, A₁, A₂, B.
    static QColor branchColour(int branch);

    QSize sizeHint() const override { return {520, 520}; }
    QSize minimumSizeHint() const override { return {260, 260}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QRectF panelRect(Panel panel) const;
    double legendHeight() const;

    std::vector<ContextPlotCurve> curves_;
    double cursor_ = 0.0;
    double xMin_ = -4.0, xMax_ = 0.0;                                       ///< log₁₀ size
    double yMin_[PanelCount] = {-8, -8, -8}, yMax_[PanelCount] = {0, 0, 0}; ///< log₁₀ value
    mutable int linearMarkers_ = 0;
};

} // namespace mowe::ui
