#include "weather/image_io.h"

#include "common/atomic_file.h"
#include "common/log.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>

namespace mowe::weather {
namespace fs = std::filesystem;
namespace {

constexpr const char *kLog = "weather";

// ---- byte access --------------------------------------------------------------------------

/// Bounds-checked reads: every header field goes through these, so a short or lying file can
/// only ever produce std::nullopt, never a read past the buffer.
struct Bytes {
    const std::string &data;

    std::size_t size() const { return data.size(); }
    bool has(std::size_t pos, std::size_t n) const { return pos <= size() && n <= size() - pos; }
    std::optional<std::uint32_t> u8(std::size_t pos) const {
        if (!has(pos, 1))
            return std::nullopt;
        return static_cast<unsigned char>(data[pos]);
    }
    std::optional<std::uint32_t> be(std::size_t pos, int n) const {
        if (!has(pos, n))
            return std::nullopt;
        std::uint32_t v = 0;
        for (int i = 0; i < n; ++i)
            v = (v << 8) | static_cast<unsigned char>(data[pos + i]);
        return v;
    }
    std::optional<std::uint32_t> le(std::size_t pos, int n) const {
        if (!has(pos, n))
            return std::nullopt;
        std::uint32_t v = 0;
        for (int i = n - 1; i >= 0; --i)
            v = (v << 8) | static_cast<unsigned char>(data[pos + i]);
        return v;
    }
    std::optional<std::uint32_t> read(std::size_t pos, int n, bool bigEndian) const {
        return bigEndian ? be(pos, n) : le(pos, n);
    }
    bool startsWith(std::size_t pos, std::string_view s) const {
        return has(pos, s.size()) && std::memcmp(data.data() + pos, s.data(), s.size()) == 0;
    }
};

ImageLoadError malformed(const std::string &format, const std::string &what) {
    return ImageLoadError("its " + format + " header is malformed: " + what);
}

// ---- TIFF-structured directories (TIFF files and EXIF blocks) -----------------------------

/// Looks up an integer tag in the first IFD of a TIFF structure starting at `base`.
std::optional<std::uint32_t> tiffTag(const Bytes &b, std::size_t base, std::uint16_t wanted) {
    bool big;
    if (b.startsWith(base, "MM\0*"))
        big = true;
    else if (b.startsWith(base, std::string_view("II*\0", 4)))
        big = false;
    else
        return std::nullopt;
    const auto ifd = b.read(base + 4, 4, big);
    if (!ifd)
        return std::nullopt;
    const auto count = b.read(base + *ifd, 2, big);
    if (!count)
        return std::nullopt;
    for (std::uint32_t i = 0; i < *count; ++i) {
        const std::size_t entry = base + *ifd + 2 + 12 * std::size_t(i);
        const auto tag = b.read(entry, 2, big), type = b.read(entry + 2, 2, big);
        if (!tag || !type)
            return std::nullopt;
        if (*tag != wanted)
            continue;
        if (*type == 3) // SHORT, left-justified in the value field
            return b.read(entry + 8, 2, big);
        if (*type == 4) // LONG
            return b.read(entry + 8, 4, big);
        return std::nullopt;
    }
    return std::nullopt;
}

// ---- headers ------------------------------------------------------------------------------

struct Structure {
    ImageHeader header;
    bool complete = true;            // reached the format's end marker
    bool palette = false;            // PNG colour type 3
    std::optional<std::size_t> exif; // offset of a TIFF-structured EXIF block
};

Structure parsePng(const Bytes &b) {
    Structure s;
    s.header = {true, "png", 0, 0};
    const auto len = b.be(8, 4);
    if (!len || *len != 13 || !b.startsWith(12, "IHDR"))
        throw malformed("PNG", "the first chunk is not a 13-byte IHDR");
    s.header.width = *b.be(16, 4);
    s.header.height = *b.be(20, 4);
    const auto colorType = b.u8(25);
    s.palette = colorType && *colorType == 3;
    // Walk the chunks to IEND: a copy cut short ends before it.
    std::size_t pos = 8;
    s.complete = false;
    while (b.has(pos, 8)) {
        const std::uint64_t length = *b.be(pos, 4);
        const bool isEnd = b.startsWith(pos + 4, "IEND");
        if (b.startsWith(pos + 4, "eXIf"))
            s.exif = pos + 8;
        if (length > b.size() || !b.has(pos + 8, std::size_t(length) + 4))
            break;
        pos += 12 + std::size_t(length);
        if (isEnd) {
            s.complete = true;
            break;
        }
    }
    return s;
}

bool isStartOfFrame(std::uint32_t m) {
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

Structure parseJpeg(const Bytes &b) {
    Structure s;
    s.header = {true, "jpeg", 0, 0};
    s.complete = false;
    bool sawFrame = false;
    std::size_t pos = 2;
    while (pos < b.size()) {
        // Markers are 0xFF followed by a code; libjpeg skips stray bytes and fill 0xFFs too.
        if (*b.u8(pos) != 0xFF) {
            ++pos;
            continue;
        }
        while (b.u8(pos + 1) == 0xFFu)
            ++pos;
        const auto marker = b.u8(pos + 1);
        if (!marker)
            break;
        pos += 2;
        if (*marker == 0xD9) {
            s.complete = true;
            break;
        }
        if (*marker == 0x01 || (*marker >= 0xD0 && *marker <= 0xD7))
            continue; // no length field
        const auto length = b.be(pos, 2);
        if (!length || *length < 2 || !b.has(pos, *length))
            break; // the segment runs past the end of the file
        if (isStartOfFrame(*marker) && !sawFrame) {
            const auto h = b.be(pos + 3, 2), w = b.be(pos + 5, 2);
            if (!h || !w)
                throw malformed("JPEG", "its frame header is too short");
            s.header.height = *h;
            s.header.width = *w;
            sawFrame = true;
        }
        if (*marker == 0xE1 && b.startsWith(pos + 2, std::string_view("Exif\0\0", 6)) && !s.exif)
            s.exif = pos + 8;
        pos += *length;
        if (*marker == 0xDA) {
            // Entropy-coded data follows a scan header: skip to the next marker that is not
            // a stuffed 0xFF00 or a restart marker.
            while (b.has(pos, 2)) {
                if (*b.u8(pos) == 0xFF) {
                    const std::uint32_t next = *b.u8(pos + 1);
                    if (next != 0x00 && next != 0xFF && !(next >= 0xD0 && next <= 0xD7))
                        break;
                }
                ++pos;
            }
            if (!b.has(pos, 2))
                break;
        }
    }
    if (!sawFrame && s.complete)
        throw malformed("JPEG", "it has no frame header (SOF)");
    return s;
}

Structure parseBmp(const Bytes &b) {
    Structure s;
    s.header = {true, "bmp", 0, 0};
    const auto dib = b.le(14, 4);
    if (!dib)
        throw malformed("BMP", "the file is shorter than its headers");
    if (*dib == 12) {
        s.header.width = b.le(18, 2).value_or(0);
        s.header.height = b.le(20, 2).value_or(0);
    } else {
        const auto w = b.le(18, 4), h = b.le(22, 4);
        if (!w || !h)
            throw malformed("BMP", "the file is shorter than its headers");
        // Signed: a negative height means rows stored top-down.
        s.header.width = std::abs(static_cast<std::int64_t>(static_cast<std::int32_t>(*w)));
        s.header.height = std::abs(static_cast<std::int64_t>(static_cast<std::int32_t>(*h)));
    }
    return s;
}

Structure parseTiff(const Bytes &b) {
    Structure s;
    s.header = {true, "tiff", 0, 0};
    const auto w = tiffTag(b, 0, 256), h = tiffTag(b, 0, 257);
    if (!w || !h)
        throw malformed("TIFF", "its first directory has no readable ImageWidth/ImageLength");
    s.header.width = *w;
    s.header.height = *h;
    s.exif = 0; // TIFF's own tag 274 is the orientation
    return s;
}

Structure parseWebp(const Bytes &b) {
    Structure s;
    s.header = {true, "webp", 0, 0};
    if (b.startsWith(12, "VP8X")) {
        const auto w = b.le(24, 3), h = b.le(27, 3);
        if (!w || !h)
            throw malformed("WebP", "its VP8X chunk is too short");
        s.header.width = std::int64_t(*w) + 1;
        s.header.height = std::int64_t(*h) + 1;
        // Extended files may carry an EXIF chunk.
        std::size_t pos = 12;
        while (b.has(pos, 8)) {
            const std::uint64_t length = *b.le(pos + 4, 4);
            if (b.startsWith(pos, "EXIF")) {
                const std::size_t body = pos + 8;
                s.exif = b.startsWith(body, std::string_view("Exif\0\0", 6)) ? body + 6 : body;
            }
            pos += 8 + std::size_t(length) + (length & 1);
        }
    } else if (b.startsWith(12, "VP8L")) {
        const auto bits = b.le(21, 4);
        if (!bits || b.u8(20) != 0x2Fu)
            throw malformed("WebP", "its VP8L header is invalid");
        s.header.width = (*bits & 0x3FFF) + 1;
        s.header.height = ((*bits >> 14) & 0x3FFF) + 1;
    } else if (b.startsWith(12, "VP8 ")) {
        const auto w = b.le(26, 2), h = b.le(28, 2);
        if (!w || !h || !b.startsWith(23, "\x9d\x01\x2a"))
            throw malformed("WebP", "its VP8 frame header is invalid");
        s.header.width = *w & 0x3FFF;
        s.header.height = *h & 0x3FFF;
    } else {
        throw malformed("WebP", "no VP8, VP8L or VP8X chunk follows the RIFF header");
    }
    return s;
}

Structure parsePnm(const Bytes &b) {
    Structure s;
    s.header = {true, "pnm", 0, 0};
    // After the two magic bytes: whitespace-separated width and height, '#' comments.
    std::size_t pos = 2;
    std::int64_t values[2] = {0, 0};
    for (std::int64_t &v : values) {
        while (pos < b.size()) {
            const char c = b.data[pos];
            if (c == '#')
                while (pos < b.size() && b.data[pos] != '\n')
                    ++pos;
            else if (std::isspace(static_cast<unsigned char>(c)))
                ++pos;
            else
                break;
        }
        if (pos >= b.size() || !std::isdigit(static_cast<unsigned char>(b.data[pos])))
            throw malformed("PNM", "width and height are not numbers");
        while (pos < b.size() && std::isdigit(static_cast<unsigned char>(b.data[pos])) &&
               v < (std::int64_t(1) << 40))
            v = v * 10 + (b.data[pos++] - '0');
    }
    s.header.width = values[0];
    s.header.height = values[1];
    return s;
}

Structure parseStructure(const Bytes &b) {
    if (b.startsWith(0, "\x89PNG\r\n\x1a\n"))
        return parsePng(b);
    if (b.startsWith(0, "\xFF\xD8\xFF"))
        return parseJpeg(b);
    if (b.startsWith(0, "BM"))
        return parseBmp(b);
    if (b.startsWith(0, "MM\0*") || b.startsWith(0, std::string_view("II*\0", 4)))
        return parseTiff(b);
    if (b.startsWith(0, "RIFF") && b.startsWith(8, "WEBP"))
        return parseWebp(b);
    if (b.size() >= 2 && b.data[0] == 'P' &&
        ((b.data[1] >= '1' && b.data[1] <= '6') || b.data[1] == 'F' || b.data[1] == 'f'))
        return parsePnm(b);
    if (b.be(0, 4) == 0x59A66A95u) { // Sun raster
        Structure s;
        s.header = {true, "sunraster", b.be(4, 4).value_or(0), b.be(8, 4).value_or(0)};
        return s;
    }
    return {};
}

/// What these bytes are, when OpenCV would hand them to a decoder we do not let it use:
/// GDAL for data that starts with "NITF" or holds "DTED" at byte 140, and GDCM for data that
/// holds "DICM" at byte 128 (the checkSignature of Debian's OpenCV GdalDecoder and
/// DICOMDecoder). Both found by fuzz_image: GDAL opens a temporary copy with every driver it
/// has, and GDCM aborts the process on a malformed DICOM header (an assert in
/// ReadImplicitDataElement) or asks for gigabytes. We promise neither format, and their
/// parsers are far more input surface than the loader needs (docs/fuzzing.md). Empty when
/// the bytes may go to OpenCV.
std::string unsupportedDecoderFor(const std::string &bytes) {
    if (bytes.compare(0, 4, "NITF") == 0 ||
        (bytes.size() > 144 && bytes.compare(140, 4, "DTED") == 0))
        return "NITF or DTED (geospatial) data";
    if (bytes.size() > 132 && bytes.compare(128, 4, "DICM") == 0)
        return "DICOM (medical imaging) data";
    return {};
}

/// The first bytes of an unrecognised file, for the error message.
std::string describeStart(const std::string &bytes) {
    const std::size_t n = std::min<std::size_t>(bytes.size(), 16);
    const bool text = std::all_of(bytes.begin(), bytes.begin() + n, [](char c) {
        return std::isprint(static_cast<unsigned char>(c)) ||
               std::isspace(static_cast<unsigned char>(c));
    });
    if (text) {
        std::string shown;
        for (std::size_t i = 0; i < n; ++i)
            shown += std::isprint(static_cast<unsigned char>(bytes[i])) ? bytes[i] : ' ';
        return "it looks like text (\"" + shown + (bytes.size() > n ? "...\")" : "\")");
    }
    std::string hex;
    char buf[4];
    for (std::size_t i = 0; i < std::min<std::size_t>(n, 8); ++i) {
        std::snprintf(buf, sizeof buf, "%02x ", static_cast<unsigned char>(bytes[i]));
        hex += buf;
    }
    return "its first bytes are " + hex;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
        return static_cast<char>(std::toupper(c));
    });
    return s;
}

std::string megapixels(double pixels) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MP", pixels / 1e6);
    return buf;
}

