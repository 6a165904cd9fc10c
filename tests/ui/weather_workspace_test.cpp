// The Weather experts workspace with a tiny untrained MoWE network (fast, deterministic):
// the overlay shows the route trace's top-1 experts in their legend colours, the experts
// panel shows one forced-routing output per expert, synthetic weather changes the routing
// statistics, a video steps frame by frame, exports, sessions, a baseline image. Bad and
// unusual inputs (refused with a message, the previous image kept; grey, palette, 16-bit,
// EXIF-rotated shown at their size) are rows of the catalogue: reliability_catalogue_test.cpp.

#include "../support/bad_inputs.h"
#include "../support/tiny_network.h"

#include "weather/BarChart.h"
#include "weather/ImageCanvas.h"
#include "weather/ModelBridge.h"
#include "weather/WeatherWorkspace.h"

#include "common/resources.h"
#include "weather/image_io.h"

#include <QFile>
#include <QJsonDocument>
#include <QLabel>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace mowe::ui;
using mowe::test::inputs::scene;

namespace {

// Tolerances, defined once.
constexpr int kColourTolerance = 3;            ///< 8-bit levels: overlay pixel vs. legend colour
constexpr double kBaselineMeanTolerance = 2.0; ///< mean |Δ| in 8-bit levels vs. the baseline
constexpr int kReadyTimeoutMs = 120'000;

#ifdef MOWE_HAVE_TORCH
constexpr bool kHaveModel = true;
#else
constexpr bool kHaveModel = false;
#endif

WeatherWorkspaceOptions tinyWorkspace(const QString &file, bool metrics = false) {
    WeatherWorkspaceOptions o;
    o.file = file;
    o.untrainedOptions = mowe::test::tinyNetworkOptions();
    o.untrainedSeed = 7;
    o.tile = 64;
    o.overlap = 16;
    o.metrics = metrics;
    return o;
}

QString writeScene(const QTemporaryDir &dir, const QString &name, const cv::Mat &img) {
    const QString path = dir.filePath(name);
    cv::imwrite(path.toStdString(), img);
    return path;
}

bool waitReady(WeatherWorkspace &w) {
    // Ready goes false as soon as a job starts; wait for the transition back.
    return QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs);
}

