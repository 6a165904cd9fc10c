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
