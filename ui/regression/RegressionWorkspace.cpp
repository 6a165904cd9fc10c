#include "regression/RegressionWorkspace.h"

#include "JobRunner.h"
#include "Log.h"
#include "common/atomic_file.h"
#include "regression/ContextPanel.h"
#include "regression/ConvergencePlot.h"
#include "vtk/LandscapeView.h"
#include "vtk/SpectrumView.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScrollArea>
#include <QShortcut>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace mowe::ui {

namespace reg = mowe::regression;
using workbench::WorkbenchResult;
using workbench::WorkbenchSettings;

namespace {

// Parameter edits arrive in bursts (typing "64" is two edits); one job per burst.
constexpr int kDebounceMs = 150;
constexpr int kPlaybackMs = 450;
const QColor kRunColours[2] = {QColor(40, 220, 90), QColor(235, 70, 235)};

// Solver choices in the combo boxes: index ↔ method.
const reg::Method kMethods[] = {reg::Method::Exact,
                                reg::Method::Damped,
                                reg::Method::Approx,
                                reg::Method::GradientFixed,
                                reg::Method::GradientBacktracking};
const char *const kMethodLabels[] = {"Newton (exact)",
                                     "Newton (damped: Armijo + Levenberg)",
                                     "Approximate Newton (sampled)",
                                     "Gradient descent (fixed step)",
                                     "Gradient descent (backtracking)"};
const double kClipQuantiles[] = {1.0, 0.99, 0.95, 0.9, 0.75};

int methodIndex(reg::Method m) {
    for (int i = 0; i < 5; ++i)
        if (kMethods[i] == m)
            return i;
    return 0;
}

QString fmt(double v) {
    return std::isfinite(v) ? QString::number(v, 'g', 6) : QStringLiteral("—");
}

QTableWidgetItem *numberItem(double v) {
    auto *item = new QTableWidgetItem(fmt(v));
    item->setData(Qt::UserRole, v);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QTableWidgetItem *textItem(const QString &text) {
    auto *item = new QTableWidgetItem(text);
    item->setData(Qt::UserRole, text);
    return item;
}

QString str(std::string_view s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

} // namespace

RegressionWorkspace::RegressionWorkspace(QWidget *parent, bool autoStart)
    : Workspace(parent)
    , jobs_(new JobRunner(this))
    , debounce_(new QTimer(this))
    , player_(new QTimer(this)) {
    setAcceptDrops(true);
    debounce_->setSingleShot(true);
    debounce_->setInterval(kDebounceMs);
    connect(debounce_, &QTimer::timeout, this, &RegressionWorkspace::compute);
    player_->setInterval(kPlaybackMs);
    connect(player_, &QTimer::timeout, this, [this] {
        const auto *runs = result_ ? &result_->runs : nullptr;
        if (!runs || runs->empty()) {
            setPlaying(false);
            return;
        }
        const int last = int((*runs)[std::size_t(selectedRun_)]->summary.iterates.size()) - 1;
        if (selectedIterate_ >= last) {
            setPlaying(false);
            return;
        }
        selectIterate(selectedRun_, selectedIterate_ + 1);
    });

    // Panel on the left, views on the right.
    auto *panel = new QWidget;
    buildPanel(panel);
    auto *scroll = new QScrollArea;
    scroll->setWidget(panel);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(180);
    scroll->setMaximumWidth(panel->sizeHint().width() + 40);

    landscape_ = new LandscapeView;
    landscape_->setObjectName(QStringLiteral("landscapeView"));
    landscape_->setMinimumSize(200, 150);
    spectrum_ = new SpectrumView;
    spectrum_->setObjectName(QStringLiteral("spectrumView"));
    spectrum_->setMinimumSize(140, 110);
    spectrumInfo_ = new QLabel;
    spectrumInfo_->setObjectName(QStringLiteral("spectrumInfo"));
    spectrumInfo_->setWordWrap(true);
    spectrumInfo_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *spectrumBox = new QWidget;
    auto *spectrumLayout = new QVBoxLayout(spectrumBox);
    spectrumLayout->setContentsMargins(0, 0, 0, 0);
    spectrumLayout->addWidget(spectrum_, 1);
    spectrumLayout->addWidget(spectrumInfo_);

    convergence_ = new ConvergencePlot;
    table_ = new QTableWidget(0, ColumnCount);
    table_->setObjectName(QStringLiteral("iterateTable"));
    table_->setHorizontalHeaderLabels({tr("t"),
                                       tr("step"),
                                       tr("loss"),
                                       tr("‖∇L‖"),
                                       tr("‖x_t − x*‖"),
                                       tr("ε₀"),
                                       tr("step length"),
                                       tr("shift μ"),
                                       tr("λ_min"),
                                       tr("λ_max")});
    table_->verticalHeader()->setVisible(false);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    connect(table_, &QTableWidget::currentCellChanged, this, [this](int row, int, int, int) {
        if (row >= 0 && row != selectedIterate_)
            selectIterate(selectedRun_, row);
    });
    connect(convergence_, &ConvergencePlot::iterateClicked, this, [this](int t) {
        selectIterate(selectedRun_, t);
    });

    auto *top = new QSplitter(Qt::Horizontal);
    top->addWidget(landscape_);
    top->addWidget(spectrumBox);
    top->setStretchFactor(0, 3);
    top->setStretchFactor(1, 2);
    top->setSizes({600, 400});
    auto *bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(convergence_);
    bottom->addWidget(table_);
    bottom->setStretchFactor(0, 1);
    bottom->setStretchFactor(1, 1);
    auto *vertical = new QSplitter(Qt::Vertical);
    vertical->addWidget(top);
    vertical->addWidget(bottom);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 2);

    // Playback bar.
    playButton_ = new QPushButton(tr("Play"));
    playButton_->setCheckable(true);
    playButton_->setToolTip(tr("Step through the iterates (Space)"));
    connect(playButton_, &QPushButton::toggled, this, &RegressionWorkspace::setPlaying);
    slider_ = new QSlider(Qt::Horizontal);
    slider_->setObjectName(QStringLiteral("iterateSlider"));
    connect(slider_, &QSlider::valueChanged, this, [this](int t) {
        if (t != selectedIterate_)
            selectIterate(selectedRun_, t);
    });
    iterateLabel_ = new QLabel;
    runChoice_ = new QComboBox;
    runChoice_->setToolTip(tr("The run whose iterates the table, spectrum and playback follow"));
    connect(runChoice_, &QComboBox::currentIndexChanged, this, [this](int run) {
        if (run >= 0 && run != selectedRun_)
            selectIterate(run, selectedIterate_);
    });
    auto *recentre = new QPushButton(tr("Re-centre slice here"));
    recentre->setToolTip(tr("Centre the landscape slice on the selected iterate"));
    connect(recentre, &QPushButton::clicked, this, &RegressionWorkspace::recenterOnSelected);
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(6, 2, 6, 2);
    bar->addWidget(playButton_);
    bar->addWidget(slider_, 1);
    bar->addWidget(iterateLabel_);
    bar->addWidget(runChoice_);
    bar->addWidget(recentre);

    auto *viewsArea = new QWidget;
    auto *viewsLayout = new QVBoxLayout(viewsArea);
    viewsLayout->setContentsMargins(0, 0, 0, 0);
    viewsLayout->setSpacing(0);
    // The solver views and the in-context response (issue 9) share the area as two tabs.
    context_ = new ContextPanel;
    tabs_ = new QTabWidget;
    tabs_->setObjectName(QStringLiteral("regressionTabs"));
    tabs_->setDocumentMode(true);
    tabs_->addTab(vertical, tr("Solvers"));
    tabs_->addTab(context_, tr("In-context response"));
    viewsLayout->addWidget(tabs_, 1);
    viewsLayout->addLayout(bar);
    const auto tabShown = [this, bar](int index) {
        const bool solvers = index == 0;
        for (int i = 0; i < bar->count(); ++i)
            if (QWidget *w = bar->itemAt(i)->widget())
                w->setVisible(solvers); // playback follows the solver runs only
        context_->setActive(!solvers);
    };
    connect(tabs_, &QTabWidget::currentChanged, this, tabShown);
    connect(context_, &ContextPanel::ready, this, [this] {
        if (isReady())
            Q_EMIT this->ready();
    });
    // The in-context tab's messages reach the status bar only while that tab is shown.
    connect(context_, &ContextPanel::statusMessage, this, [this](const QString &message) {
        if (context_->isActive())
            Q_EMIT statusMessage(message);
    });

    // Playback keys live on the views area so that the panel's spin boxes keep their arrows.
    auto shortcut = [&](QKeySequence key, auto slot) {
        auto *s = new QShortcut(key, viewsArea);
        s->setContext(Qt::WidgetWithChildrenShortcut);
        connect(s, &QShortcut::activated, this, slot);
    };
    shortcut(QKeySequence(Qt::Key_Space), [this] { setPlaying(!isPlaying()); });
    shortcut(QKeySequence(Qt::Key_Right),
             [this] { selectIterate(selectedRun_, selectedIterate_ + 1); });
    shortcut(QKeySequence(Qt::Key_Left),
             [this] { selectIterate(selectedRun_, selectedIterate_ - 1); });
    shortcut(QKeySequence(Qt::Key_Home), [this] { selectIterate(selectedRun_, 0); });
    shortcut(QKeySequence(Qt::Key_End),
             [this] { selectIterate(selectedRun_, std::numeric_limits<int>::max()); });
    connect(landscape_, &PlotView::screenshotRequested, this, [this] {
        screenshotView(View::Landscape);
    });
    connect(spectrum_, &PlotView::screenshotRequested, this, [this] {
        screenshotView(View::Spectrum);
    });

    // A splitter, not a fixed panel: the window stays usable (and screenshots exact) down to
    // 800 pixels wide, and the panel gets its natural width when there is room.
    auto *split = new QSplitter(Qt::Horizontal);
    split->addWidget(scroll);
    split->addWidget(viewsArea);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setCollapsible(1, false);
    split->setSizes({panel->sizeHint().width() + 24, 1200});
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(split);

    // A frame of the landscape after a new scene is what "drawn" means for ready().
    connect(landscape_, &VtkView::frameRendered, this, [this] {
        if (awaitingFrame_ && !jobs_->isBusy()) {
            awaitingFrame_ = false;
            setReady(true);
        }
    });
    connect(jobs_, &JobRunner::progressChanged, this, [this](double, const QString &text) {
        if (!text.isEmpty())
            status_->setText(text);
    });
    connect(jobs_, &JobRunner::failed, this, [this](const QString &, const QString &message) {
        setStatus(tr("Could not compute: %1. The previous result stays on screen.").arg(message),
                  true);
        if (!debounce_->isActive())
            setReady(true);
    });
    connect(jobs_, &JobRunner::cancelled, this, [this](const QString &) {
        // A cancel by scheduleCompute() is followed by a new job: not an end state.
        if (!jobs_->isBusy() && !debounce_->isActive()) {
            setStatus(tr("Cancelled. The previous result stays on screen."));
            setReady(true);
        }
    });

    panelFromSettings();
    setStatus(tr("Ready."));
    if (autoStart)
        compute();
}

RegressionWorkspace::~RegressionWorkspace() = default;

VtkView *RegressionWorkspace::view() const {
    return landscape_;
}

void RegressionWorkspace::buildPanel(QWidget *panel) {
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(8, 8, 8, 8);

    // The instance.
    auto *instanceBox = new QGroupBox(tr("Instance"));
    auto *form = new QFormLayout(instanceBox);
    problem_ = new QComboBox;
    for (reg::ProblemKind k : reg::allProblemKinds())
        problem_->addItem(str(reg::problemName(k)), int(k));
    problem_->setToolTip(tr("softmax_normalized ½‖softmax(Ax) − b‖²; softmax_rescaled "
                            "½‖exp(Ax) − ⟨exp(Ax),1⟩b‖²; softmax_relu ½‖softmax(ReLU(Ax)) − b‖² "
                            "(ReLU'(0) = 0); relu_normalized ½‖ReLU(Ax)/⟨ReLU(Ax),1⟩ − b‖²; "
                            "matrix_* attention regression over X ∈ R^{d×d} (row-major vec). "
                            "Every loss adds ½‖W·Ax‖²."));
    n_ = new QSpinBox;
    n_->setRange(1, 100000);
    d_ = new QSpinBox;
    d_->setRange(1, 1000);
    seed_ = new QSpinBox;
    seed_->setRange(0, 1000000);
    autoW_ = new QCheckBox(tr("automatic (PD Hessian)"));
    w_ = new QDoubleSpinBox;
    w_->setDecimals(6);
    w_->setRange(0.0, 1000.0);
    w_->setSingleStep(0.01);
    instanceLabel_ = new QLabel;
    instanceLabel_->setWordWrap(true);
    auto *open = new QPushButton(tr("Open instance…"));
    open->setToolTip(tr("An instance JSON (mowe-cli regress generate); you can also drop one "
                        "onto the workbench"));
    connect(open, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open regression instance"), QDir::homePath(), openFilters().join(";;"));
        if (path.isEmpty())
            return;
        QString error;
        if (!openFile(path, &error))
            QMessageBox::warning(this, tr("Cannot open instance"), error);
    });
    auto *generate = new QPushButton(tr("Use generated"));
    generate->setToolTip(tr("Go back to the generated instance defined above"));
    connect(generate, &QPushButton::clicked, this, [this] {
        WorkbenchSettings s = settings_;
        s.instance.reset();
        instanceSource_.clear();
        setSettings(s);
    });
    form->addRow(tr("Problem"), problem_);
    form->addRow(tr("n (rows)"), n_);
    form->addRow(tr("d"), d_);
    form->addRow(tr("Seed"), seed_);
    form->addRow(tr("Regulariser w"), autoW_);
    form->addRow(QString(), w_);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(open);
    buttons->addWidget(generate);
    form->addRow(buttons);
    form->addRow(instanceLabel_);
    layout->addWidget(instanceBox);

