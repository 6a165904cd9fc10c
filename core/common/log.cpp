#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace mowe::log {
namespace {

std::atomic<Level> g_level{Level::Warning};
std::mutex g_mutex;
Sink g_sink;

const char *name(Level level) {
    switch (level) {
    case Level::Debug:
        return "debug";
    case Level::Info:
        return "info";
    case Level::Warning:
        return "warning";
    case Level::Error:
        return "error";
    }
    return "?";
}

} // namespace

void setLevel(Level level) {
    g_level = level;
}
Level level() {
    return g_level;
}
bool enabled(Level level) {
    return static_cast<int>(level) >= static_cast<int>(g_level.load());
}

void setSink(Sink sink) {
    std::lock_guard lock(g_mutex);
    g_sink = std::move(sink);
}

void write(Level lvl, std::string_view category, std::string_view message) {
    if (!enabled(lvl))
        return;
    std::lock_guard lock(g_mutex);
    if (g_sink) {
        g_sink(lvl, category, message);
        return;
    }
    std::fprintf(stderr,
                 "%s [%.*s] %.*s\n",
                 name(lvl),
                 static_cast<int>(category.size()),
                 category.data(),
                 static_cast<int>(message.size()),
                 message.data());
}

} // namespace mowe::log