// ---- pixel conversion ---------------------------------------------------------------------

/// Any decoded depth → CV_32F in [0,1] with the original channel count.
cv::Mat toUnitFloat(const cv::Mat &decoded, LoadedImage &out) {
    cv::Mat f;
    switch (decoded.depth()) {
    case CV_8U:
        out.originalDepthBits = 8;
        decoded.convertTo(f, CV_32F, 1.0 / 255.0);
        break;
    case CV_16U:
        out.originalDepthBits = 16;
        decoded.convertTo(f, CV_32F, 1.0 / 65535.0);
        out.notes.push_back("16-bit samples scaled from the full 16-bit range (v / 65535)");
        break;
    case CV_32F:
    case CV_64F: {
        out.originalDepthBits = decoded.depth() == CV_32F ? 32 : 64;
        decoded.convertTo(f, CV_32F);
        double lo = 0, hi = 0;
        cv::minMaxLoc(f.reshape(1), &lo, &hi);
        cv::patchNaNs(f, 0.0);
        f = cv::min(cv::max(f, 0.0f), 1.0f);
        if (lo < 0.0 || hi > 1.0)
            out.notes.push_back("floating-point samples clamped to [0, 1]");
        break;
    }
    default:
        throw ImageLoadError("it holds signed integer samples, which are not supported");
    }
    return f;
}