    // The solvers.
    auto *solverBox = new QGroupBox(tr("Solvers"));
    auto *sform = new QFormLayout(solverBox);
    solverA_ = new QComboBox;
    solverB_ = new QComboBox;
    solverB_->addItem(tr("none"));
    for (const char *label : kMethodLabels) {
        solverA_->addItem(tr(label));
        solverB_->addItem(tr(label));
    }
    samplesA_ = new QSpinBox;
    samplesA_->setRange(0, 10000000);
    samplesA_->setSpecialValueText(tr("auto (4p ln(p+1))"));
    samplesB_ = new QSpinBox;
    samplesB_->setRange(0, 10000000);
    samplesB_->setSpecialValueText(tr("auto (4p ln(p+1))"));
    gdStep_ = new QDoubleSpinBox;
    gdStep_->setDecimals(6);
    gdStep_->setRange(0.0, 1e6);
    gdStep_->setSpecialValueText(tr("auto (1/|λ|max)"));
    start_ = new QComboBox;
    start_->addItem(tr("instance's x"), int(workbench::StartKind::Instance));
    start_->addItem(tr("zero"), int(workbench::StartKind::Zero));
    start_->addItem(tr("random"), int(workbench::StartKind::Random));
    start_->addItem(tr("near the optimum"), int(workbench::StartKind::NearOptimum));
    maxIter_ = new QSpinBox;
    maxIter_->setRange(0, 10000);
    sform->addRow(tr("Run A"), solverA_);
    sform->addRow(tr("  samples s"), samplesA_);
    sform->addRow(tr("Run B"), solverB_);
    sform->addRow(tr("  samples s"), samplesB_);
    sform->addRow(tr("GD step η"), gdStep_);
    sform->addRow(tr("Start"), start_);
    sform->addRow(tr("Max iterations"), maxIter_);
    layout->addWidget(solverBox);

