#pragma once
// The Regression workbench: pick or open a regression instance, run one or two solvers, and
// see — in sync, at the selected iterate — the loss landscape on a 2-D slice with the paths
// (LandscapeView), the Hessian spectrum (SpectrumView), the convergence plot and the table of
// iterates. Everything heavy (instance, runs, spectra, landscape) runs on the JobRunner; a
// parameter change cancels the running job and drops its result, and the previous result
// stays on screen until the new one is ready.
//
// Keys (on the views, the plot and the table): Space play/pause, ←/→ previous/next iterate,
// Home/End first/last. Camera keys on the 3-D views: see PlotView.h.

#include "Workspace.h"
#include "regression/WorkbenchModel.h"

#include <functional>
#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QTimer;
class QToolButton;

namespace mowe::ui {

class ContextPanel;
class ConvergencePlot;
class JobRunner;
class LandscapeView;
class SpectrumView;
class VtkView;

class RegressionWorkspace : public Workspace {
    Q_OBJECT
public:
    /// Display choices that need no recomputation.
    struct Display {
        bool logScale = false;
        double clipQuantile = 1.0; ///< 1: no clipping
        int contourLevels = 12;
        bool waterfall = false;
        bool logMagnitude = false;
    };

    /// Columns of the iterate table; each cell's Qt::UserRole holds the full double.
    enum Column {
        ColIterate,
        ColStep,
        ColLoss,
        ColGradNorm,
        ColDistance,
        ColEps0,
        ColStepLength,
        ColShift,
        ColLambdaMin,
        ColLambdaMax,
        ColumnCount
    };

    /// Starts computing the default settings (a generated instance) unless `autoStart` is
    /// false (tests that set their own settings first).
    explicit RegressionWorkspace(QWidget *parent = nullptr, bool autoStart = true);
    ~RegressionWorkspace() override;

    QString id() const override { return QStringLiteral("regression"); }
    QString title() const override { return tr("Regression workbench"); }
    /// True when the last requested computation has finished (or failed) and its landscape,
    /// paths and spectrum have been handed to the views (and drawn, when they are visible),
    /// and the in-context tab, when it is the one shown, has its curves and landscape too.
    bool isReady() const override;

    QStringList openFilters() const override;
    /// Loads an instance JSON (synchronously: it is validated before anything changes), then
    /// recomputes. On a malformed or unusable file returns false with the parser's message
    /// (file, line, column) and keeps the previous instance and result on screen.
    bool openFile(const QString &path, QString *errorMessage) override;
    QString exportFilter() const override;
    /// By suffix: .png the landscape view, .vtp the surface and paths, .csv the iterates (the
    /// spectra when the name contains "spectr"), .json the instance; a name containing
    /// "context" exports the in-context curves instead (.csv or .png). Throws mowe::WriteError.
    void exportTo(const QString &path) override;
    JobRunner *jobRunner() const override { return jobs_; }

    enum class View { Landscape, Spectrum, Convergence };
    void exportViewPng(View view, const QString &path);
    void exportVtp(const QString &path);
    void exportIteratesCsv(const QString &path);
    void exportSpectraCsv(const QString &path);
    void exportInstance(const QString &path);

    /// Settings that need a computation: changing them cancels a running job and starts one.
    void setSettings(const workbench::WorkbenchSettings &settings);
    const workbench::WorkbenchSettings &settings() const { return settings_; }
    void setDisplay(const Display &display);
    const Display &display() const { return display_; }

    /// The result on screen (null before the first one arrives).
    std::shared_ptr<const workbench::WorkbenchResult> result() const { return result_; }
    /// Incremented each time a new result is put on screen.
    quint64 resultCount() const { return resultCount_; }

    /// Selects iterate `t` of run `run` (0 = A, 1 = B) in every view; clamped.
    void selectIterate(int run, int t);
    int selectedRun() const { return selectedRun_; }
    int selectedIterate() const { return selectedIterate_; }
    /// Re-centres the slice on the selected iterate (recomputes the landscape only).
    void recenterOnSelected();

    void setPlaying(bool playing);
    bool isPlaying() const;

    /// The message line under the panel (errors, notes, what the job is doing).
    QString statusText() const;

    LandscapeView *landscapeView() const { return landscape_; }
    /// The "In-context response" tab (issue 9).
    ContextPanel *contextPanel() const { return context_; }
    /// Shows the "solvers" (default) or the "context" tab; false for another name.
    Q_INVOKABLE bool showPanel(const QString &name);
    /// The landscape view (the main 3-D view of this workspace).
    VtkView *view() const;
    SpectrumView *spectrumView() const { return spectrum_; }
    ConvergencePlot *convergencePlot() const { return convergence_; }
    QTableWidget *iterateTable() const { return table_; }
    /// The λ_min / λ_max / condition / PSD text beside the spectrum.
    QString spectrumInfo() const;

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void buildPanel(QWidget *panel);
    void settingsFromPanel();
    void panelFromSettings();
    void scheduleCompute();
    void compute();
    void applyResult(std::shared_ptr<const workbench::WorkbenchResult> result);
    void redrawLandscape(bool keepCamera);
    void redrawSpectrum();
    void fillTable();
    void fillConvergence();
    void syncSelection();
    void setReady(bool ready);
    void setStatus(const QString &text, bool error = false);
    void screenshotView(View view);
    void exportWithDialog(const QString &filter, const std::function<void(const QString &)> &write);

    workbench::WorkbenchSettings settings_;
    Display display_;
    std::shared_ptr<const workbench::WorkbenchResult> result_;
    quint64 resultCount_ = 0;
    QString instanceSource_;
    int selectedRun_ = 0;
    int selectedIterate_ = 0;
    bool ready_ = false;
    bool awaitingFrame_ = false;
    bool updatingPanel_ = false;

    JobRunner *jobs_;
    QTimer *debounce_;
    QTimer *player_;

    QTabWidget *tabs_;
    ContextPanel *context_;
    LandscapeView *landscape_;
    SpectrumView *spectrum_;
    QLabel *spectrumInfo_;
    ConvergencePlot *convergence_;
    QTableWidget *table_;
    QLabel *status_;
    QLabel *instanceLabel_;
    QSlider *slider_;
    QLabel *iterateLabel_;
    QPushButton *playButton_;
    QComboBox *runChoice_;

    // Panel.
    QComboBox *problem_;
    QSpinBox *n_, *d_, *seed_;
    QCheckBox *autoW_;
    QDoubleSpinBox *w_;
    QComboBox *solverA_, *solverB_, *start_;
    QSpinBox *samplesA_, *samplesB_, *maxIter_;
    QDoubleSpinBox *gdStep_;
    QComboBox *directions_;
    QSpinBox *grid_;
    QDoubleSpinBox *span_;
    QCheckBox *logScale_;
    QComboBox *clip_;
    QSpinBox *contours_;
    QComboBox *spectrumMode_;
    QCheckBox *logMagnitude_;
};

} // namespace mowe::ui
