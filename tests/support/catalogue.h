#pragma once
// The bad-input catalogue of issue 8 as one table: each row makes its input in a folder and
// states the expected outcome. tests/ui/reliability_catalogue_test.cpp runs every row through
// mowe-cli and through the GUI's loaders (weather workspace, regression workbench);
// docs/reliability.md shows the table with what each path says. Rows that are numerical
// rather than files (power iteration and Lanczos on chosen spectra) are core tests listed in
// the same document.
//
// Model rows need LibTorch to make a valid model folder and TorchScript modules: they exist
// only in builds with the model half (MOWE_HAVE_TORCH).

#include "bad_inputs.h"

#ifdef MOWE_HAVE_TORCH
#include "../core/mowe/fixtures.h"

#include <torch/script.h>
#endif

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace mowe::test::catalogue {

namespace fs = std::filesystem;

enum class Kind {
    Image,       ///< a photo: mowe-cli restore / WeatherWorkspace::openFile
    Video,       ///< mowe-cli restore (video) / WeatherWorkspace::openFile + stepFrame
    ModelFolder, ///< mowe-cli restore --model / WeatherWorkspace::loadModel
    TorchScript, ///< mowe-cli restore --torchscript / WeatherWorkspace::loadModel(…, true)
    Instance,    ///< mowe-cli regress eval / RegressionWorkspace::openFile + computeWorkbench
    Generate,    ///< mowe-cli regress generate / the workbench's generator (computeWorkbench)
};

struct Expected {
    bool loads = false;
    /// Refused: a part of the message both paths show. Loads: a part of the loader's notes
    /// (images), or of the run's status (instances); may be empty.
    std::string message;
    /// Images: the size shown and restored (after EXIF orientation). Videos: the frame size.
    int width = 0, height = 0;
    /// Videos: the frames restored (CLI) and stepped through (GUI).
    int frames = 0;
};

struct Row {
    std::string id;    ///< short, used for file names and test row names
    std::string input; ///< what the input is, in words (docs/reliability.md)
    Kind kind = Kind::Image;
    /// Makes the input in `dir`; returns the path to open (for Generate: a JSON object of
    /// the generator's options, as text).
    std::function<fs::path(const fs::path &dir)> make;
    Expected expected;
    /// Rows that need the model half (LibTorch) to make their input.
    bool needsTorch = false;
};

inline fs::path written(const fs::path &path, const std::string &bytes) {
    inputs::writeBytes(path, bytes);
    return path;
}

inline std::string pngOf(const cv::Mat &img) {
    return inputs::encode(".png", img);
}

/// A small, valid softmax_normalized instance (n = 3, d = 2) as JSON.
inline nlohmann::json goodInstance() {
    return nlohmann::json::parse(R"({"problem": "softmax_normalized",
        "A": [[1, 0], [0, 1], [1, 1]], "b": [0.25, 0.25, 0.5], "w": [1, 1, 1], "x": [0.1, 0.2]})");
}

#ifdef MOWE_HAVE_TORCH
/// A tiny untrained model folder (fixtures.h): what the model rows corrupt, and the model the
/// CLI restores the image rows with.
inline fs::path tinyModelFolder(const fs::path &dir) {
    fs::create_directories(dir);
    auto net = tinyNet();
    model::saveModelFolder(dir, net, {});
    return dir;
}

/// A module that follows docs/torchscript.md (as in engine_test.cpp): brightens the image and
/// routes token t to expert t mod 3 in two layers.
inline const char *kGoodScript = R"(
def forward(self, x):
    n = (x.size(2) // self.patch_size) * (x.size(3) // self.patch_size)
    idx = torch.arange(n) % 3
    gates = torch.eye(3).index_select(0, idx).unsqueeze(0)
    return (torch.clamp(x * 0.5 + 0.25, 0.0, 1.0), [gates, gates])
)";

inline fs::path scriptModule(const fs::path &path, const std::string &body) {
    torch::jit::Module m("CatalogueModule");
    m.register_attribute("patch_size", c10::IntType::get(), 8);
    m.define(body);
    m.save(path.string());
    return path;
}
#endif