    // The slice.
    auto *sliceBox = new QGroupBox(tr("Slice"));
    auto *lform = new QFormLayout(sliceBox);
    directions_ = new QComboBox;
    directions_->addItem(tr("Hessian eigenvectors (λmin, λmax)"), int(reg::DirectionKind::Eigen));
    directions_->addItem(tr("random"), int(reg::DirectionKind::Random));
    directions_->addItem(tr("PCA of the paths"), int(reg::DirectionKind::Pca));
    grid_ = new QSpinBox;
    grid_->setRange(11, int(reg::kMaxLandscapeGrid));
    span_ = new QDoubleSpinBox;
    span_->setRange(0.01, 100.0);
    span_->setSingleStep(0.25);
    auto *centreLast = new QPushButton(tr("Centre on the last iterate"));
    connect(centreLast, &QPushButton::clicked, this, [this] {
        WorkbenchSettings s = settings_;
        s.centerRun = 0;
        s.centerIterate = -1;
        setSettings(s);
    });
    lform->addRow(tr("Directions"), directions_);
    lform->addRow(tr("Grid"), grid_);
    lform->addRow(tr("Span"), span_);
    lform->addRow(centreLast);
    layout->addWidget(sliceBox);

    // Display (no recomputation).
    auto *displayBox = new QGroupBox(tr("Display"));
    auto *dform = new QFormLayout(displayBox);
    logScale_ = new QCheckBox(tr("log₁₀ loss"));
    clip_ = new QComboBox;
    clip_->addItems({tr("no clipping"),
                     tr("clip above 99 %"),
                     tr("clip above 95 %"),
                     tr("clip above 90 %"),
                     tr("clip above 75 %")});
    contours_ = new QSpinBox;
    contours_->setRange(0, 60);
    spectrumMode_ = new QComboBox;
    spectrumMode_->addItems({tr("stem plot (selected iterate)"), tr("waterfall (all iterates)")});
    logMagnitude_ = new QCheckBox(tr("log magnitude"));
    dform->addRow(tr("Landscape"), logScale_);
    dform->addRow(tr("Clipping"), clip_);
    dform->addRow(tr("Contours"), contours_);
    dform->addRow(tr("Spectrum"), spectrumMode_);
    dform->addRow(QString(), logMagnitude_);
    layout->addWidget(displayBox);