/// Composites colour over `background` with the alpha channel; records what it did.
cv::Mat compositeAlpha(const cv::Mat &color,
                       const cv::Mat &alpha,
                       const cv::Scalar &background,
                       LoadedImage &out) {
    const int transparent = static_cast<int>(color.total()) - cv::countNonZero(alpha >= 1.0f);
    if (transparent == 0) {
        out.notes.push_back("alpha channel fully opaque; dropped");
        return color;
    }
    cv::Mat result(color.size(), CV_32FC3);
    for (int y = 0; y < color.rows; ++y) {
        const auto *c = color.ptr<cv::Vec3f>(y);
        const auto *a = alpha.ptr<float>(y);
        auto *r = result.ptr<cv::Vec3f>(y);
        for (int x = 0; x < color.cols; ++x)
            for (int k = 0; k < 3; ++k)
                r[x][k] = c[x][k] * a[x] + static_cast<float>(background[k]) * (1.0f - a[x]);
    }
    char buf[160];
    std::snprintf(buf,
                  sizeof buf,
                  "alpha composited over background (%.2f, %.2f, %.2f); %.1f%% of pixels were "
                  "not opaque",
                  background[2],
                  background[1],
                  background[0],
                  100.0 * transparent / static_cast<double>(color.total()));
    out.notes.push_back(buf);
    return result;
}

