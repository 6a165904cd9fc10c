#include "weather/WeatherWorkspace.h"

#include "JobRunner.h"
#include "Log.h"
#include "common/atomic_file.h"
#include "common/resources.h"
#include "weather/BarChart.h"
#include "weather/ImageCanvas.h"
#include "weather/image_io.h"
#include "weather/metrics.h"
#include "weather/synth.h"

#include <QBuffer>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImageReader>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <utility>

namespace mowe::ui {

namespace mm = mowe::model;
namespace mw = mowe::weather;

namespace {

const QStringList kImageSuffixes = {QStringLiteral("jpg"),
                                    QStringLiteral("jpeg"),
                                    QStringLiteral("png"),
                                    QStringLiteral("bmp"),
                                    QStringLiteral("tif"),
                                    QStringLiteral("tiff"),
                                    QStringLiteral("webp"),
                                    QStringLiteral("pgm"),
                                    QStringLiteral("ppm"),
                                    QStringLiteral("pnm")};
const QStringList kVideoSuffixes = {QStringLiteral("avi"),
                                    QStringLiteral("mp4"),
                                    QStringLiteral("mkv"),
                                    QStringLiteral("mov"),
                                    QStringLiteral("webm"),
                                    QStringLiteral("mpg"),
                                    QStringLiteral("mpeg"),
                                    QStringLiteral("m4v"),
                                    QStringLiteral("mjpeg")};

// Slider order in the weather panel.
constexpr const char *kWeatherKeys[4] = {"rain", "snow", "fog", "raindrops"};
constexpr int kEntropyBins = 10;
// The live preview restores at most this many pixels: one 256² tile, about half a second
// of forward pass on two idle cores (bench_mowe), so the preview arrives within a second
// while the full-resolution pass follows.
constexpr double kPreviewPixels = 256.0 * 256.0;

std::filesystem::path toPath(const QString &path) {
    return std::filesystem::path(QFile::encodeName(path).toStdString());
}

QString fromPath(const std::filesystem::path &path) {
    return QFile::decodeName(path.string().c_str());
}

bool isVideoPath(const QString &path) {
    return kVideoSuffixes.contains(QFileInfo(path).suffix().toLower());
}

// Metric models are loaded once per process and used under one lock (BRISQUE's scorer is not
// re-entrant, and a superseded metrics job may still be running).
struct MetricModels {
    std::mutex lock;
    std::unique_ptr<mw::BrisqueScorer> brisque;
    std::unique_ptr<mw::PeopleDetector> people;
    QString brisqueError, peopleError;
    bool loaded = false;