    // Export.
    auto *exportButton = new QToolButton;
    exportButton->setText(tr("Export"));
    exportButton->setPopupMode(QToolButton::InstantPopup);
    exportButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    auto *menu = new QMenu(exportButton);
    const QString png = tr("PNG image (*.png)");
    menu->addAction(tr("Landscape view as PNG…"), this, [this, png] {
        exportWithDialog(png, [this](const QString &p) { exportViewPng(View::Landscape, p); });
    });
    menu->addAction(tr("Spectrum view as PNG…"), this, [this, png] {
        exportWithDialog(png, [this](const QString &p) { exportViewPng(View::Spectrum, p); });
    });
    menu->addAction(tr("Convergence plot as PNG…"), this, [this, png] {
        exportWithDialog(png, [this](const QString &p) { exportViewPng(View::Convergence, p); });
    });
    menu->addAction(tr("Surface and paths for ParaView (.vtp)…"), this, [this] {
        exportWithDialog(tr("VTK PolyData (*.vtp)"), [this](const QString &p) { exportVtp(p); });
    });
    menu->addAction(tr("Iterates as CSV…"), this, [this] {
        exportWithDialog(tr("CSV (*.csv)"), [this](const QString &p) { exportIteratesCsv(p); });
    });
    menu->addAction(tr("Spectra as CSV…"), this, [this] {
        exportWithDialog(tr("CSV (*.csv)"), [this](const QString &p) { exportSpectraCsv(p); });
    });
    menu->addAction(tr("In-context curves as CSV…"), this, [this] {
        exportWithDialog(tr("CSV (*.csv)"), [this](const QString &p) { context_->exportCsv(p); });
    });
    menu->addAction(tr("In-context curves as PNG…"), this, [this, png] {
        exportWithDialog(png, [this](const QString &p) { context_->exportPlotPng(p); });
    });
    menu->addAction(tr("Instance JSON…"), this, [this] {
        exportWithDialog(tr("Instance JSON (*.json)"),
                         [this](const QString &p) { exportInstance(p); });
    });
    exportButton->setMenu(menu);
    auto *cancel = new QPushButton(tr("Cancel"));
    cancel->setToolTip(tr("Stop the running computation (the previous result stays)"));
    connect(cancel, &QPushButton::clicked, this, [this] { jobs_->cancel(); });
    auto *row = new QHBoxLayout;
    row->addWidget(exportButton);
    row->addWidget(cancel);
    layout->addLayout(row);

