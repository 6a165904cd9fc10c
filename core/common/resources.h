#pragma once
// Locates the bundled resources (default photo, shipped model) at run time: next to the
// executable when installed (../share/mowe-studio), else the source tree's resources/
// baked in at configure time, overridable with the MOWE_RESOURCES environment variable.

#include <filesystem>

namespace mowe {

std::filesystem::path resourceDir();
std::filesystem::path defaultPhotoPath();
std::filesystem::path shippedModelDir();

} // namespace mowe