/// The catalogue. Messages are the loaders' own words, so both paths show the same reason.
inline std::vector<Row> rows() {
    using inputs::encode;
    using inputs::scene;
    std::vector<Row> r;
    const auto image = [&](std::string id,
                           std::string input,
                           std::function<fs::path(const fs::path &)> make,
                           Expected e) {
        r.push_back({std::move(id), std::move(input), Kind::Image, std::move(make), e});
    };
    const auto refused = [](std::string message) {
        Expected e;
        e.message = std::move(message);
        return e;
    };
    const auto loads = [](int w, int h, std::string note = {}) {
        Expected e;
        e.loads = true;
        e.width = w;
        e.height = h;
        e.message = std::move(note);
        return e;
    };

    // ---- images --------------------------------------------------------------------------
    image(
        "empty",
        "empty file (0 bytes) named .png",
        [](const fs::path &d) { return written(d / "empty.png", ""); },
        refused("empty"));
    image(
        "truncated-png",
        "333×255 PNG cut to half its bytes",
        [](const fs::path &d) {
            const std::string png = pngOf(inputs::noise8(333, 255));
            return written(d / "truncated.png", png.substr(0, png.size() / 2));
        },
        refused("truncated"));
    image(
        "truncated-jpeg",
        "333×255 JPEG cut to 60 % of its bytes",
        [](const fs::path &d) {
            const std::string jpeg = encode(".jpg", scene(333, 255));
            return written(d / "truncated.jpg", jpeg.substr(0, jpeg.size() * 6 / 10));
        },
        refused("truncated"));
    image(
        "text-as-png",
        "a text file named .png",
        [](const fs::path &d) {
            return written(d / "notes.png", "hello, this is a shopping list\nmilk\neggs\n");
        },
        refused("looks like text"));
    // What OpenCV would hand to GDCM or GDAL, whose parsers abort the process or read far
    // more than a photo loader should (docs/fuzzing.md: found by fuzz_image).
    image(
        "dicom-as-jpg",
        "DICOM preamble (DICM at byte 128) named .jpg",
        [](const fs::path &d) {
            std::string bytes(300, '\0');
            bytes.replace(128, 4, "DICM");
            return written(d / "scan.jpg", bytes);
        },
        refused("DICOM (medical imaging) data"));
    image(
        "nitf-as-png",
        "NITF (geospatial) header named .png",
        [](const fs::path &d) {
            return written(d / "map.png", "NITF02.10" + std::string(400, ' '));
        },
        refused("NITF or DTED (geospatial) data"));
    image(
        "one-pixel",
        "1×1 PNG",
        [](const fs::path &d) { return written(d / "one.png", pngOf(inputs::noise8(1, 1))); },
        loads(1, 1));
    image(
        "odd-333x255",
        "333×255 PNG",
        [](const fs::path &d) { return written(d / "odd.png", pngOf(scene(333, 255))); },
        loads(333, 255));
    image(
        "thin-7x1000",
        "7×1000 PNG",
        [](const fs::path &d) { return written(d / "thin.png", pngOf(scene(7, 1000))); },
        loads(7, 1000));
    image(
        "greyscale",
        "8-bit greyscale PNG, 96×64",
        [](const fs::path &d) {
            cv::Mat grey;
            cv::cvtColor(scene(96, 64), grey, cv::COLOR_BGR2GRAY);
            return written(d / "grey.png", pngOf(grey));
        },
        loads(96, 64, "greyscale replicated"));
    image(
        "palette",
        "palette PNG (4 colours), 96×64",
        [](const fs::path &d) {
            return written(
                d / "palette.png",
                inputs::palettePng(96, 64, {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {9, 9, 9}}));
        },
        loads(96, 64, "palette expanded"));
    image(
        "rgba-transparent",
        "RGBA PNG, a transparent quarter and a half-transparent half, 96×64",
        [](const fs::path &d) {
            return written(d / "alpha.png", pngOf(inputs::transparentScene(96, 64)));
        },
        loads(96, 64, "composited"));
    image(
        "sixteen-bit",
        "16-bit RGB PNG, 96×64",
        [](const fs::path &d) {
            cv::Mat deep;
            scene(96, 64).convertTo(deep, CV_16UC3, 257.0);
            return written(d / "deep.png", pngOf(deep));
        },
        loads(96, 64, "16-bit"));
    image(
        "exif-6",
        "96×64 JPEG with EXIF orientation 6 (rotate 90° clockwise)",
        [](const fs::path &d) {
            return written(d / "rotated.jpg",
                           inputs::withExifOrientation(encode(".jpg", scene(96, 64)), 6));
        },
        loads(64, 96, "EXIF orientation 6 applied"));
    image(
        "claims-100000x100000",
        "PNG whose header claims 100000×100000 pixels (a few bytes of data)",
        [](const fs::path &d) { return written(d / "huge.png", inputs::lyingPng(100000, 100000)); },
        refused("100000 x 100000 pixels"));
    image(
        "photo-4096x4096",
        "4096×4096 JPEG (16.8 MP)",
        [](const fs::path &d) { return written(d / "big.jpg", encode(".jpg", scene(4096, 4096))); },
        loads(4096, 4096));

    // ---- video -----------------------------------------------------------------------------
    {
        Row v{"avi-cut-mid-frame",
              "MJPG AVI of 12 frames (64×48), cut in the middle of frame 7",
              Kind::Video,
              [](const fs::path &d) {
                  const fs::path full = d / "full.avi";
                  if (!inputs::writeMjpgAvi(full, 12, 64, 48))
                      throw std::runtime_error("test setup: OpenCV cannot write an MJPG AVI");
                  const std::string bytes = inputs::readBytes(full);
                  // The frames follow each other in the 'movi' list: cut half-way through the
                  // seventh ("00dc" chunks, counted from the start).
                  std::size_t pos = 0;
                  std::vector<std::size_t> starts;
                  while ((pos = bytes.find("00dc", pos)) != std::string::npos)
                      starts.push_back(pos++);
                  if (starts.size() < 8)
                      throw std::runtime_error("test setup: unexpected AVI layout");
                  const std::size_t cut = (starts[6] + starts[7]) / 2;
                  return written(d / "cut.avi", bytes.substr(0, cut));
              },
              {}};
        v.expected.loads = true;
        v.expected.width = 64;
        v.expected.height = 48;
        v.expected.frames = 6;
        r.push_back(v);
    }

    // ---- model files -----------------------------------------------------------------------
#ifdef MOWE_HAVE_TORCH
    const auto model = [&](std::string id,
                           std::string input,
                           Kind kind,
                           std::function<fs::path(const fs::path &)> make,
                           std::string message) {
        Expected e;
        e.message = std::move(message);
        r.push_back({std::move(id), std::move(input), kind, std::move(make), e, true});
    };
    model(
        "model-truncated-weights",
        "model folder whose weights.pt is cut to half",
        Kind::ModelFolder,
        [](const fs::path &d) {
            const fs::path dir = tinyModelFolder(d / "truncated-model");
            const std::string bytes = inputs::readBytes(dir / "weights.pt");
            written(dir / "weights.pt", bytes.substr(0, bytes.size() / 2));
            return dir;
        },
        "truncated");
    model(
        "model-random-weights",
        "model folder whose weights.pt is random bytes of the right size",
        Kind::ModelFolder,
        [](const fs::path &d) {
            const fs::path dir = tinyModelFolder(d / "random-model");
            std::string junk(fs::file_size(dir / "weights.pt"), '\0');
            std::mt19937 rng(3);
            for (auto &c : junk)
                c = static_cast<char>(rng());
            written(dir / "weights.pt", junk);
            return dir;
        },
        "corrupt");
    model(
        "model-config-disagrees",
        "model folder whose model.json says weather_dim 9, the weights 8",
        Kind::ModelFolder,
        [](const fs::path &d) {
            const fs::path dir = tinyModelFolder(d / "mismatch-model");
            auto meta = nlohmann::json::parse(inputs::readBytes(dir / "model.json"));
            meta["options"]["weather_dim"] = 9;
            written(dir / "model.json", meta.dump());
            return dir;
        },
        "shape");
    model(
        "model-json-broken",
        "model folder whose model.json is not JSON",
        Kind::ModelFolder,
        [](const fs::path &d) {
            const fs::path dir = tinyModelFolder(d / "broken-model");
            written(dir / "model.json", "{ not json");
            return dir;
        },
        "not valid JSON");
    model(
        "model-weights-with-code",
        "model folder whose weights.pt has the right tensors and also defines a method",
        Kind::ModelFolder,
        [](const fs::path &d) {
            const fs::path dir = tinyModelFolder(d / "code-model");
            auto net = tinyNet();
            torch::jit::Module m("Module");
            for (const auto &p : net->named_parameters())
                m.register_parameter(p.key(), p.value(), false);
            for (const auto &b : net->named_buffers())
                m.register_buffer(b.key(), b.value());
            m.define("def forward(self, x):\n    return x\n");
            m.save((dir / "weights.pt").string());
            return dir;
        },
        "define code");
    model(
        "torchscript-wrong-outputs",
        "TorchScript module whose forward returns the image only (no gate list)",
        Kind::TorchScript,
        [](const fs::path &d) {
            return scriptModule(d / "wrong.pt", "def forward(self, x):\n    return x\n");
        },
        "tuple");
    model(
        "torchscript-wrong-gates",
        "TorchScript module whose gates have the wrong shape",
        Kind::TorchScript,
        [](const fs::path &d) {
            return scriptModule(d / "gates.pt",
                                "def forward(self, x):\n"
                                "    return (x, [torch.zeros(1, 5, 3)])\n");
        },
        "gate tensor has shape");
    model(
        "torchscript-random-bytes",
        "random bytes named .pt",
        Kind::TorchScript,
        [](const fs::path &d) {
            std::string junk(4096, '\0');
            std::mt19937 rng(4);
            for (auto &c : junk)
                c = static_cast<char>(rng());
            return written(d / "junk.pt", junk);
        },
        "not a readable TorchScript");
#endif

    // ---- regression instances --------------------------------------------------------------
    const auto instance =
        [&](std::string id, std::string input, std::function<std::string()> text, Expected e) {
            const std::string file = id + ".json";
            r.push_back({std::move(id),
                         std::move(input),
                         Kind::Instance,
                         [text, file](const fs::path &d) { return written(d / file, text()); },
                         e});
        };
    const auto with = [](const std::string &field, const std::string &value) {
        return [field, value] {
            nlohmann::json j = goodInstance();
            j[field] = nlohmann::json::parse(value);
            return j.dump();
        };
    };
    instance(
        "instance-nan",
        "instance with NaN in A (JSON has no NaN: written as the bare word)",
        [] {
            return std::string("{\"problem\": \"softmax_normalized\",\n"
                               " \"A\": [[1, NaN], [0, 1], [1, 1]], \"b\": [0.25, 0.25, 0.5]}");
        },
        refused("instance-nan.json:2:12"));
    instance(
        "instance-inf",
        "instance with 1e999 (infinite as a double) in A",
        [] {
            return std::string("{\"problem\": \"softmax_normalized\",\n"
                               " \"A\": [[1, 1e999], [0, 1], [1, 1]], \"b\": [0.25, 0.25, "
                               "0.5]}");
        },
        refused("the number 1e999 is outside"));
    instance("instance-mismatched",
             "instance whose b has 2 entries for 3 rows of A",
             with("b", "[0.5, 0.5]"),
             refused("'b' has length 2 but 'A' has 3 rows"));
    instance("instance-ragged",
             "instance whose A has rows of different lengths",
             with("A", "[[1, 0], [0], [1, 1]]"),
             refused("row 1 has 1 entries, row 0 has 2"));
    instance(
        "instance-deep",
        "100000 nested '[' (deep-nesting JSON)",
        [] { return std::string(100000, '['); },
        refused("deeper"));
    instance(
        "instance-malformed",
        "malformed JSON (a trailing comma in a row)",
        [] { return std::string("{\n \"problem\": \"softmax_normalized\",\n \"A\": [[1,]]\n}"); },
        refused("instance-malformed.json:3:11"));
    instance(
        "instance-empty", "empty file", [] { return std::string(); }, refused(":1:1"));
    {
        Expected overflow;
        overflow.loads = true;
        overflow.message = "overflow";
        instance(
            "instance-exp-overflow",
            "softmax_rescaled instance starting at x = (900, 900): exp(Ax) overflows",
            [] {
                nlohmann::json j = goodInstance();
                j["problem"] = "softmax_rescaled";
                j["x"] = {900.0, 900.0};
                return j.dump();
            },
            overflow);
    }
    r.push_back({"generate-1e6x1e6",
                 "generator asked for n = d = 10⁶ (10¹² entries claimed)",
                 Kind::Generate,
                 [](const fs::path &) {
                     return fs::path(R"({"problem": "softmax_normalized", "n": 1000000,
                                         "d": 1000000})");
                 },
                 refused("more than the limit")});
    return r;
}

} // namespace mowe::test::catalogue