    status_ = new QLabel;
    status_->setObjectName(QStringLiteral("regressionStatus"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_->setMinimumWidth(150);
    layout->addWidget(status_);
    layout->addStretch(1);

    // Every setting control recomputes (debounced); display controls only redraw.
    auto changed = [this] {
        if (!updatingPanel_)
            settingsFromPanel();
    };
    for (QComboBox *c : {problem_, solverA_, solverB_, start_, directions_})
        connect(c, &QComboBox::currentIndexChanged, this, changed);
    for (QSpinBox *s : {n_, d_, seed_, samplesA_, samplesB_, maxIter_, grid_})
        connect(s, &QSpinBox::valueChanged, this, changed);
    for (QDoubleSpinBox *s : {w_, gdStep_, span_})
        connect(s, &QDoubleSpinBox::valueChanged, this, changed);
    connect(autoW_, &QCheckBox::toggled, this, changed);
    auto displayChanged = [this] {
        if (updatingPanel_)
            return;
        Display v;
        v.logScale = logScale_->isChecked();
        v.clipQuantile = kClipQuantiles[std::max(0, clip_->currentIndex())];
        v.contourLevels = contours_->value();
        v.waterfall = spectrumMode_->currentIndex() == 1;
        v.logMagnitude = logMagnitude_->isChecked();
        setDisplay(v);
    };
    for (QCheckBox *c : {logScale_, logMagnitude_})
        connect(c, &QCheckBox::toggled, this, displayChanged);
    for (QComboBox *c : {clip_, spectrumMode_})
        connect(c, &QComboBox::currentIndexChanged, this, displayChanged);
    connect(contours_, &QSpinBox::valueChanged, this, displayChanged);
}

void RegressionWorkspace::panelFromSettings() {
    updatingPanel_ = true;
    const WorkbenchSettings &s = settings_;
    problem_->setCurrentIndex(problem_->findData(int(s.problem)));
    n_->setValue(int(s.n));
    d_->setValue(int(s.d));
    seed_->setValue(int(s.seed));
    autoW_->setChecked(!s.w.has_value());
    w_->setEnabled(s.w.has_value());
    if (s.w)
        w_->setValue(*s.w);
    solverA_->setCurrentIndex(methodIndex(s.solverA.method));
    samplesA_->setValue(int(s.solverA.samples));
    solverB_->setCurrentIndex(s.solverB ? 1 + methodIndex(s.solverB->method) : 0);
    samplesB_->setValue(s.solverB ? int(s.solverB->samples) : 0);
    gdStep_->setValue(s.solverA.gdStep);
    start_->setCurrentIndex(start_->findData(int(s.start)));
    maxIter_->setValue(s.maxIterations);
    directions_->setCurrentIndex(directions_->findData(int(s.directions)));
    grid_->setValue(int(s.grid));
    span_->setValue(s.span);
    logScale_->setChecked(display_.logScale);
    int clipIndex = 0;
    for (int i = 0; i < 5; ++i)
        if (std::abs(kClipQuantiles[i] - display_.clipQuantile) < 1e-9)
            clipIndex = i;
    clip_->setCurrentIndex(clipIndex);
    contours_->setValue(display_.contourLevels);
    spectrumMode_->setCurrentIndex(display_.waterfall ? 1 : 0);
    logMagnitude_->setChecked(display_.logMagnitude);
    // A generated instance's fields mean nothing while a file is open.
    for (QWidget *w : {static_cast<QWidget *>(problem_),
                       static_cast<QWidget *>(n_),
                       static_cast<QWidget *>(d_),
                       static_cast<QWidget *>(autoW_)})
        w->setEnabled(!s.instance);
    if (s.instance)
        w_->setEnabled(false);
    instanceLabel_->setText(s.instance
                                ? tr("Opened: %1 (%2, n = %3, d = %4)")
                                      .arg(QFileInfo(instanceSource_).fileName(),
                                           str(reg::problemName(s.instance->kind)))
                                      .arg(s.instance->n())
                                      .arg(s.instance->d())
                                : tr("Generated: b is the model's own output at a planted x."));
    updatingPanel_ = false;
}

void RegressionWorkspace::settingsFromPanel() {
    WorkbenchSettings s = settings_;
    s.problem = static_cast<reg::ProblemKind>(problem_->currentData().toInt());
    s.n = n_->value();
    s.d = d_->value();
    s.seed = std::uint64_t(seed_->value());
    w_->setEnabled(!autoW_->isChecked() && !s.instance);
    s.w = autoW_->isChecked() ? std::nullopt : std::optional<double>(w_->value());
    s.solverA.method = kMethods[std::max(0, solverA_->currentIndex())];
    s.solverA.samples = samplesA_->value();
    s.solverA.gdStep = gdStep_->value();
    if (solverB_->currentIndex() > 0) {
        workbench::SolverChoice b;
        b.method = kMethods[solverB_->currentIndex() - 1];
        b.samples = samplesB_->value();
        b.gdStep = gdStep_->value();
        s.solverB = b;
    } else {
        s.solverB.reset();
    }
    s.start = static_cast<workbench::StartKind>(start_->currentData().toInt());
    s.maxIterations = maxIter_->value();
    s.directions = static_cast<reg::DirectionKind>(directions_->currentData().toInt());
    s.grid = grid_->value();
    s.span = span_->value();
    settings_ = s;
    scheduleCompute();
}

void RegressionWorkspace::setSettings(const WorkbenchSettings &settings) {
    settings_ = settings;
    panelFromSettings();
    compute();
}

void RegressionWorkspace::setDisplay(const Display &display) {
    const bool landscapeChanged = display.logScale != display_.logScale ||
                                  display.clipQuantile != display_.clipQuantile ||
                                  display.contourLevels != display_.contourLevels;
    display_ = display;
    if (!updatingPanel_)
        panelFromSettings();
    if (!result_)
        return;
    if (landscapeChanged)
        redrawLandscape(true);
    redrawSpectrum();
}

void RegressionWorkspace::scheduleCompute() {
    // The running job's result would be for settings the user has left: drop it now, so the
    // status bar never shows a stale job while the debounce waits.
    if (jobs_->isBusy())
        jobs_->cancel();
    setReady(false);
    debounce_->start();
}

void RegressionWorkspace::compute() {
    debounce_->stop();
    setReady(false);
    const WorkbenchSettings settings = settings_;
    const std::shared_ptr<const WorkbenchResult> previous = result_;
    jobs_->start(
        tr("Regression workbench"),
        [settings, previous](JobContext &context) -> std::shared_ptr<const WorkbenchResult> {
            try {
                auto result = workbench::computeWorkbench(
                    settings, previous, context.cancelFlag(), [&](double f, const std::string &t) {
                        context.setProgress(f, QString::fromStdString(t));
                    });
                return std::make_shared<const WorkbenchResult>(std::move(result));
            } catch (const workbench::Cancelled &) {
                return nullptr; // dropped by the runner anyway
            }
        },
        [this](std::shared_ptr<const WorkbenchResult> result) {
            if (result)
                applyResult(std::move(result));
        });
}

void RegressionWorkspace::applyResult(std::shared_ptr<const WorkbenchResult> result) {
    const bool sameRuns = result_ && result_->runs == result->runs;
    result_ = std::move(result);
    ++resultCount_;
    if (!sameRuns) {
        selectedRun_ = 0;
        selectedIterate_ = 0;
    }
    runChoice_->blockSignals(true);
    runChoice_->clear();
    for (std::size_t r = 0; r < result_->runs.size(); ++r)
        runChoice_->addItem(tr("run %1: %2")
                                .arg(QChar(r == 0 ? 'A' : 'B'))
                                .arg(str(reg::methodName(result_->runs[r]->choice.method))));
    runChoice_->setCurrentIndex(selectedRun_);
    runChoice_->blockSignals(false);

    QStringList notes;
    for (const auto &note : result_->notes)
        notes << QString::fromStdString(note);
    if (!result_->xStarNote.empty())
        notes << QString::fromStdString(result_->xStarNote);
    setStatus(notes.join(QLatin1Char('\n')));

    redrawLandscape(sameRuns);
    context_->setSource(result_->problem, result_->start);
    fillConvergence();
    fillTable();
    syncSelection();
    qCDebug(lcRegression) << "result" << resultCount_ << "shown";
    // Drawn = the landscape rendered a frame with the new scene; a hidden view never paints,
    // so it counts as drawn once its scene is set.
    if (landscape_->isVisible() && landscape_->isInitialized()) {
        awaitingFrame_ = true;
        landscape_->requestRender();
    } else {
        setReady(true);
    }
}

void RegressionWorkspace::redrawLandscape(bool keepCamera) {
    if (!result_ || !result_->landscape)
        return;
    const reg::Landscape &L = *result_->landscape;
    LandscapeScene scene;
    scene.s.assign(L.s.data(), L.s.data() + L.s.size());
    scene.t.assign(L.t.data(), L.t.data() + L.t.size());
    const std::size_t cols = scene.s.size(), rows = scene.t.size();
    scene.loss.resize(cols * rows);
    scene.finite.resize(cols * rows);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c) {
            const std::size_t i = r * cols + c;
            scene.loss[i] = L.loss(reg::Index(r), reg::Index(c));
            scene.finite[i] = L.status[i] == reg::EvalStatus::Ok ? 1 : 0;
        }
    }
    std::size_t k = 0;
    for (std::size_t r = 0; r < result_->runs.size(); ++r) {
        LandscapeScenePath path;
        path.name = r == 0 ? QStringLiteral("A") : QStringLiteral("B");
        path.colour = kRunColours[r % 2];
        const auto &its = result_->runs[r]->summary.iterates;
        for (std::size_t i = 0; i < its.size(); ++i, ++k) {
            const reg::PathPoint &pp = L.path[k];
            LandscapeScenePoint q;
            q.s = pp.s;
            q.t = pp.t;
            q.loss = pp.loss;
            q.finite = pp.status == reg::EvalStatus::Ok;
            q.distance = pp.distance;
            q.planeLoss = result_->planeLoss[r][i];
            path.points.push_back(q);
        }
        scene.paths.push_back(std::move(path));
    }
    scene.logScale = display_.logScale;
    scene.clipQuantile = display_.clipQuantile;
    scene.contourLevels = display_.contourLevels;
    scene.offPlaneTolerance = 1e-6 * L.directions.scale;
    const QString dirName = str(reg::directionKindName(L.directions.kind));
    scene.sTitle = dirName == QLatin1String("eigen") ? tr("s (lambda_min dir.)") : tr("s");
    scene.tTitle = dirName == QLatin1String("eigen") ? tr("t (lambda_max dir.)") : tr("t");
    landscape_->setScene(scene, keepCamera);
    landscape_->setHighlight(selectedRun_, selectedIterate_);
}

