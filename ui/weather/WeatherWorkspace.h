#pragma once
// The Weather experts workspace: a photo or a video frame, restored by the MoWE model off the
// GUI thread, with the router's decisions drawn over it (top-1 expert, one expert's
// probability, entropy, weather embedding, token grid), the experts' own outputs by forced
// routing, live routing statistics, synthetic weather sliders, and image metrics.
//
// Jobs: `jobs_` loads and restores (a newer request supersedes the running one, so slider
// positions the model had no time for are dropped, never queued); `expertJobs_` computes the
// forced-routing outputs only while the Experts panel is shown; `metricJobs_` scores the
// result. The workspace is ready when all three are idle.

#include "Workspace.h"
#include "weather/ModelBridge.h"
#include "weather/synth.h"

#include <QJsonObject>
#include <QPointer>
#include <QTimer>

#include <opencv2/core.hpp>

#include <limits>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QToolButton;
class QGridLayout;

namespace cv {
class VideoCapture;
}

namespace mowe::ui {

class BarChart;
class ImageCanvas;
class JobRunner;

struct WeatherWorkspaceOptions {
    /// Photo or video opened at start; empty: mowe::defaultPhotoPath(). "-": none.
    QString file;
    /// Model folder loaded at start; empty: mowe::shippedModelDir().
    QString modelDir;
    /// When set, start with an untrained network of these options instead (tests).
    std::optional<nlohmann::json> untrainedOptions;
    std::uint64_t untrainedSeed = 1;
    /// Tiling of the full-quality pass (engine.h). Video frames and previews use fast tiles.
    int tile = 256;
    int overlap = 32;
    /// Images with more pixels are refused (loader limit), with their size and this limit:
    /// restoring a larger one on a laptop CPU takes minutes (≈ 0.6 µs per pixel per pass on
    /// the small model), and the user's image is never resized silently.
    std::int64_t maxPixels = 40'000'000;
    /// Compute BRISQUE and people detections after each full restoration.
    bool metrics = true;
};

class WeatherWorkspace : public Workspace {
    Q_OBJECT
public:
    explicit WeatherWorkspace(QWidget *parent = nullptr,
                              const WeatherWorkspaceOptions &options = {});
    /// The shell's form: `photo` as WeatherWorkspaceOptions::file.
    WeatherWorkspace(QWidget *parent, const QString &photo);
    ~WeatherWorkspace() override;

    QString id() const override { return QStringLiteral("weather"); }
    QString title() const override { return tr("Weather experts"); }
    bool isReady() const override { return ready_; }

    QStringList openFilters() const override;
    bool canOpen(const QString &path) const override;
    bool openFile(const QString &path, QString *errorMessage) override;
    QString exportFilter() const override;
    /// Writes what the view shows (before/after split, overlay) at the image's resolution.
    void exportTo(const QString &path) override;
    JobRunner *jobRunner() const override { return jobs_; }

    QJsonObject saveState() const override;
    bool restoreState(const QJsonObject &state, QString *errorMessage) override;

    // ---- what is shown (tests, exports) ----------------------------------------------------
    /// The input image shown (with synthetic weather when any), empty while none.
    QImage photo() const;
    QImage restoredImage() const;
    /// The composited view (composite() of the canvas).
    QImage viewImage() const;
    QString photoPath() const { return path_; }
    /// The last error shown to the user (load, model, restore), empty if none.
    QString loadError() const { return error_; }
    /// The text of the banner above the image (no model, notices); empty when hidden.
    QString noteText() const;
    bool hasModel() const { return model_.isValid(); }
    const LoadedModel &model() const { return model_; }
    const mowe::model::RouteTrace &trace() const { return trace_; }
    /// Per-pixel weather labels of the synthesised input (empty for a real photo).
    cv::Mat weatherLabels() const { return labels_; }

    // ---- controls ---------------------------------------------------------------------------
    ImageCanvas *canvas() const { return canvas_; }
    void setOverlay(OverlayKind kind);
    OverlayKind overlay() const;
    void setOverlayOpacity(double opacity);
    void setLayer(int layer);
    int layer() const;
    void setProbabilityExpert(int expert);
    void setGridVisible(bool visible);
    /// Weather intensities in [0,1] applied to the clean photo (restarts the pipeline).
    void setWeather(const mowe::weather::WeatherSpec &spec);
    mowe::weather::WeatherSpec weather() const;
    /// Parses "rain=0.6,fog=0.3" (synth.h) and applies it. Returns why it is invalid, or
    /// an empty string.
    Q_INVOKABLE QString setWeatherText(const QString &spec);
    /// Shows a side panel: "statistics", "experts", "weather", "metrics".
    Q_INVOKABLE void showPanel(const QString &name);

    // ---- statistics --------------------------------------------------------------------------
    QVector<double> expertLoad() const;
    QVector<double> entropyHistogram() const;
    /// Uncertainty coefficient of top-1 expert vs. token weather label (NaN when unknown).
    double weatherNmi() const { return nmi_; }
    /// Expert outputs by forced routing (one per expert), empty until computed.
    QList<QImage> expertImages() const { return expertImages_; }
    QString metricsText() const;
    /// Text of the token under image pixel p (what hovering shows).
    QString tokenDescription(QPoint pixel) const;
    /// Seconds from the last weather change to its preview on screen (−1 before any).
    double lastPreviewSeconds() const { return lastPreviewSeconds_; }

