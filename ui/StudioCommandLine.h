#pragma once
// The command line of mowe-studio, parsed without a QApplication (so a bad option or a
// missing display is reported before Qt would abort):
//
//   mowe-studio [--verbose] [--threads N] [--workspace weather|regression]
//               [--screenshot FILE [--size WxH]] [--image FILE]
//               [--weather SPEC] [--panel NAME] [--instance FILE.json] [FILE]
//
// Exit codes: 0 success, 1 runtime failure (no display, unwritable screenshot), 2 usage.

#include <QSize>
#include <QString>
#include <QStringList>

#include <optional>

namespace mowe::ui {

struct StudioArguments {
    bool help = false;
    bool version = false;
    bool verbose = false;
    /// Worker threads for background jobs and OpenMP; 0 = all cores.
    int threads = 0;
    /// Start in this workspace ("weather" or "regression"); empty = as last time.
    QString workspace;
    /// Write a PNG of the window here and exit; empty = run interactively.
    QString screenshot;
    /// Window size for --screenshot, in device-independent pixels.
    QSize size{1280, 800};
    /// A file to open at start (FILE or --image FILE).
    QString file;
    /// A regression instance (JSON) to open in the regression workbench at start.
    QString instance;
    /// Synthetic weather for the weather workspace ("rain=0.6"), empty: none.
    QString weather;
    /// Weather side panel to show ("experts", ...), empty: as it starts.
    QString panel;
};

struct StudioParseResult {
    std::optional<StudioArguments> arguments;
    /// Why parsing failed (set when `arguments` is empty).
    QString error;
};

/// Accepted workspace identifiers, in tab order.
QStringList studioWorkspaceIds();

/// `arguments` excludes the program name.
StudioParseResult parseStudioArguments(const QStringList &arguments);

QString studioUsage();

/// Empty when a display is reachable, else a message saying how to run under xvfb-run.
/// Reads DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM.
QString missingDisplayMessage();

} // namespace mowe::ui