void RegressionWorkspace::redrawSpectrum() {
    if (!result_ || result_->runs.empty())
        return;
    const workbench::RunResult &run = *result_->runs[std::size_t(selectedRun_)];
    SpectrumScene scene;
    scene.mode = display_.waterfall ? SpectrumScene::Mode::Waterfall : SpectrumScene::Mode::Stem;
    scene.logMagnitude = display_.logMagnitude;
    scene.selected = selectedIterate_;
    for (const auto &s : run.spectra)
        scene.eigenvalues.emplace_back(s.eigenvalues.data(),
                                       s.eigenvalues.data() + s.eigenvalues.size());
    QString info;
    if (selectedIterate_ < int(run.spectra.size())) {
        const workbench::IterateSpectrum &s = run.spectra[std::size_t(selectedIterate_)];
        scene.densityGrid.assign(s.densityGrid.data(), s.densityGrid.data() + s.densityGrid.size());
        scene.density.assign(s.density.data(), s.density.data() + s.density.size());
        if (!s.evaluable) {
            info = tr("Iterate %1: the Hessian is not defined here (%2).")
                       .arg(selectedIterate_)
                       .arg(QString::fromStdString(s.message));
        } else {
            info = tr("Iterate %1: λ_min = %2, λ_max = %3, condition %4, %5")
                       .arg(selectedIterate_)
                       .arg(fmt(s.lambdaMin),
                            fmt(s.lambdaMax),
                            s.condition ? fmt(*s.condition) : tr("∞ (or unknown)"),
                            s.psd ? tr("PSD") : tr("<b>not PSD</b> (negative curvature)"));
            if (!s.dense)
                info += QStringLiteral("<br>") + QString::fromStdString(s.message);
        }
    }
    spectrumInfo_->setText(info);
    spectrum_->setScene(scene);
}

