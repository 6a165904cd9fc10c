// The mowe-studio executable: --screenshot writes a PNG of the requested size once the
// workspace is ready; bad options exit 2 with the usage; no display gives the xvfb-run hint.
// The parser is also checked in-process, row by row.

#include "StudioCommandLine.h"

#include <QCoreApplication>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace mowe::ui;

namespace {

// Starting the GUI, computing the workspaces and rendering under Xvfb with Mesa's software
// GL: seconds normally, far more on a loaded CI runner.
constexpr int kProcessTimeoutMs = 180000;

struct Run {
    int exitCode = -1;
    QString out, err;
};

} // namespace

class StudioCliTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(QFile::exists(studio()), qPrintable(studio() + " was not built"));
        QVERIFY(configHome_.isValid());
    }

    void screenshotDefaultsTo1280x800() {
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("weather.png"));
        const Run run = studioRun({QStringLiteral("--screenshot"), png});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QImage image(png);
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), QSize(1280, 800));
        // Not an empty window: the photo and the UI give many distinct colours.
        QVERIFY(distinctColours(image) > 1000);
    }

    void screenshotHonoursSizeAndWorkspace() {
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("regression.png"));
        const Run run = studioRun({QStringLiteral("--screenshot"),
                                   png,
                                   QStringLiteral("--workspace"),
                                   QStringLiteral("regression"),
                                   QStringLiteral("--size"),
                                   QStringLiteral("800x600")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QImage image(png);
        QCOMPARE(image.size(), QSize(800, 600));
        // The 3-D view filled the middle: the surface's colour map differs from the dark
        // background, so the centre is not the background colour of the top-left of the view.
        const QColor centre = image.pixelColor(400, 300);
        const QColor viewCorner = image.pixelColor(20, 80);
        QVERIFY2(centre != viewCorner, "the regression surface must be drawn at the centre");
    }

    void screenshotIgnoresSavedState() {
        QTemporaryDir dir;
        const QString settings = configHome_.filePath(QStringLiteral("MoWE/MoWE Studio.conf"));
        QDir().mkpath(QFileInfo(settings).path());
        {
            QFile file(settings);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("[window]\nworkspace=regression\n");
        }
        const QString png = dir.filePath(QStringLiteral("w.png"));
        const Run run = studioRun({QStringLiteral("--screenshot"), png});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QImage image(png);
        QCOMPARE(image.size(), QSize(1280, 800));
        QFile::remove(settings);
        // The saved workspace was ignored too: the picture is the weather workspace's, as a
        // run without saved settings draws it (nearly all pixels within a few levels).
        const QString plain = dir.filePath(QStringLiteral("plain.png"));
        const Run reference = studioRun({QStringLiteral("--screenshot"), plain});
        QVERIFY2(reference.exitCode == 0, qPrintable(reference.err));
        QVERIFY2(differingFraction(image, QImage(plain)) < 0.02,
                 qPrintable(QString::number(differingFraction(image, QImage(plain)))));
    }

    void screenshotToUnwritablePathFailsWithExit1() {
        const Run run = studioRun(
            {QStringLiteral("--screenshot"), QStringLiteral("/nonexistent/dir/shot.png")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("/nonexistent/dir/shot.png")),
                 qPrintable(run.err));
    }

    void badOptionsExit2WithUsage_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown option") << QStringList{"--frobnicate"} << "unknown option";
        QTest::newRow("bad size") << QStringList{"--screenshot", "a.png", "--size", "12by3"}
                                  << "--size must be";
        QTest::newRow("size too small")
            << QStringList{"--screenshot", "a.png", "--size", "10x10"} << "--size must be";
        QTest::newRow("unknown workspace")
            << QStringList{"--workspace", "music"} << "unknown workspace";
        QTest::newRow("threads zero") << QStringList{"--threads", "0"} << "--threads must be";
        QTest::newRow("threads text") << QStringList{"--threads", "many"} << "--threads must be";
        QTest::newRow("missing value") << QStringList{"--screenshot"} << "needs a file name";
        QTest::newRow("size without screenshot")
            << QStringList{"--size", "800x600"} << "only applies to --screenshot";
        QTest::newRow("two files") << QStringList{"a.jpg", "b.jpg"} << "only one FILE";
        QTest::newRow("file and --image")
            << QStringList{"a.jpg", "--image", "b.jpg"} << "only one FILE";
        QTest::newRow("unknown panel")
            << QStringList{"--panel", "charts"} << "--panel needs one of";
        QTest::newRow("bad weather")
            << QStringList{"--weather", "hail=0.5", "--screenshot", "/tmp/never.png"} << "hail";
    }

    void badOptionsExit2WithUsage() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const Run run = studioRun(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
        QVERIFY(run.err.contains(QStringLiteral("Usage: mowe-studio")));
    }

    void helpAndVersionExit0() {
        Run run = studioRun({QStringLiteral("--help")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains(QStringLiteral("--screenshot FILE")));
        run = studioRun({QStringLiteral("--version")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.startsWith(QStringLiteral("mowe-studio ")));
    }

    void missingDisplayExplainsXvfbRun() {
        QProcessEnvironment env = baseEnvironment();
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        const Run run = studioRun({QStringLiteral("--screenshot"), QStringLiteral("x.png")}, env);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("xvfb-run -a mowe-studio")), qPrintable(run.err));
        QVERIFY(run.err.contains(QStringLiteral("no display")));
    }

    void xcbPlatformWithoutDisplayExplainsXvfbRun() {
        QProcessEnvironment env = baseEnvironment();
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
        const Run run = studioRun({}, env);
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains(QStringLiteral("xvfb-run -a mowe-studio")));
    }

    void parserAcceptsEveryDocumentedForm() {
        const auto parsed = parseStudioArguments({QStringLiteral("--verbose"),
                                                  QStringLiteral("--threads=3"),
                                                  QStringLiteral("--screenshot"),
                                                  QStringLiteral("out.png"),
                                                  QStringLiteral("--workspace=regression"),
                                                  QStringLiteral("--size"),
                                                  QStringLiteral("640x480"),
                                                  QStringLiteral("photo.jpg")});
        QVERIFY2(parsed.arguments, qPrintable(parsed.error));
        const StudioArguments &a = *parsed.arguments;
        QVERIFY(a.verbose);
        QCOMPARE(a.threads, 3);
        QCOMPARE(a.screenshot, QStringLiteral("out.png"));
        QCOMPARE(a.workspace, QStringLiteral("regression"));
        QCOMPARE(a.size, QSize(640, 480));
        QCOMPARE(a.file, QStringLiteral("photo.jpg"));

        const auto weather = parseStudioArguments({QStringLiteral("--image"),
                                                   QStringLiteral("rain.jpg"),
                                                   QStringLiteral("--weather"),
                                                   QStringLiteral("rain=0.6"),
                                                   QStringLiteral("--panel"),
                                                   QStringLiteral("experts")});
        QVERIFY2(weather.arguments, qPrintable(weather.error));
        QCOMPARE(weather.arguments->file, QStringLiteral("rain.jpg"));
        QCOMPARE(weather.arguments->weather, QStringLiteral("rain=0.6"));
        QCOMPARE(weather.arguments->panel, QStringLiteral("experts"));

        const auto defaults = parseStudioArguments({});
        QVERIFY(defaults.arguments);
        QCOMPARE(defaults.arguments->size, QSize(1280, 800));
        QCOMPARE(defaults.arguments->threads, 0);
        QVERIFY(defaults.arguments->screenshot.isEmpty());
    }

