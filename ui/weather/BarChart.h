#pragma once
// A small bar chart for the statistics panel: per-expert load, the entropy histogram.
// Values are drawn as given; the vertical axis runs from 0 to max(values, axisMax).

#include <QColor>
#include <QStringList>
#include <QVector>
#include <QWidget>

namespace mowe::ui {

class BarChart : public QWidget {
    Q_OBJECT
public:
    explicit BarChart(const QString &title, QWidget *parent = nullptr);

    /// One bar per value; `labels` under the bars (may be shorter), `colours` per bar (empty:
    /// the palette's highlight). `valueFormat` formats the number above each bar ("%1 %").
    void setBars(const QVector<double> &values,
                 const QStringList &labels,
                 const QVector<QColor> &colours,
                 double axisMax,
                 const QString &valueFormat = QStringLiteral("%1"),
                 int decimals = 1);
    QVector<double> values() const { return values_; }
    QSize sizeHint() const override { return {260, 150}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString title_;
    QVector<double> values_;
    QStringList labels_;
    QVector<QColor> colours_;
    double axisMax_ = 1;
    QString format_;
    int decimals_ = 1;
};

} // namespace mowe::ui