void RegressionWorkspace::fillTable() {
    table_->blockSignals(true);
    table_->setRowCount(0);
    if (result_ && !result_->runs.empty()) {
        const workbench::RunResult &run = *result_->runs[std::size_t(selectedRun_)];
        const auto &its = run.summary.iterates;
        table_->setRowCount(int(its.size()));
        const double nan = std::numeric_limits<double>::quiet_NaN();
        for (int i = 0; i < int(its.size()); ++i) {
            const reg::Iterate &it = its[std::size_t(i)];
            auto *t = new QTableWidgetItem(QString::number(i));
            t->setData(Qt::UserRole, i);
            table_->setItem(i, ColIterate, t);
            table_->setItem(i, ColStep, textItem(str(reg::stepKindName(it.step))));
            table_->setItem(i, ColLoss, numberItem(it.loss));
            table_->setItem(i, ColGradNorm, numberItem(it.gradNorm));
            table_->setItem(i,
                            ColDistance,
                            numberItem(std::size_t(i) < run.distances.size()
                                           ? run.distances[std::size_t(i)]
                                           : nan));
            table_->setItem(i, ColEps0, numberItem(it.eps0 ? *it.eps0 : nan));
            table_->setItem(i, ColStepLength, numberItem(it.stepLength));
            table_->setItem(i, ColShift, numberItem(it.shift));
            const bool hasSpectrum =
                std::size_t(i) < run.spectra.size() && run.spectra[std::size_t(i)].evaluable;
            table_->setItem(i,
                            ColLambdaMin,
                            numberItem(hasSpectrum ? run.spectra[std::size_t(i)].lambdaMin : nan));
            table_->setItem(i,
                            ColLambdaMax,
                            numberItem(hasSpectrum ? run.spectra[std::size_t(i)].lambdaMax : nan));
        }
    }
    table_->blockSignals(false);
    slider_->blockSignals(true);
    slider_->setRange(0, std::max(0, table_->rowCount() - 1));
    slider_->blockSignals(false);
}

void RegressionWorkspace::fillConvergence() {
    std::vector<ConvergenceSeries> series;
    if (result_) {
        for (std::size_t r = 0; r < result_->runs.size(); ++r) {
            const workbench::RunResult &run = *result_->runs[r];
            ConvergenceSeries s;
            s.name = tr("run %1 (%2)")
                         .arg(QChar(r == 0 ? 'A' : 'B'))
                         .arg(str(reg::methodName(run.choice.method)));
            for (const reg::Iterate &it : run.summary.iterates) {
                s.loss.push_back(it.loss);
                s.gradNorm.push_back(it.gradNorm);
                s.stepKind.push_back(str(reg::stepKindName(it.step)));
                s.eps0.push_back(it.eps0);
            }
            s.distance = run.distances;
            series.push_back(std::move(s));
        }
    }
    convergence_->setSeries(std::move(series));
}

void RegressionWorkspace::selectIterate(int run, int t) {
    if (!result_ || result_->runs.empty())
        return;
    const bool runChanged = std::clamp(run, 0, int(result_->runs.size()) - 1) != selectedRun_;
    selectedRun_ = std::clamp(run, 0, int(result_->runs.size()) - 1);
    const int count = int(result_->runs[std::size_t(selectedRun_)]->summary.iterates.size());
    selectedIterate_ = std::clamp(t, 0, std::max(0, count - 1));
    if (runChanged)
        fillTable();
    syncSelection();
}

void RegressionWorkspace::syncSelection() {
    if (!result_)
        return;
    runChoice_->blockSignals(true);
    runChoice_->setCurrentIndex(selectedRun_);
    runChoice_->blockSignals(false);
    table_->blockSignals(true);
    if (selectedIterate_ < table_->rowCount()) {
        table_->setCurrentCell(selectedIterate_, 0);
        table_->selectRow(selectedIterate_);
        table_->scrollToItem(table_->item(selectedIterate_, 0));
    }
    table_->blockSignals(false);
    slider_->blockSignals(true);
    slider_->setValue(selectedIterate_);
    slider_->blockSignals(false);
    iterateLabel_->setText(tr("iterate %1 / %2").arg(selectedIterate_).arg(slider_->maximum()));
    landscape_->setHighlight(selectedRun_, selectedIterate_);
    convergence_->setSelected(selectedIterate_);
    redrawSpectrum();
}

void RegressionWorkspace::recenterOnSelected() {
    WorkbenchSettings s = settings_;
    s.centerRun = selectedRun_;
    s.centerIterate = selectedIterate_;
    settings_ = s;
    compute();
}

void RegressionWorkspace::setPlaying(bool playing) {
    if (playing && result_ && !result_->runs.empty()) {
        const int last = int(result_->runs[std::size_t(selectedRun_)]->summary.iterates.size()) - 1;
        if (selectedIterate_ >= last)
            selectIterate(selectedRun_, 0); // play from the start again
        player_->start();
    } else {
        player_->stop();
    }
    playButton_->blockSignals(true);
    playButton_->setChecked(player_->isActive());
    playButton_->setText(player_->isActive() ? tr("Pause") : tr("Play"));
    playButton_->blockSignals(false);
}

bool RegressionWorkspace::isPlaying() const {
    return player_->isActive();
}

QString RegressionWorkspace::statusText() const {
    return status_->text();
}

QString RegressionWorkspace::spectrumInfo() const {
    return spectrumInfo_->text();
}

bool RegressionWorkspace::isReady() const {
    return ready_ && context_->isReady();
}

bool RegressionWorkspace::showPanel(const QString &name) {
    if (name == QLatin1String("solvers"))
        tabs_->setCurrentIndex(0);
    else if (name == QLatin1String("context"))
        tabs_->setCurrentIndex(1);
    else
        return false;
    return true;
}

void RegressionWorkspace::setReady(bool ready) {
    if (ready == ready_)
        return;
    ready_ = ready;
    if (isReady())
        Q_EMIT this->ready();
}

void RegressionWorkspace::setStatus(const QString &text, bool error) {
    status_->setText(text);
    status_->setStyleSheet(error ? QStringLiteral("color: #ff7a66;") : QString());
    if (!text.isEmpty())
        Q_EMIT statusMessage(text.section(QLatin1Char('\n'), 0, 0));
}

