#include "regression/ContextPanel.h"

#include "JobRunner.h"
#include "Log.h"
#include "Workspace.h"
#include "common/atomic_file.h"
#include "regression/ContextPlot.h"
#include "vtk/LandscapeView.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace mowe::ui {

namespace reg = mowe::regression;
using workbench::ContextResult;
using workbench::ContextSettings;
using workbench::MorphFrame;

namespace {

QString fmt(double v) {
    return QString::number(v, 'g', 4);
}

QString branchLabel(reg::ContextBranch b) {
    switch (b) {
    case reg::ContextBranch::GradientStep:
        return QObject::tr("gradient step");
    case reg::ContextBranch::A1:
        return QStringLiteral("A₁");
    case reg::ContextBranch::A2:
        return QStringLiteral("A₂");
    case reg::ContextBranch::B:
        return QStringLiteral("B");
    }
    return {};
}

const QColor kOldMinimiser(245, 245, 245);
const QColor kNewMinimiser(213, 94, 0); // Okabe–Ito vermillion

} // namespace

ContextPanel::ContextPanel(QWidget *parent)
    : QWidget(parent)
    , sweepJobs_(new JobRunner(this))
    , morphJobs_(new JobRunner(this)) {
    setObjectName(QStringLiteral("contextPanel"));

    // Sweep settings and exports in one row above the views.
    points_ = new QSpinBox;
    points_->setRange(2, 200);
    points_->setToolTip(tr("Log-spaced sizes per curve"));
    maxDelta_ = new QDoubleSpinBox;
    maxDelta_->setDecimals(4);
    maxDelta_->setRange(1e-4, 100.0);
    maxDelta_->setToolTip(tr("Largest ‖Δ‖ of the change of A₁, A₂ or B (Frobenius norm)"));
    maxEta_ = new QDoubleSpinBox;
    maxEta_->setDecimals(5);
    maxEta_->setRange(0.0, 100.0);
    maxEta_->setSpecialValueText(tr("2/λ_max"));
    maxEta_->setToolTip(tr("Largest gradient step η (0: 2/λ_max, gradient descent's stability "
                           "limit)"));
    decades_ = new QDoubleSpinBox;
    decades_->setDecimals(1);
    decades_->setRange(0.5, 12.0);
    decades_->setToolTip(tr("The sweep runs from max·10^−decades to max"));
    seed_ = new QSpinBox;
    seed_->setRange(0, 1000000);
    seed_->setToolTip(tr("Seed of the random directions Δ̂ of A₁, A₂ and B"));
    auto *csv = new QPushButton(tr("Curves CSV…"));
    connect(csv, &QPushButton::clicked, this, [this] {
        exportWithDialog(tr("CSV (*.csv)"), [this](const QString &p) { exportCsv(p); });
    });
    auto *png = new QPushButton(tr("Curves PNG…"));
    connect(png, &QPushButton::clicked, this, [this] {
        exportWithDialog(tr("PNG image (*.png)"), [this](const QString &p) { exportPlotPng(p); });
    });
    // Two rows of (label, field) pairs, so that the workbench still fits an 800-pixel-wide
    // window beside its problem panel.
    auto *settingsRow = new QGridLayout;
    settingsRow->setContentsMargins(6, 4, 6, 0);
    settingsRow->setHorizontalSpacing(6);
    settingsRow->setVerticalSpacing(2);
    int cell = 0;
    const auto add = [&](const QString &label, QWidget *w) {
        const int row = cell / 3, column = 2 * (cell % 3);
        settingsRow->addWidget(new QLabel(label), row, column, Qt::AlignRight);
        settingsRow->addWidget(w, row, column + 1);
        ++cell;
    };
    add(tr("points"), points_);
    add(tr("max ‖Δ‖"), maxDelta_);
    add(tr("max η"), maxEta_);
    add(tr("decades"), decades_);
    add(tr("seed"), seed_);
    auto *exports = new QHBoxLayout;
    exports->setContentsMargins(0, 0, 0, 0);
    exports->addWidget(csv);
    exports->addWidget(png);
    settingsRow->addLayout(exports, 1, 4, 1, 2);
    settingsRow->setColumnStretch(6, 1);

    plot_ = new ContextPlot;
    landscape_ = new LandscapeView;
    landscape_->setObjectName(QStringLiteral("contextLandscape"));
    landscape_->setMinimumSize(200, 150);
    auto *split = new QSplitter(Qt::Horizontal);
    split->addWidget(plot_);
    split->addWidget(landscape_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({560, 560});

    // The morph controls under the landscape.
    branchChoice_ = new QComboBox;
    for (const reg::ContextBranch b :
         {reg::ContextBranch::A1, reg::ContextBranch::A2, reg::ContextBranch::B})
        branchChoice_->addItem(tr("perturb %1").arg(branchLabel(b)), int(b));
    branchChoice_->setToolTip(tr("The part of the context the landscape's ‖Δ‖ slider changes"));
    slider_ = new QSlider(Qt::Horizontal);
    slider_->setObjectName(QStringLiteral("contextSlider"));
    slider_->setRange(0, kSliderSteps);
    slider_->setValue(kSliderSteps / 4); // a change one can see from the start
    slider_->setToolTip(tr("‖Δ‖: the landscape of the perturbed problem morphs as it moves"));
    deltaLabel_ = new QLabel;
    deltaLabel_->setMinimumWidth(120);
    deltaLabel_->setWordWrap(true);
    auto *morphRow = new QHBoxLayout;
    morphRow->setContentsMargins(6, 0, 6, 0);
    morphRow->addWidget(branchChoice_);
    morphRow->addWidget(new QLabel(tr("‖Δ‖")));
    morphRow->addWidget(slider_, 1);
    morphRow->addWidget(deltaLabel_);
    auto *landscapePng = new QPushButton(tr("Landscape PNG…"));
    connect(landscapePng, &QPushButton::clicked, this, [this] {
        exportWithDialog(tr("PNG image (*.png)"),
                         [this](const QString &p) { exportLandscapePng(p); });
    });
    morphRow->addWidget(landscapePng);

    summary_ = new QLabel;
    summary_->setObjectName(QStringLiteral("contextSummary"));
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_ = new QLabel;
    status_->setObjectName(QStringLiteral("contextStatus"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(settingsRow);
    layout->addWidget(split, 1);
    layout->addLayout(morphRow);
    layout->addWidget(summary_);
    layout->addWidget(status_);

    controlsFromSettings();
    for (QSpinBox *s : {points_, seed_})
        connect(s, &QSpinBox::valueChanged, this, &ContextPanel::settingsFromControls);
    for (QDoubleSpinBox *s : {maxDelta_, maxEta_, decades_})
        connect(s, &QDoubleSpinBox::valueChanged, this, &ContextPanel::settingsFromControls);
    connect(branchChoice_, &QComboBox::currentIndexChanged, this, [this](int) {
        if (!updatingControls_)
            setMorphBranch(reg::ContextBranch(branchChoice_->currentData().toInt()));
    });
    connect(slider_, &QSlider::valueChanged, this, [this](int) {
        if (updatingControls_)
            return;
        plot_->setCursor(morphDelta());
        frameDirty_ = true;
        startMorph();
    });

    connect(landscape_, &VtkView::frameRendered, this, [this] {
        if (awaitingFrame_) {
            awaitingFrame_ = false;
            updateReady();
        }
    });
    connect(sweepJobs_, &JobRunner::failed, this, [this](const QString &, const QString &why) {
        // No curves for this problem and point: say why, and draw nothing stale.
        sweepPending_ = false;
        frameDirty_ = false;
        result_.reset();
        frame_.reset();
        plot_->setCurves({});
        summary_->clear();
        setStatus(tr("Could not compute the in-context response: %1").arg(why), true);
        updateReady();
    });
    connect(morphJobs_, &JobRunner::failed, this, [this](const QString &, const QString &why) {
        morphPending_ = false;
        setStatus(tr("Could not compute the perturbed landscape: %1").arg(why), true);
        updateReady();
    });
    setStatus(tr("The response of the matrix attention regression to a change of its context."));
}

ContextPanel::~ContextPanel() = default;

void ContextPanel::controlsFromSettings() {
    updatingControls_ = true;
    points_->setValue(int(settings_.points));
    maxDelta_->setValue(settings_.maxDelta);
    maxEta_->setValue(settings_.maxEta);
    decades_->setValue(settings_.decades);
    seed_->setValue(int(settings_.seed));
    branchChoice_->setCurrentIndex(branchChoice_->findData(int(branch_)));
    updatingControls_ = false;
}

void ContextPanel::settingsFromControls() {
    if (updatingControls_)
        return;
    ContextSettings s = settings_;
    s.points = points_->value();
    s.maxDelta = maxDelta_->value();
    s.maxEta = maxEta_->value();
    s.decades = decades_->value();
    s.seed = std::uint64_t(seed_->value());
    setSettings(s);
}

void ContextPanel::setSettings(const ContextSettings &settings) {
    const double delta = morphDelta();
    settings_ = settings;
    controlsFromSettings();
    // The slider keeps its ‖Δ‖ where the new range allows.
    updatingControls_ = true;
    slider_->setValue(
        int(std::lround(std::clamp(delta / settings_.maxDelta, 0.0, 1.0) * kSliderSteps)));
    updatingControls_ = false;
    plot_->setCursor(morphDelta());
    dirty_ = true;
    startSweep();
}

void ContextPanel::setMorphBranch(reg::ContextBranch branch) {
    if (branch == reg::ContextBranch::GradientStep)
        throw std::invalid_argument("ContextPanel: the landscape morphs along A1, A2 or B");
    branch_ = branch;
    controlsFromSettings();
    frameDirty_ = true;
    startMorph();
}

void ContextPanel::setMorphDelta(double delta) {
    updatingControls_ = true;
    slider_->setValue(
        int(std::lround(std::clamp(delta / settings_.maxDelta, 0.0, 1.0) * kSliderSteps)));
    updatingControls_ = false;
    plot_->setCursor(morphDelta());
    frameDirty_ = true;
    startMorph();
}

double ContextPanel::morphDelta() const {
    return settings_.maxDelta * double(slider_->value()) / double(kSliderSteps);
}

void ContextPanel::setSource(std::shared_ptr<const reg::Problem> problem, const reg::Vector &x) {
    problem_ = std::dynamic_pointer_cast<const reg::MatrixProblem>(problem);
    x_ = x;
    sourceNote_.clear();
    if (!problem_) {
        sweepJobs_->cancel();
        morphJobs_->cancel();
        sweepPending_ = morphPending_ = awaitingFrame_ = false;
        result_.reset();
        frame_.reset();
        plot_->setCurves({});
        summary_->clear();
        sourceNote_ = tr("The in-context response is defined for the matrix attention "
                         "problems: choose matrix_normalized or matrix_rescaled in the problem "
                         "panel (or open such an instance).");
        setStatus(sourceNote_);
        dirty_ = false;
        frameDirty_ = false;
        updateReady();
        return;
    }
    dirty_ = true;
    startSweep();
}

void ContextPanel::setActive(bool active) {
    active_ = active;
    startSweep();
    startMorph();
    updateReady();
}

void ContextPanel::startSweep() {
    if (!active_ || !dirty_ || !problem_) {
        updateReady();
        return;
    }
    dirty_ = false;
    frameDirty_ = true;
    const auto problem = problem_;
    const reg::Vector x = x_;
    const ContextSettings settings = settings_;
    setStatus(tr("Sweeping ‖Δ‖ and η…"));
    sweepPending_ = true;
    sweepJobs_->start(
        tr("In-context response"),
        [problem, x, settings](JobContext &context) {
            return workbench::computeContext(
                problem, x, settings, context.cancelFlag(), [&](double f) {
                    context.setProgress(f);
                });
        },
        [this](std::shared_ptr<const ContextResult> result) {
            sweepPending_ = false;
            if (result)
                applyResult(std::move(result));
            updateReady();
        });
    updateReady();
}

void ContextPanel::startMorph() {
    if (!active_ || !frameDirty_ || sweepPending_) {
        updateReady();
        return;
    }
    frameDirty_ = false;
    if (!result_) {
        updateReady();
        return;
    }
    const auto result = result_;
    const reg::ContextBranch branch = branch_;
    const double delta = morphDelta();
    morphPending_ = true;
    morphJobs_->start(
        tr("Perturbed landscape"),
        [result, branch, delta](JobContext &context) {
            return workbench::computeMorph(*result, branch, delta, context.cancelFlag());
        },
        [this](std::shared_ptr<const MorphFrame> frame) {
            morphPending_ = false;
            if (frame)
                applyFrame(std::move(frame));
            updateReady();
        });
    updateReady();
}

void ContextPanel::applyResult(std::shared_ptr<const ContextResult> result) {
    result_ = std::move(result);
    const reg::ContextResponse &r = result_->response;
    std::vector<ContextPlotCurve> curves;
    QStringList lines;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const reg::ContextCurve &c : r.curves) {
        ContextPlotCurve pc;
        pc.name = branchLabel(c.branch);
        pc.colour = ContextPlot::branchColour(int(c.branch));
        for (const reg::ContextPoint &p : c.points) {
            pc.size.push_back(p.size);
            pc.loss.push_back(std::abs(p.lossChange));
            pc.predictedLoss.push_back(std::abs(p.predictedLossChange));
            pc.grad.push_back(p.gradChange);
            pc.predictedGrad.push_back(p.predictedGradChange);
            pc.minimiser.push_back(p.minimiserChange.value_or(nan));
            pc.predictedMinimiser.push_back(p.predictedMinimiserChange.value_or(nan));
        }
        pc.linearEnd = int(c.linearEnd);
        pc.stopped = c.stop != reg::ContextStop::Completed;
        pc.stopText = QString::fromStdString(c.message);
        curves.push_back(std::move(pc));

        // One line per branch: the slopes the ratios tend to, and where linearity ends.
        QString line = tr("<b>%1</b>: |ΔL|/size → %2, ‖Δ∇L‖/size → %3")
                           .arg(branchLabel(c.branch), fmt(c.lossSlope), fmt(c.gradSlope));
        if (c.minimiserSlope)
            line += tr(", ‖ΔX*‖/‖Δ‖ → %1").arg(fmt(*c.minimiserSlope));
        if (c.linearEnd == 0)
            line += tr("; not linear even at the smallest size");
        else if (c.linearEnd < c.points.size())
            line += tr("; linear up to size %1").arg(fmt(c.points[c.linearEnd - 1].size));
        else if (!c.points.empty())
            line += tr("; linear over the whole sweep");
        if (c.stop != reg::ContextStop::Completed)
            line += tr("; <span style='color:#ff7a66'>stopped: %1</span>")
                        .arg(QString::fromStdString(c.message).toHtmlEscaped());
        lines << line;
    }
    plot_->setCurves(std::move(curves));
    plot_->setCursor(morphDelta());
    summary_->setText(lines.join(QStringLiteral("<br>")));
    QString status = tr("L(X) = %1, ‖∇L(X)‖ = %2, η up to %3.")
                         .arg(fmt(r.loss), fmt(r.gradient.norm()), fmt(r.maxEta));
    if (r.minimiser)
        status += tr(" X* found (λ_min = %1); the landscape is sliced through it.")
                      .arg(fmt(r.minimiserLambdaMin));
    else
        status += QStringLiteral(" ") + QString::fromStdString(r.minimiserMessage);
    setStatus(status, false);
    qCDebug(lcRegression) << "context sweep shown:" << r.curves.size() << "curves";
    frameDirty_ = true;
    startMorph();
}

void ContextPanel::applyFrame(std::shared_ptr<const MorphFrame> frame) {
    frame_ = std::move(frame);
    QString text = tr("‖Δ_%1‖ = %2").arg(branchLabel(frame_->branch), fmt(frame_->delta));
    if (frame_->hasNew)
        text += tr(", ‖X*(Δ) − X*‖ = %1").arg(fmt(frame_->minimiserShift));
    deltaLabel_->setText(text);
    if (!frame_->message.empty())
        setStatus(QString::fromStdString(frame_->message), !frame_->landscape);
    if (!frame_->landscape) {
        updateReady();
        return;
    }
    const reg::Landscape &L = *frame_->landscape;
    LandscapeScene scene;
    scene.s.assign(L.s.data(), L.s.data() + L.s.size());
    scene.t.assign(L.t.data(), L.t.data() + L.t.size());
    const std::size_t cols = scene.s.size(), rows = scene.t.size();
    scene.loss.resize(cols * rows);
    scene.finite.resize(cols * rows);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) {
            const std::size_t i = r * cols + c;
            scene.loss[i] = L.loss(reg::Index(r), reg::Index(c));
            scene.finite[i] = L.status[i] == reg::EvalStatus::Ok ? 1 : 0;
        }
    const auto point = [&](std::size_t k, double planeLoss) {
        const reg::PathPoint &pp = L.path[k];
        LandscapeScenePoint q;
        q.s = pp.s;
        q.t = pp.t;
        q.loss = pp.loss;
        q.finite = pp.status == reg::EvalStatus::Ok;
        q.distance = pp.distance;
        q.planeLoss = planeLoss;
        return q;
    };
    if (frame_->hasOld)
        scene.paths.push_back({tr("X* (before)"), kOldMinimiser, {point(0, frame_->oldPlaneLoss)}});
    if (frame_->hasNew)
        scene.paths.push_back(
            {tr("X*(Δ) (after)"), kNewMinimiser, {point(1, frame_->newPlaneLoss)}});
    scene.offPlaneTolerance = 1e-6 * L.directions.scale;
    const bool moving = result_ && result_->response.minimiser &&
                        result_->slice(frame_->branch).note.rfind("u: the minimiser", 0) == 0;
    scene.sTitle = moving ? tr("s (X* motion dir.)") : tr("s (lambda_min dir.)");
    scene.tTitle = moving ? tr("t (lambda_min dir.)") : tr("t (lambda_max dir.)");
    // The camera stays put while the slider moves: only the surface and X*(Δ) change.
    landscape_->setScene(scene, hasShownScene_);
    hasShownScene_ = true;
    if (landscape_->isVisible() && landscape_->isInitialized()) {
        awaitingFrame_ = true;
        landscape_->requestRender();
    }
    updateReady();
}

bool ContextPanel::isReady() const {
    if (!active_ || !problem_)
        return true;
    return !dirty_ && !frameDirty_ && !sweepPending_ && !morphPending_ && !awaitingFrame_;
}

void ContextPanel::updateReady() {
    const bool now = isReady();
    if (now && !wasReady_) {
        wasReady_ = true;
        Q_EMIT ready();
    } else if (!now) {
        wasReady_ = false;
    }
}

QString ContextPanel::statusText() const {
    return status_->text();
}

void ContextPanel::setStatus(const QString &text, bool error) {
    status_->setText(text);
    status_->setStyleSheet(error ? QStringLiteral("color: #ff7a66;") : QString());
    if (!text.isEmpty())
        Q_EMIT statusMessage(text);
}

void ContextPanel::exportCsv(const QString &path) const {
    if (!result_)
        throw mowe::WriteError("cannot export the in-context curves to '" + path.toStdString() +
                               "': none have been computed yet (show the In-context tab on a "
                               "matrix problem)");
    mowe::writeFileAtomically(QFile::encodeName(path).toStdString(),
                              reg::contextCsv(result_->response));
}

void ContextPanel::exportPlotPng(const QString &path) {
    if (!result_)
        throw mowe::WriteError("cannot export the in-context curves to '" + path.toStdString() +
                               "': none have been computed yet");
    Workspace::writePng(plot_->grab().toImage(), path);
}

void ContextPanel::exportLandscapePng(const QString &path) {
    if (!frame_ || !frame_->landscape)
        throw mowe::WriteError("cannot export the perturbed landscape to '" + path.toStdString() +
                               "': none is on screen");
    landscape_->saveImage(path);
}

void ContextPanel::exportWithDialog(const QString &filter,
                                    const std::function<void(const QString &)> &write) {
    const QString path = Workspace::exportWithDialog(this, filter, write);
    if (!path.isEmpty())
        setStatus(tr("Exported to %1").arg(QDir::toNativeSeparators(path)));
}

} // namespace mowe::ui
