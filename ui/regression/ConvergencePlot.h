#pragma once
// The workbench's convergence plot: loss, ‖∇L‖ and ‖x_t − x*‖ per iterate on a log₁₀ scale,
// one line style per run (A solid, B dashed), a marker per iterate whose shape says the step
// kind (circle Newton, square damped, diamond shifted, triangle approx, cross gradient), ε₀ of
// approximate steps written under the axis (red when ≥ 0.5, where contraction is not
// guaranteed), and a vertical line at the selected iterate. Clicking selects an iterate.
// Plain QPainter: a 2-D chart needs no 3-D scene.

#include <QColor>
#include <QString>
#include <QWidget>

#include <optional>
#include <vector>

namespace mowe::ui {

struct ConvergenceSeries {
    QString name;
    std::vector<double> loss, gradNorm, distance; ///< distance may be empty (no x*)
    std::vector<QString> stepKind;                ///< "start", "newton", "damped", ...
    std::vector<std::optional<double>> eps0;
};

class ConvergencePlot : public QWidget {
    Q_OBJECT
public:
    explicit ConvergencePlot(QWidget *parent = nullptr);

    void setSeries(std::vector<ConvergenceSeries> series);
    void setSelected(int iterate);
    int selected() const { return selected_; }
    /// The x pixel of iterate t (for tests).
    double xOf(int iterate) const;

    static QColor lossColour() { return QColor(80, 150, 255); }
    static QColor gradColour() { return QColor(240, 120, 40); }
    static QColor distanceColour() { return QColor(60, 190, 110); }

    QSize sizeHint() const override { return {480, 220}; }

Q_SIGNALS:
    void iterateClicked(int iterate);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    QRectF plotRect() const;
    int iterateCount() const;

    std::vector<ConvergenceSeries> series_;
    int selected_ = 0;
    double logMin_ = -12.0, logMax_ = 1.0;
};

} // namespace mowe::ui
