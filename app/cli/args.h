#pragma once
// Minimal option parsing shared by the mowe-cli subcommands: `--key value` and `--flag`.
// Every subcommand declares the options it accepts; anything else is a usage error (exit 2).

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace mowe::cli {

/// A usage error: printed with the subcommand's usage text, exit status 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Args {
public:
    /// `valued`: options that take a value; `flags`: options that take none.
    Args(const std::vector<std::string> &argv,
         const std::set<std::string> &valued,
         const std::set<std::string> &flags = {});

    bool has(const std::string &key) const;
    std::string get(const std::string &key, const std::string &fallback = {}) const;
    std::string required(const std::string &key) const;
    long long getInt(const std::string &key, long long fallback) const;
    double getDouble(const std::string &key, double fallback) const;
    const std::vector<std::string> &positional() const { return positional_; }

private:
    std::map<std::string, std::string> values_;
    std::set<std::string> flags_;
    std::vector<std::string> positional_;
};

/// A subcommand: receives the words after its name, returns the exit status.
using Command = int (*)(const std::vector<std::string> &args);

} // namespace mowe::cli