    // ---- video -------------------------------------------------------------------------------
    bool isVideo() const { return video_ != nullptr; }
    int frameIndex() const { return frameIndex_; }
    int droppedFrames() const { return dropped_; }
    bool isPlaying() const;
    void play();
    void pause();
    /// Reads the next frame and restores it; false at the end (a message says why).
    bool stepFrame();

    // ---- model --------------------------------------------------------------------------------
    /// Loads a model folder or TorchScript file in the background; on failure the previous
    /// model stays in use and loadError() says why.
    void loadModel(const QString &path, bool torchScript);

    // ---- exports (each throws mowe::WriteError or std::runtime_error) ------------------------
    void exportRestored(const QString &path) const;
    void exportOverlay(const QString &path, OverlayKind kind) const;
    void exportExperts(const QString &directory) const;
    void exportTraceJson(const QString &path) const;
    void exportComparison(const QString &path) const;

protected:
    void dragEnterEvent(class QDragEnterEvent *event) override;
    void dropEvent(class QDropEvent *event) override;

private:
    struct Frame; // an input ready to restore
    void buildUi();
    void buildSidePanels();
    void startupJob(const QString &file);
    void openPhoto(const QString &path);
    bool openVideo(const QString &path, QString *errorMessage);
    void closeVideo();
    void setSource(const QString &path, const cv::Mat &clean, const QStringList &notes);
    void runPipeline(bool preview);
    void startFullRestore(std::uint64_t token);
    void showResult();
    void updateCaption();
    void refreshOverlay();
    void refreshLegend();
    void refreshStatistics();
    void refreshExperts();
    void startExperts();
    void startMetrics();
    void showError(const QString &message);
    void showNote(const QString &message);
    void setModel(const LoadedModel &model);
    void updateReady();
    void scheduleReadyCheck();
    void onHover(QPoint pixel);
    void onTimerTick();
    mowe::model::RestoreOptions restoreOptions(bool fast) const;

    WeatherWorkspaceOptions options_;
    // widgets
    ImageCanvas *canvas_ = nullptr;
    QLabel *note_ = nullptr;
    QLabel *caption_ = nullptr;
    QLabel *legend_ = nullptr;
    QLabel *hover_ = nullptr;
    QComboBox *overlayBox_ = nullptr;
    QComboBox *layerBox_ = nullptr;
    QComboBox *expertBox_ = nullptr;
    QSlider *opacitySlider_ = nullptr;
    QSlider *splitSlider_ = nullptr;
    QCheckBox *flickerBox_ = nullptr;
    QCheckBox *gridBox_ = nullptr;
    QTabWidget *panels_ = nullptr;
    BarChart *loadChart_ = nullptr;
    BarChart *entropyChart_ = nullptr;
    QTableWidget *nmiTable_ = nullptr;
    QLabel *nmiLabel_ = nullptr;
    QWidget *expertsPage_ = nullptr;
    QGridLayout *expertsGrid_ = nullptr;
    QLabel *expertsNote_ = nullptr;
    QSlider *weatherSliders_[4] = {};
    QLabel *weatherValues_[4] = {};
    QSpinBox *seedBox_ = nullptr;
    QLabel *metricsLabel_ = nullptr;
    QWidget *videoBar_ = nullptr;
    QPushButton *playButton_ = nullptr;
    QLabel *frameLabel_ = nullptr;
    QLabel *modelLabel_ = nullptr;

    JobRunner *jobs_ = nullptr;
    JobRunner *expertJobs_ = nullptr;
    JobRunner *metricJobs_ = nullptr;
    QTimer readyTimer_;
    QTimer playTimer_;

    LoadedModel model_;
    QString path_;
    QStringList loadNotes_;
    cv::Mat clean_;    ///< the photo or frame as loaded
    cv::Mat input_;    ///< what is restored: clean_ with synthetic weather, or clean_
    cv::Mat labels_;   ///< weather labels of input_ (empty when no weather was added)
    cv::Mat restored_; ///< full-quality result for input_, or empty
    mowe::model::RouteTrace trace_;
    std::uint64_t pipelineToken_ = 0;
    double lastPreviewSeconds_ = -1.0;
    bool expertsStale_ = true;
    QList<QImage> expertImages_;
    QList<QImage> contributionImages_;
    double nmi_ = std::numeric_limits<double>::quiet_NaN();
    QString metrics_;
    QVector<QRect> detections_;
    QString error_;
    bool ready_ = false;
    bool weatherChanging_ = false;
    bool starting_ = false; ///< the startup job (model + first photo) is running
    QString pendingFile_;   ///< opened while starting: replaces the first photo
    bool loading_ = false;  ///< a photo or model is loading: the pipeline waits for it

    std::unique_ptr<cv::VideoCapture> video_;
    int frameIndex_ = -1;
    int frameCount_ = 0;
    int dropped_ = 0;
    double fps_ = 25;
};

} // namespace mowe::ui
