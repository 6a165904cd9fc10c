#pragma once
// The workbench's "In-context response" tab (issue 9, arXiv:2307.02419): for the matrix
// attention problem and start point X of the workbench's current result, how the loss, its
// gradient and the minimiser respond to a change of the context A₁, A₂ or B, next to a gradient
// step on X — the curves (ContextPlot, log-log, linear regime marked) and, in a LandscapeView,
// the loss landscape of the perturbed problem, morphing as the ‖Δ‖ slider moves, with the old
// minimiser X* and the new one X*(Δ) both drawn.
//
// Two JobRunners: one for the sweep, one for the morph frames, so dragging the slider never
// cancels the sweep; each drops stale results (a newer frame supersedes an older one). The
// panel computes only while it is active (its tab is the current one), so the solver tab's
// work is not slowed by sweeps nobody looks at.

#include "regression/ContextModel.h"

#include <QWidget>

#include <functional>
#include <memory>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;
class QSpinBox;

namespace mowe::ui {

class ContextPlot;
class JobRunner;
class LandscapeView;

class ContextPanel : public QWidget {
    Q_OBJECT
public:
    explicit ContextPanel(QWidget *parent = nullptr);
    ~ContextPanel() override;

    /// The workbench's current problem and start point. A single (non-matrix) problem shows
    /// a note instead of curves. Recomputes when active.
    void setSource(std::shared_ptr<const mowe::regression::Problem> problem,
                   const mowe::regression::Vector &x);
    /// Active = its tab is shown: only then does it compute.
    void setActive(bool active);
    bool isActive() const { return active_; }

    void setSettings(const workbench::ContextSettings &settings);
    const workbench::ContextSettings &settings() const { return settings_; }
    /// The data branch the landscape morphs along (A1, A2 or B).
    void setMorphBranch(mowe::regression::ContextBranch branch);
    mowe::regression::ContextBranch morphBranch() const { return branch_; }
    /// ‖Δ‖ of the landscape: the slider runs over [0, maxDelta] in kSliderSteps steps.
    void setMorphDelta(double delta);
    double morphDelta() const;
    static constexpr int kSliderSteps = 200;

    /// True when inactive, or when the sweep and the frame for the current slider value are
    /// on screen (and drawn, if the landscape is visible).
    bool isReady() const;
    std::shared_ptr<const workbench::ContextResult> result() const { return result_; }
    std::shared_ptr<const workbench::MorphFrame> frame() const { return frame_; }
    QString statusText() const;

    /// Curves as CSV (regression::contextCsv); the curves or the landscape as PNG.
    /// Throw mowe::WriteError (nothing computed yet, or the file cannot be written).
    void exportCsv(const QString &path) const;
    void exportPlotPng(const QString &path);
    void exportLandscapePng(const QString &path);

    ContextPlot *plot() const { return plot_; }
    LandscapeView *landscapeView() const { return landscape_; }
    JobRunner *sweepJobs() const { return sweepJobs_; }
    JobRunner *morphJobs() const { return morphJobs_; }

Q_SIGNALS:
    /// isReady() became true.
    void ready();
    void statusMessage(const QString &text);

private:
    void settingsFromControls();
    void controlsFromSettings();
    void startSweep();
    void startMorph();
    void applyResult(std::shared_ptr<const workbench::ContextResult> result);
    void applyFrame(std::shared_ptr<const workbench::MorphFrame> frame);
    void updateReady();
    void setStatus(const QString &text, bool error = false);
    void exportWithDialog(const QString &filter, const std::function<void(const QString &)> &write);

    workbench::ContextSettings settings_;
    mowe::regression::ContextBranch branch_ = mowe::regression::ContextBranch::A1;
    std::shared_ptr<const mowe::regression::MatrixProblem> problem_;
    mowe::regression::Vector x_;
    QString sourceNote_;
    bool active_ = false;
    bool dirty_ = false;        ///< the source or settings changed since the last sweep
    bool frameDirty_ = false;   ///< the slider or branch changed since the last frame
    bool sweepPending_ = false; ///< a sweep job was started and has not delivered
    bool morphPending_ = false; ///< likewise for a morph frame
    bool awaitingFrame_ = false;
    bool wasReady_ = true;
    bool updatingControls_ = false;
    bool hasShownScene_ = false;
    std::shared_ptr<const workbench::ContextResult> result_;
    std::shared_ptr<const workbench::MorphFrame> frame_;

    JobRunner *sweepJobs_;
    JobRunner *morphJobs_;
    ContextPlot *plot_;
    LandscapeView *landscape_;
    QLabel *status_;
    QLabel *summary_;
    QLabel *deltaLabel_;
    QSlider *slider_;
    QComboBox *branchChoice_;
    QSpinBox *points_, *seed_;
    QDoubleSpinBox *maxDelta_, *maxEta_, *decades_;
};

} // namespace mowe::ui
