#pragma once
// Makers of test files, shared by the loader tests (tests/core/weather/image_io_test.cpp), the
// weather workspace test and the bad-input catalogue (tests/support/catalogue.h): every file a
// test opens is made here, byte by byte or with OpenCV's encoders, never downloaded.
// No GoogleTest and no Qt: both kinds of test include it.

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mowe::test::inputs {

inline void writeBytes(const std::filesystem::path &path, const std::string &bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out)
        throw std::runtime_error("test setup: cannot write '" + path.string() + "'");
}

inline std::string readBytes(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/// `img` encoded in the format of `ext` (".png", ".jpg", ...).
inline std::string
encode(const std::string &ext, const cv::Mat &img, const std::vector<int> &params = {}) {
    std::vector<uchar> buf;
    if (!cv::imencode(ext, img, buf, params))
        throw std::runtime_error("test setup: OpenCV cannot encode " + ext);
    return std::string(buf.begin(), buf.end());
}

/// Uniform noise in every channel (seeded).
inline cv::Mat noise8(int w, int h, int type = CV_8UC3) {
    cv::Mat img(h, w, type);
    cv::RNG(5).fill(img, cv::RNG::UNIFORM, 0, 256);
    return img;
}

/// A smooth, deterministic 8-bit BGR scene (sky gradient, a dark block, stripes) of w × h;
/// `variant` shifts it (video frames).
inline cv::Mat scene(int w, int h, int variant = 0) {
    cv::Mat img(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            img.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(120 + 100 * y / h),
                                                uchar((60 + 3 * x + 40 * variant) % 256),
                                                uchar(((x / 6 + y / 6) % 2) ? 200 : 40));
    cv::rectangle(
        img, cv::Rect(w / 4 + 4 * variant, h / 3, w / 5, h / 4), cv::Scalar(20, 30, 25), -1);
    return img;
}

// ---- a minimal PNG writer, for files cv::imencode cannot make (palette, lying headers) ----

inline std::uint32_t crc32(const std::string &data) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char c : data) {
        crc ^= c;
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

inline std::string be32(std::uint32_t v) {
    return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

inline std::string chunk(const std::string &type, const std::string &body) {
    return be32(static_cast<std::uint32_t>(body.size())) + type + body + be32(crc32(type + body));
}

/// zlib stream of stored (uncompressed) deflate blocks.
inline std::string zlibStored(const std::string &raw) {
    std::string out = "\x78\x01";
    std::size_t pos = 0;
    do {
        const std::size_t n = std::min<std::size_t>(65535, raw.size() - pos);
        const bool last = pos + n == raw.size();
        out += char(last ? 1 : 0);
        out += char(n & 0xFF);
        out += char(n >> 8);
        out += char(~n & 0xFF);
        out += char((~n >> 8) & 0xFF);
        out += raw.substr(pos, n);
        pos += n;
    } while (pos < raw.size());
    std::uint32_t a = 1, b = 0;
    for (unsigned char c : raw) {
        a = (a + c) % 65521;
        b = (b + a) % 65521;
    }
    return out + be32((b << 16) | a);
}

inline std::string ihdr(std::uint32_t w, std::uint32_t h, int bitDepth, int colorType) {
    return chunk("IHDR", be32(w) + be32(h) + char(bitDepth) + char(colorType) + '\0' + '\0' + '\0');
}

inline const std::string kPngSignature = "\x89PNG\r\n\x1a\n";

/// A w×h palette PNG whose pixel (x, y) has palette index (x + y) % palette size.
inline std::string palettePng(int w, int h, const std::vector<cv::Vec3b> &rgbPalette) {
    std::string plte;
    for (const auto &c : rgbPalette)
        plte += std::string{char(c[0]), char(c[1]), char(c[2])};
    std::string raw;
    for (int y = 0; y < h; ++y) {
        raw += '\0'; // filter: none
        for (int x = 0; x < w; ++x)
            raw += char((x + y) % rgbPalette.size());
    }
    return kPngSignature + ihdr(w, h, 8, 3) + chunk("PLTE", plte) + chunk("IDAT", zlibStored(raw)) +
           chunk("IEND", "");
}

/// A PNG that claims w×h pixels and holds a few bytes of image data.
inline std::string lyingPng(std::uint32_t w, std::uint32_t h) {
    return kPngSignature + ihdr(w, h, 8, 2) + chunk("IDAT", zlibStored(std::string(64, '\0'))) +
           chunk("IEND", "");
}

/// Inserts an APP1 EXIF segment with the given orientation right after a JPEG's SOI.
inline std::string withExifOrientation(const std::string &jpeg, int orientation) {
    // Little-endian TIFF header, one IFD entry: tag 0x0112, SHORT, count 1, value.
    std::string tiff = std::string("II*\0", 4) + std::string("\x08\0\0\0", 4) +
                       std::string("\x01\0", 2) + std::string("\x12\x01\x03\0\x01\0\0\0", 8) +
                       char(orientation) + std::string("\0\0\0", 3) + std::string("\0\0\0\0", 4);
    const std::string body = std::string("Exif\0\0", 6) + tiff;
    const std::size_t length = body.size() + 2;
    const std::string app1 =
        std::string("\xFF\xE1") + char(length >> 8) + char(length & 0xFF) + body;
    return jpeg.substr(0, 2) + app1 + jpeg.substr(2);
}

/// A w × h BGRA image of the scene whose top-left quarter is fully transparent and whose
/// right half is half transparent.
inline cv::Mat transparentScene(int w, int h) {
    cv::Mat rgba;
    cv::cvtColor(scene(w, h), rgba, cv::COLOR_BGR2BGRA);
    rgba(cv::Rect(0, 0, w / 2, h / 2)).setTo(cv::Scalar(0, 0, 0, 0));
    std::vector<cv::Mat> planes;
    cv::split(rgba, planes);
    planes[3](cv::Rect(w / 2, 0, w - w / 2, h)).setTo(128);
    cv::merge(planes, rgba);
    return rgba;
}

/// An MJPG AVI of `frames` frames of the scene (w × h); false when OpenCV cannot write one.
inline bool writeMjpgAvi(const std::filesystem::path &path, int frames, int w, int h) {
    cv::VideoWriter writer(path.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {w, h});
    if (!writer.isOpened())
        return false;
    for (int f = 0; f < frames; ++f)
        writer.write(scene(w, h, f));
    return true;
}

} // namespace mowe::test::inputs