    static MetricModels &instance() {
        static MetricModels models;
        return models;
    }
    void ensureLoaded() {
        if (loaded)
            return;
        loaded = true;
        try {
            brisque = std::make_unique<mw::BrisqueScorer>();
        } catch (const std::exception &e) {
            brisqueError = QString::fromUtf8(e.what());
        }
        try {
            people = std::make_unique<mw::PeopleDetector>();
        } catch (const std::exception &e) {
            peopleError = QString::fromUtf8(e.what());
        }
    }
};

cv::Mat frameToFloat(const cv::Mat &frame) {
    cv::Mat bgr;
    if (frame.channels() == 1)
        cv::cvtColor(frame, bgr, cv::COLOR_GRAY2BGR);
    else if (frame.channels() == 4)
        cv::cvtColor(frame, bgr, cv::COLOR_BGRA2BGR);
    else
        bgr = frame;
    cv::Mat out;
    bgr.convertTo(out, CV_32FC3, frame.depth() == CV_16U ? 1.0 / 65535 : 1.0 / 255);
    return out;
}

QString swatch(const QColor &colour) {
    return QStringLiteral("<span style=\"background:%1; color:%1\">&nbsp;&nbsp;&nbsp;</span>")
        .arg(colour.name());
}

} // namespace

// ---- construction -----------------------------------------------------------------------------

namespace {
WeatherWorkspaceOptions withFile(const QString &file) {
    WeatherWorkspaceOptions options;
    options.file = file;
    return options;
}
} // namespace

WeatherWorkspace::WeatherWorkspace(QWidget *parent, const QString &photo)
    : WeatherWorkspace(parent, withFile(photo)) {
}

WeatherWorkspace::WeatherWorkspace(QWidget *parent, const WeatherWorkspaceOptions &options)
    : Workspace(parent)
    , options_(options)
    , jobs_(new JobRunner(this))
    , expertJobs_(new JobRunner(this))
    , metricJobs_(new JobRunner(this)) {
    setAcceptDrops(true);
    buildUi();

    // Ready is judged after the event loop has delivered a job's result, because a finished
    // preview starts the full pass from its result handler.
    readyTimer_.setSingleShot(true);
    readyTimer_.setInterval(0);
    connect(&readyTimer_, &QTimer::timeout, this, &WeatherWorkspace::updateReady);
    for (JobRunner *runner : {jobs_, expertJobs_, metricJobs_}) {
        connect(runner, &JobRunner::finished, this, &WeatherWorkspace::scheduleReadyCheck);
        connect(runner, &JobRunner::cancelled, this, &WeatherWorkspace::scheduleReadyCheck);
        connect(
            runner, &JobRunner::failed, this, [this](const QString &title, const QString &message) {
                showError(tr("%1 failed: %2").arg(title, message));
                scheduleReadyCheck();
            });
    }
    connect(&playTimer_, &QTimer::timeout, this, &WeatherWorkspace::onTimerTick);

    QString file = options_.file;
    if (file.isEmpty())
        file = fromPath(mowe::defaultPhotoPath());
    if (file == QLatin1String("-"))
        file.clear();
    startupJob(file);
}

WeatherWorkspace::~WeatherWorkspace() {
    playTimer_.stop();
    // The runners' destructors wait for their jobs; the jobs captured copies only.
}

void WeatherWorkspace::buildUi() {
    note_ = new QLabel(this);
    note_->setObjectName(QStringLiteral("noModelNote"));
    note_->setWordWrap(true);
    note_->setStyleSheet(QStringLiteral("QLabel { background: #fff4ce; color: #3b2f00; "
                                        "padding: 6px 10px; border-bottom: 1px solid #e0c060; }"));
    note_->hide();

    canvas_ = new ImageCanvas(this);
    canvas_->setObjectName(QStringLiteral("weatherCanvas"));
    connect(canvas_, &ImageCanvas::hovered, this, &WeatherWorkspace::onHover);

    // ---- view toolbar ------------------------------------------------------------------------
    auto *bar = new QWidget(this);
    auto *barLayout = new QHBoxLayout(bar);
    barLayout->setContentsMargins(6, 3, 6, 3);
    overlayBox_ = new QComboBox(bar);
    overlayBox_->addItem(tr("No overlay"), int(OverlayKind::None));
    overlayBox_->addItem(tr("Top-1 expert"), int(OverlayKind::TopExpert));
    overlayBox_->addItem(tr("Expert probability"), int(OverlayKind::Probability));
    overlayBox_->addItem(tr("Routing entropy"), int(OverlayKind::Entropy));
    overlayBox_->addItem(tr("Weather embedding (PCA)"), int(OverlayKind::WeatherEmbedding));
    overlayBox_->setCurrentIndex(1);
    overlayBox_->setToolTip(tr("What the router did, drawn per token over the image"));
    // Compact controls: the window must still fit 800 × 600 (labels are in the tooltips).
    for (QComboBox *box : {overlayBox_}) {
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(10);
    }
    layerBox_ = new QComboBox(bar);
    layerBox_->setToolTip(tr("MoE layer whose routing is shown"));
    expertBox_ = new QComboBox(bar);
    expertBox_->setToolTip(tr("Expert whose probability is shown"));
    expertBox_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    expertBox_->setMinimumContentsLength(6);
    opacitySlider_ = new QSlider(Qt::Horizontal, bar);
    opacitySlider_->setRange(0, 100);
    opacitySlider_->setValue(45);
    opacitySlider_->setMaximumWidth(110);
    opacitySlider_->setToolTip(tr("Overlay opacity"));
    opacitySlider_->setMinimumWidth(50);
    gridBox_ = new QCheckBox(tr("Grid"), bar);
    gridBox_->setToolTip(tr("Token grid (one cell per token, P × P pixels)"));
    auto *fit = new QToolButton(bar);
    fit->setText(tr("Fit"));
    fit->setToolTip(tr("Fit the image to the view (double click)"));
    auto *oneToOne = new QToolButton(bar);
    oneToOne->setText(tr("1:1"));
    oneToOne->setToolTip(tr("One image pixel per screen pixel"));
    modelLabel_ = new QLabel(bar);
    auto *modelButton = new QToolButton(bar);
    modelButton->setText(tr("Model"));
    modelButton->setPopupMode(QToolButton::InstantPopup);
    auto *modelMenu = new QMenu(modelButton);
    modelMenu->addAction(tr("Load Model Folder…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Load model folder"));
        if (!dir.isEmpty())
            loadModel(dir, false);
    });
    modelMenu->addAction(tr("Load TorchScript Model…"), this, [this] {
        const QString file = QFileDialog::getOpenFileName(
            this, tr("Load TorchScript model"), {}, tr("TorchScript (*.pt *.pth)"));
        if (file.isEmpty())
            return;
        // Loading runs the module's code: say so before, every time (docs/security.md).
        const auto answer = QMessageBox::warning(
            this,
            tr("Load TorchScript model"),
            tr("%1 is a TorchScript program: loading it runs its code inside MoWE Studio, with "
               "your permissions. Load it only if you trust whoever made it, as you would run "
               "their scripts.")
                .arg(QFileInfo(file).fileName()),
            QMessageBox::Open | QMessageBox::Cancel,
            QMessageBox::Cancel);
        if (answer == QMessageBox::Open)
            loadModel(file, true);
    });
    modelButton->setMenu(modelMenu);
    auto *exportButton = new QToolButton(bar);
    exportButton->setText(tr("Export"));
    exportButton->setPopupMode(QToolButton::InstantPopup);
    auto *exportMenu = new QMenu(exportButton);
    auto guarded = [this](auto write) {
        try {
            write();
        } catch (const std::exception &e) {
            showError(tr("Export failed: %1").arg(QString::fromUtf8(e.what())));
        }
    };
    auto askFile = [this](const QString &title, const QString &filter) {
        return QFileDialog::getSaveFileName(this, title, {}, filter);
    };
    exportMenu->addAction(tr("Restored Image…"), this, [=, this] {
        if (const QString f = askFile(tr("Export restored image"), tr("PNG (*.png)")); !f.isEmpty())
            guarded([&] { exportRestored(f); });
    });
    exportMenu->addAction(tr("Current Overlay…"), this, [=, this] {
        if (const QString f = askFile(tr("Export overlay"), tr("PNG (*.png)")); !f.isEmpty())
            guarded([&] { exportOverlay(f, overlay()); });
    });
    exportMenu->addAction(tr("Expert Outputs to Folder…"), this, [=, this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Export expert outputs"));
        if (!d.isEmpty())
            guarded([&] { exportExperts(d); });
    });
    exportMenu->addAction(tr("Route Trace (JSON)…"), this, [=, this] {
        if (const QString f = askFile(tr("Export route trace"), tr("JSON (*.json)")); !f.isEmpty())
            guarded([&] { exportTraceJson(f); });
    });
    exportMenu->addAction(tr("Comparison Figure…"), this, [=, this] {
        if (const QString f = askFile(tr("Export comparison"), tr("PNG (*.png)")); !f.isEmpty())
            guarded([&] { exportComparison(f); });
    });
    exportButton->setMenu(exportMenu);

    barLayout->addWidget(overlayBox_);
    barLayout->addWidget(expertBox_);
    barLayout->addWidget(layerBox_);
    barLayout->addWidget(opacitySlider_);
    barLayout->addWidget(gridBox_);
    barLayout->addStretch(1);
    barLayout->addWidget(modelLabel_, 1);
    barLayout->addWidget(modelButton);
    barLayout->addWidget(exportButton);
    // Long texts must not widen the window: they are elided by the layout instead.
    modelLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    modelLabel_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);

    // ---- below the image: split, flicker, legend, hover -------------------------------------
    auto *under = new QWidget(this);
    auto *underLayout = new QHBoxLayout(under);
    underLayout->setContentsMargins(6, 2, 6, 2);
    splitSlider_ = new QSlider(Qt::Horizontal, under);
    splitSlider_->setRange(0, 100);
    splitSlider_->setValue(50);
    splitSlider_->setMaximumWidth(160);
    splitSlider_->setToolTip(tr("Before (left of the line) / after (right of it)"));
    splitSlider_->setMinimumWidth(50);
    flickerBox_ = new QCheckBox(tr("Flicker"), under);
    flickerBox_->setToolTip(tr("Alternate between the input and the restored image"));
    legend_ = new QLabel(under);
    legend_->setObjectName(QStringLiteral("expertLegend"));
    legend_->setTextFormat(Qt::RichText);
    underLayout->addWidget(new QLabel(tr("Before | after"), under));
    underLayout->addWidget(splitSlider_);
    underLayout->addWidget(flickerBox_);
    underLayout->addWidget(fit);
    underLayout->addWidget(oneToOne);
    underLayout->addSpacing(12);
    underLayout->addWidget(legend_, 1);
    legend_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    hover_ = new QLabel(this);
    hover_->setObjectName(QStringLiteral("tokenHover"));
    hover_->setContentsMargins(8, 0, 8, 0);
    hover_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    hover_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    caption_ = new QLabel(this);
    caption_->setObjectName(QStringLiteral("photoCaption"));
    caption_->setContentsMargins(8, 2, 8, 2);
    caption_->setWordWrap(true);
    caption_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // ---- video bar
    // -------------------------------------------------------------------------------
    videoBar_ = new QWidget(this);
    auto *videoLayout = new QHBoxLayout(videoBar_);
    videoLayout->setContentsMargins(6, 2, 6, 2);
    playButton_ = new QPushButton(tr("Play"), videoBar_);
    auto *stepButton = new QPushButton(tr("Step"), videoBar_);
    frameLabel_ = new QLabel(videoBar_);
    videoLayout->addWidget(playButton_);
    videoLayout->addWidget(stepButton);
    videoLayout->addWidget(frameLabel_, 1);
    videoBar_->hide();
    connect(playButton_, &QPushButton::clicked, this, [this] { isPlaying() ? pause() : play(); });
    connect(stepButton, &QPushButton::clicked, this, [this] {
        pause();
        stepFrame();
    });

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->setSpacing(0);
    leftLayout->addWidget(bar);
    leftLayout->addWidget(canvas_, 1);
    leftLayout->addWidget(under);
    leftLayout->addWidget(videoBar_);
    leftLayout->addWidget(hover_);
    leftLayout->addWidget(caption_);

    buildSidePanels();

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(panels_);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({900, 340});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(note_);
    layout->addWidget(splitter, 1);

    connect(overlayBox_, &QComboBox::currentIndexChanged, this, [this] {
        expertBox_->setVisible(overlay() == OverlayKind::Probability);
        refreshOverlay();
    });
    connect(layerBox_, &QComboBox::currentIndexChanged, this, [this] {
        refreshOverlay();
        refreshStatistics();
        expertsStale_ = true;
        refreshExperts();
    });
    connect(expertBox_, &QComboBox::currentIndexChanged, this, [this] { refreshOverlay(); });
    connect(opacitySlider_, &QSlider::valueChanged, this, [this](int v) {
        canvas_->setOverlayOpacity(v / 100.0);
    });
    connect(gridBox_, &QCheckBox::toggled, this, [this](bool on) {
        canvas_->setGrid(on && hasModel() ? trace_.grid.patch : 0);
    });
    connect(splitSlider_, &QSlider::valueChanged, this, [this](int v) {
        canvas_->setSplit(v / 100.0);
    });
    connect(flickerBox_, &QCheckBox::toggled, canvas_, &ImageCanvas::setFlicker);
    connect(fit, &QToolButton::clicked, canvas_, &ImageCanvas::fitToView);
    connect(oneToOne, &QToolButton::clicked, canvas_, &ImageCanvas::actualSize);
    expertBox_->hide();
    canvas_->setOverlayOpacity(opacitySlider_->value() / 100.0);
    canvas_->setSplit(splitSlider_->value() / 100.0);
}