std::string readFile(const QString &path) {
    std::ifstream in(path.toStdString(), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeFile(const QString &path, const std::string &bytes) {
    std::ofstream(path.toStdString(), std::ios::binary) << bytes;
}

int maxChannelDifference(QColor a, QColor b) {
    return std::max({std::abs(a.red() - b.red()),
                     std::abs(a.green() - b.green()),
                     std::abs(a.blue() - b.blue())});
}

} // namespace

class WeatherWorkspaceTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        photo_ = writeScene(dir_, QStringLiteral("scene.png"), scene(96, 64));
    }

    void openingAPhotoShowsTheTopExpertOverlayWhereTheTraceSays() {
        if (!kHaveModel)
            QSKIP("built without the model half (MOWE_BUILD_TORCH=OFF)");
        WeatherWorkspace w(nullptr, tinyWorkspace(photo_));
        w.resize(1100, 700);
        w.show();
        QVERIFY(waitReady(w));
        QVERIFY2(w.loadError().isEmpty(), qPrintable(w.loadError()));
        QVERIFY(w.hasModel());
        const auto &trace = w.trace();
        QCOMPARE(trace.grid.rows, 8);
        QCOMPARE(trace.grid.cols, 12);
        QCOMPARE(int(trace.layers.size()), 2);
        QCOMPARE(w.restoredImage().size(), QSize(96, 64));

        w.setOverlay(OverlayKind::TopExpert);
        w.setOverlayOpacity(1.0);
        for (int layer : {0, 1}) {
            w.setLayer(layer);
            const QImage view = w.viewImage();
            QCOMPARE(view.size(), QSize(96, 64));
            const auto &L = trace.layers[std::size_t(layer)];
            QSet<int> seen;
            // Every token's centre pixel has its top-1 expert's legend colour.
            for (int t = 0; t < trace.grid.tokens(); ++t) {
                const int r = t / trace.grid.cols, c = t % trace.grid.cols;
                const QColor pixel = view.pixelColor(c * 8 + 4, r * 8 + 4);
                const int e = topExpert(L, t);
                seen.insert(e);
                QVERIFY2(maxChannelDifference(pixel, expertColor(e)) <= kColourTolerance,
                         qPrintable(QStringLiteral("token %1: %2 vs expert %3 %4")
                                        .arg(t)
                                        .arg(pixel.name())
                                        .arg(e)
                                        .arg(expertColor(e).name())));
            }
            QVERIFY(!seen.isEmpty());
        }
        // The legend names the experts by kernel.
        const QLabel *legend = w.findChild<QLabel *>(QStringLiteral("expertLegend"));
        QVERIFY(legend);
        QVERIFY2(legend->text().contains(QStringLiteral("E1 3×3")), qPrintable(legend->text()));
        // Opacity 0 shows the image itself again.
        w.setOverlayOpacity(0.0);
        w.canvas()->setSplit(0.0);
        QCOMPARE(w.viewImage().pixelColor(40, 30), w.restoredImage().pixelColor(40, 30));
        // Hovering a token describes its routing.
        const QString hover = w.tokenDescription(QPoint(12, 20));
        QVERIFY2(hover.contains(QStringLiteral("token (2, 1)")), qPrintable(hover));
        QVERIFY(hover.contains(QStringLiteral("top-2")));
        QVERIFY(hover.contains(QStringLiteral("entropy")));
        // Load sums to one over the experts.
        double sum = 0;
        for (double v : w.expertLoad())
            sum += v;
        QVERIFY(std::abs(sum - 1.0) < 1e-6);
    }

    void otherOverlaysAreImageSized() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        WeatherWorkspace w(nullptr, tinyWorkspace(photo_));
        QVERIFY(waitReady(w));
        for (OverlayKind kind :
             {OverlayKind::Probability, OverlayKind::Entropy, OverlayKind::WeatherEmbedding}) {
            const QImage o = overlayImage(w.trace(), 0, kind, 1);
            QCOMPARE(o.size(), QSize(96, 64));
        }
        // The probability overlay is uniform inside a token: each token is one block.
        const QImage p = overlayImage(w.trace(), 1, OverlayKind::Probability, 2);
        QCOMPARE(p.pixel(8, 8), p.pixel(15, 15));
        // The weather embedding's principal components spread over the tokens.
        const cv::Mat pcs = weatherPrincipalComponents(w.trace().layers[0]);
        QCOMPARE(pcs.rows, 96);
        double lo, hi;
        cv::minMaxLoc(pcs.col(0), &lo, &hi);
        QVERIFY(hi - lo > 0.3);
    }

    void expertsPanelShowsOneOutputPerExpert() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        WeatherWorkspace w(nullptr, tinyWorkspace(photo_));
        w.resize(1100, 700);
        w.show();
        QVERIFY(waitReady(w));
        QVERIFY(w.expertImages().isEmpty()); // computed only when the panel is shown
        w.showPanel(QStringLiteral("experts"));
        QVERIFY(waitReady(w));
        const QList<QImage> images = w.expertImages();
        QCOMPARE(images.size(), 4);
        for (const QImage &image : images)
            QCOMPARE(image.size(), QSize(96, 64));
        // Forcing different experts gives different images.
        QVERIFY(images[0] != images[3]);
        for (int e = 0; e < 4; ++e)
            QVERIFY(w.findChild<QWidget *>(QStringLiteral("expert%1_0").arg(e)));
        // Exported as PNGs with their contribution maps.
        w.exportExperts(dir_.path());
        QCOMPARE(QImage(dir_.filePath(QStringLiteral("expert2.png"))).size(), QSize(96, 64));
        QVERIFY(QFile::exists(dir_.filePath(QStringLiteral("expert2-contribution.png"))));
    }

    void weatherSlidersChangeTheRoutingStatistics() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        const QString big = writeScene(dir_, QStringLiteral("big.png"), scene(160, 128));
        WeatherWorkspace w(nullptr, tinyWorkspace(big));
        QVERIFY(waitReady(w));
        QVERIFY(w.weatherLabels().empty());
        QVERIFY(std::isnan(w.weatherNmi())); // a real photo has no weather labels
        const QVector<double> loadBefore = w.expertLoad();
        const QVector<double> entropyBefore = w.entropyHistogram();
        QCOMPARE(entropyBefore.size(), 10);

        mowe::weather::WeatherSpec spec;
        spec.rain = 0.9f;
        spec.fog = 0.6f;
        w.setWeather(spec);
        QVERIFY(waitReady(w));
        QVERIFY(!w.weatherLabels().empty());
        QVERIFY(cv::countNonZero(w.weatherLabels()) > 0);
        const double nmi = w.weatherNmi();
        QVERIFY2(nmi >= 0 && nmi <= 1, qPrintable(QString::number(nmi)));
        QVERIFY(w.expertLoad() != loadBefore || w.entropyHistogram() != entropyBefore);
        // The input shown is the synthesised one, not the clean photo.
        QVERIFY(w.photo() != QImage(big).convertToFormat(w.photo().format()));
        QVERIFY(w.weather() == spec);
    }

    void intermediateSliderPositionsAreDropped() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        WeatherWorkspace w(nullptr, tinyWorkspace(photo_));
        QVERIFY(waitReady(w));
        // Ten positions in a row: only the last one is ever shown.
        for (int i = 1; i <= 10; ++i) {
            mowe::weather::WeatherSpec spec;
            spec.snow = i / 10.0f;
            w.setWeather(spec);
        }
        QVERIFY(waitReady(w));
        QCOMPARE(w.weather().snow, 1.0f);
        const auto expected = mowe::weather::synthesize(
            mowe::weather::loadImage(photo_.toStdString()).bgr, w.weather(), 1);
        QCOMPARE(w.photo(), toQImage(expected.image));
    }

    void videoStepsFrameByFrame() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        const QString video = dir_.filePath(QStringLiteral("clip.avi"));
        {
            cv::VideoWriter writer(video.toStdString(),
                                   cv::VideoWriter::fourcc('M', 'J', 'P', 'G'),
                                   10,
                                   cv::Size(64, 48));
            if (!writer.isOpened())
                QSKIP("OpenCV cannot write MJPG AVI here");
            for (int f = 0; f < 4; ++f)
                writer.write(scene(64, 48, f));
        }
        WeatherWorkspace w(nullptr, tinyWorkspace(video));
        QVERIFY(waitReady(w));
        QVERIFY2(w.loadError().isEmpty(), qPrintable(w.loadError()));
        QVERIFY(w.isVideo());
        QCOMPARE(w.frameIndex(), 0);
        QCOMPARE(w.trace().grid.cols, 8);
        const QImage first = w.photo();
        QVERIFY(w.stepFrame());
        QVERIFY(waitReady(w));
        QCOMPARE(w.frameIndex(), 1);
        QVERIFY(w.photo() != first);
        QCOMPARE(w.restoredImage().size(), QSize(64, 48));
        QVERIFY(w.stepFrame());
        QVERIFY(w.stepFrame());
        QVERIFY(waitReady(w));
        QCOMPARE(w.frameIndex(), 3);
        QVERIFY(!w.stepFrame()); // the end: a note, no error, the last frame stays
        QVERIFY(waitReady(w));
        QVERIFY(w.noteText().contains(QStringLiteral("End of the video")));
        QVERIFY(w.loadError().isEmpty());
        QVERIFY(!w.photo().isNull());
    }

    void playingAVideoRunsToTheEndWithoutFallingBehind() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        const QString video = dir_.filePath(QStringLiteral("play.avi"));
        {
            cv::VideoWriter writer(video.toStdString(),
                                   cv::VideoWriter::fourcc('M', 'J', 'P', 'G'),
                                   25,
                                   cv::Size(64, 48));
            if (!writer.isOpened())
                QSKIP("OpenCV cannot write MJPG AVI here");
            for (int f = 0; f < 8; ++f)
                writer.write(scene(64, 48, f));
        }
        WeatherWorkspace w(nullptr, tinyWorkspace(video));
        QVERIFY(waitReady(w));
        w.play();
        QVERIFY(w.isPlaying());
        QVERIFY(QTest::qWaitFor([&] { return !w.isPlaying(); }, kReadyTimeoutMs));
        QVERIFY(waitReady(w));
        // Every frame was either restored or dropped; none is left behind.
        QCOMPARE(w.frameIndex(), 7);
        QVERIFY(w.droppedFrames() >= 0 && w.droppedFrames() < 7);
        QVERIFY(w.noteText().contains(QStringLiteral("End of the video after 8 frames")));
        QCOMPARE(w.restoredImage().size(), QSize(64, 48));
    }

    void aBrokenVideoIsRefusedAndThePhotoStays() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        WeatherWorkspace w(nullptr, tinyWorkspace(photo_));
        QVERIFY(waitReady(w));
        const QImage before = w.photo();
        const QString bogus = dir_.filePath(QStringLiteral("bogus.avi"));
        writeFile(bogus, std::string(4096, 'x'));
        QString error;
        QVERIFY(!w.openFile(bogus, &error));
        QVERIFY2(error.contains(QStringLiteral("video")), qPrintable(error));
        QCOMPARE(w.photo(), before);
    }

    void exportsWriteImagesTraceAndFigure() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        WeatherWorkspace w(nullptr, tinyWorkspace(photo_));
        QVERIFY(waitReady(w));
        const QString restored = dir_.filePath(QStringLiteral("restored.png"));
        w.exportRestored(restored);
        QCOMPARE(QImage(restored).convertToFormat(QImage::Format_RGB888), w.restoredImage());
        const QString overlay = dir_.filePath(QStringLiteral("entropy.png"));
        w.exportOverlay(overlay, OverlayKind::Entropy);
        QCOMPARE(QImage(overlay).size(), QSize(96, 64));
        const QString json = dir_.filePath(QStringLiteral("trace.json"));
        w.exportTraceJson(json);
        const auto j = nlohmann::json::parse(readFile(json));
        QCOMPARE(int(j.at("layers").size()), 2);
        QCOMPARE(j.at("image").get<std::string>(), std::string("scene.png"));
        const QString figure = dir_.filePath(QStringLiteral("figure.png"));
        w.exportComparison(figure);
        QVERIFY(QImage(figure).width() > 3 * 96);
        const QString view = dir_.filePath(QStringLiteral("view.png"));
        w.exportTo(view);
        QCOMPARE(QImage(view).size(), QSize(96, 64));
    }

    void sessionStateRoundTrips() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        WeatherWorkspace w(nullptr, tinyWorkspace(photo_));
        QVERIFY(waitReady(w));
        mowe::weather::WeatherSpec spec;
        spec.fog = 0.5f;
        w.setWeather(spec);
        w.setOverlay(OverlayKind::Entropy);
        w.setGridVisible(true);
        QVERIFY(waitReady(w));
        const QJsonObject state = w.saveState();

        WeatherWorkspace other(nullptr, tinyWorkspace(QStringLiteral("-")));
        QVERIFY(waitReady(other));
        QString error;
        QVERIFY2(other.restoreState(state, &error), qPrintable(error));
        QVERIFY(waitReady(other));
        QCOMPARE(other.photoPath(), photo_);
        QVERIFY(other.weather() == spec);
        QCOMPARE(other.overlay(), OverlayKind::Entropy);
        QCOMPARE(other.photo(), w.photo());
        // JSON-serialisable.
        QVERIFY(!QJsonDocument(state).toJson().isEmpty());
    }

    void aModelThatFailsToLoadKeepsThePreviousOne() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        WeatherWorkspace w(nullptr, tinyWorkspace(photo_));
        QVERIFY(waitReady(w));
        const QString broken = dir_.filePath(QStringLiteral("broken-model"));
        QDir().mkpath(broken);
        writeFile(broken + QStringLiteral("/model.json"), "{ not json");
        w.loadModel(broken, false);
        QVERIFY(waitReady(w));
        QVERIFY(w.hasModel());
        QVERIFY2(w.loadError().contains(QStringLiteral("previous model stays")),
                 qPrintable(w.loadError()));
        QVERIFY(w.model().source.startsWith(QStringLiteral("untrained")));
    }

    void viewMatchesTheBaseline() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        WeatherWorkspace w(nullptr, tinyWorkspace(photo_));
        QVERIFY(waitReady(w));
        w.setOverlay(OverlayKind::Entropy);
        w.setOverlayOpacity(0.5);
        w.setGridVisible(true);
        w.canvas()->setSplit(0.5);
        const QImage view = w.viewImage().convertToFormat(QImage::Format_RGB888);
        const QString baseline =
            QStringLiteral(MOWE_REPO_ROOT "/tests/ui/baselines/weather_view.png");
        if (qEnvironmentVariableIsSet("MOWE_UPDATE_BASELINES")) {
            QDir().mkpath(QFileInfo(baseline).path());
            QVERIFY(view.save(baseline));
        }
        const QImage expected = QImage(baseline).convertToFormat(QImage::Format_RGB888);
        QVERIFY2(!expected.isNull(), "baseline missing: run with MOWE_UPDATE_BASELINES=1");
        QCOMPARE(view.size(), expected.size());
        double sum = 0;
        for (int y = 0; y < view.height(); ++y)
            for (int x = 0; x < view.width(); ++x)
                sum += maxChannelDifference(view.pixelColor(x, y), expected.pixelColor(x, y));
        const double mean = sum / (view.width() * view.height());
        QVERIFY2(mean <= kBaselineMeanTolerance, qPrintable(QString::number(mean)));
    }

    void canvasZoomsAtTheCursorAndFits() {
        ImageCanvas canvas;
        canvas.resize(400, 300);
        canvas.setImages(QImage(200, 100, QImage::Format_RGB32), {});
        canvas.show();
        QVERIFY(QTest::qWaitForWindowExposed(&canvas));
        QVERIFY(canvas.isFitting());
        QCOMPARE(canvas.zoom(), 2.0);
        const QPointF anchor(100, 120);
        const QPointF under = canvas.widgetToImage(anchor);
        canvas.zoomAt(ImageCanvas::kWheelStep, anchor);
        QCOMPARE(canvas.zoom(), 2.0 * ImageCanvas::kWheelStep);
        QVERIFY((canvas.widgetToImage(anchor) - under).manhattanLength() < 1e-9);
        QVERIFY(!canvas.isFitting());
        canvas.actualSize();
        QCOMPARE(canvas.zoom(), 1.0);
        QCOMPARE(canvas.visibleImageRect(), QRect(0, 0, 200, 100));
        canvas.zoomAt(4.0, QPointF(0, 0));
        QVERIFY(canvas.visibleImageRect().width() < 200);
        canvas.fitToView();
        QCOMPARE(canvas.zoom(), 2.0);
    }

    void fitsAnEightHundredBySixHundredWindow() {
        WeatherWorkspace w(nullptr, tinyWorkspace(photo_));
        QVERIFY(waitReady(w));
        w.showPanel(QStringLiteral("statistics"));
        const QSize minimum = w.minimumSizeHint();
        QVERIFY2(minimum.width() <= 780 && minimum.height() <= 480,
                 qPrintable(QStringLiteral("%1 x %2").arg(minimum.width()).arg(minimum.height())));
    }

    void withoutAModelThePhotoStillShowsWithAMessage() {
        WeatherWorkspaceOptions o;
        o.file = photo_;
        o.modelDir = dir_.filePath(QStringLiteral("no-such-model"));
        o.metrics = false;
        WeatherWorkspace w(nullptr, o);
        QVERIFY(waitReady(w));
        QVERIFY(!w.hasModel());
        QCOMPARE(w.photo().size(), QSize(96, 64));
        QVERIFY2(w.noteText().contains(QStringLiteral("No model found")), qPrintable(w.noteText()));
    }

    void theShippedModelRestoresTheDefaultPhoto() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        const auto dir = mowe::shippedModelDir();
        if (!std::filesystem::exists(dir / "model.json"))
            QSKIP("the shipped model (resources/models/mowe-small) is not there yet");
        WeatherWorkspaceOptions o;
        o.metrics = false;
        WeatherWorkspace w(nullptr, o);
        QVERIFY(waitReady(w));
        QVERIFY2(w.loadError().isEmpty(), qPrintable(w.loadError()));
        QVERIFY(w.hasModel());
        QCOMPARE(w.restoredImage().size(), w.photo().size());
        QCOMPARE(w.trace().layers.size(), std::size_t(w.model().restorer->info().depth));

        // A weather change shows a reduced-resolution preview while the full pass still runs.
        const QImage restoredBefore = w.restoredImage();
        QCOMPARE(w.lastPreviewSeconds(), -1.0);
        mowe::weather::WeatherSpec spec;
        spec.rain = 0.5f;
        w.setWeather(spec);
        QVERIFY(QTest::qWaitFor([&] { return w.lastPreviewSeconds() >= 0; }, kReadyTimeoutMs));
        QVERIFY2(!w.isReady(), "the preview should arrive before the full-resolution result");
        // The figure issue 7 asks about, printed rather than asserted (machines are noisy).
        qInfo("preview of the default photo shown %.3f s after the slider moved",
              w.lastPreviewSeconds());
        QVERIFY(waitReady(w));
        QCOMPARE(w.restoredImage().size(), w.photo().size());
        QVERIFY(w.restoredImage() != restoredBefore);
    }

private:
    QTemporaryDir dir_;
    QString photo_;
};

QTEST_MAIN(WeatherWorkspaceTest)
#include "weather_workspace_test.moc"
