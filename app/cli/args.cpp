#include "cli/args.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace mowe::cli {

Args::Args(const std::vector<std::string> &argv,
           const std::set<std::string> &valued,
           const std::set<std::string> &flags) {
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string &word = argv[i];
        if (word.rfind("--", 0) != 0) {
            positional_.push_back(word);
            continue;
        }
        std::string key = word.substr(2);
        std::optional<std::string> inlineValue;
        if (const auto eq = key.find('='); eq != std::string::npos) {
            inlineValue = key.substr(eq + 1);
            key = key.substr(0, eq);
        }
        if (flags.count(key)) {
            if (inlineValue)
                throw UsageError("option --" + key + " takes no value");
            flags_.insert(key);
        } else if (valued.count(key)) {
            if (inlineValue) {
                values_[key] = *inlineValue;
            } else {
                if (i + 1 >= argv.size())
                    throw UsageError("option --" + key + " needs a value");
                values_[key] = argv[++i];
            }
        } else {
            throw UsageError("unknown option '" + word + "'");
        }
    }
}

bool Args::has(const std::string &key) const {
    return values_.count(key) || flags_.count(key);
}

std::string Args::get(const std::string &key, const std::string &fallback) const {
    const auto it = values_.find(key);
    return it == values_.end() ? fallback : it->second;
}

std::string Args::required(const std::string &key) const {
    const auto it = values_.find(key);
    if (it == values_.end())
        throw UsageError("missing required option --" + key);
    return it->second;
}

long long Args::getInt(const std::string &key, long long fallback) const {
    const auto it = values_.find(key);
    if (it == values_.end())
        return fallback;
    errno = 0;
    char *end = nullptr;
    const long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (errno || end == it->second.c_str() || *end)
        throw UsageError("--" + key + " expects an integer, got '" + it->second + "'");
    return v;
}

double Args::getDouble(const std::string &key, double fallback) const {
    const auto it = values_.find(key);
    if (it == values_.end())
        return fallback;
    errno = 0;
    char *end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (errno || end == it->second.c_str() || *end || !std::isfinite(v))
        throw UsageError("--" + key + " expects a finite number, got '" + it->second + "'");
    return v;
}

} // namespace mowe::cli
