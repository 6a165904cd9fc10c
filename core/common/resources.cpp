#include "common/resources.h"

#include <cstdlib>
#include <unistd.h>

namespace mowe {
namespace fs = std::filesystem;
namespace {

fs::path executableDir() {
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path{} : exe.parent_path();
}

} // namespace

fs::path resourceDir() {
    if (const char *env = std::getenv("MOWE_RESOURCES"); env && *env)
        return env;
    const auto installed = executableDir() / ".." / "share" / "mowe-studio";
    std::error_code ec;
    if (fs::is_directory(installed / "models", ec))
        return fs::weakly_canonical(installed);
    return MOWE_SOURCE_RESOURCES;
}

fs::path defaultPhotoPath() {
    return resourceDir() / "images" / "snow_forest_road_with_fog.jpg";
}

fs::path shippedModelDir() {
    return resourceDir() / "models" / "mowe-small";
}

} // namespace mowe
