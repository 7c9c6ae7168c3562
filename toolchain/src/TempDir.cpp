//===- TempDir.cpp --------------------------------------------------------===//
#include "bpfcarve/toolchain/TempDir.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <vector>

namespace bpfcarve::toolchain {

Result<TempDir> TempDir::create(const std::string &Prefix) {
  const char *Tmp = std::getenv("TMPDIR");
  std::string Pattern = std::string(Tmp && *Tmp ? Tmp : "/tmp") + "/" + Prefix + "-XXXXXX";
  std::vector<char> Buf(Pattern.begin(), Pattern.end());
  Buf.push_back('\0');
  if (!::mkdtemp(Buf.data()))
    return Failure::environment("cannot create a temporary directory " + Pattern + ": " +
                                std::strerror(errno));
  return TempDir(std::string(Buf.data()));
}

TempDir::~TempDir() {
  if (Path.empty() || Keep)
    return;
  std::error_code EC;
  std::filesystem::remove_all(Path, EC);
}

} // namespace bpfcarve::toolchain