void WeatherWorkspace::buildSidePanels() {
    panels_ = new QTabWidget(this);
    panels_->setObjectName(QStringLiteral("weatherPanels"));
    panels_->setMinimumWidth(200);

    // Statistics.
    auto *stats = new QWidget(panels_);
    auto *statsLayout = new QVBoxLayout(stats);
    loadChart_ = new BarChart(tr("Expert load (share of tokens, top-1)"), stats);
    entropyChart_ = new BarChart(tr("Routing entropy (tokens per bin, 0 … ln E nats)"), stats);
    nmiLabel_ = new QLabel(stats);
    nmiLabel_->setWordWrap(true);
    nmiTable_ = new QTableWidget(stats);
    nmiTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    nmiTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    nmiTable_->setMinimumHeight(120);
    statsLayout->addWidget(loadChart_, 1);
    statsLayout->addWidget(entropyChart_, 1);
    statsLayout->addWidget(nmiLabel_);
    statsLayout->addWidget(nmiTable_, 1);
    panels_->addTab(stats, tr("Statistics"));

    // Experts (computed when shown).
    auto *scroll = new QScrollArea(panels_);
    scroll->setWidgetResizable(true);
    expertsPage_ = new QWidget(scroll);
    auto *expertsLayout = new QVBoxLayout(expertsPage_);
    expertsNote_ =
        new QLabel(tr("Expert outputs are computed when this panel is shown."), expertsPage_);
    expertsNote_->setWordWrap(true);
    expertsGrid_ = new QGridLayout();
    expertsLayout->addWidget(expertsNote_);
    expertsLayout->addLayout(expertsGrid_);
    expertsLayout->addStretch(1);
    scroll->setWidget(expertsPage_);
    panels_->addTab(scroll, tr("Experts"));

    // Weather.
    auto *weatherPage = new QWidget(panels_);
    auto *form = new QFormLayout(weatherPage);
    auto *explain = new QLabel(tr("Adds synthetic weather to the clean photo (or each frame) and "
                                  "restores it live. A quick preview of the visible part comes "
                                  "first, the full-quality result follows."),
                               weatherPage);
    explain->setWordWrap(true);
    form->addRow(explain);
    const QString names[4] = {tr("Rain"), tr("Snow"), tr("Fog"), tr("Raindrops")};
    for (int i = 0; i < 4; ++i) {
        auto *row = new QWidget(weatherPage);
        auto *rowLayout = new QHBoxLayout(row);
        rowLayout->setContentsMargins(0, 0, 0, 0);
        weatherSliders_[i] = new QSlider(Qt::Horizontal, row);
        weatherSliders_[i]->setRange(0, 100);
        weatherSliders_[i]->setObjectName(QStringLiteral("weather_%1").arg(kWeatherKeys[i]));
        weatherValues_[i] = new QLabel(QStringLiteral("0.00"), row);
        rowLayout->addWidget(weatherSliders_[i], 1);
        rowLayout->addWidget(weatherValues_[i]);
        form->addRow(names[i], row);
        connect(weatherSliders_[i], &QSlider::valueChanged, this, [this, i](int v) {
            weatherValues_[i]->setText(QString::number(v / 100.0, 'f', 2));
            if (!weatherChanging_)
                runPipeline(true);
        });
    }
    seedBox_ = new QSpinBox(weatherPage);
    seedBox_->setRange(0, 1'000'000);
    seedBox_->setValue(1);
    form->addRow(tr("Seed"), seedBox_);
    connect(seedBox_, &QSpinBox::valueChanged, this, [this] {
        if (!weather().isClear())
            runPipeline(true);
    });
    panels_->addTab(weatherPage, tr("Weather"));

    // Metrics.
    metricsLabel_ = new QLabel(panels_);
    metricsLabel_->setObjectName(QStringLiteral("metricsLabel"));
    metricsLabel_->setWordWrap(true);
    metricsLabel_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    metricsLabel_->setContentsMargins(8, 8, 8, 8);
    metricsLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    panels_->addTab(metricsLabel_, tr("Metrics"));

    connect(panels_, &QTabWidget::currentChanged, this, [this] { refreshExperts(); });
}

// ---- opening ----------------------------------------------------------------------------------

QStringList WeatherWorkspace::openFilters() const {
    QStringList images, videos;
    for (const QString &s : kImageSuffixes)
        images << QStringLiteral("*.") + s;
    for (const QString &s : kVideoSuffixes)
        videos << QStringLiteral("*.") + s;
    return {tr("Images and videos (%1 %2)").arg(images.join(' '), videos.join(' ')),
            tr("Images (%1)").arg(images.join(' ')),
            tr("Videos (%1)").arg(videos.join(' '))};
}

bool WeatherWorkspace::canOpen(const QString &path) const {
    const QString suffix = QFileInfo(path).suffix().toLower();
    return kImageSuffixes.contains(suffix) || kVideoSuffixes.contains(suffix);
}

bool WeatherWorkspace::openFile(const QString &path, QString *errorMessage) {
    if (!QFileInfo(path).isFile()) {
        if (errorMessage)
            *errorMessage =
                tr("%1 does not exist or is not a file.").arg(QDir::toNativeSeparators(path));
        return false;
    }
    if (!isVideoPath(path)) {
        // Refuse at once what is recognisably not an image, with the reason; decoding (and
        // the loader's full checks) runs in the background.
        QFile file(path);
        std::string head;
        if (file.open(QIODevice::ReadOnly))
            head = file.read(1 << 16).toStdString();
        QString why;
        try {
            if (!mw::readImageHeader(head).known && QImageReader::imageFormat(path).isEmpty()) {
                // The loader's own words for what the bytes are (empty, text, ...), as the CLI
                // gives them; a small file in a format without a parsed header may still decode.
                try {
                    mw::decodeImage(head);
                } catch (const mw::ImageLoadError &e) {
                    static const QString prefix = QStringLiteral("cannot decode the image data: ");
                    why = QString::fromUtf8(e.what());
                    if (why.startsWith(prefix))
                        why.remove(0, prefix.size());
                }
            }
        } catch (const std::exception &e) {
            why = QString::fromUtf8(e.what());
        }
        if (!why.isEmpty()) {
            if (errorMessage)
                *errorMessage =
                    tr("Cannot open %1 as an image: %2.").arg(QDir::toNativeSeparators(path), why);
            return false;
        }
    }
    if (starting_) {
        // The startup job is loading the model: it opens this file instead of the default
        // photo when it is done (starting another job now would supersede the model load).
        pendingFile_ = path;
        return true;
    }
    if (isVideoPath(path))
        return openVideo(path, errorMessage);
    openPhoto(path);
    return true;
}

void WeatherWorkspace::dragEnterEvent(QDragEnterEvent *event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile() && canOpen(urls.first().toLocalFile()))
        event->acceptProposedAction();
}

void WeatherWorkspace::dropEvent(QDropEvent *event) {
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty())
        return;
    QString error;
    if (!openFile(urls.first().toLocalFile(), &error))
        showError(error);
    event->acceptProposedAction();
}

void WeatherWorkspace::startupJob(const QString &file) {
    struct Startup {
        std::optional<LoadedModel> model;
        QString modelError;
        std::optional<mw::LoadedImage> image;
        QString imageError;
    };
    ready_ = false;
    loading_ = true;
    starting_ = true;
    caption_->setText(tr("Loading the model and %1…").arg(QFileInfo(file).fileName()));
    const QString modelDir =
        options_.modelDir.isEmpty() ? fromPath(mowe::shippedModelDir()) : options_.modelDir;
    const auto untrained = options_.untrainedOptions;
    const auto seed = options_.untrainedSeed;
    const bool photo = !file.isEmpty() && !isVideoPath(file);
    mw::ImageLoadOptions loadOptions;
    loadOptions.maxPixels = options_.maxPixels;
    jobs_->start(
        tr("Loading the model"),
        [=](JobContext &context) {
            Startup result;
            try {
                if (untrained)
                    result.model = untrainedModel(*untrained, seed);
                else if (!QFileInfo::exists(modelDir + QStringLiteral("/model.json")))
                    result.modelError =
                        tr("No model found at %1 (the shipped model is not installed). Use "
                           "Model → Load Model Folder… to choose one.")
                            .arg(QDir::toNativeSeparators(modelDir));
                else
                    result.model = loadModelFolder(modelDir);
            } catch (const std::exception &e) {
                result.modelError =
                    tr("The model at %1 cannot be used: %2")
                        .arg(QDir::toNativeSeparators(modelDir), QString::fromUtf8(e.what()));
            }
            context.setProgress(0.5);
            if (photo) {
                try {
                    result.image = mw::loadImage(toPath(file), loadOptions);
                } catch (const std::exception &e) {
                    result.imageError = QString::fromUtf8(e.what());
                }
            }
            return result;
        },
        [this, file, photo](Startup result) {
            loading_ = false;
            starting_ = false;
            if (result.model)
                setModel(*result.model);
            else
                showNote(result.modelError);
            if (!pendingFile_.isEmpty()) {
                QString error;
                if (!openFile(std::exchange(pendingFile_, QString()), &error))
                    showError(error);
            } else if (photo) {
                if (result.image) {
                    QStringList notes;
                    for (const auto &n : result.image->notes)
                        notes << QString::fromStdString(n);
                    setSource(file, result.image->bgr, notes);
                } else {
                    showError(result.imageError);
                }
            } else if (!file.isEmpty()) {
                QString error;
                if (!openVideo(file, &error))
                    showError(error);
            }
            scheduleReadyCheck();
        });
}

