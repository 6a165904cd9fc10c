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
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec); // follows symbolic links
    if (fs::is_directory(status))
        throw WriteError("could not write '" + path.string() +
                         "': it is a folder; give a file name inside it");
    if (fs::exists(status) && !fs::is_regular_file(status)) {
        // A device or a pipe (/dev/stdout, /dev/full): renaming over it would replace the
        // device node itself, so it is written in place, and its errors reported.
        std::string reason;
        try {
            if (produce(path))
                return;
            reason = "the writer reported failure";
        } catch (const std::exception &e) {
            reason = e.what();
        }
        throw WriteError("could not write '" + path.string() + "': " + reason);
    }
    // Through a symbolic link: the rename replaces the file it points to, not the link.
    fs::path target = path;
    if (fs::is_symlink(fs::symlink_status(path, ec))) {
        const fs::path resolved = fs::weakly_canonical(path, ec);
        if (!ec)
            target = resolved;
    }
    const fs::path tmp = temporarySibling(target);
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
        fs::rename(tmp, target, ec);
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
        // The first failing call's errno is the reason (ENOSPC, EFBIG, EIO...).
        errno = 0;
        bool good = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
        int error = errno;
        good = std::fflush(f) == 0 && good;
        error = error ? error : errno;
        good = std::fclose(f) == 0 && good;
        error = error ? error : errno;
        if (!good)
            throw WriteError(std::strerror(error ? error : EIO));
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
