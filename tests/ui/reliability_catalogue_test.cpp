// The bad-input catalogue (tests/support/catalogue.h, docs/reliability.md) through both doors:
// every row through mowe-cli (restore / regress) and through the GUI's loaders (the weather
// workspace's openFile / stepFrame / loadModel, the regression workbench's openFile and
// generator). A refused input gives the same reason on both paths and leaves what was shown
// before in place; an accepted one is shown and restored at its own size.

#include "../support/catalogue.h"
#include "../support/tiny_network.h"

#include "regression/RegressionWorkspace.h"
#include "regression/WorkbenchModel.h"
#include "weather/WeatherWorkspace.h"

#include "common/atomic_file.h"
#include "weather/image_io.h"

#include <QDir>
#include <QJsonObject>
#include <QLabel>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>

#include <csignal>
#include <map>
#include <memory>

using namespace mowe::ui;
namespace cat = mowe::test::catalogue;
namespace fs = std::filesystem;

Q_DECLARE_METATYPE(cat::Row)

namespace {

constexpr int kReadyTimeoutMs = 300'000; // the 4096² photo on a loaded 2-core machine
constexpr int kCliTimeoutMs = 300'000;

QString q(const fs::path &p) {
    return QString::fromStdString(p.string());
}

#ifdef MOWE_HAVE_TORCH
constexpr bool kHaveModel = true;
#else
constexpr bool kHaveModel = false;
#endif

struct CliResult {
    int status = -1;
    QString out, err;
};

CliResult cli(const QStringList &arguments) {
    QProcess p;
    p.start(QStringLiteral(MOWE_BIN_DIR "/mowe-cli"), QStringList{"--threads", "1"} + arguments);
    CliResult r;
    if (!p.waitForFinished(kCliTimeoutMs) || p.exitStatus() != QProcess::NormalExit) {
        p.kill();
        r.err = QStringLiteral("mowe-cli did not finish normally (crash or timeout)");
        return r;
    }
    r.status = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

/// The JSON document a command printed: the whole output when it is one (regress prints
/// indented JSON), else its last line (restore prints progress, then one JSON line). An
/// empty object when neither parses, so that a missing field fails the comparison instead
/// of throwing.
nlohmann::json lastJsonLine(const QString &out) {
    auto whole = nlohmann::json::parse(out.toStdString(), nullptr, false);
    if (whole.is_object())
        return whole;
    const QStringList lines = out.trimmed().split(QLatin1Char('\n'));
    auto last = nlohmann::json::parse(lines.last().toStdString(), nullptr, false);
    return last.is_object() ? last : nlohmann::json::object();
}

} // namespace

class ReliabilityCatalogueTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        root_ = fs::path(dir_.path().toStdString());
        dirPrefix() = root_.string() + "/";
        QVERIFY2(QFile::exists(QStringLiteral(MOWE_BIN_DIR "/mowe-cli")),
                 "build the mowe-cli target first");
        photo_ = root_ / "photo.png";
        cat::written(photo_, cat::pngOf(mowe::test::inputs::scene(96, 64)));
#ifdef MOWE_HAVE_TORCH
        model_ = cat::tinyModelFolder(root_ / "tiny-model");
#endif
        fs::create_directories(root_ / "out");
        for (const cat::Row &row : cat::rows()) {
            const fs::path dir = root_ / row.id;
            fs::create_directories(dir);
            made_[row.id] = row.make(dir);
        }
    }

    void throughTheCli_data() {
        addRows();
    }

    void throughTheCli() {
        QFETCH(cat::Row, row);
        const fs::path input = made_.at(row.id);
        const cat::Expected &e = row.expected;
        switch (row.kind) {
        case cat::Kind::Image: {
            if (!kHaveModel)
                QSKIP("mowe-cli restore needs the model half");
            const fs::path out = root_ / "out" / (row.id + ".png");
            const CliResult r =
                cli({"restore", "--in", q(input), "--out", q(out), "--model", q(model_)});
            actual_ = exitAndFirstLine(r);
            if (!e.loads) {
                QCOMPARE(r.status, 1);
                QVERIFY2(r.err.contains(QString::fromStdString(e.message)), qPrintable(r.err));
                QVERIFY2(r.err.contains(q(input)), qPrintable(r.err)); // names the file
                QVERIFY(!fs::exists(out));
                return;
            }
            QVERIFY2(r.status == 0, qPrintable(r.err));
            const auto j = lastJsonLine(r.out);
            QCOMPARE(j.value("width", 0), e.width);
            QCOMPARE(j.value("height", 0), e.height);
            if (!e.message.empty())
                QVERIFY2(j.value("notes", nlohmann::json::array()).dump().find(e.message) !=
                             std::string::npos,
                         qPrintable(r.out));
            const auto written = mowe::weather::loadImage(out);
            QCOMPARE(written.bgr.cols, e.width);
            QCOMPARE(written.bgr.rows, e.height);
            actual_ = QStringLiteral("exit 0: restored at %1×%2").arg(e.width).arg(e.height);
            const auto notes = j.value("notes", nlohmann::json::array());
            if (!notes.empty())
                actual_ += QStringLiteral("; notes: ") + QString::fromStdString(notes.dump());
            return;
        }
        case cat::Kind::Video: {
            if (!kHaveModel)
                QSKIP("mowe-cli restore needs the model half");
            const fs::path out = root_ / "out" / (row.id + ".avi");
            const CliResult r =
                cli({"restore", "--in", q(input), "--out", q(out), "--model", q(model_)});
            QVERIFY2(r.status == 0, qPrintable(r.err));
            const auto j = lastJsonLine(r.out);
            QCOMPARE(j.value("frames", 0), e.frames);
            QVERIFY2(j.value("truncated", false), qPrintable(r.out));
            cv::VideoCapture back(out.string());
            int frames = 0;
            for (cv::Mat f; back.read(f) && !f.empty(); ++frames)
                QCOMPARE(f.size(), cv::Size(e.width, e.height));
            QCOMPARE(frames, e.frames);
            actual_ = QStringLiteral("exit 0: %1 frames of %2×%3 restored, reported truncated")
                          .arg(frames)
                          .arg(e.width)
                          .arg(e.height);
            return;
        }
        case cat::Kind::ModelFolder:
        case cat::Kind::TorchScript: {
            const fs::path out = root_ / "out" / (row.id + ".png");
            const bool script = row.kind == cat::Kind::TorchScript;
            const CliResult r = cli({"restore",
                                     "--in",
                                     q(photo_),
                                     "--out",
                                     q(out),
                                     script ? "--torchscript" : "--model",
                                     q(input)});
            actual_ = exitAndFirstLine(r);
            QCOMPARE(r.status, 1);
            QVERIFY2(r.err.contains(QString::fromStdString(e.message)), qPrintable(r.err));
            QVERIFY(!fs::exists(out));
            return;
        }
        case cat::Kind::Instance: {
            const CliResult r = cli({"regress", "eval", "--instance", q(input)});
            actual_ = exitAndFirstLine(r);
            if (!e.loads) {
                QCOMPARE(r.status, 1);
                QVERIFY2(r.err.contains(QString::fromStdString(e.message)), qPrintable(r.err));
                return;
            }
            QVERIFY2(r.status == 0, qPrintable(r.err));
            QCOMPARE(QString::fromStdString(lastJsonLine(r.out).value("status", std::string())),
                     QString::fromStdString(e.message));
            const CliResult newton = cli({"regress", "newton", "--instance", q(input)});
            QVERIFY2(newton.status == 0, qPrintable(newton.err));
            QCOMPARE(
                QString::fromStdString(lastJsonLine(newton.out).value("status", std::string())),
                QString::fromStdString(e.message));
            actual_ = QStringLiteral("exit 0: eval and newton status \"%1\"")
                          .arg(QString::fromStdString(e.message));
            return;
        }
        case cat::Kind::Generate: {
            const auto options = nlohmann::json::parse(input.string());
            const CliResult r = cli({"regress",
                                     "generate",
                                     "--problem",
                                     QString::fromStdString(options.at("problem")),
                                     "--n",
                                     QString::number(options.at("n").get<long long>()),
                                     "--d",
                                     QString::number(options.at("d").get<long long>())});
            actual_ = exitAndFirstLine(r);
            QCOMPARE(r.status, 1);
            QVERIFY2(r.err.contains(QString::fromStdString(e.message)), qPrintable(r.err));
            QVERIFY(r.out.isEmpty());
            return;
        }
        }
    }

    void throughTheGui_data() {
        addRows();
    }

    void throughTheGui() {
        QFETCH(cat::Row, row);
        const QString input = q(made_.at(row.id));
        const cat::Expected &e = row.expected;
        const QString message = QString::fromStdString(e.message);
        switch (row.kind) {
        case cat::Kind::Image: {
            WeatherWorkspace &w = weather();
            const QImage before = w.photo();
            const QImage restoredBefore = w.restoredImage();
            const QString pathBefore = w.photoPath();
            QString error;
            if (w.openFile(input, &error)) {
                QVERIFY(QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs));
                error = w.loadError();
            }
            if (!e.loads) {
                actual_ = QStringLiteral("refused, previous photo stays: ") + firstLine(error);
                QVERIFY2(error.contains(message), qPrintable(error));
                QVERIFY2(error.contains(QFileInfo(input).fileName()), qPrintable(error));
                // What was shown stays shown.
                QCOMPARE(w.photo(), before);
                QCOMPARE(w.restoredImage(), restoredBefore);
                QCOMPARE(w.photoPath(), pathBefore);
                return;
            }
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(w.photoPath(), input);
            QCOMPARE(w.photo().size(), QSize(e.width, e.height));
            if (kHaveModel) {
                QCOMPARE(w.restoredImage().size(), QSize(e.width, e.height));
                // Image and overlays share the orientation: the trace covers the shown image.
                QCOMPARE(w.trace().grid.imageWidth, e.width);
                QCOMPARE(w.trace().grid.imageHeight, e.height);
            }
            const auto *caption = w.findChild<QLabel *>(QStringLiteral("photoCaption"));
            QVERIFY(caption);
            QVERIFY2(caption->text().contains(message), qPrintable(caption->text()));
            actual_ = QStringLiteral("shown%1 at %2×%3")
                          .arg(kHaveModel ? QStringLiteral(" and restored") : QString())
                          .arg(e.width)
                          .arg(e.height);
            if (!message.isEmpty())
                actual_ += QStringLiteral("; caption says \"%1\"").arg(message);
            return;
        }
        case cat::Kind::Video: {
            WeatherWorkspace &w = weather();
            QString error;
            QVERIFY2(w.openFile(input, &error), qPrintable(error));
            QVERIFY(QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs));
            QVERIFY(w.isVideo());
            int frames = 1;
            while (w.stepFrame()) {
                QVERIFY(QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs));
                ++frames;
                QVERIFY(frames <= 12);
            }
            QVERIFY(QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs));
            QCOMPARE(frames, e.frames);
            QCOMPARE(w.photo().size(), QSize(e.width, e.height));
            // Said, not hidden: the stream broke before the frames its header claims.
            QVERIFY2(w.loadError().contains(QStringLiteral("truncated")),
                     qPrintable(w.loadError()));
            actual_ = QStringLiteral("%1 frames stepped; ").arg(frames) + firstLine(w.loadError());
            return;
        }
        case cat::Kind::ModelFolder:
        case cat::Kind::TorchScript: {
            if (!kHaveModel)
                QSKIP("built without the model half");
            WeatherWorkspace &w = weather();
            const QString sourceBefore = w.model().source;
            w.loadModel(input, row.kind == cat::Kind::TorchScript);
            QVERIFY(QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs));
            QVERIFY2(w.loadError().contains(message), qPrintable(w.loadError()));
            QVERIFY2(w.loadError().contains(QStringLiteral("previous model stays")),
                     qPrintable(w.loadError()));
            QVERIFY(w.hasModel());
            QCOMPARE(w.model().source, sourceBefore);
            actual_ = firstLine(w.loadError());
            return;
        }
        case cat::Kind::Instance: {
            RegressionWorkspace &ws = regression();
            const auto shown = ws.result();
            QString error;
            const bool opened = ws.openFile(input, &error);
            if (!e.loads) {
                actual_ = QStringLiteral("refused, previous instance stays: ") + firstLine(error);
                QVERIFY(!opened);
                QVERIFY2(error.contains(message), qPrintable(error));
                QVERIFY(ws.statusText().contains(QStringLiteral("previous instance")));
                QCOMPARE(ws.result(), shown);
                return;
            }
            QVERIFY2(opened, qPrintable(error));
            QVERIFY(QTest::qWaitFor([&] { return ws.isReady() && ws.result() != shown; },
                                    kReadyTimeoutMs));
            const auto &summary = ws.result()->runs.at(0)->summary;
            QCOMPARE(QString::fromStdString(
                         std::string(mowe::regression::stopReasonName(summary.reason))),
                     message);
            actual_ = QStringLiteral("opened; the Newton run stops with \"%1\"").arg(message);
            return;
        }
        case cat::Kind::Generate: {
            RegressionWorkspace &ws = regression();
            const auto options = nlohmann::json::parse(made_.at(row.id).string());
            workbench::WorkbenchSettings s;
            s.n = options.at("n").get<mowe::regression::Index>();
            s.d = options.at("d").get<mowe::regression::Index>();
            ws.setSettings(s);
            QVERIFY(QTest::qWaitFor([&] { return ws.isReady(); }, kReadyTimeoutMs));
            QVERIFY2(ws.statusText().contains(message), qPrintable(ws.statusText()));
            QVERIFY(ws.statusText().contains(QStringLiteral("previous result stays")));
            actual_ = firstLine(ws.statusText());
            return;
        }
        }
    }

    // ---- failed writes: the old file stays, and the error says so ---------------------------

    void aFailedCliWriteKeepsTheOldFileAndSaysWhy_data() {
        QTest::addColumn<QString>("output");
        QTest::addColumn<QString>("limit"); ///< ulimit -f (512-byte blocks), or empty
        QTest::addColumn<QString>("message");
        QTest::newRow("full disk, image") << "full.png"
                                          << "4"
                                          << "File too large";
        QTest::newRow("full disk, video") << "full.avi"
                                          << "4"
                                          << "disk full";
        QTest::newRow("missing folder") << "no/such/folder/x.png"
                                        << ""
                                        << "No such file";
        QTest::newRow("/dev/full") << "/dev/full"
                                   << ""
                                   << "No space left on device";
    }

    void aFailedCliWriteKeepsTheOldFileAndSaysWhy() {
        if (!kHaveModel)
            QSKIP("mowe-cli restore needs the model half");
        QFETCH(QString, output);
        QFETCH(QString, limit);
        QFETCH(QString, message);
        // A device is reached through a link with an image name (the suffix picks the
        // format): the write goes to the device itself, which refuses every byte.
        const bool device = output.startsWith(QLatin1Char('/'));
        fs::path out = root_ / "out" / output.toStdString();
        if (device) {
            out = root_ / "out" / "device-full.png";
            std::error_code ec;
            fs::remove(out, ec);
            fs::create_symlink(output.toStdString(), out);
        }
        const std::string old = "the previous output, which must survive";
        if (!device && limit.size())
            cat::written(out, old);
        const bool video = output.endsWith(QStringLiteral(".avi"));
        const fs::path in = video ? made_.at("avi-cut-mid-frame") : photo_;
        // The shell ignores SIGXFSZ, so writing past the limit fails with EFBIG (for root too)
        // instead of killing the process.
        const QString command =
            QStringLiteral("trap '' XFSZ; %1 exec \"$0\" --threads 1 restore --in \"$1\" --out "
                           "\"$2\" --model \"$3\"")
                .arg(limit.isEmpty() ? QString() : QStringLiteral("ulimit -f %1;").arg(limit));
        QProcess p;
        p.start(QStringLiteral("/bin/sh"),
                {QStringLiteral("-c"),
                 command,
                 QStringLiteral(MOWE_BIN_DIR "/mowe-cli"),
                 q(in),
                 q(out),
                 q(model_)});
        QVERIFY(p.waitForFinished(kCliTimeoutMs));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QVERIFY2(p.exitCode() == 1, qPrintable(err));
        QVERIFY2(err.contains(message), qPrintable(err));
        QVERIFY2(err.contains(q(out)), qPrintable(err));
        if (!device && limit.size()) {
            QVERIFY2(err.contains(QStringLiteral("unchanged")), qPrintable(err));
            QCOMPARE(mowe::test::inputs::readBytes(out), old);
        }
        // No temporary file is left next to the target.
        if (!device && fs::exists(out.parent_path()))
            for (const auto &entry : fs::directory_iterator(out.parent_path()))
                QVERIFY2(entry.path().filename().string().find(".tmp") == std::string::npos,
                         entry.path().c_str());
    }

    void aFailedGuiExportKeepsTheOldFileAndSaysWhy() {
        if (!kHaveModel)
            QSKIP("built without the model half");
        WeatherWorkspace &w = weather();
        QVERIFY(QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs));
        QString error;
        QVERIFY2(w.openFile(q(photo_), &error), qPrintable(error));
        QVERIFY(QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs));
        const fs::path target = root_ / "out" / "export.png";
        const std::string old = "the previous export";
        cat::written(target, old);
        QString message;
        {
            rlimit saved{};
            getrlimit(RLIMIT_FSIZE, &saved);
            const auto previous = std::signal(SIGXFSZ, SIG_IGN);
            rlimit limit = saved;
            limit.rlim_cur = 1024;
            setrlimit(RLIMIT_FSIZE, &limit);
            try {
                w.exportRestored(q(target));
            } catch (const mowe::WriteError &e) {
                message = QString::fromUtf8(e.what());
            }
            setrlimit(RLIMIT_FSIZE, &saved);
            std::signal(SIGXFSZ, previous);
        }
        QVERIFY2(message.contains(QStringLiteral("File too large")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("unchanged")), qPrintable(message));
        QCOMPARE(mowe::test::inputs::readBytes(target), old);
        QVERIFY_THROWS_EXCEPTION(mowe::WriteError, w.exportRestored(QStringLiteral("/dev/full")));
    }

    // ---- untrusted files ---------------------------------------------------------------------

    /// A session file may come from anyone: the TorchScript model it names is not loaded by
    /// restoring it (loading runs the module's code); loading it deliberately works.
    void aSessionNeverLoadsATorchScriptModelByItself() {
        if (!kHaveModel)
            QSKIP("built without the model half");
#ifdef MOWE_HAVE_TORCH
        const fs::path script = cat::scriptModule(root_ / "good.pt", cat::kGoodScript);
        WeatherWorkspace &w = weather();
        QVERIFY(QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs));
        const QString sourceBefore = w.model().source;
        QJsonObject state = w.saveState();
        state[QStringLiteral("model")] = q(script);
        state[QStringLiteral("modelKind")] = QStringLiteral("torchscript");
        QString error;
        QVERIFY2(w.restoreState(state, &error), qPrintable(error));
        QVERIFY(QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs));
        QCOMPARE(w.model().source, sourceBefore);
        QVERIFY2(w.loadError().contains(QStringLiteral("was not loaded")),
                 qPrintable(w.loadError()));
        QVERIFY(w.loadError().contains(QStringLiteral("Load TorchScript Model")));
        // The deliberate act: the same file loads.
        w.loadModel(q(script), true);
        QVERIFY(QTest::qWaitFor([&] { return w.isReady(); }, kReadyTimeoutMs));
        QCOMPARE(w.model().kind, QStringLiteral("torchscript"));