private:
    static QString studio() { return QStringLiteral(MOWE_BIN_DIR "/mowe-studio"); }

    QProcessEnvironment baseEnvironment() const {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        // Keep the user's (and other tests') settings out of it.
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), configHome_.path());
        return env;
    }

    Run studioRun(const QStringList &arguments, const QProcessEnvironment &env) const {
        QProcess process;
        process.setProcessEnvironment(env);
        process.start(studio(), arguments);
        Run run;
        if (!process.waitForFinished(kProcessTimeoutMs)) {
            process.kill();
            process.waitForFinished();
            run.err = QStringLiteral("timed out");
            return run;
        }
        run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        run.out = QString::fromLocal8Bit(process.readAllStandardOutput());
        run.err = QString::fromLocal8Bit(process.readAllStandardError());
        return run;
    }
    Run studioRun(const QStringList &arguments) const {
        return studioRun(arguments, baseEnvironment());
    }

    /// Share of pixels whose colour differs by more than 8 levels in some channel.
    static double differingFraction(const QImage &a, const QImage &b) {
        if (a.size() != b.size())
            return 1.0;
        long differing = 0;
        for (int y = 0; y < a.height(); ++y)
            for (int x = 0; x < a.width(); ++x) {
                const QColor p = a.pixelColor(x, y), q = b.pixelColor(x, y);
                if (std::max({std::abs(p.red() - q.red()),
                              std::abs(p.green() - q.green()),
                              std::abs(p.blue() - q.blue())}) > 8)
                    ++differing;
            }
        return double(differing) / (a.width() * a.height());
    }

    static int distinctColours(const QImage &image) {
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 2)
            for (int x = 0; x < image.width(); x += 2)
                colours.insert(image.pixel(x, y));
        return colours.size();
    }

    QTemporaryDir configHome_;
};

QTEST_GUILESS_MAIN(StudioCliTest)
#include "studio_cli_test.moc"