void WeatherWorkspace::openPhoto(const QString &path) {
    ready_ = false;
    mw::ImageLoadOptions loadOptions;
    loadOptions.maxPixels = options_.maxPixels;
    caption_->setText(tr("Loading %1…").arg(QFileInfo(path).fileName()));
    loading_ = true;
    struct Loaded {
        std::optional<mw::LoadedImage> image;
        QString error;
    };
    jobs_->start(
        tr("Loading %1").arg(QFileInfo(path).fileName()),
        [=](JobContext &) {
            Loaded result;
            try {
                result.image = mw::loadImage(toPath(path), loadOptions);
            } catch (const std::exception &e) {
                result.error = QString::fromUtf8(e.what());
            }
            return result;
        },
        [this, path](Loaded result) {
            loading_ = false;
            if (!result.image) {
                // The previous image stays: nothing it shows has been touched.
                showError(result.error);
                if (!clean_.empty() && restored_.empty())
                    runPipeline(false);
                scheduleReadyCheck();
                return;
            }
            closeVideo();
            QStringList notes;
            for (const auto &n : result.image->notes)
                notes << QString::fromStdString(n);
            setSource(path, result.image->bgr, notes);
        });
}

void WeatherWorkspace::setSource(const QString &path,
                                 const cv::Mat &clean,
                                 const QStringList &notes) {
    path_ = path;
    loadNotes_ = notes;
    clean_ = clean;
    error_.clear();
    restored_.release();
    trace_ = {};
    expertImages_.clear();
    contributionImages_.clear();
    expertsStale_ = true;
    detections_.clear();
    canvas_->setBoxes({}, {});
    runPipeline(false);
}

bool WeatherWorkspace::openVideo(const QString &path, QString *errorMessage) {
    auto capture = std::make_unique<cv::VideoCapture>();
    bool opened = false;
    try {
        opened = capture->open(QFile::encodeName(path).toStdString());
    } catch (const cv::Exception &e) {
        opened = false;
    }
    cv::Mat first;
    if (opened) {
        try {
            opened = capture->read(first) && !first.empty();
        } catch (const cv::Exception &) {
            opened = false;
        }
        if (!opened) {
            if (errorMessage)
                *errorMessage =
                    tr("%1 opened as a video but has no readable frame (empty or corrupt).")
                        .arg(QDir::toNativeSeparators(path));
            return false;
        }
    } else {
        if (errorMessage)
            *errorMessage = tr("Cannot open %1 as a video: OpenCV's video reader does not "
                               "recognise it (unsupported codec or not a video).")
                                .arg(QDir::toNativeSeparators(path));
        return false;
    }
    const cv::Mat frame = frameToFloat(first);
    if (std::int64_t(frame.total()) > options_.maxPixels) {
        if (errorMessage)
            *errorMessage = tr("%1: frames of %2 × %3 pixels are more than the limit of %4 "
                               "pixels.")
                                .arg(QDir::toNativeSeparators(path))
                                .arg(frame.cols)
                                .arg(frame.rows)
                                .arg(options_.maxPixels);
        return false;
    }
    closeVideo();
    video_ = std::move(capture);
    frameIndex_ = 0;
    dropped_ = 0;
    frameCount_ = int(video_->get(cv::CAP_PROP_FRAME_COUNT));
    fps_ = video_->get(cv::CAP_PROP_FPS);
    if (!(fps_ > 0 && fps_ < 240))
        fps_ = 25;
    videoBar_->show();
    ready_ = false;
    setSource(path, frame, {});
    frameLabel_->setText(tr("Frame 1 of %1").arg(frameCount_));
    return true;
}

void WeatherWorkspace::closeVideo() {
    playTimer_.stop();
    video_.reset();
    frameIndex_ = -1;
    videoBar_->hide();
    playButton_->setText(tr("Play"));
}

bool WeatherWorkspace::isPlaying() const {
    return playTimer_.isActive();
}

void WeatherWorkspace::play() {
    if (!video_)
        return;
    playTimer_.start(int(1000 / fps_));
    playButton_->setText(tr("Pause"));
}

void WeatherWorkspace::pause() {
    playTimer_.stop();
    playButton_->setText(tr("Play"));
}

void WeatherWorkspace::onTimerTick() {
    if (!video_)
        return;
    // Real time: a frame that arrives while the previous one is still being restored is
    // skipped, so the view never falls behind the video.
    if (jobs_->isBusy()) {
        cv::Mat skipped;
        if (!video_->grab()) {
            pause();
            showNote(tr("End of the video after %1 frames.").arg(frameIndex_ + 1));
            return;
        }
        ++frameIndex_;
        ++dropped_;
        return;
    }
    stepFrame();
}

bool WeatherWorkspace::stepFrame() {
    if (!video_)
        return false;
    cv::Mat frame;
    bool ok = false;
    try {
        ok = video_->read(frame) && !frame.empty();
    } catch (const cv::Exception &) {
        ok = false;
    }
    if (!ok) {
        pause();
        const int read = frameIndex_ + 1;
        if (frameCount_ > 0 && read < frameCount_)
            showError(tr("The video stopped at frame %1 of %2: the stream is broken or "
                         "truncated. The last frame stays on screen.")
                          .arg(read)
                          .arg(frameCount_));
        else
            showNote(tr("End of the video after %1 frames.").arg(read));
        scheduleReadyCheck();
        return false;
    }
    ++frameIndex_;
    frameLabel_->setText(
        tr("Frame %1 of %2 · %3 dropped").arg(frameIndex_ + 1).arg(frameCount_).arg(dropped_));
    ready_ = false;
    clean_ = frameToFloat(frame);
    runPipeline(isPlaying());
    return true;
}

// ---- the pipeline: weather → restore → trace ----------------------------------------------

mm::RestoreOptions WeatherWorkspace::restoreOptions(bool fast) const {
    mm::RestoreOptions o;
    o.tile = options_.tile;
    o.overlap = options_.overlap;
    o.fast = fast;
    return o;
}

mw::WeatherSpec WeatherWorkspace::weather() const {
    mw::WeatherSpec spec;
    spec.rain = weatherSliders_[0]->value() / 100.0f;
    spec.snow = weatherSliders_[1]->value() / 100.0f;
    spec.fog = weatherSliders_[2]->value() / 100.0f;
    spec.raindrops = weatherSliders_[3]->value() / 100.0f;
    return spec;
}

void WeatherWorkspace::setWeather(const mw::WeatherSpec &spec) {
    weatherChanging_ = true;
    const float values[4] = {spec.rain, spec.snow, spec.fog, spec.raindrops};
    for (int i = 0; i < 4; ++i)
        weatherSliders_[i]->setValue(int(std::lround(values[i] * 100)));
    weatherChanging_ = false;
    runPipeline(true);
}

QString WeatherWorkspace::setWeatherText(const QString &spec) {
    try {
        setWeather(mw::parseWeatherSpec(spec.toStdString()));
        return {};
    } catch (const std::exception &e) {
        return QString::fromUtf8(e.what());
    }
}

