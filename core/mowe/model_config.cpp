#include "mowe/model_config.h"

#include "mowe/engine.h"

namespace mowe::model {

using json = nlohmann::json;

ModelConfig parseModelConfig(std::string_view text, const std::string &source) {
    ModelConfig config;
    try {
        config.meta = json::parse(text);
    } catch (const json::exception &e) {
        throw ModelError("'" + source + "' is not valid JSON: " + e.what());
    }
    const json &meta = config.meta;
    // Each field's type is checked before it is read: json::value() throws type_error on a
    // "format" that is a number or a "version" that is a string, which is not a ModelError.
    const auto format = meta.is_object() ? meta.find("format") : meta.end();
    if (!meta.is_object() || format == meta.end() || !format->is_string() ||
        format->get<std::string>() != kModelFormat)
        throw ModelError("'" + source + "' is not a MoWE Studio model config (format must be \"" +
                         kModelFormat + "\")");
    const auto version = meta.find("version");
    if (version == meta.end() || !version->is_number_integer() ||
        version->get<std::int64_t>() != kModelFormatVersion)
        throw ModelError("'" + source + "' has format version " +
                         (version == meta.end() ? std::string("(none)") : version->dump()) +
                         "; this build reads version " + std::to_string(kModelFormatVersion));
    const auto options = meta.find("options");
    if (options == meta.end())
        throw ModelError("'" + source + "' has no \"options\"");
    try {
        config.options = options->get<MoweOptions>();
    } catch (const std::exception &e) {
        throw ModelError("'" + source + "': " + e.what());
    }
    // An untrusted config must not make us allocate: bound the network's size before the
    // caller compares it with the weights file and builds anything.
    config.parameters = config.options.parameterCount();
    if (config.parameters > kMaxModelParameters)
        throw ModelError(
            "'" + source + "' describes a network of " + std::to_string(config.parameters) +
            " parameters, more than the limit of " + std::to_string(kMaxModelParameters));
    return config;
}

} // namespace mowe::model
