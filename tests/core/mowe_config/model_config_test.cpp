// model.json, checked before LibTorch sees anything (core/mowe/model_config.h). Torch-free,
// so it also runs in the sanitizer build.
#include "mowe/engine.h"
#include "mowe/model_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>

using namespace mowe;

namespace {

std::string errorOf(const std::string &text) {
    try {
        model::parseModelConfig(text, "model.json");
    } catch (const model::ModelError &e) {
        return e.what();
    }
    return "no ModelError";
}

bool contains(const std::string &s, const std::string &part) {
    return s.find(part) != std::string::npos;
}

std::string readText(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST(ModelConfig, TheShippedConfigParsesToTheSmallNetwork) {
    const auto config = model::parseModelConfig(
        readText(MOWE_REPO_ROOT "/resources/models/mowe-small/model.json"), "shipped");
    EXPECT_EQ(config.options.width, model::MoweOptions::small().width);
    EXPECT_EQ(config.options.experts, 4);
    EXPECT_EQ(config.parameters, config.options.parameterCount());
    EXPECT_EQ(config.meta["format"], model::kModelFormat);
    EXPECT_TRUE(config.meta.contains("metrics")); // other keys are kept as they are
}

TEST(ModelConfig, MissingOptionsTakeTheirDefaults) {
    const auto config = model::parseModelConfig(
        R"({"format": "mowe-studio-model", "version": 1, "options": {}})", "model.json");
    EXPECT_EQ(config.parameters, model::MoweOptions().parameterCount());
}

// Regression: the loader used json::value() on "format" and "version", which throws
// nlohmann's type_error (not a ModelError) when the field has the wrong JSON type, so a
// hand-edited model.json escaped the documented error and its message named no file.
TEST(ModelConfig, WrongJsonTypesOfFormatAndVersionAreModelErrors) {
    const auto format = errorOf(R"({"format": 5, "version": 1, "options": {}})");
    EXPECT_TRUE(contains(format, "model.json")) << format;
    EXPECT_TRUE(contains(format, "format must be")) << format;
    const auto version =
        errorOf(R"({"format": "mowe-studio-model", "version": "1", "options": {}})");
    EXPECT_TRUE(contains(version, "format version \"1\"")) << version;
    const auto fractional =
        errorOf(R"({"format": "mowe-studio-model", "version": 1.5, "options": {}})");
    EXPECT_TRUE(contains(fractional, "format version 1.5")) << fractional;
    const auto absent = errorOf(R"({"format": "mowe-studio-model", "options": {}})");
    EXPECT_TRUE(contains(absent, "format version (none)")) << absent;
}

TEST(ModelConfig, NotAnObjectOrNotJsonIsNamed) {
    EXPECT_TRUE(contains(errorOf("[1, 2]"), "is not a MoWE Studio model config"));
    EXPECT_TRUE(contains(errorOf("\"mowe-studio-model\""), "is not a MoWE Studio model config"));
    EXPECT_TRUE(contains(errorOf("{not json"), "is not valid JSON"));
    EXPECT_TRUE(contains(errorOf(""), "is not valid JSON"));
    EXPECT_TRUE(contains(errorOf(R"({"format": "mowe-studio-model", "version": 1})"),
                         "has no \"options\""));
}

TEST(ModelConfig, BadOptionsNameTheKey) {
    const std::string head = R"({"format": "mowe-studio-model", "version": 1, "options": )";
    EXPECT_TRUE(contains(errorOf(head + R"({"bogus": 1}})"), "unknown key 'bogus'"));
    EXPECT_TRUE(contains(errorOf(head + R"({"width": "96"}})"), "'width' must be an integer"));
    EXPECT_TRUE(contains(errorOf(head + R"({"heads": 5}})"), "must divide width"));
    EXPECT_TRUE(contains(errorOf(head + R"({"router": 1}})"), "'router' must be a string"));
    EXPECT_TRUE(contains(errorOf(head + R"([]})"), "must be a JSON object"));
}

// ~10¹² parameters: refused from the numbers alone, before anything is allocated.
TEST(ModelConfig, AHugeClaimedNetworkIsRefusedFromItsNumbers) {
    const auto message = errorOf(R"({"format": "mowe-studio-model", "version": 1, "options": )"
                                 R"({"width": 4096, "heads": 8, "depth": 64, "mlp_ratio": 16}})");
    EXPECT_TRUE(contains(message, "more than the limit of 256000000")) << message;
}
