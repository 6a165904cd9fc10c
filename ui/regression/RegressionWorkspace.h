#pragma once
// The Regression workbench. For now it shows a demonstration surface (a smooth landscape
// computed in the background) in a VtkView; the workbench proper replaces the body, keeping
// the Workspace contract (ready(), Export, the job runner).

#include "Workspace.h"

class QLabel;

namespace mowe::ui {

class JobRunner;
class VtkView;

class RegressionWorkspace : public Workspace {
    Q_OBJECT
public:
    explicit RegressionWorkspace(QWidget *parent = nullptr);
    ~RegressionWorkspace() override;

    QString id() const override { return QStringLiteral("regression"); }
    QString title() const override { return tr("Regression workbench"); }
    bool isReady() const override { return ready_; }

    void exportTo(const QString &path) override;
    JobRunner *jobRunner() const override { return jobs_; }

    VtkView *view() const { return view_; }

    /// The demonstration landscape: f(x, y) = sin(x)·cos(y)·exp(−(x² + y²)/18) + (x² + y²)/60
    /// — several local minima inside a bowl, on [−6, 6]².
    static double demoLandscape(double x, double y);

private:
    void computeSurface();

    VtkView *view_;
    QLabel *caption_;
    JobRunner *jobs_;
    bool ready_ = false;
};

} // namespace mowe::ui
