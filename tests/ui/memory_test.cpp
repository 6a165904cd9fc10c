// Memory stays flat (issue 8): restoring the same small image 500 times through the GUI's
// model door (ModelBridge), and stepping 300 frames of a video in the weather workspace, grow
// the resident set by less than 5 % after a warm-up. A tiny untrained network keeps it quick;
// what leaks per call (a tensor, a trace, a QImage, a frame) does not depend on the model's
// size. The resident set is read from /proc/self/statm.

#include "../support/bad_inputs.h"
#include "../support/tiny_network.h"

#include "weather/ModelBridge.h"
#include "weather/WeatherWorkspace.h"

#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <fstream>

using namespace mowe::ui;

namespace {

constexpr double kMaxGrowth = 0.05; ///< the issue's bound, relative to the warmed-up set
constexpr int kReadyTimeoutMs = 120'000;

/// Resident set size in bytes (second field of /proc/self/statm, in pages).
double residentBytes() {
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = 0;
    statm >> size >> resident;
    return double(resident) * double(::sysconf(_SC_PAGESIZE));
}

QString growthText(double before, double after) {
    return QStringLiteral("resident %1 MiB -> %2 MiB (%3 %)")
        .arg(before / (1 << 20), 0, 'f', 1)
        .arg(after / (1 << 20), 0, 'f', 1)
        .arg(100.0 * (after - before) / before, 0, 'f', 2);
}

} // namespace

class MemoryTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void restoringTheSameImage500TimesKeepsTheResidentSetFlat() {
        if (!modelHalfBuilt())
            QSKIP("built without the model half (MOWE_BUILD_TORCH=OFF)");
        const LoadedModel model = untrainedModel(mowe::test::tinyNetworkOptions(), 7);
        cv::Mat image;
        mowe::test::inputs::scene(64, 64).convertTo(image, CV_32FC3, 1.0 / 255.0);
        mowe::model::RestoreOptions options;
        options.tile = 64;
        const auto restoreOnce = [&] {
            const auto r = model.restore(image, options);
            // What the workspace does with every result: a picture and an overlay.
            const QImage shown = toQImage(r.restored);
            const QImage overlay = overlayImage(r.trace, 0, OverlayKind::Entropy, 0);
            return !shown.isNull() && !overlay.isNull();
        };
        for (int i = 0; i < 50; ++i) // warm-up: allocator pools, LibTorch's caches
            QVERIFY(restoreOnce());
        const double before = residentBytes();
        for (int i = 0; i < 500; ++i)
            QVERIFY(restoreOnce());
        const double after = residentBytes();
        qInfo().noquote() << "500 restores:" << growthText(before, after);
        QVERIFY2(after < before * (1 + kMaxGrowth), qPrintable(growthText(before, after)));
    }

    void stepping300VideoFramesKeepsTheResidentSetFlat() {
        if (!modelHalfBuilt())
            QSKIP("built without the model half (MOWE_BUILD_TORCH=OFF)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString video = dir.filePath(QStringLiteral("long.avi"));
        if (!mowe::test::inputs::writeMjpgAvi(video.toStdString(), 340, 64, 48))
            QSKIP("OpenCV cannot write an MJPG AVI here");
        WeatherWorkspaceOptions o;
        o.file = video;
        o.untrainedOptions = mowe::test::tinyNetworkOptions();
        o.untrainedSeed = 7;
        o.tile = 64;
        o.overlap = 16;
        o.metrics = false;
        WeatherWorkspace w(nullptr, o);
        QVERIFY(QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs));
        QVERIFY2(w.isVideo(), qPrintable(w.loadError()));
        const auto step = [&] {
            return w.stepFrame() && QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs);
        };
        for (int i = 0; i < 30; ++i)
            QVERIFY(step());
        const double before = residentBytes();
        for (int i = 0; i < 300; ++i)
            QVERIFY(step());
        const double after = residentBytes();
        QCOMPARE(w.frameIndex(), 330);
        QCOMPARE(w.restoredImage().size(), QSize(64, 48));
        qInfo().noquote() << "300 frames:" << growthText(before, after);
        QVERIFY2(after < before * (1 + kMaxGrowth), qPrintable(growthText(before, after)));
    }
};

QTEST_MAIN(MemoryTest)
#include "memory_test.moc"
