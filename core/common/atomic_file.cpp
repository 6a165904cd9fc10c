#include "common/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <unistd.h>

namespace mowe {
namespace fs = std::filesystem;
namespace {

fs::path temporarySibling(const fs::path &path) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    const auto name = "." + path.filename().string() + ".tmp" + std::to_string(rng() % 1000000);
    // Keep the extension last: writers such as cv::imwrite pick the format from it.
    return path.parent_path() / (name + path.extension().string());
}

void syncFile(const fs::path &path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0)
        return;
    ::fsync(fd);
    ::close(fd);
}

} // namespace

void writeAtomicallyWith(const fs::path &path,
                         const std::function<bool(const fs::path &tmp)> &produce) {
    const fs::path tmp = temporarySibling(path);
    bool ok = false;
    std::string reason;
    try {
        ok = produce(tmp);
        if (!ok)
            reason = "the writer reported failure (disk full or unsupported format?)";
    } catch (const std::exception &e) {
        reason = e.what();
    }
    if (ok) {
        syncFile(tmp);
        std::error_code ec;
        fs::rename(tmp, path, ec);
        if (!ec)
            return;
        reason = "rename failed: " + ec.message();
    }
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw WriteError("could not write '" + path.string() + "': " + reason +
                     "; the previous file, if any, is unchanged");
}

void writeFileAtomically(const fs::path &path, std::string_view bytes) {
    writeAtomicallyWith(path, [&](const fs::path &tmp) {
        std::FILE *f = std::fopen(tmp.c_str(), "wb");
        if (!f)
            throw WriteError(std::strerror(errno));
        const bool wrote = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
        const bool flushed = std::fflush(f) == 0;
        const bool closed = std::fclose(f) == 0;
        if (!(wrote && flushed && closed))
            throw WriteError(std::strerror(errno ? errno : EIO));
        return true;
    });
}

std::string readFile(const fs::path &path, std::size_t maxBytes) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec)
        throw std::runtime_error("cannot read '" + path.string() + "': " + ec.message());
    if (size > maxBytes)
        throw std::runtime_error("'" + path.string() + "' is " + std::to_string(size) +
                                 " bytes, more than the limit of " + std::to_string(maxBytes));
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open '" + path.string() + "'");
    std::string bytes(size, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(size));
    if (static_cast<std::size_t>(in.gcount()) != size)
        throw std::runtime_error("short read on '" + path.string() + "'");
    return bytes;
}

} // namespace mowe
