#pragma once
// Every file the product writes goes through here: the bytes go to a temporary file in the
// same folder, are flushed to disk, and only then renamed over the target, so a crash or a
// full disk never leaves a half-written file and the previous version survives a failed write.

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mowe {

/// A write that failed; the target file, if it existed, is unchanged.
class WriteError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Writes `bytes` to `path` atomically. Throws WriteError naming the path and the reason.
void writeFileAtomically(const std::filesystem::path &path, std::string_view bytes);

/// Lets `produce` write a file at the temporary path it is given (e.g. cv::imwrite or
/// torch::save), then renames it over `path`. Throws WriteError if `produce` throws or
/// returns false, or if the rename fails; the temporary file is removed.
void writeAtomicallyWith(const std::filesystem::path &path,
                         const std::function<bool(const std::filesystem::path &tmp)> &produce);

/// Reads a whole file; throws std::runtime_error naming the path when it cannot.
std::string readFile(const std::filesystem::path &path, std::size_t maxBytes = 1u << 30);

} // namespace mowe
