#pragma once
// Routes core's levelled logger (core/common/log.h) into Qt's logging categories, so one
// switch (--verbose) and one set of rules (QT_LOGGING_RULES) govern both halves.

#include <QLoggingCategory>
#include <string_view>

namespace mowe::ui {

struct LogOptions {
    /// Enables debug and info records of every mowe.* category (and of core's logger).
    bool verbose = false;
    /// Installs "<type> [<category>] <message>" as the message pattern unless the user set
    /// QT_MESSAGE_PATTERN.
    bool setMessagePattern = true;
};

/// Sets the filter rules for the mowe.* categories, core's level, and core's sink. Call
/// once, after QApplication exists. QT_LOGGING_RULES still overrides the rules set here.
void installLogBridge(const LogOptions &options = {});

/// Restores core's stderr sink (e.g. before the QApplication goes away).
void uninstallLogBridge();

/// The Qt category a core category ("regression", "weather", ...) is routed into:
/// "mowe.<name>". The object lives until the program ends; thread-safe.
const QLoggingCategory &categoryFor(std::string_view coreCategory);

} // namespace mowe::ui
