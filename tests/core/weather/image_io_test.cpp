// The bad-input catalogue for the image loader (issue 8): every file is made here, in a temp
// folder, never downloaded (the makers are in tests/support/bad_inputs.h).

#include "common/atomic_file.h"
#include "support/bad_inputs.h"
#include "weather/image_io.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <sys/resource.h>

#include <csignal>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace mowe::weather;
using namespace mowe::test::inputs;

namespace {

constexpr double kEightBitStep = 1.0 / 255.0; // tolerance for values that went through 8 bits

/// Removes the test folders when the test program ends.
struct TempDirs {
    std::vector<fs::path> made;
    ~TempDirs() {
        std::error_code ignored;
        for (const auto &dir : made)
            fs::remove_all(dir, ignored);
    }
};
TempDirs tempDirs;

fs::path freshDir(const std::string &name) {
    // The process id keeps concurrent runs (ctest -j, several build trees) apart.
    const auto dir =
        fs::temp_directory_path() / ("mowe_image_io_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    tempDirs.made.push_back(dir);
    return dir;
}

std::string loadError(const fs::path &path, const ImageLoadOptions &options = {}) {
    try {
        loadImage(path, options);
    } catch (const ImageLoadError &e) {
        return e.what();
    }
    return "(loaded without error)";
}

bool contains(const std::string &s, const std::string &part) {
    return s.find(part) != std::string::npos;
}

long peakResidentKiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

} // namespace

TEST(ImageLoad, MissingFileIsNamed) {
    const std::string message = loadError("/nonexistent/photo.png");
    EXPECT_TRUE(contains(message, "/nonexistent/photo.png")) << message;
    EXPECT_TRUE(contains(message, "does not exist")) << message;
}

TEST(ImageLoad, EmptyFileIsRefused) {
    const auto dir = freshDir("empty");
    writeBytes(dir / "empty.png", "");
    EXPECT_TRUE(contains(loadError(dir / "empty.png"), "empty (0 bytes)"));
}

TEST(ImageLoad, FolderIsRefused) {
    const auto dir = freshDir("folder");
    fs::create_directories(dir / "photo.jpg");
    EXPECT_TRUE(contains(loadError(dir / "photo.jpg"), "not a regular file"));
}

TEST(ImageLoad, TextWithAnImageExtensionIsNotAnImage) {
    const auto dir = freshDir("text");
    writeBytes(dir / "notes.png", "hello, this is a shopping list\nmilk\n");
    const std::string message = loadError(dir / "notes.png");
    EXPECT_TRUE(contains(message, "not an image")) << message;
    EXPECT_TRUE(contains(message, "looks like text")) << message;
}

TEST(ImageLoad, RandomBytesAndAGarbledJpegAreRefusedWithoutCrashing) {
    const auto dir = freshDir("garbage");
    std::string random(4096, '\0');
    cv::RNG rng(3);
    for (char &c : random)
        c = static_cast<char>(rng.uniform(0, 256));
    writeBytes(dir / "random.jpg", random);
    EXPECT_TRUE(contains(loadError(dir / "random.jpg"), "not an image"));
    // A JPEG signature followed by noise and an end marker.
    writeBytes(dir / "garbled.jpg", "\xFF\xD8\xFF\xE0" + random + "\xFF\xD9");
    EXPECT_TRUE(contains(loadError(dir / "garbled.jpg"), "cannot open"));
}

TEST(ImageLoad, TruncatedPngIsReportedAsTruncated) {
    const auto dir = freshDir("truncpng");
    const std::string png = encode(".png", noise8(64, 64));
    writeBytes(dir / "cut.png", png.substr(0, png.size() / 2));
    const std::string message = loadError(dir / "cut.png");
    EXPECT_TRUE(contains(message, "truncated")) << message;
    // Asked to salvage what it can, the loader still never crashes: an image or an error.
    ImageLoadOptions salvage;
    salvage.allowTruncated = true;
    try {
        const LoadedImage img = loadImage(dir / "cut.png", salvage);
        EXPECT_EQ(img.bgr.size(), cv::Size(64, 64));
    } catch (const ImageLoadError &e) {
        EXPECT_TRUE(contains(e.what(), "truncated")) << e.what();
    }
}

TEST(ImageLoad, TruncatedJpegIsReportedAsTruncatedOrSalvagedWithANote) {
    const auto dir = freshDir("truncjpg");
    const std::string jpeg = encode(".jpg", noise8(64, 64));
    writeBytes(dir / "cut.jpg", jpeg.substr(0, jpeg.size() * 6 / 10));
    const std::string message = loadError(dir / "cut.jpg");
    EXPECT_TRUE(contains(message, "truncated")) << message;

    ImageLoadOptions salvage;
    salvage.allowTruncated = true;
    const LoadedImage img = loadImage(dir / "cut.jpg", salvage);
    EXPECT_EQ(img.bgr.size(), cv::Size(64, 64));
    ASSERT_FALSE(img.notes.empty());
    EXPECT_TRUE(contains(img.notes.front(), "truncated"));

    // Cut inside the headers: nothing to salvage, and the message says where it stopped.
    writeBytes(dir / "head.jpg", jpeg.substr(0, 30));
    EXPECT_TRUE(contains(loadError(dir / "head.jpg"), "truncated"));
}

TEST(ImageLoad, OnePixelAndOddSizesLoadExactly) {
    const auto dir = freshDir("sizes");
    cv::Mat one(1, 1, CV_8UC3, cv::Scalar(10, 20, 30));
    writeBytes(dir / "one.png", encode(".png", one));
    const LoadedImage img = loadImage(dir / "one.png");
    ASSERT_EQ(img.bgr.size(), cv::Size(1, 1));
    EXPECT_EQ(img.bgr.type(), CV_32FC3);
    EXPECT_NEAR(img.bgr.at<cv::Vec3f>(0, 0)[0], 10 / 255.0, 1e-6);
    EXPECT_NEAR(img.bgr.at<cv::Vec3f>(0, 0)[2], 30 / 255.0, 1e-6);
    for (const cv::Size size : {cv::Size(333, 255), cv::Size(7, 1000)}) {
        writeBytes(dir / "odd.png", encode(".png", noise8(size.width, size.height)));
        EXPECT_EQ(loadImage(dir / "odd.png").bgr.size(), size);
    }
}

TEST(ImageLoad, LargePhotoWithinTheLimitLoads) {
    const auto dir = freshDir("large");
    cv::Mat big(4096, 4096, CV_8UC3);
    cv::resize(noise8(64, 64), big, big.size(), 0, 0, cv::INTER_LINEAR);
    writeBytes(dir / "big.jpg", encode(".jpg", big));
    EXPECT_EQ(loadImage(dir / "big.jpg").bgr.size(), cv::Size(4096, 4096));
}

TEST(ImageLoad, GreyscaleIsReplicatedToThreeEqualChannels) {
    const auto dir = freshDir("grey");
    writeBytes(dir / "grey.png", encode(".png", noise8(20, 10, CV_8UC1)));
    const LoadedImage img = loadImage(dir / "grey.png");
    EXPECT_EQ(img.originalChannels, 1);
    std::vector<cv::Mat> ch;
    cv::split(img.bgr, ch);
    EXPECT_EQ(cv::norm(ch[0], ch[1], cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::norm(ch[0], ch[2], cv::NORM_INF), 0.0);
}

TEST(ImageLoad, PalettePngIsExpandedToItsColours) {
    const auto dir = freshDir("palette");
    const std::vector<cv::Vec3b> rgb = {{255, 0, 0}, {0, 128, 0}, {10, 20, 250}};
    writeBytes(dir / "palette.png", palettePng(6, 4, rgb));
    const LoadedImage img = loadImage(dir / "palette.png");
    ASSERT_EQ(img.bgr.size(), cv::Size(6, 4));
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 6; ++x) {
            const cv::Vec3b want = rgb[(x + y) % rgb.size()];
            const cv::Vec3f got = img.bgr.at<cv::Vec3f>(y, x);
            EXPECT_NEAR(got[2], want[0] / 255.0, 1e-6); // BGR vs RGB
            EXPECT_NEAR(got[1], want[1] / 255.0, 1e-6);
            EXPECT_NEAR(got[0], want[2] / 255.0, 1e-6);
        }
    EXPECT_TRUE(std::any_of(img.notes.begin(), img.notes.end(), [](const std::string &n) {
        return contains(n, "palette");
    }));
}

TEST(ImageLoad, TransparentRegionsAreCompositedOverTheBackground) {
    const auto dir = freshDir("alpha");
    cv::Mat bgra(2, 3, CV_8UC4);
    bgra.at<cv::Vec4b>(0, 0) = {0, 0, 255, 255}; // opaque red
    bgra.at<cv::Vec4b>(0, 1) = {0, 0, 255, 0};   // fully transparent
    bgra.at<cv::Vec4b>(0, 2) = {0, 0, 0, 128};   // half-transparent black
    bgra.row(1).setTo(cv::Scalar(0, 255, 0, 255));
    writeBytes(dir / "rgba.png", encode(".png", bgra));
    const LoadedImage img = loadImage(dir / "rgba.png");
    EXPECT_EQ(img.originalChannels, 4);
    const double half = 1.0 - 128 / 255.0;
    EXPECT_NEAR(img.bgr.at<cv::Vec3f>(0, 0)[2], 1.0, 1e-6);
    EXPECT_NEAR(img.bgr.at<cv::Vec3f>(0, 0)[0], 0.0, 1e-6);
    EXPECT_NEAR(img.bgr.at<cv::Vec3f>(0, 1)[0], 1.0, 1e-6); // white shows through
    EXPECT_NEAR(img.bgr.at<cv::Vec3f>(0, 2)[1], half, 1e-6);
    EXPECT_TRUE(contains(img.notes.back(), "alpha composited")) << img.notes.back();

    ImageLoadOptions grey;
    grey.background = cv::Scalar(0.5, 0.5, 0.5);
    EXPECT_NEAR(loadImage(dir / "rgba.png", grey).bgr.at<cv::Vec3f>(0, 1)[0], 0.5, 1e-6);
}

TEST(ImageLoad, SixteenBitUsesTheFullSixteenBitRange) {
    const auto dir = freshDir("sixteen");
    cv::Mat img(1, 3, CV_16UC3);
    img.at<cv::Vec3w>(0, 0) = {0, 0, 0};
    img.at<cv::Vec3w>(0, 1) = {257, 257, 257};
    img.at<cv::Vec3w>(0, 2) = {65535, 65535, 65535};
    writeBytes(dir / "deep.png", encode(".png", img));
    const LoadedImage loaded = loadImage(dir / "deep.png");
    EXPECT_EQ(loaded.originalDepthBits, 16);
    EXPECT_FLOAT_EQ(loaded.bgr.at<cv::Vec3f>(0, 0)[0], 0.0f);
    EXPECT_FLOAT_EQ(loaded.bgr.at<cv::Vec3f>(0, 1)[1], 257.0f / 65535.0f);
    EXPECT_FLOAT_EQ(loaded.bgr.at<cv::Vec3f>(0, 2)[2], 1.0f);
}

TEST(ImageLoad, ExifOrientationSixIsAppliedExactlyOnce) {
    const auto dir = freshDir("exif");
    // Stored 40 wide × 20 high: left half red, right half blue.
    cv::Mat stored(20, 40, CV_8UC3, cv::Scalar(255, 0, 0));
    stored.colRange(0, 20).setTo(cv::Scalar(0, 0, 255));
    const std::string jpeg = withExifOrientation(encode(".jpg", stored), 6);
    writeBytes(dir / "rotated.jpg", jpeg);
    EXPECT_EQ(exifOrientation(jpeg), 6);

    const LoadedImage img = loadImage(dir / "rotated.jpg");
    EXPECT_EQ(img.exifOrientation, 6);
    EXPECT_EQ(img.storedSize, cv::Size(40, 20));
    ASSERT_EQ(img.bgr.size(), cv::Size(20, 40)); // rotated 90° clockwise
    // The stored left column becomes the top row: red on top, blue below.
    EXPECT_GT(img.bgr.at<cv::Vec3f>(5, 10)[2], 0.8f);
    EXPECT_GT(img.bgr.at<cv::Vec3f>(35, 10)[0], 0.8f);
    // Same picture as OpenCV's own orientation handling, so nothing is rotated twice.
    cv::Mat reference = cv::imread((dir / "rotated.jpg").string(), cv::IMREAD_COLOR);
    ASSERT_EQ(reference.size(), img.bgr.size());
    cv::Mat reference01;
    reference.convertTo(reference01, CV_32FC3, 1.0 / 255.0);
    EXPECT_LT(cv::norm(reference01, img.bgr, cv::NORM_INF), kEightBitStep);
}

TEST(ImageLoad, HugeClaimedSizeIsRefusedBeforeAllocating) {
    const auto dir = freshDir("bomb");
    writeBytes(dir / "bomb.png", lyingPng(100000, 100000));
    const long before = peakResidentKiB();
    const std::string message = loadError(dir / "bomb.png");
    EXPECT_TRUE(contains(message, "100000 x 100000")) << message;
    EXPECT_TRUE(contains(message, "64000000")) << message;
    // 10¹⁰ pixels would be 30 GB as 8-bit RGB; the refusal costs nothing measurable.
    EXPECT_LT(peakResidentKiB() - before, 50 * 1024);

    // 20000 × 20000 passes OpenCV's own default limit (2³⁰ pixels) but not ours.
    writeBytes(dir / "big.png", lyingPng(20000, 20000));
    EXPECT_TRUE(contains(loadError(dir / "big.png"), "20000 x 20000"));

    // The largest sizes a PNG header can state: the pixel count overflows 64 bits.
    writeBytes(dir / "max.png", lyingPng(0xFFFFFFFFu, 0xFFFFFFFFu));
    EXPECT_TRUE(contains(loadError(dir / "max.png"), "4294967295 x 4294967295"));

    // JPEG: the frame header says 60000 × 60000.
    std::string jpeg = encode(".jpg", noise8(16, 16));
    const std::size_t sof = jpeg.find("\xFF\xC0");
    ASSERT_NE(sof, std::string::npos);
    jpeg[sof + 5] = char(60000 >> 8);
    jpeg[sof + 6] = char(60000 & 0xFF);
    jpeg[sof + 7] = char(60000 >> 8);
    jpeg[sof + 8] = char(60000 & 0xFF);
    writeBytes(dir / "bomb.jpg", jpeg);
    EXPECT_TRUE(contains(loadError(dir / "bomb.jpg"), "60000 x 60000"));
}

TEST(ImageLoad, ZeroSizeHeaderIsRefused) {
    const auto dir = freshDir("zero");
    writeBytes(dir / "zero.png", lyingPng(0, 10));
    EXPECT_TRUE(contains(loadError(dir / "zero.png"), "zero width or height"));
}

TEST(ImageLoad, PixelLimitIsAnOption) {
    const auto dir = freshDir("limit");
    writeBytes(dir / "a.png", encode(".png", noise8(40, 30)));
    ImageLoadOptions small;
    small.maxPixels = 1000;
    const std::string message = loadError(dir / "a.png", small);
    EXPECT_TRUE(contains(message, "40 x 30")) << message;
    EXPECT_TRUE(contains(message, "1000")) << message;
}

TEST(ImageLoad, OtherFormatsLoad) {
    const auto dir = freshDir("formats");
    const cv::Mat img = noise8(17, 9);
    for (const std::string ext : {".bmp", ".tif", ".webp", ".ppm"}) {
        writeBytes(dir / ("a" + ext), encode(ext, img));
        const LoadedImage loaded = loadImage(dir / ("a" + ext));
        EXPECT_EQ(loaded.bgr.size(), img.size()) << ext;
        EXPECT_EQ(readImageHeader(encode(ext, img)).width, 17) << ext;
        EXPECT_EQ(readImageHeader(encode(ext, img)).height, 9) << ext;
    }
}

TEST(ImageSave, RoundTripsEightAndSixteenBits) {
    const auto dir = freshDir("save");
    cv::Mat img(5, 7, CV_32FC3);
    cv::RNG(9).fill(img, cv::RNG::UNIFORM, 0.0, 1.0);
    saveImage(dir / "a.png", img);
    EXPECT_LT(cv::norm(loadImage(dir / "a.png").bgr, img, cv::NORM_INF),
              0.5 * kEightBitStep + 1e-6);
    ImageSaveOptions deep;
    deep.sixteenBit = true;
    saveImage(dir / "b.png", img, deep);
    const LoadedImage b = loadImage(dir / "b.png");
    EXPECT_EQ(b.originalDepthBits, 16);
    EXPECT_LT(cv::norm(b.bgr, img, cv::NORM_INF), 1e-4);
}

TEST(ImageSave, BadRequestsAreRefusedAndLeaveTheOldFile) {
    const auto dir = freshDir("savebad");
    const cv::Mat img(4, 4, CV_32FC3, cv::Scalar(0.5, 0.5, 0.5));
    EXPECT_THROW(saveImage(dir / "a.xyz", img), std::invalid_argument);
    ImageSaveOptions deep;
    deep.sixteenBit = true;
    EXPECT_THROW(saveImage(dir / "a.jpg", img, deep), std::invalid_argument);
    EXPECT_THROW(saveImage(dir / "a.png", cv::Mat(4, 4, CV_8UC3)), std::invalid_argument);
    EXPECT_THROW(saveImage("/nonexistent-dir/a.png", img), mowe::WriteError);
}

TEST(ImageLoad, MutatedFilesLoadOrFailCleanly) {
    // A seeded stand-in for the fuzz target: flipped bytes, cuts and insertions in valid
    // files of every format must give an image or an ImageLoadError, never another exception
    // or a crash.
    const auto dir = freshDir("mutated");
    const cv::Mat img = noise8(32, 24);
    ImageLoadOptions options;
    options.maxPixels = 1'000'000; // keeps a mutated size field from costing seconds
    cv::RNG rng(2024);
    int loaded = 0, refused = 0;
    for (const std::string ext : {".png", ".jpg", ".bmp", ".webp", ".tif"}) {
        const std::string valid = encode(ext, img);
        for (int round = 0; round < 60; ++round) {
            std::string bytes = valid;
            switch (round % 3) {
            case 0: // flip a few bytes
                for (int k = rng.uniform(1, 9); k > 0; --k)
                    bytes[rng.uniform(0, static_cast<int>(bytes.size()))] =
                        char(rng.uniform(0, 256));
                break;
            case 1: // cut
                bytes.resize(rng.uniform(1, static_cast<int>(bytes.size())));
                break;
            default: // insert
                bytes.insert(rng.uniform(0, static_cast<int>(bytes.size())),
                             std::string(rng.uniform(1, 64), char(rng.uniform(0, 256))));
            }
            writeBytes(dir / ("m" + ext), bytes);
            try {
                const LoadedImage out = loadImage(dir / ("m" + ext), options);
                EXPECT_EQ(out.bgr.type(), CV_32FC3);
                EXPECT_LE(static_cast<std::int64_t>(out.bgr.total()), options.maxPixels);
                ++loaded;
            } catch (const ImageLoadError &) {
                ++refused;
            }
        }
    }
    EXPECT_EQ(loaded + refused, 300);
    EXPECT_GT(refused, 0);
}

TEST(ImageDecode, BytesInMemoryDecodeLikeFiles) {
    const auto dir = freshDir("memory");
    const std::string png = encode(".png", noise8(12, 8));
    writeBytes(dir / "a.png", png);
    EXPECT_EQ(cv::norm(decodeImage(png).bgr, loadImage(dir / "a.png").bgr, cv::NORM_INF), 0.0);
    try {
        decodeImage("just some words");
        FAIL() << "expected ImageLoadError";
    } catch (const ImageLoadError &e) {
        EXPECT_TRUE(contains(e.what(), "cannot decode the image data: it is not an image"))
            << e.what();
    }
    EXPECT_THROW(decodeImage(""), ImageLoadError);
    EXPECT_THROW(decodeImage(lyingPng(100000, 100000)), ImageLoadError);
}

// A full disk (simulated by RLIMIT_FSIZE, which stops root too) while saving: the previous
// image is kept, whole, and the error says what happened.
TEST(ImageSave, AFullDiskKeepsThePreviousImageAndSaysSo) {
    const auto dir = freshDir("save_full");
    cv::Mat small, big;
    noise8(8, 8).convertTo(small, CV_32FC3, 1.0 / 255.0);
    noise8(300, 300).convertTo(big, CV_32FC3, 1.0 / 255.0);
    for (const char *name : {"old.png", "old.bmp", "old.jpg"}) {
        saveImage(dir / name, small);
        const std::string before = mowe::readFile(dir / name);
        std::string message = "(saved)";
        rlimit saved{};
        getrlimit(RLIMIT_FSIZE, &saved);
        const auto previous = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = saved;
        limit.rlim_cur = 4096;
        setrlimit(RLIMIT_FSIZE, &limit);
        try {
            saveImage(dir / name, big);
        } catch (const mowe::WriteError &e) {
            message = e.what();
        }
        setrlimit(RLIMIT_FSIZE, &saved);
        std::signal(SIGXFSZ, previous);
        EXPECT_TRUE(contains(message, "File too large")) << name << ": " << message;
        EXPECT_TRUE(contains(message, "unchanged")) << message;
        EXPECT_EQ(mowe::readFile(dir / name), before) << name;
    }
    EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 3);
}

TEST(ImageSave, AMissingFolderIsNamed) {
    const auto dir = freshDir("save_missing");
    cv::Mat img(4, 4, CV_32FC3, cv::Scalar(0.5, 0.5, 0.5));
    try {
        saveImage(dir / "no-such-folder" / "x.png", img);
        FAIL() << "expected WriteError";
    } catch (const mowe::WriteError &e) {
        EXPECT_TRUE(contains(e.what(), "no-such-folder/x.png")) << e.what();
        EXPECT_TRUE(contains(e.what(), "No such file or directory")) << e.what();
    }
}
