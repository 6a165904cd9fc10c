// mowe-studio: the GUI. Thin: parses the command line, checks for a display, and hands over
// to ui/ (MainWindow, or a one-shot screenshot).

#include "LogBridge.h"
#include "MainWindow.h"
#include "Screenshot.h"
#include "StudioCommandLine.h"
#include "Workspace.h"

#include <QApplication>
#include <QMessageBox>
#include <QThreadPool>

#include <cstdio>

namespace {

void printTo(std::FILE *stream, const QString &text) {
    std::fputs(text.toLocal8Bit().constData(), stream);
}

} // namespace

int main(int argc, char **argv) {
    using namespace mowe::ui;

    // Parse and check the display before QApplication exists: Qt aborts without a display,
    // and a usage error needs no GUI.
    QStringList rawArguments;
    for (int i = 1; i < argc; ++i)
        rawArguments.append(QString::fromLocal8Bit(argv[i]));
    const StudioParseResult parsed = parseStudioArguments(rawArguments);
    if (!parsed.arguments) {
        printTo(stderr, QStringLiteral("mowe-studio: %1\n\n%2").arg(parsed.error, studioUsage()));
        return 2;
    }
    const StudioArguments &args = *parsed.arguments;
    if (args.help) {
        printTo(stdout, studioUsage());
        return 0;
    }
    if (args.version) {
        printTo(stdout, QStringLiteral("mowe-studio %1\n").arg(QStringLiteral(MOWE_VERSION)));
        return 0;
    }
    if (const QString message = missingDisplayMessage(); !message.isEmpty()) {
        printTo(stderr, message);
        return 1;
    }

    QApplication::setOrganizationName(QStringLiteral("MoWE"));
    QApplication::setApplicationName(QStringLiteral("MoWE Studio"));
    QApplication::setApplicationVersion(QStringLiteral(MOWE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("mowe-studio"));
    QApplication app(argc, argv);
    installLogBridge({.verbose = args.verbose});
    if (args.threads > 0)
        QThreadPool::globalInstance()->setMaxThreadCount(args.threads);

    const bool screenshot = !args.screenshot.isEmpty();
    MainWindowOptions options;
    // A screenshot is reproducible: fixed size, no saved geometry, nothing written back.
    options.restoreState = !screenshot;
    options.saveSettings = !screenshot;
    MainWindow window(options);
    if (!args.workspace.isEmpty())
        window.setCurrentWorkspace(args.workspace);

    QString openError;
    if (!args.instance.isEmpty() && !window.openFile(args.instance, &openError)) {
        printTo(stderr, QStringLiteral("mowe-studio: %1\n").arg(openError));
        if (screenshot)
            return 1;
    }
    if (!args.file.isEmpty() && !window.openFile(args.file, &openError)) {
        printTo(stderr, QStringLiteral("mowe-studio: %1\n").arg(openError));
        if (screenshot)
            return 1;
    }

    // Weather and regression options go through the workspaces' invokable slots: the app
    // needs no workspace header. "solvers" and "context" are the regression workbench's tabs.
    const bool isRegressionPanel =
        args.panel == QLatin1String("solvers") || args.panel == QLatin1String("context");
    if (QObject *weather = window.workspace(QStringLiteral("weather"))) {
        if (!args.weather.isEmpty()) {
            QString error;
            QMetaObject::invokeMethod(weather,
                                      "setWeatherText",
                                      Q_RETURN_ARG(QString, error),
                                      Q_ARG(QString, args.weather));
            if (!error.isEmpty()) {
                printTo(stderr, QStringLiteral("mowe-studio: --weather: %1\n").arg(error));
                return 2;
            }
        }
        if (!args.panel.isEmpty() && !isRegressionPanel)
            QMetaObject::invokeMethod(weather, "showPanel", Q_ARG(QString, args.panel));
    }
    if (QObject *regression = window.workspace(QStringLiteral("regression"));
        regression && isRegressionPanel) {
        QMetaObject::invokeMethod(regression, "showPanel", Q_ARG(QString, args.panel));
    }

    int status = 0;
    if (screenshot) {
        ScreenshotOptions shot;
        shot.path = args.screenshot;
        shot.workspace = args.workspace;
        shot.size = args.size;
        if (const QString error = takeScreenshot(window, shot); !error.isEmpty()) {
            printTo(stderr, QStringLiteral("mowe-studio: screenshot failed: %1\n").arg(error));
            status = 1;
        }
    } else {
        window.show();
        if (!openError.isEmpty())
            QMessageBox::warning(&window, QObject::tr("Cannot open file"), openError);
        status = app.exec();
    }
    uninstallLogBridge();
    return status;
}
