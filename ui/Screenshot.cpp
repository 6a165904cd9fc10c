#include "Screenshot.h"

#include "Log.h"
#include "MainWindow.h"
#include "Workspace.h"
#include "common/atomic_file.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QGuiApplication>
#include <QTimer>
#include <QWindow>

namespace mowe::ui {

namespace {
// Events to process after ready() so layouts, pending repaints and deferred GL
// initialisation settle; each pass is cheap and the count is not a timing assumption.
constexpr int kSettlePasses = 5;
} // namespace

QString takeScreenshot(MainWindow &window, const ScreenshotOptions &options) {
    if (!options.workspace.isEmpty() && !window.setCurrentWorkspace(options.workspace))
        return QStringLiteral("unknown workspace '%1'").arg(options.workspace);

    window.resize(options.size);
    window.show();

    QEventLoop loop;
    QTimer timeout;
    timeout.setSingleShot(true);
    QObject::connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
    timeout.start(options.timeoutMs);

    // Wait for the window to be exposed (GL widgets initialise then) and for every
    // workspace: the hidden ones compute too, and a still-running job would race the grab.
    const QList<Workspace *> workspaces = window.workspaces();
    auto allReady = [&] {
        for (const Workspace *w : workspaces) {
            if (!w->isReady())
                return false;
        }
        return true;
    };
    auto done = [&] {
        return window.windowHandle() && window.windowHandle()->isExposed() && allReady();
    };
    QTimer poll;
    // ready() is the primary wake-up; the poll covers exposure, which has no signal here.
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    for (Workspace *w : workspaces) {
        QObject::connect(w, &Workspace::ready, &loop, [&] {
            if (done())
                loop.quit();
        });
    }
    poll.start(20);
    if (!done())
        loop.exec();
    poll.stop();
    if (!done()) {
        QStringList pending;
        for (const Workspace *w : workspaces) {
            if (!w->isReady())
                pending.append(w->title());
        }
        return pending.isEmpty() ? QStringLiteral("the window was not exposed after %1 s")
                                       .arg(options.timeoutMs / 1000)
                                 : QStringLiteral("not ready after %1 s: %2")
                                       .arg(options.timeoutMs / 1000)
                                       .arg(pending.join(QStringLiteral(", ")));
    }

    for (int i = 0; i < kSettlePasses; ++i)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);

    // QWidget::grab renders child QOpenGLWidgets through their framebuffers too.
    const QImage image = window.grab().toImage();
    qCDebug(lcUi) << "screenshot" << image.size() << "dpr" << image.devicePixelRatio();
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (image.isNull() || !image.save(&buffer, "PNG"))
        return QStringLiteral("could not encode the window as PNG");
    try {
        mowe::writeFileAtomically(QFile::encodeName(options.path).toStdString(),
                                  std::string_view(bytes.constData(), bytes.size()));
    } catch (const mowe::WriteError &e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

} // namespace mowe::ui
