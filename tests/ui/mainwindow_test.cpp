// The main window shell: both workspaces start and become ready, switching works through the
// tabs and the View menu, files go to the right workspace, About lists versions and photo
// attributions, settings round-trip, and damaged settings files are ignored with warnings.

#include "About.h"
#include "JobRunner.h"
#include "LogBridge.h"
#include "MainWindow.h"
#include "Workspace.h"
#include "common/atomic_file.h"
#include "common/log.h"
#include "common/resources.h"
#include "regression/RegressionWorkspace.h"
#include "vtk/VtkView.h"
#include "weather/WeatherWorkspace.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMenuBar>
#include <QProgressBar>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QToolButton>

#include <cmath>

using namespace mowe::ui;

namespace {

constexpr int kReadyTimeoutMs = 60000;

// Collects messages of one logging category, passing everything on.
struct CategoryCapture {
    static inline QStringList messages;
    static inline QByteArray category;
    static inline QtMessageHandler previous = nullptr;
    static void handler(QtMsgType type, const QMessageLogContext &context, const QString &msg) {
        if (context.category && category == context.category)
            messages.append(msg);
        previous(type, context, msg);
    }
    explicit CategoryCapture(const QByteArray &name) {
        messages.clear();
        category = name;
        previous = qInstallMessageHandler(handler);
    }
    ~CategoryCapture() { qInstallMessageHandler(previous); }
};

bool waitReady(Workspace *workspace) {
    if (workspace->isReady())
        return true;
    QSignalSpy spy(workspace, &Workspace::ready);
    return spy.wait(kReadyTimeoutMs) || workspace->isReady();
}

QString testPhoto(const QString &name) {
    return QFile::decodeName((mowe::resourceDir() / "images").string().c_str()) + u'/' + name;
}

} // namespace

class MainWindowTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() {
        dir_ = std::make_unique<QTemporaryDir>();
        QVERIFY(dir_->isValid());
        settingsPath_ = dir_->filePath(QStringLiteral("settings.ini"));
    }
    void cleanup() { dir_.reset(); }

    void startsWithTwoWorkspacesThatBecomeReady() {
        MainWindow window(options());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const auto workspaces = window.workspaces();
        QCOMPARE(workspaces.size(), 2);
        QCOMPARE(workspaces[0]->id(), QStringLiteral("weather"));
        QCOMPARE(workspaces[0]->title(), QStringLiteral("Weather experts"));
        QCOMPARE(workspaces[1]->id(), QStringLiteral("regression"));
        QCOMPARE(workspaces[1]->title(), QStringLiteral("Regression workbench"));
        QCOMPARE(window.currentWorkspace(), workspaces[0]);
        QVERIFY(waitReady(workspaces[0]));
        QVERIFY(waitReady(workspaces[1]));
    }

    void weatherShowsTheDefaultPhotoAndTheModelState() {
        MainWindow window(options());
        window.show();
        auto *weather = qobject_cast<WeatherWorkspace *>(window.workspace("weather"));
        QVERIFY(weather);
        QVERIFY(waitReady(weather));
        const QImage expected(QFile::decodeName(mowe::defaultPhotoPath().string().c_str()));
        QVERIFY(!expected.isNull());
        QCOMPARE(weather->photo().size(), expected.size());
        // Qt's and OpenCV's JPEG decoders may round differently by a level or two.
        const QColor a = weather->photo().pixelColor(10, 10), b = expected.pixelColor(10, 10);
        QVERIFY(std::abs(a.red() - b.red()) <= 3 && std::abs(a.green() - b.green()) <= 3 &&
                std::abs(a.blue() - b.blue()) <= 3);
        QVERIFY(weather->loadError().isEmpty());
        // Without the shipped model the photo is shown as it is, with a note saying so.
        if (!weather->hasModel())
            QVERIFY2(weather->noteText().contains(QStringLiteral("No model found")) ||
                         weather->noteText().contains(QStringLiteral("cannot be used")) ||
                         weather->noteText().contains(QStringLiteral("no model half")),
                     qPrintable(weather->noteText()));
    }

    void switchingThroughTabsAndViewMenu() {
        MainWindow window(options());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy changed(&window, &MainWindow::currentWorkspaceChanged);

        QVERIFY(window.setCurrentWorkspace(QStringLiteral("regression")));
        QCOMPARE(window.currentWorkspace()->id(), QStringLiteral("regression"));
        QVERIFY(window.windowTitle().contains(QStringLiteral("Regression workbench")));
        QVERIFY(!window.setCurrentWorkspace(QStringLiteral("nonsense")));
        QCOMPARE(window.currentWorkspace()->id(), QStringLiteral("regression"));

        // The View menu's workspace actions switch too (Ctrl+1 is the first).
        QAction *weatherAction = nullptr;
        for (QAction *action : window.findChildren<QAction *>()) {
            if (action->data().toString() == QLatin1String("weather"))
                weatherAction = action;
        }
        QVERIFY(weatherAction);
        QCOMPARE(weatherAction->shortcut(), QKeySequence(QStringLiteral("Ctrl+1")));
        weatherAction->trigger();
        QCOMPARE(window.currentWorkspace()->id(), QStringLiteral("weather"));
        QVERIFY(weatherAction->isChecked());
        QCOMPARE(changed.size(), 2);
    }

    void regressionViewRendersTheSurface() {
        MainWindow window(options());
        window.resize(1000, 700);
        window.setCurrentWorkspace(QStringLiteral("regression"));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *regression = qobject_cast<RegressionWorkspace *>(window.workspace("regression"));
        QVERIFY(waitReady(regression));
        QTRY_VERIFY(regression->view()->isInitialized());
        const QImage image = regression->view()->grabImage();
        QVERIFY(!image.isNull());
        // The corner shows the background; the centre shows the surface (not background).
        const QColor background = regression->view()->background();
        const QColor corner = image.pixelColor(3, 3);
        const QColor centre = image.pixelColor(image.width() / 2, image.height() / 2);
        QCOMPARE(corner.rgb(), background.rgb());
        QVERIFY2(centre.rgb() != background.rgb(), "the surface must cover the centre");
    }

    void openFileGoesToTheWorkspaceThatAcceptsIt() {
        MainWindow window(options());
        window.show();
        auto *weather = qobject_cast<WeatherWorkspace *>(window.workspace("weather"));
        QVERIFY(waitReady(weather));
        window.setCurrentWorkspace(QStringLiteral("regression"));

        const QString photo = testPhoto(QStringLiteral("fog_dense_forest_heavy.jpg"));
        QString error;
        QVERIFY2(window.openFile(photo, &error), qPrintable(error));
        // The regression workbench opens no images, so the weather workspace took it.
        QCOMPARE(window.currentWorkspace(), weather);
        QVERIFY(waitReady(weather));
        QTRY_COMPARE(weather->photoPath(), photo);
        QCOMPARE(weather->photo().size(), QImage(photo).size());
        QCOMPARE(window.recentFiles().value(0), photo);
    }

    void openFileRefusesMissingUnsupportedAndCorruptFiles() {
        MainWindow window(options());
        QString error;
        QVERIFY(!window.openFile(dir_->filePath(QStringLiteral("missing.jpg")), &error));
        QVERIFY(error.contains(QStringLiteral("does not exist")));

        const QString text = dir_->filePath(QStringLiteral("notes.xyz"));
        QFile(text).open(QIODevice::WriteOnly);
        QVERIFY(!window.openFile(text, &error));
        QVERIFY(error.contains(QStringLiteral("not supported")));

        const QString corrupt = dir_->filePath(QStringLiteral("corrupt.jpg"));
        {
            QFile file(corrupt);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("this is not a JPEG file at all");
        }
        QVERIFY(!window.openFile(corrupt, &error));
        QVERIFY2(error.contains(QStringLiteral("Cannot open")), qPrintable(error));
        QVERIFY(window.recentFiles().isEmpty());
    }

    void statusBarShowsTheCurrentJobAndItsCancelButtonCancels() {
        MainWindow window(options());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        Workspace *weather = window.workspace(QStringLiteral("weather"));
        QVERIFY(waitReady(weather));
        auto *cancel = window.findChild<QToolButton *>(QStringLiteral("cancelJobButton"));
        auto *progress = window.findChild<QProgressBar *>();
        QVERIFY(cancel && progress);
        QVERIFY(!cancel->isVisible());

        JobRunner *jobs = weather->jobRunner();
        QSignalSpy cancelled(jobs, &JobRunner::cancelled);
        QSemaphore halfway;
        jobs->start(
            QStringLiteral("A long computation"),
            [&halfway](JobContext &context) {
                context.setProgress(0.5, QStringLiteral("half done"));
                halfway.release();
                while (!context.isCancelled())
                    QThread::msleep(1);
                return 0;
            },
            [](int) { QFAIL("a cancelled job must not deliver"); });
        QVERIFY(halfway.tryAcquire(1, kReadyTimeoutMs));
        QTRY_VERIFY(cancel->isVisible());
        QTRY_COMPARE(progress->value(), 500);
        QVERIFY(progress->isVisible());

        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(cancelled.wait(kReadyTimeoutMs));
        QTRY_VERIFY(!cancel->isVisible());
        QVERIFY(!progress->isVisible());
    }

    void exportWritesWhatEachWorkspaceShows() {
        MainWindow window(options());
        window.resize(1000, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *weather = qobject_cast<WeatherWorkspace *>(window.workspace("weather"));
        QVERIFY(waitReady(weather));
        const QString photoPng = dir_->filePath(QStringLiteral("photo.png"));
        weather->exportTo(photoPng);
        const QImage photo(photoPng);
        QCOMPARE(photo.size(), weather->photo().size());
        QCOMPARE(photo.pixel(5, 5), weather->viewImage().pixel(5, 5));

        window.setCurrentWorkspace(QStringLiteral("regression"));
        auto *regression = qobject_cast<RegressionWorkspace *>(window.workspace("regression"));
        QVERIFY(waitReady(regression));
        QTRY_VERIFY(regression->view()->isInitialized());
        const QString viewPng = dir_->filePath(QStringLiteral("view.png"));
        regression->exportTo(viewPng);
        const QImage view(viewPng);
        const double dpr = regression->view()->devicePixelRatioF();
        QCOMPARE(view.size(), regression->view()->size() * dpr);
        QCOMPARE(view.pixelColor(3, 3).rgb(), regression->view()->background().rgb());

        QVERIFY_THROWS_EXCEPTION(mowe::WriteError,
                                 regression->exportTo(QStringLiteral("/nonexistent/dir/view.png")));
    }

    void sessionsKeepEveryWorkspaceInOneFile() {
        MainWindow window(options());
        auto *weather = qobject_cast<WeatherWorkspace *>(window.workspace("weather"));
        QVERIFY(waitReady(weather));
        const QString session = dir_->filePath(QStringLiteral("session.json"));
        window.saveSession(session);
        QFile file(session);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject saved = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(saved.value(QStringLiteral("format")).toString(),
                 QStringLiteral("mowe-studio-session"));
        const QJsonObject states = saved.value(QStringLiteral("workspaces")).toObject();
        QVERIFY(states.contains(QStringLiteral("weather")));
        QVERIFY(states.contains(QStringLiteral("regression")));
        QCOMPARE(states.value(QStringLiteral("weather")).toObject().value(QStringLiteral("file")),
                 QJsonValue(weather->photoPath()));
        QString error;
        QVERIFY2(window.openSession(session, &error), qPrintable(error));

        const QString notSession = dir_->filePath(QStringLiteral("other.json"));
        QFile other(notSession);
        QVERIFY(other.open(QIODevice::WriteOnly));
        other.write("{\"format\": \"something else\"}");
        other.close();
        QVERIFY(!window.openSession(notSession, &error));
        QVERIFY2(error.contains(QStringLiteral("not a MoWE Studio session")), qPrintable(error));
        QVERIFY(waitReady(weather));
    }

    void aboutListsVersionsAndPhotoAttributions() {
        const QString text = aboutMarkdown();
        QVERIFY(text.contains(QString::fromLatin1(qVersion())));
        const LibraryVersions v = libraryVersions();
        QVERIFY(v.vtk.startsWith(QStringLiteral("9.")));
        QVERIFY(v.opencv.startsWith(QStringLiteral("4.")));
        QVERIFY(v.eigen.startsWith(QStringLiteral("3.")));
        for (const QString &entry : {v.vtk, v.opencv, v.eigen, v.torch})
            QVERIFY2(text.contains(entry), qPrintable(entry));
#ifndef MOWE_HAVE_TORCH
        QVERIFY(v.torch.startsWith(QStringLiteral("not built")));
#endif
        // Every shipped photo is attributed, with its licence and author.
        for (const char *photo : {"snow_forest_road_with_fog.jpg",
                                  "fog_dense_forest_heavy.jpg",
                                  "fog_bank_over_hillside_moderate.jpg",
                                  "haze_layered_mountains_storm_sky.jpg"})
            QVERIFY2(text.contains(QLatin1String(photo)), photo);
        QVERIFY(text.contains(QStringLiteral("Ahmet Öztürk")));
        QVERIFY(text.contains(QStringLiteral("CC-BY-SA-3.0")));
        QVERIFY(text.contains(QStringLiteral("GPL-3+")));
    }

    void settingsRoundTripGeometryWorkspaceAndRecentFiles() {
        const QString photo = testPhoto(QStringLiteral("fog_dense_forest_heavy.jpg"));
        {
            MainWindow window(options());
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QString error;
            QVERIFY2(window.openFile(photo, &error), qPrintable(error));
            window.resize(900, 640);
            window.setCurrentWorkspace(QStringLiteral("regression"));
            window.close(); // saves the settings
        }
        MainWindow restored(options());
        QCOMPARE(restored.recentFiles(), QStringList{photo});
        QCOMPARE(restored.currentWorkspace()->id(), QStringLiteral("regression"));
        QCOMPARE(restored.size(), QSize(900, 640));
        QVERIFY(restored.settingsWarnings().isEmpty());
    }

    void garbageBytesInSettingsFileAreIgnoredWithAWarning() {
        {
            QFile file(settingsPath_);
            QVERIFY(file.open(QIODevice::WriteOnly));
            QByteArray junk;
            for (int i = 0; i < 4096; ++i)
                junk.append(static_cast<char>((i * 7919 + 13) % 256));
            file.write(junk);
        }
        CategoryCapture capture("mowe.ui");
        MainWindow window(options());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.workspaces().size(), 2);
        for (const QString &path : window.recentFiles())
            QVERIFY(QDir::isAbsolutePath(path));
        QCOMPARE(window.size(), QSize(1280, 800)); // the default, not something from the junk
    }

    void wrongTypedSettingsAreIgnoredOneByOne() {
        {
            QFile file(settingsPath_);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("[window]\n"
                       "geometry=@ByteArray(\\x1\\x2\\x3 not a geometry)\n"
                       "state=42\n"
                       "workspace=the-third-one\n"
                       "[files]\n"
                       "recent=relative/path.jpg, /ok/photo.jpg, \"/bad\\x1path.jpg\"\n");
        }
        CategoryCapture capture("mowe.ui");
        MainWindow window(options());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.recentFiles(), QStringList{QStringLiteral("/ok/photo.jpg")});
        QCOMPARE(window.currentWorkspace()->id(), QStringLiteral("weather"));
        QCOMPARE(window.size(), QSize(1280, 800));
        // One warning per damaged setting: geometry, state, workspace, recent entries.
        QCOMPARE(window.settingsWarnings().size(), 4);
        QCOMPARE(capture.messages.size(), 4);
        QVERIFY(capture.messages.join(u'\n').contains(QStringLiteral("the-third-one")));
    }

    void coreLogRecordsArriveInQtCategories() {
        installLogBridge({.verbose = false, .setMessagePattern = false});
        {
            CategoryCapture capture("mowe.regression");
            mowe::log::warning("regression") << "step " << 3 << " diverged";
            mowe::log::debug("regression") << "hidden without --verbose";
            QCOMPARE(capture.messages, QStringList{QStringLiteral("step 3 diverged")});
        }
        {
            CategoryCapture capture("mowe.newsubsystem");
            mowe::log::error("newsubsystem") << "disk full";
            QCOMPARE(capture.messages, QStringList{QStringLiteral("disk full")});
        }
        installLogBridge({.verbose = true, .setMessagePattern = false});
        {
            CategoryCapture capture("mowe.weather");
            mowe::log::debug("weather") << "visible with --verbose";
            QCOMPARE(capture.messages, QStringList{QStringLiteral("visible with --verbose")});
        }
        installLogBridge({.verbose = false, .setMessagePattern = false});
        uninstallLogBridge();
    }

private:
    MainWindowOptions options() const {
        MainWindowOptions o;
        o.settingsFile = settingsPath_;
        return o;
    }

    std::unique_ptr<QTemporaryDir> dir_;
    QString settingsPath_;
};

QTEST_MAIN(MainWindowTest)
#include "mainwindow_test.moc"
