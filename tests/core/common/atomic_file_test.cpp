#include "common/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace {

fs::path freshDir(const std::string &name) {
    const auto dir = fs::temp_directory_path() / ("mowe_atomic_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

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
