#pragma once
// JSON text with every floating-point number at 17 significant digits ("%.17g"), so a value
// written and read back is bit-identical. nlohmann's dump() writes the shortest round-trip
// form instead; the CLI's contract asks for 17 digits.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mowe::regression {

namespace detail {

inline void newline(std::string &out, int indent, int level) {
    if (indent < 0)
        return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent * level), ' ');
}

template <typename Json> void emit(const Json &j, std::string &out, int indent, int level) {
    switch (j.type()) {
    case Json::value_t::number_float: {
        const double v = j.template get<double>();
        if (!std::isfinite(v))
            throw std::logic_error("formatJson: a non-finite number reached the output");
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        out += buf;
        // Keep the type visible to readers that distinguish 1 from 1.0.
        if (std::string_view(buf).find_first_of(".eEn") == std::string_view::npos)
            out += ".0";
        return;
    }
    case Json::value_t::array: {
        if (j.empty()) {
            out += "[]";
            return;
        }
        // Arrays of numbers stay on one line: a 50×50 Hessian is 50 lines, not 2500.
        const bool flat = std::all_of(j.begin(), j.end(), [](const auto &e) {
            return e.is_number() || e.is_null() || e.is_boolean();
        });
        out += '[';
        bool first = true;
        for (const auto &e : j) {
            if (!first)
                out += flat || indent < 0 ? ", " : ",";
            if (!flat)
                newline(out, indent, level + 1);
            emit(e, out, indent, level + 1);
            first = false;
        }
        if (!flat)
            newline(out, indent, level);
        out += ']';
        return;
    }
    case Json::value_t::object: {
        if (j.empty()) {
            out += "{}";
            return;
        }
        out += '{';
        bool first = true;
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (!first)
                out += indent < 0 ? ", " : ",";
            newline(out, indent, level + 1);
            out += Json(it.key()).dump();
            out += ": ";
            emit(it.value(), out, indent, level + 1);
            first = false;
        }
        newline(out, indent, level);
        out += '}';
        return;
    }
    default:
        out += j.dump();
    }
}

} // namespace detail

/// Works for nlohmann::json and nlohmann::ordered_json. Throws std::logic_error on NaN or
/// ±Inf: callers must have replaced them by a status. `indent` < 0: one line; otherwise
/// pretty-printed with that many spaces (arrays of numbers stay on one line).
template <typename Json> std::string formatJson(const Json &json, int indent = -1) {
    std::string out;
    detail::emit(json, out, indent, 0);
    return out;
}

} // namespace mowe::regression
