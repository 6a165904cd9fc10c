// libFuzzer target: the image loader (core/weather/image_io.h) on arbitrary bytes. The only
// acceptable failure is ImageLoadError; anything else escaping, a crash, a leak or undefined
// behaviour is a bug. Limits are lowered so that a header claiming a huge image is refused
// instead of exhausting the fuzzer's memory (the real limit is tested in image_io_test).
#include "weather/image_io.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    mowe::weather::ImageLoadOptions options;
    options.maxPixels = 4'000'000;
    options.maxFileBytes = 1 << 22;
    try {
        const auto image = mowe::weather::decodeImage(
            std::string(reinterpret_cast<const char *>(data), size), options);
        if (image.bgr.empty())
            __builtin_trap(); // a successful load always has pixels
    } catch (const mowe::weather::ImageLoadError &) {
    }
    return 0;
}