cv::Mat toBgr(const cv::Mat &f, const ImageLoadOptions &options, LoadedImage &out) {
    out.originalChannels = f.channels();
    cv::Mat bgr;
    switch (f.channels()) {
    case 1:
        out.notes.push_back("greyscale replicated to three channels");
        cv::cvtColor(f, bgr, cv::COLOR_GRAY2BGR);
        return bgr;
    case 2: {
        out.notes.push_back("greyscale replicated to three channels");
        cv::Mat planes[2];
        cv::split(f, planes);
        cv::cvtColor(planes[0], bgr, cv::COLOR_GRAY2BGR);
        return compositeAlpha(bgr, planes[1], options.background, out);
    }
    case 3:
        return f;
    case 4: {
        cv::Mat alpha;
        cv::extractChannel(f, alpha, 3);
        cv::cvtColor(f, bgr, cv::COLOR_BGRA2BGR);
        return compositeAlpha(bgr, alpha, options.background, out);
    }
    default:
        throw ImageLoadError("it has " + std::to_string(f.channels()) +
                             " channels; only 1 to 4 are supported");
    }
}

std::string lowerExtension(const fs::path &path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return ext;
}

LoadedImage decodeChecked(const std::string &bytes,
                          const ImageLoadOptions &options,
                          const std::string &formatHint);

