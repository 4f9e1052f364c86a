#include "core/read_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

namespace efstop {
namespace {

class ReadFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/efstop_read_file_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

// Every byte, NULs included, across several of read_file's chunks.
TEST_F(ReadFileTest, ReadsEveryByteOfAFileLargerThanItsChunks) {
  std::string want;
  for (int i = 0; i < 100000; ++i) want += static_cast<char>(i * 7 % 256);
  std::ofstream(dir_ + "/f", std::ios::binary) << want;
  std::string got = "left over";
  EXPECT_EQ(read_file(dir_ + "/f", &got), 0);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
  std::ofstream(dir_ + "/empty", std::ios::binary).flush();
  EXPECT_EQ(read_file(dir_ + "/empty", &got), 0);
  EXPECT_EQ(got, "");
}

// A failure is the errno of the call that failed: open's for a missing file,
// read's for a directory (open succeeds on one).
TEST_F(ReadFileTest, AFailureIsTheErrnoOfTheCallThatFailed) {
  std::string got;
  EXPECT_EQ(read_file(dir_ + "/missing", &got), ENOENT);
  EXPECT_EQ(read_file(dir_, &got), EISDIR);
  EXPECT_EQ(read_file(dir_ + "/missing/below", &got), ENOENT);
}

TEST(ReadFileFailureTest, SaysWhatToRaiseOrWhatTheSystemSaysInLowerCase) {
  EXPECT_EQ(read_file_failure(EMFILE), "too many open files: raise `ulimit -n`");
  EXPECT_EQ(read_file_failure(ENOENT), "no such file or directory");
  EXPECT_EQ(read_file_failure(EISDIR), "is a directory");
}

}  // namespace
}  // namespace efstop
