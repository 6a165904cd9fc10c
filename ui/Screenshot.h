#pragma once
// `mowe-studio --screenshot`: show the window at a fixed size, wait until the chosen
// workspace has computed everything it shows, grab the window and write a PNG atomically.

#include <QSize>
#include <QString>

namespace mowe::ui {

class MainWindow;

struct ScreenshotOptions {
    QString path;
    /// Workspace to show; empty = the window's current one.
    QString workspace;
    /// Window size in device-independent pixels; the PNG is size × devicePixelRatio.
    QSize size{1280, 800};
    /// Give up (and fail) when the workspace is not ready by then.
    int timeoutMs = 300000;
};

/// Returns an empty string on success, else what went wrong. Runs a local event loop.
QString takeScreenshot(MainWindow &window, const ScreenshotOptions &options);

} // namespace mowe::ui
