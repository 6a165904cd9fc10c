// Writes the seed corpus of fuzz_image (tests/fuzz/corpus/image/): one small valid file per
// format and pixel layout the loader converts (docs/fuzzing.md). Small on purpose: libFuzzer
// mutates the seeds, and its default maximum input length follows the largest of them.
//
//   fuzz_make_image_seeds tests/fuzz/corpus/image
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::string
encode(const std::string &ext, const cv::Mat &img, const std::vector<int> &params = {}) {
    std::vector<uchar> buf;
    if (!cv::imencode(ext, img, buf, params))
        throw std::runtime_error("cannot encode " + ext);
    return std::string(buf.begin(), buf.end());
}

cv::Mat noise(int w, int h, int type) {
    cv::Mat img(h, w, type);
    const double high = CV_MAT_DEPTH(type) == CV_16U   ? 65536
                        : CV_MAT_DEPTH(type) == CV_32F ? 1
                                                       : 256;
    cv::RNG(5).fill(img, cv::RNG::UNIFORM, 0, high);
    return img;
}

std::uint32_t crc32(const std::string &data) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char c : data) {
        crc ^= c;
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

std::string be32(std::uint32_t v) {
    return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

std::string chunk(const std::string &type, const std::string &body) {
    return be32(static_cast<std::uint32_t>(body.size())) + type + body + be32(crc32(type + body));
}

/// A 6×4 palette PNG (cv::imencode cannot write one), stored deflate blocks.
std::string palettePng() {
    const int w = 6, h = 4;
    std::string raw;
    for (int y = 0; y < h; ++y) {
        raw += '\0';
        for (int x = 0; x < w; ++x)
            raw += char((x + y) % 3);
    }
    std::string z = "\x78\x01";
    z += '\x01';
    z += char(raw.size() & 0xFF);
    z += char(raw.size() >> 8);
    z += char(~raw.size() & 0xFF);
    z += char((~raw.size() >> 8) & 0xFF);
    z += raw;
    std::uint32_t a = 1, b = 0;
    for (unsigned char c : raw) {
        a = (a + c) % 65521;
        b = (b + a) % 65521;
    }
    z += be32((b << 16) | a);
    const std::string ihdr = be32(w) + be32(h) + std::string("\x08\x03\0\0\0", 5);
    return std::string("\x89PNG\r\n\x1a\n") + chunk("IHDR", ihdr) +
           chunk("PLTE", std::string("\xff\0\0\0\xff\0\0\0\xff", 9)) + chunk("IDAT", z) +
           chunk("IEND", "");
}

/// `jpeg` with an APP1 EXIF segment whose orientation tag is `orientation`.
std::string withExifOrientation(const std::string &jpeg, int orientation) {
    const std::string tiff = std::string("II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0", 18) +
                             char(orientation) + std::string(7, '\0');
    const std::string body = std::string("Exif\0\0", 6) + tiff;
    const std::size_t length = body.size() + 2;
    return jpeg.substr(0, 2) + "\xFF\xE1" + char(length >> 8) + char(length & 0xFF) + body +
           jpeg.substr(2);
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::cerr << "usage: fuzz_make_image_seeds OUTPUT_FOLDER\n";
        return 2;
    }
    const fs::path out = argv[1];
    fs::create_directories(out);
    const std::vector<std::pair<std::string, std::string>> seeds = {
        {"rgb8.png", encode(".png", noise(7, 5, CV_8UC3))},
        {"grey8.png", encode(".png", noise(5, 3, CV_8UC1))},
        {"rgba8.png", encode(".png", noise(4, 4, CV_8UC4))},
        {"rgb16.png", encode(".png", noise(3, 2, CV_16UC3))},
        {"palette.png", palettePng()},
        {"rgb.jpg", encode(".jpg", noise(8, 8, CV_8UC3), {cv::IMWRITE_JPEG_QUALITY, 50})},
        {"grey.jpg", encode(".jpg", noise(8, 8, CV_8UC1), {cv::IMWRITE_JPEG_QUALITY, 50})},
        {"progressive.jpg",
         encode(".jpg", noise(16, 8, CV_8UC3), {cv::IMWRITE_JPEG_PROGRESSIVE, 1})},
        {"exif6.jpg", withExifOrientation(encode(".jpg", noise(8, 4, CV_8UC3)), 6)},
        {"rgb.bmp", encode(".bmp", noise(3, 3, CV_8UC3))},
        {"rgb.tif", encode(".tif", noise(4, 3, CV_8UC3))},
        {"rgb16.tif", encode(".tif", noise(2, 2, CV_16UC3))},
        {"rgb.webp", encode(".webp", noise(4, 4, CV_8UC3))},
        {"rgb.ppm", encode(".ppm", noise(3, 2, CV_8UC3))},
        {"grey.pgm", encode(".pgm", noise(3, 2, CV_8UC1))},
        {"rgb.pfm", encode(".pfm", noise(2, 2, CV_32FC3))},
    };
    for (const auto &[name, bytes] : seeds)
        std::ofstream(out / name, std::ios::binary)
            .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::cout << "wrote " << seeds.size() << " seeds to " << out << "\n";
    return 0;
}