void WeatherWorkspace::runPipeline(bool preview) {
    // A load in flight would be superseded by this job and lost; its result handler runs the
    // pipeline with the sliders as they are then.
    if (clean_.empty() || loading_) {
        scheduleReadyCheck();
        return;
    }
    ready_ = false;
    const std::uint64_t token = ++pipelineToken_;
    const mw::WeatherSpec spec = weather();
    const std::uint64_t seed = std::uint64_t(seedBox_->value());
    const cv::Mat clean = clean_;
    const LoadedModel model = model_;
    // The preview restores only what is visible, with non-overlapping tiles: the full pass
    // follows, so a coarse seam for a moment is the price of a quick answer.
    QRect visible = canvas_->visibleImageRect();
    const bool fullyVisible = visible.isEmpty() || visible.size() == QSize(clean.cols, clean.rows);
    cv::Rect crop(0, 0, clean.cols, clean.rows);
    if (!fullyVisible && model.isValid()) {
        const int P = model.restorer->info().patch;
        const int x0 = visible.left() / P * P, y0 = visible.top() / P * P;
        crop = cv::Rect(x0,
                        y0,
                        std::min(clean.cols - x0, visible.width() + (visible.left() - x0)),
                        std::min(clean.rows - y0, visible.height() + (visible.top() - y0)));
    }
    const mm::RestoreOptions fastOptions = restoreOptions(true);
    // Zoomed out, the screen shows fewer pixels than the image has: restore at (at most)
    // screen resolution, and never more than kPreviewPixels, then scale back up.
    const double previewScale =
        std::min({1.0,
                  canvas_->zoom() > 0 ? canvas_->zoom() : 1.0,
                  std::sqrt(kPreviewPixels / std::max(1.0, double(crop.area())))});
    QElapsedTimer requested;
    requested.start();

    struct Stage {
        cv::Mat input, labels, restored;
        cv::Rect crop;
        mm::RouteTrace trace;
        QString error;
    };
    jobs_->start(
        preview ? tr("Preview") : tr("Adding weather"),
        [=](JobContext &context) {
            Stage stage;
            stage.crop = crop;
            if (spec.isClear()) {
                stage.input = clean;
            } else {
                auto synth = mw::synthesize(clean, spec, seed);
                stage.input = synth.image;
                stage.labels = synth.labels;
            }
            if (!preview || !model.isValid() || context.isCancelled())
                return stage;
            mm::RestoreOptions o = fastOptions;
            o.trace = false;
            o.cancelled = [&context] { return context.isCancelled(); };
            try {
                const cv::Mat part = stage.input(crop);
                if (previewScale < 1.0) {
                    cv::Mat small;
                    cv::resize(part, small, cv::Size(), previewScale, previewScale, cv::INTER_AREA);
                    cv::resize(model.restore(small, o).restored,
                               stage.restored,
                               part.size(),
                               0,
                               0,
                               cv::INTER_LINEAR);
                } else {
                    stage.restored = model.restore(part.clone(), o).restored;
                }
            } catch (const mm::Cancelled &) {
            } catch (const std::exception &e) {
                stage.error = QString::fromUtf8(e.what());
            }
            return stage;
        },
        [this, token, preview, previewScale, requested](Stage stage) {
            if (token != pipelineToken_)
                return;
            if (preview && !stage.restored.empty()) {
                lastPreviewSeconds_ = requested.elapsed() / 1000.0;
                qCInfo(lcWeather).nospace()
                    << "preview of " << stage.crop.width << "x" << stage.crop.height << " at "
                    << int(std::lround(previewScale * 100)) << "% shown " << lastPreviewSeconds_
                    << " s after the request";
            }
            input_ = stage.input;
            labels_ = stage.labels;
            if (!stage.error.isEmpty()) {
                showError(tr("Restoration failed: %1").arg(stage.error));
                return;
            }
            QImage before = toQImage(input_);
            QImage after;
            if (preview && !stage.restored.empty()) {
                cv::Mat shown =
                    restored_.size() == input_.size() ? restored_.clone() : input_.clone();
                stage.restored.copyTo(shown(stage.crop));
                after = toQImage(shown);
            } else if (restored_.size() == input_.size()) {
                after = toQImage(restored_);
            }
            canvas_->setImages(before, after);
            if (!model_.isValid()) {
                restored_.release();
                trace_ = {};
                refreshOverlay();
                refreshStatistics();
                updateCaption();
                startMetrics();
                return;
            }
            startFullRestore(token);
        });
}

void WeatherWorkspace::startFullRestore(std::uint64_t token) {
    const cv::Mat input = input_;
    const LoadedModel model = model_;
    // Video frames during playback use the fast tiling too: a frame must be done before the
    // next one is due.
    mm::RestoreOptions o = restoreOptions(isPlaying());
    struct Full {
        mm::RestoreResult result;
        QString error;
    };
    jobs_->start(
        tr("Restoring"),
        [=](JobContext &context) {
            Full full;
            mm::RestoreOptions options = o;
            options.cancelled = [&context] { return context.isCancelled(); };
            options.progress = [&context](double f) { context.setProgress(f); };
            try {
                full.result = model.restore(input, options);
            } catch (const mm::Cancelled &) {
            } catch (const std::exception &e) {
                full.error = QString::fromUtf8(e.what());
            }
            return full;
        },
        [this, token](Full full) {
            if (token != pipelineToken_)
                return;
            if (!full.error.isEmpty()) {
                showError(tr("Restoration failed: %1").arg(full.error));
                return;
            }
            restored_ = full.result.restored;
            trace_ = std::move(full.result.trace);
            qCDebug(lcWeather) << "restored in" << full.result.seconds << "s," << full.result.tiles
                               << "tiles";
            showResult();
        });
}

void WeatherWorkspace::showResult() {
    canvas_->setImages(toQImage(input_), toQImage(restored_));
    const int layers = int(trace_.layers.size());
    if (layerBox_->count() != layers) {
        const QSignalBlocker block(layerBox_);
        layerBox_->clear();
        for (int l = 0; l < layers; ++l)
            layerBox_->addItem(tr("%1 of %2").arg(l + 1).arg(layers));
        layerBox_->setCurrentIndex(std::max(0, layers - 1));
    }
    layerBox_->setEnabled(layers > 1);
    canvas_->setGrid(gridBox_->isChecked() ? trace_.grid.patch : 0);
    refreshOverlay();
    refreshStatistics();
    updateCaption();
    expertsStale_ = true;
    expertImages_.clear();
    contributionImages_.clear();
    refreshExperts();
    if (!isPlaying())
        startMetrics();
    scheduleReadyCheck();
}

void WeatherWorkspace::updateCaption() {
    QString text =
        tr("%1 — %2 × %3 px").arg(QFileInfo(path_).fileName()).arg(clean_.cols).arg(clean_.rows);
    if (!weather().isClear())
        text += tr(" · synthetic %1 (seed %2)")
                    .arg(QString::fromStdString(mw::toString(weather())))
                    .arg(seedBox_->value());
    if (!loadNotes_.isEmpty())
        text += tr(" · ") + loadNotes_.join(QStringLiteral("; "));
    if (!error_.isEmpty())
        text += QStringLiteral("\n") + error_;
    caption_->setText(text);
}

// ---- overlays, legend, hover --------------------------------------------------------------

OverlayKind WeatherWorkspace::overlay() const {
    return OverlayKind(overlayBox_->currentData().toInt());
}

void WeatherWorkspace::setOverlay(OverlayKind kind) {
    overlayBox_->setCurrentIndex(overlayBox_->findData(int(kind)));
}

void WeatherWorkspace::setOverlayOpacity(double opacity) {
    opacitySlider_->setValue(int(std::lround(opacity * 100)));
}

int WeatherWorkspace::layer() const {
    return std::max(0, layerBox_->currentIndex());
}

void WeatherWorkspace::setLayer(int layer) {
    layerBox_->setCurrentIndex(layer);
}

void WeatherWorkspace::setProbabilityExpert(int expert) {
    expertBox_->setCurrentIndex(expert);
}

void WeatherWorkspace::setGridVisible(bool visible) {
    gridBox_->setChecked(visible);
}

void WeatherWorkspace::refreshOverlay() {
    canvas_->setOverlay(trace_.layers.empty()
                            ? QImage()
                            : overlayImage(trace_, layer(), overlay(), expertBox_->currentIndex()));
    refreshLegend();
}

