#include "LogBridge.h"

#include "Log.h"
#include "common/log.h"

#include <QByteArray>
#include <QDebug>
#include <QtGlobal>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace mowe::ui {

Q_LOGGING_CATEGORY(lcUi, "mowe.ui", QtWarningMsg)
Q_LOGGING_CATEGORY(lcJobs, "mowe.jobs", QtWarningMsg)
Q_LOGGING_CATEGORY(lcVtk, "mowe.vtk", QtWarningMsg)
Q_LOGGING_CATEGORY(lcWeather, "mowe.weather", QtWarningMsg)
Q_LOGGING_CATEGORY(lcRegression, "mowe.regression", QtWarningMsg)

namespace {

struct DynamicCategory {
    // QLoggingCategory keeps the name pointer, so the name lives beside it.
    std::string name;
    std::unique_ptr<QLoggingCategory> category;
};

std::mutex g_categoriesMutex;
// std::map nodes never move, so the name strings stay valid for their categories.
std::map<std::string, DynamicCategory, std::less<>> g_categories;

void routeToQt(mowe::log::Level level, std::string_view category, std::string_view message) {
    const QLoggingCategory &cat = categoryFor(category);
    const QString text = QString::fromUtf8(message.data(), static_cast<qsizetype>(message.size()));
    QMessageLogger logger(nullptr, 0, nullptr);
    switch (level) {
    case mowe::log::Level::Debug:
        if (cat.isDebugEnabled())
            logger.debug(cat).noquote() << text;
        break;
    case mowe::log::Level::Info:
        if (cat.isInfoEnabled())
            logger.info(cat).noquote() << text;
        break;
    case mowe::log::Level::Warning:
        if (cat.isWarningEnabled())
            logger.warning(cat).noquote() << text;
        break;
    case mowe::log::Level::Error:
        // qCritical, not qFatal: an error in core is reported, never an abort.
        if (cat.isCriticalEnabled())
            logger.critical(cat).noquote() << text;
        break;
    }
}

} // namespace

const QLoggingCategory &categoryFor(std::string_view coreCategory) {
    // The GUI's own categories already carry these names; reuse them so one object per name
    // exists for the subsystems both halves log into.
    if (coreCategory == "weather")
        return lcWeather();
    if (coreCategory == "regression")
        return lcRegression();
    std::lock_guard lock(g_categoriesMutex);
    auto it = g_categories.find(coreCategory);
    if (it == g_categories.end()) {
        it = g_categories.emplace(std::string(coreCategory), DynamicCategory{}).first;
        it->second.name = "mowe." + std::string(coreCategory);
        it->second.category =
            std::make_unique<QLoggingCategory>(it->second.name.c_str(), QtWarningMsg);
    }
    return *it->second.category;
}

void installLogBridge(const LogOptions &options) {
    // Qt enables debug output for every category by default; ours start at warnings.
    QLoggingCategory::setFilterRules(options.verbose ? QStringLiteral("mowe.*.debug=true\n"
                                                                      "mowe.*.info=true")
                                                     : QStringLiteral("mowe.*.debug=false\n"
                                                                      "mowe.*.info=false"));
    if (options.setMessagePattern && qEnvironmentVariableIsEmpty("QT_MESSAGE_PATTERN"))
        qSetMessagePattern(QStringLiteral("%{if-debug}debug%{endif}%{if-info}info%{endif}"
                                          "%{if-warning}warning%{endif}%{if-critical}error"
                                          "%{endif}%{if-fatal}fatal%{endif} [%{category}] "
                                          "%{message}"));
    // Core drops records below its level before formatting them; Qt's rules filter the rest.
    mowe::log::setLevel(options.verbose ? mowe::log::Level::Debug : mowe::log::Level::Warning);
    mowe::log::setSink(&routeToQt);
}

void uninstallLogBridge() {
    mowe::log::setSink({});
}

} // namespace mowe::ui
