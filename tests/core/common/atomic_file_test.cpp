#include "common/atomic_file.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace {

fs::path freshDir(const std::string &name) {
    const auto dir = fs::temp_directory_path() / ("mowe_atomic_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string writeErrorOf(const fs::path &path, const std::string &bytes) {
    try {
        mowe::writeFileAtomically(path, bytes);
    } catch (const mowe::WriteError &e) {
        return e.what();
    }
    return "(written)";
}

bool contains(const std::string &s, const std::string &part) {
    return s.find(part) != std::string::npos;
}

std::size_t entries(const fs::path &dir) {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

/// Limits the size of any file this process writes (RLIMIT_FSIZE): a full disk that even root
/// cannot write past. Writes beyond it fail with EFBIG (SIGXFSZ is ignored meanwhile).
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &saved_);
        previous_ = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = saved_;
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &saved_);
        std::signal(SIGXFSZ, previous_);
    }

private:
    rlimit saved_{};
    void (*previous_)(int) = nullptr;
};

} // namespace

TEST(AtomicFile, WritesAndReadsBack) {
    const auto dir = freshDir("roundtrip");
    mowe::writeFileAtomically(dir / "a.txt", "hello");
    EXPECT_EQ(mowe::readFile(dir / "a.txt"), "hello");
}

TEST(AtomicFile, FailedWriterLeavesOldFileIntactAndNoTemporary) {
    const auto dir = freshDir("failed");
    mowe::writeFileAtomically(dir / "a.txt", "old");
    EXPECT_THROW(mowe::writeAtomicallyWith(dir / "a.txt",
                                           [](const fs::path &tmp) {
                                               mowe::writeFileAtomically(tmp, "partial");
                                               return false;
                                           }),
                 mowe::WriteError);
    EXPECT_EQ(mowe::readFile(dir / "a.txt"), "old");
    EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);
}

TEST(AtomicFile, UnwritableFolderThrowsWithPath) {
    try {
        mowe::writeFileAtomically("/nonexistent-dir/x.txt", "x");
        FAIL() << "expected WriteError";
    } catch (const mowe::WriteError &e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.txt"), std::string::npos);
    }
}

TEST(AtomicFile, ReadRefusesFilesOverTheLimit) {
    const auto dir = freshDir("limit");
    mowe::writeFileAtomically(dir / "big.bin", std::string(100, 'x'));
    EXPECT_THROW(mowe::readFile(dir / "big.bin", 10), std::runtime_error);
}

TEST(AtomicFile, AFullDiskKeepsTheOldFileAndSaysWhy) {
    const auto dir = freshDir("full");
    mowe::writeFileAtomically(dir / "a.txt", "the old contents");
    std::string message;
    {
        const FileSizeLimit limit(1000);
        message = writeErrorOf(dir / "a.txt", std::string(100000, 'x'));
    }
    EXPECT_TRUE(contains(message, (dir / "a.txt").string())) << message;
    EXPECT_TRUE(contains(message, "File too large")) << message;
    EXPECT_TRUE(contains(message, "the previous file, if any, is unchanged")) << message;
    EXPECT_EQ(mowe::readFile(dir / "a.txt"), "the old contents");
    EXPECT_EQ(entries(dir), 1u); // no temporary file left behind
}

TEST(AtomicFile, DevFullIsWrittenInPlaceAndReportsNoSpace) {
    std::error_code ec;
    if (!fs::is_character_file("/dev/full", ec))
        GTEST_SKIP() << "no /dev/full here";
    const std::string message = writeErrorOf("/dev/full", std::string(100000, 'x'));
    EXPECT_TRUE(contains(message, "No space left on device")) << message;
    // Not renamed over: the device is still a device.
    EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

TEST(AtomicFile, AFolderIsRefusedWithWhatToDo) {
    const auto dir = freshDir("folder");
    fs::create_directories(dir / "photo.png");
    const std::string message = writeErrorOf(dir / "photo.png", "x");
    EXPECT_TRUE(contains(message, "it is a folder")) << message;
    EXPECT_TRUE(fs::is_directory(dir / "photo.png"));
}

TEST(AtomicFile, MissingFolderIsNamedAndNothingIsCreated) {
    const auto dir = freshDir("missing");
    const std::string message = writeErrorOf(dir / "no" / "such" / "x.txt", "x");
    EXPECT_TRUE(contains(message, "No such file or directory")) << message;
    EXPECT_FALSE(fs::exists(dir / "no"));
}

TEST(AtomicFile, ReadOnlyFolderKeepsTheOldFile) {
    if (::geteuid() == 0)
        GTEST_SKIP() << "running as root: permission bits do not stop root";
    const auto dir = freshDir("readonly");
    mowe::writeFileAtomically(dir / "a.txt", "old");
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    const std::string message = writeErrorOf(dir / "a.txt", "new");
    fs::permissions(dir, fs::perms::owner_all);
    EXPECT_TRUE(contains(message, "Permission denied")) << message;
    EXPECT_EQ(mowe::readFile(dir / "a.txt"), "old");
}

TEST(AtomicFile, ASymbolicLinkKeepsPointingAtTheNewContents) {
    const auto dir = freshDir("symlink");
    mowe::writeFileAtomically(dir / "real.txt", "old");
    fs::create_symlink(dir / "real.txt", dir / "link.txt");
    mowe::writeFileAtomically(dir / "link.txt", "new");
    EXPECT_TRUE(fs::is_symlink(dir / "link.txt"));
    EXPECT_EQ(mowe::readFile(dir / "real.txt"), "new");
}