LoadedImage loadChecked(const fs::path &path, const ImageLoadOptions &options) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        throw ImageLoadError("the file does not exist");
    if (!fs::is_regular_file(status))
        throw ImageLoadError("it is not a regular file");
    const auto size = fs::file_size(path, ec);
    if (ec)
        throw ImageLoadError("its size cannot be read: " + ec.message());
    if (size == 0)
        throw ImageLoadError("the file is empty (0 bytes)");
    if (static_cast<std::int64_t>(size) > options.maxFileBytes)
        throw ImageLoadError("the file is " + std::to_string(size) +
                             " bytes, more than the limit of " +
                             std::to_string(options.maxFileBytes));
    std::string bytes;
    try {
        bytes = readFile(path, static_cast<std::size_t>(options.maxFileBytes));
    } catch (const std::exception &e) {
        throw ImageLoadError(std::string("it cannot be read: ") + e.what());
    }

    std::string hint = lowerExtension(path);
    if (!hint.empty())
        hint.erase(0, 1); // the dot
    return decodeChecked(bytes, options, hint);
}

LoadedImage decodeChecked(const std::string &bytes,
                          const ImageLoadOptions &options,
                          const std::string &formatHint) {
    if (bytes.empty())
        throw ImageLoadError("the file is empty (0 bytes)");
    if (static_cast<std::int64_t>(bytes.size()) > options.maxFileBytes)
        throw ImageLoadError("the data is " + std::to_string(bytes.size()) +
                             " bytes, more than the limit of " +
                             std::to_string(options.maxFileBytes));
    // Before anything else, whatever the first bytes say: a WebP-looking file whose VP8X chunk
    // OpenCV's WebP decoder rejects falls through to GDAL when "DTED" sits at byte 140 (found
    // by fuzz_image), so a known magic number does not keep data away from those decoders.
    if (const std::string kind = unsupportedDecoderFor(bytes); !kind.empty())
        throw ImageLoadError("it is not an image this program can read: it looks like " + kind);
    const Bytes b{bytes};
    const Structure structure = parseStructure(b);
    LoadedImage out;
    out.format = structure.header.format;
    if (!structure.header.known) {
        // A format we do not parse (JPEG 2000, OpenEXR, Radiance HDR, ...) or not an image at
        // all: only OpenCV's own pixel limit (2^30 by default) guards the decode, so the size
        // is checked afterwards.
        out.format = formatHint.empty() ? "unknown" : formatHint;
        log::info(kLog) << "image size checked only after decoding (" << out.format
                        << " headers are not parsed)";
    } else {
        const ImageHeader &h = structure.header;
        if (!structure.complete && (h.width <= 0 || h.height <= 0))
            throw ImageLoadError("it is truncated or corrupt: the " + upper(h.format) +
                                 " data stops inside its headers (" + std::to_string(bytes.size()) +
                                 " bytes)");
        if (h.width <= 0 || h.height <= 0)
            throw ImageLoadError("its " + upper(h.format) + " header claims a size of " +
                                 std::to_string(h.width) + " x " + std::to_string(h.height) +
                                 " pixels (zero width or height)");
        // In floating point: two 32-bit header fields can overflow a 64-bit product.
        const double claimed = double(h.width) * double(h.height);
        if (claimed > double(options.maxPixels))
            throw ImageLoadError("it is " + std::to_string(h.width) + " x " +
                                 std::to_string(h.height) + " pixels (" + megapixels(claimed) +
                                 "), more than the limit of " + std::to_string(options.maxPixels) +
                                 " pixels (" + megapixels(double(options.maxPixels)) + ")");
        if (!structure.complete) {
            if (!options.allowTruncated)
                throw ImageLoadError("it is truncated: the " + upper(h.format) +
                                     " data stops before its end marker (" +
                                     std::to_string(bytes.size()) + " bytes)");
            out.notes.push_back(
                "truncated file: the part after the cut is missing (grey or absent)");
        }
    }

    // A header over the caller's bytes, no copy; imdecode only reads it.
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char *>(bytes.data()));
    cv::Mat decoded;
    try {
        // IMREAD_UNCHANGED keeps alpha and 16 bits and makes OpenCV leave EXIF orientation
        // alone, so it is applied exactly once, below.
        decoded = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception &e) {
        throw ImageLoadError("the decoder failed: " + e.msg);
    }
    if (decoded.empty() && !structure.header.known)
        throw ImageLoadError("it is not an image this program can read: " + describeStart(bytes));
    if (decoded.empty())
        throw ImageLoadError(structure.complete
                                 ? "the " + upper(out.format) + " data cannot be decoded (corrupt?)"
                                 : "it is truncated and nothing could be decoded");
    if (static_cast<std::int64_t>(decoded.total()) > options.maxPixels)
        throw ImageLoadError("it is " + std::to_string(decoded.cols) + " x " +
                             std::to_string(decoded.rows) + " pixels, more than the limit of " +
                             std::to_string(options.maxPixels) + " pixels");
    out.storedSize = decoded.size();
    if (structure.palette)
        out.notes.push_back("palette expanded to colours");

    cv::Mat bgr = toBgr(toUnitFloat(decoded, out), options, out);

    if (structure.exif) {
        const auto tag = tiffTag(b, *structure.exif, 0x0112);
        if (tag && *tag >= 2 && *tag <= 8) {
            out.exifOrientation = static_cast<int>(*tag);
            bgr = applyExifOrientation(bgr, out.exifOrientation);
            out.notes.push_back("EXIF orientation " + std::to_string(*tag) + " applied");
        } else if (tag && *tag != 1) {
            out.notes.push_back("invalid EXIF orientation " + std::to_string(*tag) + " ignored");
        }
    }
    out.bgr = bgr.isContinuous() ? bgr : bgr.clone();
    return out;
}

} // namespace