QStringList RegressionWorkspace::openFilters() const {
    return {tr("Regression instance (*.json)")};
}

bool RegressionWorkspace::openFile(const QString &path, QString *errorMessage) {
    std::shared_ptr<const reg::Instance> instance;
    QString error;
    try {
        auto loaded = std::make_shared<reg::Instance>(
            reg::loadInstance(std::filesystem::path(QFile::encodeName(path).toStdString())));
        reg::makeProblem(*loaded); // validates shapes and values before anything changes
        instance = std::move(loaded);
    } catch (const reg::ParseError &e) {
        error = tr("%1 is not valid JSON (line %2, column %3): %4")
                    .arg(QDir::toNativeSeparators(path))
                    .arg(e.line())
                    .arg(e.column())
                    .arg(QString::fromUtf8(e.what()));
    } catch (const std::exception &e) {
        error = tr("Cannot use %1 as a regression instance: %2")
                    .arg(QDir::toNativeSeparators(path), QString::fromUtf8(e.what()));
    }
    if (!instance) {
        setStatus(error + tr("\nThe previous instance and result stay on screen."), true);
        if (errorMessage)
            *errorMessage = error;
        return false;
    }
    instanceSource_ = path;
    WorkbenchSettings s = settings_;
    s.instance = std::move(instance);
    s.centerRun = 0;
    s.centerIterate = -1;
    setSettings(s);
    return true;
}

QString RegressionWorkspace::exportFilter() const {
    return tr("Landscape view (*.png);;Surface and paths for ParaView (*.vtp);;Iterates (*.csv);;"
              "Instance (*.json)");
}

void RegressionWorkspace::exportTo(const QString &path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (QFileInfo(path).fileName().contains(QLatin1String("context"), Qt::CaseInsensitive) &&
        (suffix == QLatin1String("csv") || suffix == QLatin1String("png"))) {
        suffix == QLatin1String("csv") ? context_->exportCsv(path) : context_->exportPlotPng(path);
        return;
    }
    if (suffix == QLatin1String("vtp"))
        exportVtp(path);
    else if (suffix == QLatin1String("csv"))
        QFileInfo(path).fileName().contains(QLatin1String("spectr"), Qt::CaseInsensitive)
            ? exportSpectraCsv(path)
            : exportIteratesCsv(path);
    else if (suffix == QLatin1String("json"))
        exportInstance(path);
    else
        exportViewPng(View::Landscape, path);
}

void RegressionWorkspace::exportViewPng(View view, const QString &path) {
    switch (view) {
    case View::Landscape:
        landscape_->saveImage(path);
        break;
    case View::Spectrum:
        spectrum_->saveImage(path);
        break;
    case View::Convergence:
        writePng(convergence_->grab().toImage(), path);
        break;
    }
}

void RegressionWorkspace::exportVtp(const QString &path) {
    landscape_->writeVtp(path);
}

namespace {
void writeText(const QString &path, const std::string &text, const char *what) {
    if (text.empty())
        throw mowe::WriteError(std::string("cannot export ") + what + " to '" + path.toStdString() +
                               "': nothing has been computed yet");
    mowe::writeFileAtomically(QFile::encodeName(path).toStdString(), text);
}
} // namespace

void RegressionWorkspace::exportIteratesCsv(const QString &path) {
    writeText(path, result_ ? workbench::iteratesCsv(*result_) : std::string(), "the iterates");
}

void RegressionWorkspace::exportSpectraCsv(const QString &path) {
    writeText(path, result_ ? workbench::spectraCsv(*result_) : std::string(), "the spectra");
}

void RegressionWorkspace::exportInstance(const QString &path) {
    if (!result_ || !result_->instance)
        throw mowe::WriteError("cannot export the instance to '" + path.toStdString() +
                               "': none has been computed yet");
    try {
        reg::saveInstance(std::filesystem::path(QFile::encodeName(path).toStdString()),
                          *result_->instance);
    } catch (const mowe::WriteError &) {
        throw;
    } catch (const std::exception &e) {
        throw mowe::WriteError("cannot export the instance to '" + path.toStdString() +
                               "': " + e.what());
    }
}

void RegressionWorkspace::exportWithDialog(const QString &filter,
                                           const std::function<void(const QString &)> &write) {
    const QString path = Workspace::exportWithDialog(this, filter, write);
    if (!path.isEmpty())
        setStatus(tr("Exported to %1").arg(QDir::toNativeSeparators(path)));
}

void RegressionWorkspace::screenshotView(View view) {
    QString dir = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    if (dir.isEmpty() || !QDir(dir).exists())
        dir = QDir::homePath();
    const QString name =
        QStringLiteral("mowe-%1-%2.png")
            .arg(view == View::Landscape ? QStringLiteral("landscape") : QStringLiteral("spectrum"))
            .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
    const QString path = QDir(dir).filePath(name);
    try {
        exportViewPng(view, path);
        setStatus(tr("Screenshot saved to %1").arg(QDir::toNativeSeparators(path)));
    } catch (const std::exception &e) {
        setStatus(tr("Screenshot failed: %1").arg(QString::fromUtf8(e.what())), true);
    }
}

void RegressionWorkspace::dragEnterEvent(QDragEnterEvent *event) {
    const auto urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.front().isLocalFile() && canOpen(urls.front().toLocalFile()))
        event->acceptProposedAction();
}

void RegressionWorkspace::dropEvent(QDropEvent *event) {
    const auto urls = event->mimeData()->urls();
    if (urls.size() != 1 || !urls.front().isLocalFile())
        return;
    QString error;
    if (openFile(urls.front().toLocalFile(), &error))
        event->acceptProposedAction();
}

} // namespace mowe::ui
