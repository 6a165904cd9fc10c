// Inputs that fuzz_image found (tests/fuzz, docs/fuzzing.md), kept as regression tests.
#include "weather/image_io.h"

#include <gtest/gtest.h>

#include <string>

using namespace mowe::weather;

namespace {

std::string errorOf(const std::string &bytes) {
    try {
        decodeImage(bytes);
    } catch (const ImageLoadError &e) {
        return e.what();
    }
    return "(decoded without error)";
}

} // namespace

// fuzz_image's oom-07a1191715802f66e6898a5425c2077dd5b0f1b1: 185 bytes with "DICM" at byte
// 128, which Debian's OpenCV hands to GDCM; GDCM's ReadImplicitDataElement then asserts
// (abort: the whole program would die on a bad file) after asking for gigabytes.
TEST(ImageFuzzFindings, DicomSignaturesNeverReachGdcm) {
    const std::string found("\x52\x49\x46\x46\x82\x00\x00\xd1\x26\x57\xff\xda\x00\x0c\x03\x01"
                            "\x00\x02\x00\x03\x00\x00\x00\x10\x7f\xff\x44\x54\x45\xe4\x44\x01"
                            "\x00\x03\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
                            "\x11\x23\x41\x61\xff\xda\x00\x29\xd2\x00\x00\x00\x00\x00\x00\x00"
                            "\x00\x44\xae\x42\x60\x82\x7f\xff\xc4\x08\x01\x03\x01\x01\x3f\x10"
                            "\x36\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
                            "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x0e\x53\x55\xd2\x16\xe4\x95"
                            "\x21\x40\x1f\xff\xc4\x20\x00\x16\x11\x01\x01\x01\x00\x00\x00\x00"
                            "\x44\x49\x43\x4d\x02\x00\x03\x00\x00\x00\x10\x7f\xff\x44\x54\x45"
                            "\x44\x01\x00\x03\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                            "\x00\x01\x11\x23\x41\x61\xff\xff\xff\x20\x20\x0e\x53\x55\xd2\x16"
                            "\xe4\x95\xc9\xab\x30\x70\x2f\x03\xc6",
                            185);
    ASSERT_EQ(found.compare(128, 4, "DICM"), 0);
    EXPECT_NE(errorOf(found).find("DICOM"), std::string::npos) << errorOf(found);
    std::string dicom(200, '\0');
    dicom.replace(128, 4, "DICM");
    EXPECT_NE(errorOf(dicom).find("DICOM (medical imaging) data"), std::string::npos)
        << errorOf(dicom);
}

// fuzz_image's corpus entry 32a4ceab…: a WebP-looking file (RIFF, WEBP, VP8X) that OpenCV's
// WebP decoder turns down, with "DTED" at byte 140, so OpenCV passed it on to GDAL (seen with
// CPL_DEBUG=ON): the check comes before the header is parsed, whatever its magic number.
TEST(ImageFuzzFindings, AKnownMagicNumberDoesNotLetGeospatialDataThrough) {
    const std::string found("\x52\x49\x46\x46\x82\x00\x00\x00\x57\x45\x42\x50\x56\x50\x38\x58"
                            "\x56\x4b\x38\x4c\x76\x0a\xf8\x81\x01\x05\x00\x00\x00\x00\x00\x00"
                            "\x00\x00\x00\x00\x00\x01\x11\x02\x03\x04\x00\x12\x36\x51\x81\xff"
                            "\xda\x00\x08\x01\x02\x2f\x01\x01\x3f\x01\xcb\xc6\x85\x14\xd5\xb4"
                            "\x94\x4b\x4c\xae\x35\x52\x49\xc4\x00\x18\x10\x00\x03\x11\x01\x00"
                            "\x00\x00\x00\x00\x00\x08\x00\x00\x00\x00\x00\x01\x11\x21\x41\x00"
                            "\xff\xda\x00\x07\x01\x01\x00\x01\x3f\x21\x4c\x45\x81\x82\xf7\x1a"
                            "\xd9\x13\xfa\xb1\xd8\x9a\x73\x09\xa2\xd1\x26\x57\xff\xda\x00\x0c"
                            "\x03\x01\x00\x02\x00\x03\x00\x00\x00\x10\x7f\xff\x44\x54\x45\x44"
                            "\x01\x00\x03\x01\x00\x1c\xc6",
                            151);
    ASSERT_EQ(found.compare(8, 4, "WEBP"), 0);
    ASSERT_EQ(found.compare(140, 4, "DTED"), 0);
    EXPECT_NE(errorOf(found).find("NITF or DTED"), std::string::npos) << errorOf(found);
}

// Debian's OpenCV passes data with "DTED" at byte 140, or starting with "NITF", to GDAL,
// which writes it to a temporary file and tries its geospatial drivers on it (fuzz_image
// reached GDAL's NITF and WMS drivers within seconds). The loader refuses it first.
TEST(ImageFuzzFindings, GeospatialSignaturesNeverReachGdal) {
    std::string dted(200, '\x01');
    dted.replace(140, 4, "DTED");
    EXPECT_NE(errorOf(dted).find("NITF or DTED"), std::string::npos) << errorOf(dted);
    const std::string nitf = "NITF02.10" + std::string(300, ' ');
    EXPECT_NE(errorOf(nitf).find("NITF or DTED"), std::string::npos) << errorOf(nitf);
    // "DTED" too early for OpenCV's signature is just unreadable data.
    std::string early(200, '\x01');
    early.replace(10, 4, "DTED");
    EXPECT_NE(errorOf(early).find("not an image this program can read"), std::string::npos);
    EXPECT_EQ(errorOf(early).find("NITF or DTED"), std::string::npos);
}