void WeatherWorkspace::refreshLegend() {
    if (!model_.isValid()) {
        legend_->clear();
        return;
    }
    const QStringList labels = model_.expertLabels();
    QString text;
    switch (overlay()) {
    case OverlayKind::TopExpert:
        for (int e = 0; e < labels.size(); ++e)
            text += swatch(expertColor(e)) + QStringLiteral(" %1&nbsp;&nbsp; ").arg(labels[e]);
        break;
    case OverlayKind::Probability:
        text = tr("Probability of %1: dark 0 → yellow 1").arg(expertBox_->currentText());
        break;
    case OverlayKind::Entropy:
        text = tr("Routing entropy: dark 0 (certain) → yellow ln %1 (uniform)").arg(labels.size());
        break;
    case OverlayKind::WeatherEmbedding:
        text = tr("Weather embedding: principal components 1, 2, 3 as red, green, blue");
        break;
    case OverlayKind::None:
        break;
    }
    legend_->setText(text);
}

QString WeatherWorkspace::tokenDescription(QPoint pixel) const {
    if (trace_.layers.empty() || pixel.x() < 0 || pixel.y() < 0)
        return {};
    const auto &grid = trace_.grid;
    const int r = pixel.y() / grid.patch, c = pixel.x() / grid.patch;
    if (r >= grid.rows || c >= grid.cols)
        return {};
    const int t = r * grid.cols + c;
    const auto &L = trace_.layers[std::size_t(layer())];
    const QStringList labels = model_.expertLabels();
    auto label = [&](int e) {
        return e < labels.size() ? labels[e] : QStringLiteral("E%1").arg(e);
    };
    QStringList top, gates;
    for (int i = 0; i < L.topK; ++i) {
        const int e = L.topk[std::size_t(t) * L.topK + i];
        top << QStringLiteral("%1 %2").arg(label(e)).arg(
            L.gates[std::size_t(t) * L.experts + e], 0, 'f', 2);
    }
    for (int e = 0; e < L.experts; ++e)
        gates << QString::number(L.gates[std::size_t(t) * L.experts + e], 'f', 2);
    return tr("token (%1, %2) · layer %3 · top-%4: %5 · gates [%6] · entropy %7 nats")
        .arg(r)
        .arg(c)
        .arg(layer() + 1)
        .arg(L.topK)
        .arg(top.join(QStringLiteral(", ")), gates.join(QStringLiteral(", ")))
        .arg(L.entropy[std::size_t(t)], 0, 'f', 3);
}

void WeatherWorkspace::onHover(QPoint pixel) {
    const QString text = tokenDescription(pixel);
    hover_->setText(text);
    if (!text.isEmpty())
        Q_EMIT statusMessage(text);
}

// ---- statistics --------------------------------------------------------------------------------

QVector<double> WeatherWorkspace::expertLoad() const {
    QVector<double> load;
    if (trace_.layers.empty())
        return load;
    for (double v : trace_.layers[std::size_t(layer())].load)
        load << v;
    return load;
}

QVector<double> WeatherWorkspace::entropyHistogram() const {
    QVector<double> bins;
    if (trace_.layers.empty())
        return bins;
    const auto &L = trace_.layers[std::size_t(layer())];
    bins.fill(0.0, kEntropyBins);
    const double top = L.experts > 1 ? std::log(double(L.experts)) : 1.0;
    for (float h : L.entropy) {
        const int b = std::clamp(int(h / top * kEntropyBins), 0, kEntropyBins - 1);
        bins[b] += 1;
    }
    return bins;
}

void WeatherWorkspace::refreshStatistics() {
    const QStringList labels = model_.expertLabels();
    QVector<QColor> colours;
    for (int e = 0; e < labels.size(); ++e)
        colours << expertColor(e);
    QVector<double> load = expertLoad();
    for (double &v : load)
        v *= 100;
    loadChart_->setBars(load,
                        labels,
                        colours,
                        100.0 / std::max<qsizetype>(1, labels.size()),
                        QStringLiteral("%1 %"));
    const QVector<double> hist = entropyHistogram();
    QStringList binLabels;
    for (int b = 0; b < hist.size(); ++b)
        binLabels << (b == 0                 ? QStringLiteral("0")
                      : b == hist.size() - 1 ? QStringLiteral("ln E")
                                             : QString());
    entropyChart_->setBars(hist, binLabels, {}, 1.0, QStringLiteral("%1"), 0);

    nmi_ = std::numeric_limits<double>::quiet_NaN();
    nmiTable_->clear();
    nmiTable_->setRowCount(0);
    nmiTable_->setColumnCount(0);
    if (trace_.layers.empty() || labels_.empty()) {
        nmiLabel_->setText(tr("Expert × weather table: add synthetic weather (Weather panel) so "
                              "every token has a known weather label."));
        return;
    }
    const auto &grid = trace_.grid;
    const auto &L = trace_.layers[std::size_t(layer())];
    cv::Mat tokenLabels;
    try {
        tokenLabels = mw::tokenLabels(labels_, grid.patch);
    } catch (const std::exception &e) {
        nmiLabel_->setText(QString::fromUtf8(e.what()));
        return;
    }
    std::vector<int> experts, weathers;
    for (int r = 0; r < std::min(grid.rows, tokenLabels.rows); ++r)
        for (int c = 0; c < std::min(grid.cols, tokenLabels.cols); ++c) {
            experts.push_back(topExpert(L, r * grid.cols + c));
            weathers.push_back(tokenLabels.at<uchar>(r, c));
        }
    const mw::RoutingStats stats =
        mw::routingStats(experts, weathers, {}, L.experts, mw::kWeatherClasses);
    nmi_ = stats.uncertaintyCoefficient;
    nmiLabel_->setText(tr("Tokens by top-1 expert and weather label. NMI = I(expert; weather) / "
                          "H(weather) = <b>%1</b> (0: the router ignores the weather, 1: the "
                          "expert names it).")
                           .arg(nmi_, 0, 'f', 3));
    nmiTable_->setRowCount(L.experts);
    nmiTable_->setColumnCount(mw::kWeatherClasses);
    QStringList header;
    for (int w = 0; w < mw::kWeatherClasses; ++w)
        header << QString::fromLatin1(mw::weatherName(w));
    nmiTable_->setHorizontalHeaderLabels(header);
    nmiTable_->setVerticalHeaderLabels(labels);
    for (int e = 0; e < L.experts; ++e)
        for (int w = 0; w < mw::kWeatherClasses; ++w)
            nmiTable_->setItem(e,
                               w,
                               new QTableWidgetItem(QString::number(
                                   stats.contingency[std::size_t(e)][std::size_t(w)])));
}

// ---- experts panel ----------------------------------------------------------------------------

void WeatherWorkspace::refreshExperts() {
    const bool shown = panels_->currentIndex() == 1;
    if (!shown || !expertsStale_)
        return;
    startExperts();
}

