//===- OutputFile.cpp -----------------------------------------------------===//
#include "bpfcarve/toolchain/OutputFile.h"

#include <fstream>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace bpfcarve::toolchain {

namespace {
/// A new hidden temporary file beside Path (same directory, so a rename replaces Path
/// atomically): its descriptor and name, or why Path cannot be written.
Result<std::pair<int, std::string>> tempBeside(const std::string &Path) {
  fs::path P(Path);
  fs::path Dir = P.has_parent_path() ? P.parent_path() : fs::path(".");
  std::error_code EC;
  if (fs::is_directory(P, EC))
    return Failure::badInput("cannot write '" + Path + "': it is a directory");
  std::string Tmpl = (Dir / ("." + P.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> Buf(Tmpl.begin(), Tmpl.end());
  Buf.push_back('\0');
  int Fd = ::mkstemp(Buf.data());
  if (Fd < 0)
    return Failure::badInput("cannot write '" + Path + "': " + std::strerror(errno));
  return std::make_pair(Fd, std::string(Buf.data()));
}
} // namespace

Result<bool> writeFileAtomically(const std::string &Path, const std::string &Text) {
  auto Temp = tempBeside(Path);
  if (!Temp)
    return Temp.failure();
  auto [Fd, Tmp] = *Temp;
  size_t Done = 0;
  while (Done < Text.size()) {
    ssize_t N = ::write(Fd, Text.data() + Done, Text.size() - Done);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0) {
      int E = errno;
      ::close(Fd);
      ::unlink(Tmp.c_str());
      return Failure::badInput("cannot write '" + Path + "': " + std::strerror(E));
    }
    Done += static_cast<size_t>(N);
  }
  ::fchmod(Fd, 0644);
  if (::fsync(Fd) != 0 || ::close(Fd) != 0 || ::rename(Tmp.c_str(), Path.c_str()) != 0) {
    int E = errno;
    ::unlink(Tmp.c_str());
    return Failure::badInput("cannot write '" + Path + "': " + std::strerror(E));
  }
  return true;
}

Result<bool> checkWritable(const std::string &Path) {
  auto Temp = tempBeside(Path);
  if (!Temp)
    return Temp.failure();
  ::close(Temp->first);
  ::unlink(Temp->second.c_str());
  return true;
}

Result<bool> refuseOverwritingInput(const std::string &Output,
                                    const std::vector<std::string> &Inputs) {
  struct stat O{};
  if (::stat(Output.c_str(), &O) != 0)
    return true; // does not exist yet: cannot be an input
  for (const std::string &In : Inputs) {
    struct stat I{};
    if (::stat(In.c_str(), &I) == 0 && I.st_dev == O.st_dev && I.st_ino == O.st_ino)
      return Failure::badInput("output '" + Output + "' is the input '" + In +
                               "'; bpfcarve never overwrites its input");
  }
  return true;
}

std::string directoryOf(const std::string &Path) {
  return fs::absolute(Path).parent_path().string();
}

Result<std::string> readWholeFile(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return Failure::environment("cannot read " + Path + ": " + std::strerror(errno));
  std::string Bytes((std::istreambuf_iterator<char>(In)), std::istreambuf_iterator<char>());
  if (In.bad())
    return Failure::environment("cannot read " + Path);
  return Bytes;
}

} // namespace bpfcarve::toolchain
