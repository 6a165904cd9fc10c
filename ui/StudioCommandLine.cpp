#include "StudioCommandLine.h"

#include "weather/synth.h"

#include <QRegularExpression>
#include <QtGlobal>

namespace mowe::ui {

namespace {
// Beyond these the window or the thread pool is a typo, not a wish.
constexpr int kMinSide = 64;
constexpr int kMaxSide = 16384;
constexpr int kMaxThreads = 1024;
} // namespace

QStringList studioWorkspaceIds() {
    return {QStringLiteral("weather"), QStringLiteral("regression")};
}

QString studioUsage() {
    return QStringLiteral(
        "Usage: mowe-studio [--verbose] [--threads N] [--workspace weather|regression]\n"
        "                   [--screenshot FILE [--size WxH]] [--image FILE]\n"
        "                   [--weather SPEC] [--panel NAME] [--instance FILE.json]\n"
        "                   [FILE]\n"
        "\n"
        "  --verbose          debug output for every mowe.* logging category\n"
        "  --threads N        worker threads for background jobs (default: all cores)\n"
        "  --workspace ID     start in the 'weather' or 'regression' workspace\n"
        "  --screenshot FILE  render the window, write it to FILE (PNG) once everything\n"
        "                     shown is computed, and exit; ignores the saved geometry\n"
        "  --size WxH         window size for --screenshot (default 1280x800)\n"
        "  --instance FILE    a regression instance (JSON) to open in the regression\n"
        "                     workbench (mowe-cli regress generate writes one)\n"
        "  --image FILE       the same as FILE: a photo or video for the weather workspace\n"
        "  --weather SPEC     add synthetic weather to it, e.g. rain=0.6,fog=0.3\n"
        "  --panel NAME       weather side panel: statistics, experts, weather or metrics;\n"
        "                     regression workbench tab: solvers or context\n"
        "  --help, --version\n"
        "  FILE               a photo to open in the weather workspace\n"
        "\n"
        "Without a display, run it under Xvfb: xvfb-run -a mowe-studio ...\n");
}

StudioParseResult parseStudioArguments(const QStringList &arguments) {
    StudioArguments args;
    bool sizeGiven = false;
    auto fail = [](const QString &message) { return StudioParseResult{std::nullopt, message}; };

    for (int i = 0; i < arguments.size(); ++i) {
        QString option = arguments.at(i);
        std::optional<QString> inlineValue;
        if (option.startsWith(QLatin1String("--")) && option.contains(QLatin1Char('='))) {
            inlineValue = option.section(QLatin1Char('='), 1);
            option = option.section(QLatin1Char('='), 0, 0);
        }
        auto value = [&](QString *out) {
            if (inlineValue) {
                *out = *inlineValue;
                return true;
            }
            if (i + 1 >= arguments.size())
                return false;
            *out = arguments.at(++i);
            return true;
        };
        auto flag = [&](bool *out) {
            if (inlineValue)
                return false;
            *out = true;
            return true;
        };

        if (option == QLatin1String("--help") || option == QLatin1String("-h")) {
            if (!flag(&args.help))
                return fail(QStringLiteral("%1 takes no value").arg(option));
        } else if (option == QLatin1String("--version")) {
            if (!flag(&args.version))
                return fail(QStringLiteral("--version takes no value"));
        } else if (option == QLatin1String("--verbose") || option == QLatin1String("-v")) {
            if (!flag(&args.verbose))
                return fail(QStringLiteral("%1 takes no value").arg(option));
        } else if (option == QLatin1String("--threads")) {
            QString text;
            if (!value(&text))
                return fail(QStringLiteral("--threads needs a number"));
            bool ok = false;
            const int n = text.toInt(&ok);
            if (!ok || n < 1 || n > kMaxThreads)
                return fail(
                    QStringLiteral("--threads must be a whole number from 1 to %1, not '%2'")
                        .arg(kMaxThreads)
                        .arg(text));
            args.threads = n;
        } else if (option == QLatin1String("--workspace")) {
            QString id;
            if (!value(&id))
                return fail(QStringLiteral("--workspace needs one of: %1")
                                .arg(studioWorkspaceIds().join(QStringLiteral(", "))));
            if (!studioWorkspaceIds().contains(id))
                return fail(QStringLiteral("unknown workspace '%1' (choose %2)")
                                .arg(id, studioWorkspaceIds().join(QStringLiteral(" or "))));
            args.workspace = id;
        } else if (option == QLatin1String("--screenshot")) {
            if (!value(&args.screenshot) || args.screenshot.isEmpty())
                return fail(QStringLiteral("--screenshot needs a file name"));
        } else if (option == QLatin1String("--instance")) {
            if (!value(&args.instance) || args.instance.isEmpty())
                return fail(QStringLiteral("--instance needs a file name"));
        } else if (option == QLatin1String("--size")) {
            QString text;
            if (!value(&text))
                return fail(QStringLiteral("--size needs WIDTHxHEIGHT, e.g. 1280x800"));
            static const QRegularExpression pattern(QStringLiteral("^(\\d{1,6})[xX](\\d{1,6})$"));
            const auto match = pattern.match(text);
            const int w = match.hasMatch() ? match.captured(1).toInt() : 0;
            const int h = match.hasMatch() ? match.captured(2).toInt() : 0;
            if (w < kMinSide || h < kMinSide || w > kMaxSide || h > kMaxSide)
                return fail(QStringLiteral("--size must be WIDTHxHEIGHT with each side from %1 to "
                                           "%2 pixels, not '%3'")
                                .arg(kMinSide)
                                .arg(kMaxSide)
                                .arg(text));
            args.size = QSize(w, h);
            sizeGiven = true;
        } else if (option == QLatin1String("--image")) {
            QString file;
            if (!value(&file) || file.isEmpty())
                return fail(QStringLiteral("--image needs a file name"));
            if (!args.file.isEmpty())
                return fail(QStringLiteral("only one FILE can be given ('%1' and '%2')")
                                .arg(args.file, file));
            args.file = file;
        } else if (option == QLatin1String("--weather")) {
            if (!value(&args.weather))
                return fail(QStringLiteral("--weather needs a spec such as rain=0.6,fog=0.3"));
            try {
                mowe::weather::parseWeatherSpec(args.weather.toStdString());
            } catch (const std::exception &e) {
                return fail(QStringLiteral("--weather: %1").arg(QString::fromUtf8(e.what())));
            }
        } else if (option == QLatin1String("--panel")) {
            static const QStringList panels = {QStringLiteral("statistics"),
                                               QStringLiteral("experts"),
                                               QStringLiteral("weather"),
                                               QStringLiteral("metrics"),
                                               QStringLiteral("solvers"),
                                               QStringLiteral("context")};
            if (!value(&args.panel) || !panels.contains(args.panel))
                return fail(QStringLiteral("--panel needs one of: %1")
                                .arg(panels.join(QStringLiteral(", "))));
        } else if (option.startsWith(QLatin1Char('-')) && option != QLatin1String("-")) {
            return fail(QStringLiteral("unknown option '%1'").arg(arguments.at(i)));
        } else {
            if (!args.file.isEmpty())
                return fail(QStringLiteral("only one FILE can be given ('%1' and '%2')")
                                .arg(args.file, option));
            args.file = option;
        }
    }
    if (sizeGiven && args.screenshot.isEmpty())
        return fail(QStringLiteral("--size only applies to --screenshot"));
    return {args, {}};
}

QString missingDisplayMessage() {
    const QString platform = qEnvironmentVariable("QT_QPA_PLATFORM");
    const bool hasX = !qEnvironmentVariableIsEmpty("DISPLAY");
    const bool hasWayland = !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
    // The xcb and wayland platforms abort inside QApplication without their server; any
    // other platform the user chose (offscreen, vnc, ...) is taken as deliberate.
    const bool reachable = platform.isEmpty()                              ? (hasX || hasWayland)
                           : platform.startsWith(QLatin1String("xcb"))     ? hasX
                           : platform.startsWith(QLatin1String("wayland")) ? hasWayland
                                                                           : true;
    if (reachable)
        return {};
    return QStringLiteral(
               "mowe-studio: no display found (DISPLAY and WAYLAND_DISPLAY are unset%1).\n"
               "On a machine without a screen, run it under a virtual X server:\n"
               "    xvfb-run -a mowe-studio ...\n"
               "(for a screenshot: xvfb-run -a mowe-studio --screenshot out.png)\n")
        .arg(platform.isEmpty() ? QString() : QStringLiteral(", QT_QPA_PLATFORM=") + platform);
}

} // namespace mowe::ui