void WeatherWorkspace::startExperts() {
    // Clear the grid.
    while (QLayoutItem *item = expertsGrid_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    if (!model_.isValid() || input_.empty() || trace_.layers.empty()) {
        expertsNote_->setText(tr("Expert outputs appear here once an image is restored."));
        return;
    }
    if (!model_.restorer->info().supportsForcedRouting) {
        expertsNote_->setText(tr("This model (%1) does not support forced routing, so the "
                                 "experts' own outputs cannot be shown.")
                                  .arg(QString::fromStdString(model_.restorer->info().name)));
        expertsStale_ = false;
        return;
    }
    expertsStale_ = false;
    ready_ = false;
    const int experts = model_.restorer->info().experts;
    expertsNote_->setText(tr("Computing %1 expert outputs by forced routing…").arg(experts));
    const cv::Mat input = input_;
    const LoadedModel model = model_;
    const std::uint64_t token = pipelineToken_;
    mm::RestoreOptions o = restoreOptions(false);
    o.trace = false;
    expertJobs_->start(
        tr("Expert outputs"),
        [=](JobContext &context) {
            QList<QImage> images;
            for (int e = 0; e < experts && !context.isCancelled(); ++e) {
                mm::RestoreOptions forced = o;
                forced.forcedExpert = e;
                forced.forcedLayer = -1;
                forced.cancelled = [&context] { return context.isCancelled(); };
                try {
                    images << toQImage(model.restore(input, forced).restored);
                } catch (const mm::Cancelled &) {
                    break;
                }
                context.setProgress(double(e + 1) / experts);
            }
            return images;
        },
        [this, token](QList<QImage> images) {
            if (token != pipelineToken_)
                return;
            expertImages_ = images;
            contributionImages_.clear();
            const QStringList labels = model_.expertLabels();
            expertsNote_->setText(
                tr("Left: the restored image when every token of every layer goes to that "
                   "expert alone (forced routing). Right: the expert's contribution "
                   "‖g·Expert(x)‖ per token in layer %1, on one scale. Click to enlarge.")
                    .arg(layer() + 1));
            for (int e = 0; e < images.size(); ++e) {
                const QImage contribution = contributionImage(trace_, layer(), e);
                contributionImages_ << contribution;
                auto *title =
                    new QLabel(QStringLiteral("%1 %2").arg(swatch(expertColor(e)), labels.value(e)),
                               expertsPage_);
                title->setTextFormat(Qt::RichText);
                expertsGrid_->addWidget(title, 2 * e, 0, 1, 2);
                for (int k = 0; k < 2; ++k) {
                    const QImage image = k == 0 ? images[e] : contribution;
                    auto *button = new QToolButton(expertsPage_);
                    button->setObjectName(QStringLiteral("expert%1_%2").arg(e).arg(k));
                    button->setAutoRaise(true);
                    button->setIconSize(QSize(150, 110));
                    if (!image.isNull())
                        button->setIcon(QPixmap::fromImage(
                            image.scaled(150, 110, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
                    else
                        button->setText(tr("(no contribution map)"));
                    const QString name =
                        labels.value(e) + (k == 0 ? tr(" output") : tr(" contribution"));
                    connect(button, &QToolButton::clicked, this, [this, image, name] {
                        if (image.isNull())
                            return;
                        auto *dialog = new QDialog(this);
                        dialog->setAttribute(Qt::WA_DeleteOnClose);
                        dialog->setWindowTitle(name);
                        auto *view = new ImageCanvas(dialog);
                        view->setImages(image, {});
                        auto *l = new QVBoxLayout(dialog);
                        l->addWidget(view);
                        dialog->resize(900, 650);
                        dialog->show();
                    });
                    expertsGrid_->addWidget(button, 2 * e + 1, k);
                }
            }
        });
}

// ---- metrics ------------------------------------------------------------------------------------

void WeatherWorkspace::startMetrics() {
    if (!options_.metrics || input_.empty())
        return;
    ready_ = false;
    const cv::Mat input = input_, restored = restored_;
    const cv::Mat clean = labels_.empty() ? cv::Mat() : clean_;
    const std::uint64_t token = pipelineToken_;
    struct Scores {
        QString text;
        QVector<QRect> boxes;
    };
    metricsLabel_->setText(tr("Computing metrics…"));
    metricJobs_->start(
        tr("Metrics"),
        [=](JobContext &) {
            Scores s;
            QStringList lines;
            if (!clean.empty()) {
                lines << tr("<b>Against the clean photo</b>");
                lines << tr("PSNR: input %1 dB").arg(mw::psnr(clean, input), 0, 'f', 2) +
                             (restored.empty() ? QString()
                                               : tr(" → restored %1 dB")
                                                     .arg(mw::psnr(clean, restored), 0, 'f', 2));
                lines << tr("SSIM: input %1").arg(mw::ssim(clean, input), 0, 'f', 3) +
                             (restored.empty()
                                  ? QString()
                                  : tr(" → restored %1").arg(mw::ssim(clean, restored), 0, 'f', 3));
            } else {
                lines << tr("No clean version is known (a real photo): PSNR and SSIM need one. "
                            "Add synthetic weather to get them.");
            }
            auto &models = MetricModels::instance();
            std::lock_guard guard(models.lock);
            models.ensureLoaded();
            lines << tr("<b>BRISQUE</b> (no reference; lower is better)");
            if (models.brisque) {
                QString b = tr("input %1").arg(models.brisque->score(input), 0, 'f', 1);
                if (!restored.empty())
                    b += tr(" → restored %1").arg(models.brisque->score(restored), 0, 'f', 1);
                lines << b;
            } else {
                lines << models.brisqueError;
            }
            lines << tr("<b>People detection</b> (HOG + Haar, boxes drawn on the image)");
            if (models.people) {
                const cv::Mat scored = restored.empty() ? input : restored;
                if (!clean.empty()) {
                    const auto p = mw::perceptionScore(*models.people, clean, input, restored);
                    if (p.weatherScore.defined()) {
                        lines << tr("F1 against detections on the clean photo (%1 people): "
                                    "input %2")
                                         .arg(p.weatherScore.reference)
                                         .arg(p.weatherScore.f1(), 0, 'f', 2) +
                                     (p.hasRestored ? tr(" → restored %1 (gain %2)")
                                                          .arg(p.restoredScore.f1(), 0, 'f', 2)
                                                          .arg(p.gain(), 0, 'f', 2)
                                                    : QString());
                    } else {
                        lines << tr("Nobody is detected on the clean photo, so the detection F1 "
                                    "is undefined here.");
                    }
                    for (const auto &d : p.hasRestored ? p.restored : p.weather)
                        s.boxes << QRect(d.box.x, d.box.y, d.box.width, d.box.height);
                } else {
                    const auto found = models.people->detect(scored);
                    for (const auto &d : found)
                        s.boxes << QRect(d.box.x, d.box.y, d.box.width, d.box.height);
                    lines << tr("%1 people found on the %2 image (F1 needs a clean version).")
                                 .arg(found.size())
                                 .arg(restored.empty() ? tr("input") : tr("restored"));
                }
            } else {
                lines << models.peopleError;
            }
            s.text = lines.join(QStringLiteral("<br>"));
            return s;
        },
        [this, token](Scores s) {
            if (token != pipelineToken_)
                return;
            metrics_ = s.text;
            metricsLabel_->setText(s.text);
            detections_ = s.boxes;
            canvas_->setBoxes(detections_, QColor(255, 64, 64));
        });
}

QString WeatherWorkspace::metricsText() const {
    return metricsLabel_->text();
}

// ---- model ------------------------------------------------------------------------------------

void WeatherWorkspace::setModel(const LoadedModel &model) {
    model_ = model;
    const auto &info = model_.restorer->info();
    modelLabel_->setText(tr("%1 (%2 experts, %3 layers)")
                             .arg(QString::fromStdString(info.name))
                             .arg(info.experts)
                             .arg(info.depth));
    modelLabel_->setToolTip(model_.source);
    {
        const QSignalBlocker block(expertBox_);
        expertBox_->clear();
        expertBox_->addItems(model_.expertLabels());
    }
    layerBox_->clear();
    if (note_->objectName() == QLatin1String("noModelNote"))
        note_->hide();
    refreshLegend();
}

void WeatherWorkspace::loadModel(const QString &path, bool torchScript) {
    struct Loaded {
        std::optional<LoadedModel> model;
        QString error;
    };
    ready_ = false;
    loading_ = true;
    jobs_->start(
        tr("Loading model %1").arg(QFileInfo(path).fileName()),
        [=](JobContext &) {
            Loaded l;
            try {
                l.model = torchScript ? loadTorchScriptModel(path) : loadModelFolder(path);
            } catch (const std::exception &e) {
                l.error = QString::fromUtf8(e.what());
            }
            return l;
        },
        [this, path](Loaded l) {
            loading_ = false;
            if (!l.model) {
                showError(tr("Could not load the model %1: %2%3")
                              .arg(QDir::toNativeSeparators(path),
                                   l.error,
                                   model_.isValid() ? tr(" The previous model stays in use.")
                                                    : QString()));
                scheduleReadyCheck();
                return;
            }
            setModel(*l.model);
            restored_.release();
            runPipeline(false);
        });
}

// ---- messages, readiness --------------------------------------------------------------------

void WeatherWorkspace::showError(const QString &message) {
    error_ = message;
    qCWarning(lcWeather).noquote() << message;
    note_->setText(message);
    note_->setStyleSheet(QStringLiteral("QLabel { background: #fde2e1; color: #5c0b07; "
                                        "padding: 6px 10px; border-bottom: 1px solid #e08080; }"));
    note_->show();
    Q_EMIT statusMessage(message);
    updateCaption();
}

void WeatherWorkspace::showNote(const QString &message) {
    note_->setText(message);
    note_->setStyleSheet(QStringLiteral("QLabel { background: #fff4ce; color: #3b2f00; "
                                        "padding: 6px 10px; border-bottom: 1px solid #e0c060; }"));
    note_->setVisible(!message.isEmpty());
    if (!message.isEmpty())
        Q_EMIT statusMessage(message);
}

QString WeatherWorkspace::noteText() const {
    return note_->isVisibleTo(const_cast<WeatherWorkspace *>(this)) ? note_->text() : QString();
}

void WeatherWorkspace::scheduleReadyCheck() {
    readyTimer_.start();
}

void WeatherWorkspace::updateReady() {
    const bool idle = !jobs_->isBusy() && !expertJobs_->isBusy() && !metricJobs_->isBusy();
    if (idle && !ready_) {
        ready_ = true;
        Q_EMIT ready();
    } else if (!idle) {
        ready_ = false;
    }
}

// ---- what is shown ----------------------------------------------------------------------------

QImage WeatherWorkspace::photo() const {
    return canvas_->before();
}

QImage WeatherWorkspace::restoredImage() const {
    return restored_.empty() ? QImage() : toQImage(restored_);
}

QImage WeatherWorkspace::viewImage() const {
    return canvas_->composite();
}

void WeatherWorkspace::showPanel(const QString &name) {
    const QStringList names = {QStringLiteral("statistics"),
                               QStringLiteral("experts"),
                               QStringLiteral("weather"),
                               QStringLiteral("metrics")};
    const int index = names.indexOf(name);
    if (index >= 0)
        panels_->setCurrentIndex(index);
}

// ---- exports ----------------------------------------------------------------------------------

QString WeatherWorkspace::exportFilter() const {
    return tr("PNG image (*.png)");
}

void WeatherWorkspace::exportTo(const QString &path) {
    writePng(viewImage(), path);
}

void WeatherWorkspace::exportRestored(const QString &path) const {
    if (restored_.empty())
        throw std::runtime_error("nothing is restored yet");
    writePng(toQImage(restored_), path);
}

void WeatherWorkspace::exportOverlay(const QString &path, OverlayKind kind) const {
    const QImage image = overlayImage(trace_, layer(), kind, expertBox_->currentIndex());
    if (image.isNull())
        throw std::runtime_error("there is no route trace to draw yet");
    writePng(image, path);
}

void WeatherWorkspace::exportExperts(const QString &directory) const {
    if (expertImages_.isEmpty())
        throw std::runtime_error("the expert outputs are not computed yet: show the Experts panel");
    const QStringList labels = model_.expertLabels();
    for (int e = 0; e < expertImages_.size(); ++e) {
        writePng(expertImages_[e], QDir(directory).filePath(QStringLiteral("expert%1.png").arg(e)));
        if (e < contributionImages_.size() && !contributionImages_[e].isNull())
            writePng(contributionImages_[e],
                     QDir(directory).filePath(QStringLiteral("expert%1-contribution.png").arg(e)));
    }
}

void WeatherWorkspace::exportTraceJson(const QString &path) const {
    if (trace_.layers.empty())
        throw std::runtime_error("there is no route trace yet");
    nlohmann::json j = traceJson(trace_, true);
    j["image"] = QFileInfo(path_).fileName().toStdString();
    j["model"] = model_.source.toStdString();
    j["weather"] = mw::toString(weather());
    mowe::writeFileAtomically(toPath(path), j.dump(1));
}

void WeatherWorkspace::exportComparison(const QString &path) const {
    // Input | restored | overlay, side by side with captions.
    const QImage a = toQImage(input_);
    if (a.isNull())
        throw std::runtime_error("there is no image yet");
    const QImage b = restored_.empty() ? QImage() : toQImage(restored_);
    QImage c = overlayImage(trace_, layer(), overlay(), expertBox_->currentIndex());
    const QList<QPair<QString, QImage>> panels = {
        {tr("input"), a}, {tr("restored"), b}, {overlayBox_->currentText(), c}};
    const int caption = 28, gap = 8;
    QImage figure(a.width() * 3 + gap * 4, a.height() + caption + gap * 2, QImage::Format_RGB32);
    figure.fill(Qt::white);
    QPainter painter(&figure);
    QFont font = painter.font();
    font.setPixelSize(18);
    painter.setFont(font);
    for (int i = 0; i < 3; ++i) {
        const int x = gap + i * (a.width() + gap);
        painter.setPen(Qt::black);
        painter.drawText(
            QRect(x, gap, a.width(), caption), Qt::AlignLeft | Qt::AlignVCenter, panels[i].first);
        if (!panels[i].second.isNull()) {
            painter.drawImage(x, gap + caption, panels[i].second);
        }
    }
    painter.end();
    writePng(figure, path);
}

// ---- sessions -------------------------------------------------------------------------------

QJsonObject WeatherWorkspace::saveState() const {
    QJsonObject o;
    o[QStringLiteral("file")] = path_;
    o[QStringLiteral("model")] =
        model_.kind == QLatin1String("untrained") ? QString() : model_.source;
    o[QStringLiteral("modelKind")] = model_.kind;
    QJsonObject w;
    const float values[4] = {weather().rain, weather().snow, weather().fog, weather().raindrops};
    for (int i = 0; i < 4; ++i)
        w[QLatin1String(kWeatherKeys[i])] = values[i];
    w[QStringLiteral("seed")] = seedBox_->value();
    o[QStringLiteral("weather")] = w;
    o[QStringLiteral("overlay")] = overlayBox_->currentIndex();
    o[QStringLiteral("layer")] = layer();
    o[QStringLiteral("expert")] = expertBox_->currentIndex();
    o[QStringLiteral("opacity")] = opacitySlider_->value() / 100.0;
    o[QStringLiteral("grid")] = gridBox_->isChecked();
    o[QStringLiteral("split")] = splitSlider_->value() / 100.0;
    o[QStringLiteral("panel")] = panels_->currentIndex();
    o[QStringLiteral("zoom")] = canvas_->isFitting() ? 0.0 : canvas_->zoom();
    return o;
}

bool WeatherWorkspace::restoreState(const QJsonObject &o, QString *errorMessage) {
    const QString file = o.value(QStringLiteral("file")).toString();
    if (!file.isEmpty() && !QFileInfo(file).isFile()) {
        if (errorMessage)
            *errorMessage =
                tr("The session's image %1 no longer exists.").arg(QDir::toNativeSeparators(file));
        return false;
    }
    const QJsonObject w = o.value(QStringLiteral("weather")).toObject();
    weatherChanging_ = true;
    for (int i = 0; i < 4; ++i)
        weatherSliders_[i]->setValue(int(std::lround(
            std::clamp(w.value(QLatin1String(kWeatherKeys[i])).toDouble(), 0.0, 1.0) * 100)));
    seedBox_->setValue(w.value(QStringLiteral("seed")).toInt(1));
    weatherChanging_ = false;
    overlayBox_->setCurrentIndex(
        std::clamp(o.value(QStringLiteral("overlay")).toInt(1), 0, overlayBox_->count() - 1));
    opacitySlider_->setValue(
        int(std::lround(o.value(QStringLiteral("opacity")).toDouble(0.45) * 100)));
    gridBox_->setChecked(o.value(QStringLiteral("grid")).toBool());
    splitSlider_->setValue(int(std::lround(o.value(QStringLiteral("split")).toDouble(0.5) * 100)));
    panels_->setCurrentIndex(o.value(QStringLiteral("panel")).toInt(0));
    // The model loads here, not in the background: the image below would supersede the job.
    const QString model = o.value(QStringLiteral("model")).toString();
    const bool torchScript =
        o.value(QStringLiteral("modelKind")).toString() == QLatin1String("torchscript");
    if (!model.isEmpty() && model != model_.source && torchScript) {
        // A TorchScript file is a program: a session (a file that may come from anyone) never
        // loads one by itself (docs/security.md). The user loads it, knowing what it is.
        showError(tr("The session names the TorchScript model %1, which was not loaded: a "
                     "TorchScript file is a program that runs inside the studio. If you trust "
                     "it, load it with Model → Load TorchScript Model…. The current model stays "
                     "in use.")
                      .arg(QDir::toNativeSeparators(model)));
    } else if (!model.isEmpty() && model != model_.source) {
        try {
            setModel(loadModelFolder(model));
        } catch (const std::exception &e) {
            showError(tr("The session's model %1 cannot be loaded: %2 The current model stays "
                         "in use.")
                          .arg(QDir::toNativeSeparators(model), QString::fromUtf8(e.what())));
        }
    }
    if (!file.isEmpty() && file != path_) {
        QString error;
        if (!openFile(file, &error)) {
            if (errorMessage)
                *errorMessage = error;
            return false;
        }
    } else {
        runPipeline(false);
    }
    return true;
}

} // namespace mowe::ui
