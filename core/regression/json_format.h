#pragma once
// JSON text with every floating-point number at 17 significant digits ("%.17g"), so a value
// written and read back is bit-identical. nlohmann's dump() writes the shortest round-trip
// form instead; the CLI's contract asks for 17 digits.

#include <nlohmann/json.hpp>

#include <string>

namespace mowe::regression {

/// Throws std::logic_error on NaN or ±Inf: callers must have replaced them by a status.
/// `indent` < 0: one line; otherwise pretty-printed with that many spaces.
std::string formatJson(const nlohmann::json &json, int indent = -1);

} // namespace mowe::regression