#endif
    }

    void init() {
        actual_.clear();
    }

    /// Records what the door did with the row (docs/reliability.md's "actual" columns).
    void cleanup() {
        const QString function = QString::fromLatin1(QTest::currentTestFunction());
        if (function != QLatin1String("throughTheCli") &&
            function != QLatin1String("throughTheGui"))
            return;
        Outcome &o = outcomes_[QTest::currentDataTag()];
        const QString text = QTest::currentTestFailed()
                                 ? QStringLiteral("**FAILED**: ") + actual_
                                 : (actual_.isEmpty() ? QStringLiteral("skipped") : actual_);
        (function == QLatin1String("throughTheCli") ? o.cli : o.gui) = text;
        o.failed = o.failed || QTest::currentTestFailed();
    }

    void cleanupTestCase() {
        weather_.reset();
        regression_.reset();
        writeReport();
    }

private:
    struct Outcome {
        QString cli, gui;
        bool failed = false;
    };

    static QString firstLine(const QString &text) {
        QString line = text.trimmed().section(QLatin1Char('\n'), 0, 0);
        // Temporary folders differ per run: the table shows file names only.
        line.replace(QString::fromStdString(dirPrefix()), QString());
        return line.replace(QLatin1Char('|'), QStringLiteral("\\|"));
    }
    static std::string &dirPrefix() {
        static std::string prefix;
        return prefix;
    }
    static QString exitAndFirstLine(const CliResult &r) {
        return QStringLiteral("exit %1: ").arg(r.status) + firstLine(r.status == 0 ? r.out : r.err);
    }

    /// With MOWE_CATALOGUE_REPORT set, writes the catalogue as a Markdown table: input, what
    /// was expected, what each door did (scripts/reliability-table puts it in docs/).
    void writeReport() const {
        const QByteArray path = qgetenv("MOWE_CATALOGUE_REPORT");
        if (path.isEmpty())
            return;
        std::string table = "| input | expected | mowe-cli (actual) | GUI (actual) |\n"
                            "|---|---|---|---|\n";
        for (const cat::Row &row : cat::rows()) {
            const auto found = outcomes_.find(row.id);
            const Outcome o = found == outcomes_.end() ? Outcome{} : found->second;
            const cat::Expected &e = row.expected;
            std::string expected;
            if (!e.loads)
                expected = "refused: \"" + e.message + "\"";
            else if (row.kind == cat::Kind::Video)
                expected = "loads: " + std::to_string(e.frames) + " frames of " +
                           std::to_string(e.width) + "×" + std::to_string(e.height) +
                           ", truncation reported";
            else if (row.kind == cat::Kind::Image)
                expected = "loads at " + std::to_string(e.width) + "×" + std::to_string(e.height) +
                           (e.message.empty() ? "" : ", noting \"" + e.message + "\"");
            else
                expected = "loads; Newton stops with \"" + e.message + "\"";
            const auto cell = [](const QString &s) {
                return s.isEmpty() ? std::string("not run") : s.toStdString();
            };
            table += "| " + row.input + " | " + expected + " | " + cell(o.cli) + " | " +
                     cell(o.gui) + " |\n";
        }
        mowe::writeFileAtomically(fs::path(path.toStdString()), table);
    }

    void addRows() {
        QTest::addColumn<cat::Row>("row");
        for (const cat::Row &row : cat::rows())
            QTest::newRow(row.id.c_str()) << row;
    }

    /// One workspace for every row (each row starts from what the previous one left), with
    /// the tiny untrained network and the catalogue's base photo.
    WeatherWorkspace &weather() {
        if (!weather_) {
            WeatherWorkspaceOptions o;
            o.file = q(photo_);
            o.untrainedOptions = mowe::test::tinyNetworkOptions();
            o.untrainedSeed = 7;
            o.metrics = false;
            weather_ = std::make_unique<WeatherWorkspace>(nullptr, o);
            QTest::qWaitFor([&] { return weather_->isReady(); }, kReadyTimeoutMs);
        }
        return *weather_;
    }

    RegressionWorkspace &regression() {
        if (!regression_)
            regression_ = std::make_unique<RegressionWorkspace>(nullptr, false);
        return *regression_;
    }

    QTemporaryDir dir_;
    fs::path root_, photo_, model_;
    std::map<std::string, fs::path> made_;
    std::map<std::string, Outcome> outcomes_;
    QString actual_; ///< what the current row's door did, in words
    std::unique_ptr<WeatherWorkspace> weather_;
    std::unique_ptr<RegressionWorkspace> regression_;
};

QTEST_MAIN(ReliabilityCatalogueTest)
#include "reliability_catalogue_test.moc"