ImageHeader readImageHeader(const std::string &bytes) {
    return parseStructure(Bytes{bytes}).header;
}

int exifOrientation(const std::string &bytes) {
    const Bytes b{bytes};
    try {
        const Structure s = parseStructure(b);
        if (!s.exif)
            return 1;
        const auto tag = tiffTag(b, *s.exif, 0x0112);
        return tag && *tag >= 1 && *tag <= 8 ? static_cast<int>(*tag) : 1;
    } catch (const ImageLoadError &) {
        return 1;
    }
}

cv::Mat applyExifOrientation(const cv::Mat &image, int orientation) {
    cv::Mat out;
    switch (orientation) {
    case 2:
        cv::flip(image, out, 1);
        return out;
    case 3:
        cv::flip(image, out, -1);
        return out;
    case 4:
        cv::flip(image, out, 0);
        return out;
    case 5:
        cv::transpose(image, out);
        return out;
    case 6:
        cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
        return out;
    case 7:
        cv::transpose(image, out);
        cv::flip(out, out, -1);
        return out;
    case 8:
        cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
        return out;
    default:
        return image;
    }
}

LoadedImage loadImage(const fs::path &path, const ImageLoadOptions &options) {
    try {
        return loadChecked(path, options);
    } catch (const ImageLoadError &e) {
        throw ImageLoadError("cannot open '" + path.string() + "': " + e.what());
    } catch (const cv::Exception &e) {
        throw ImageLoadError("cannot open '" + path.string() + "': " + e.msg);
    } catch (const std::bad_alloc &) {
        throw ImageLoadError("cannot open '" + path.string() + "': out of memory while decoding");
    }
}

