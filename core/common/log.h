#pragma once
// A small levelled logger for core/ (which has no Qt). Each subsystem names its category
// ("regression", "mowe", "weather", ...). The default sink writes to stderr; the GUI installs
// a sink that routes records into Qt's logging categories (ui/logbridge.cpp).

#include <functional>
#include <sstream>
#include <string>
#include <string_view>

namespace mowe::log {

enum class Level { Debug = 0, Info = 1, Warning = 2, Error = 3 };

using Sink = std::function<void(Level, std::string_view category, std::string_view message)>;

/// Records below this level are dropped before formatting. Default: Warning.
void setLevel(Level level);
Level level();
bool enabled(Level level);

/// Replaces the sink; an empty function restores the stderr sink.
void setSink(Sink sink);

void write(Level level, std::string_view category, std::string_view message);

/// Streams a record: `mowe::log::Stream(Level::Info, "mowe") << "loaded " << n;`
class Stream {
public:
    Stream(Level level, std::string_view category)
        : level_(level)
        , category_(category) {}
    ~Stream() {
        if (enabled(level_))
            write(level_, category_, out_.str());
    }
    template <typename T> Stream &operator<<(const T &value) {
        if (enabled(level_))
            out_ << value;
        return *this;
    }

private:
    Level level_;
    std::string category_;
    std::ostringstream out_;
};

inline Stream debug(std::string_view category) {
    return {Level::Debug, category};
}
inline Stream info(std::string_view category) {
    return {Level::Info, category};
}
inline Stream warning(std::string_view category) {
    return {Level::Warning, category};
}
inline Stream error(std::string_view category) {
    return {Level::Error, category};
}

} // namespace mowe::log
