#pragma once
// The one image loader of the product (CLI, GUI, datasets): whatever is on the disk becomes
// CV_32FC3 BGR in [0,1], or a typed error whose message says what is wrong with the file.
//
// Before anything is decoded the file's own header is read (PNG IHDR, JPEG SOF, BMP, TIFF,
// WebP, PNM/PFM) and its claimed width × height is checked against maxPixels, so a file
// that claims 100000 × 100000 pixels is refused without allocating a pixel. PNG and JPEG are
// also walked to their end marker (IEND / EOI), so a truncated file is reported as such
// instead of being returned half grey, as libjpeg does.
//
// Conversions (each one recorded in LoadedImage::notes):
//   8-bit        v / 255
//   16-bit       v / 65535 (the full 16-bit range, whatever the actual maximum)
//   float        clamped to [0,1]
//   grey         replicated to three channels
//   alpha        composited over ImageLoadOptions::background: c·α + bg·(1 − α)
//   palette PNG  expanded to its colours
//   EXIF         orientation 2–8 applied exactly once (OpenCV's own rotation is disabled)

#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace mowe::weather {

/// A file that cannot be loaded: missing, empty, not an image, truncated, too large, or
/// undecodable. The message names the file and the reason; the caller's previous image is
/// untouched (loadImage never returns a partial result).
class ImageLoadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ImageLoadOptions {
    /// Largest width × height accepted (64 MP: a 24-bit 8000 × 8000 photo fits).
    std::int64_t maxPixels = 64'000'000;
    /// Largest file read into memory.
    std::int64_t maxFileBytes = 512ll << 20;
    /// What transparent pixels are composited over (BGR in [0,1]; white, like most viewers).
    cv::Scalar background{1.0, 1.0, 1.0};
    /// Decode what a truncated JPEG or PNG still holds instead of refusing it (a note says
    /// so; libjpeg fills the missing part with grey).
    bool allowTruncated = false;
};

struct LoadedImage {
    cv::Mat bgr;                    ///< CV_32FC3, BGR, [0,1], orientation applied
    int originalDepthBits = 8;      ///< 8, 16 or 32 (float)
    int originalChannels = 3;       ///< 1 grey, 2 grey+alpha, 3 colour, 4 colour+alpha
    int exifOrientation = 1;        ///< 1–8 as in EXIF; 1 when absent
    cv::Size storedSize;            ///< width × height as stored, before orientation
    std::string format;             ///< "png", "jpeg", "tiff", "bmp", "webp", "pnm", ...
    std::vector<std::string> notes; ///< each conversion applied, in words
};

/// Loads `path`. Throws ImageLoadError (see above) and never crashes on malformed input.
LoadedImage loadImage(const std::filesystem::path &path, const ImageLoadOptions &options = {});

/// The same as loadImage for bytes already in memory (a drop from another application, a
/// fuzz target). Messages start "cannot decode the image data: ".
LoadedImage decodeImage(const std::string &bytes, const ImageLoadOptions &options = {});

/// What a file's header says, read without decoding pixels. `known` is false for formats
/// whose header we do not parse (then width/height are 0).
struct ImageHeader {
    bool known = false;
    std::string format;
    std::int64_t width = 0;
    std::int64_t height = 0;
};
/// Parses the header in `bytes` (the whole file or at least its beginning). Throws
/// ImageLoadError when the bytes are recognisably an image but the header is malformed.
ImageHeader readImageHeader(const std::string &bytes);

/// The EXIF orientation (1–8) stored in a JPEG's APP1 segment or a PNG's eXIf chunk, or 1.
int exifOrientation(const std::string &bytes);

/// Applies an EXIF orientation to an image (the same transform OpenCV's imread applies).
cv::Mat applyExifOrientation(const cv::Mat &image, int orientation);

struct ImageSaveOptions {
    /// PNG and TIFF only: write 16 bits per channel instead of 8.
    bool sixteenBit = false;
    /// JPEG quality 0–100.
    int jpegQuality = 95;
};

/// Writes a CV_32FC3 (or CV_32FC1) image in [0,1] (values outside are clamped) as 8-bit, or
/// 16-bit where asked, in the format the extension names (.png .jpg .jpeg .bmp .tif .tiff
/// .webp), atomically (common/atomic_file.h). Throws std::invalid_argument for a wrong
/// image type, an unknown extension, or 16 bits in a format without them; mowe::WriteError
/// when writing fails (the previous file is unchanged).
void saveImage(const std::filesystem::path &path,
               const cv::Mat &bgr01,
               const ImageSaveOptions &options = {});

} // namespace mowe::weather