LoadedImage decodeImage(const std::string &bytes, const ImageLoadOptions &options) {
    try {
        return decodeChecked(bytes, options, {});
    } catch (const ImageLoadError &e) {
        throw ImageLoadError(std::string("cannot decode the image data: ") + e.what());
    } catch (const cv::Exception &e) {
        throw ImageLoadError("cannot decode the image data: " + e.msg);
    } catch (const std::bad_alloc &) {
        throw ImageLoadError("cannot decode the image data: out of memory while decoding");
    }
}

void saveImage(const fs::path &path, const cv::Mat &bgr01, const ImageSaveOptions &options) {
    if (bgr01.empty() || (bgr01.type() != CV_32FC3 && bgr01.type() != CV_32FC1))
        throw std::invalid_argument("saveImage: expected a non-empty CV_32FC3 or CV_32FC1 image in "
                                    "[0,1], got type " +
                                    std::to_string(bgr01.type()));
    const std::string ext = lowerExtension(path);
    static const char *const kKnown[] = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"};
    if (std::find(std::begin(kKnown), std::end(kKnown), ext) == std::end(kKnown))
        throw std::invalid_argument("saveImage: cannot tell the format of '" + path.string() +
                                    "'; use .png, .jpg, .jpeg, .bmp, .tif, .tiff or .webp");
    const bool sixteenOk = ext == ".png" || ext == ".tif" || ext == ".tiff";
    if (options.sixteenBit && !sixteenOk)
        throw std::invalid_argument("saveImage: 16-bit output needs .png or .tif, not '" + ext +
                                    "'");

    cv::Mat clamped = cv::min(cv::max(bgr01, 0.0), 1.0);
    cv::Mat pixels;
    if (options.sixteenBit)
        clamped.convertTo(pixels, CV_16U, 65535.0);
    else
        clamped.convertTo(pixels, CV_8U, 255.0);
    std::vector<int> params;
    if (ext == ".jpg" || ext == ".jpeg")
        params = {cv::IMWRITE_JPEG_QUALITY, std::clamp(options.jpegQuality, 0, 100)};
    // Encoded in memory, then written by writeFileAtomically, which checks every write and
    // the close: OpenCV's own file output is not checked alike for every format (its BMP
    // stream writer drops fwrite's result), and a cut file must never be renamed over the
    // previous one.
    std::vector<uchar> encoded;
    try {
        if (!cv::imencode(ext, pixels, encoded, params))
            throw WriteError("could not write '" + path.string() + "': OpenCV cannot encode " +
                             ext + "; the previous file, if any, is unchanged");
    } catch (const cv::Exception &e) {
        throw WriteError("could not write '" + path.string() + "': " + e.msg +
                         "; the previous file, if any, is unchanged");
    }
    writeFileAtomically(
        path, std::string_view(reinterpret_cast<const char *>(encoded.data()), encoded.size()));
}

} // namespace mowe::weather
