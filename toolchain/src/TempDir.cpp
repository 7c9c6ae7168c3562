//===- TempDir.cpp --------------------------------------------------------===//
#include "bpfcarve/toolchain/TempDir.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>
#include <vector>

namespace bpfcarve::toolchain {

namespace {
// Live temporary directories, for the signal handler. Fixed storage: the handler may neither
// allocate nor lock.
constexpr int MaxLive = 32;
char Live[MaxLive][4096];
volatile sig_atomic_t LiveUsed[MaxLive];

void registerLive(const std::string &Path) {
  if (Path.size() >= sizeof Live[0])
    return;
  for (int I = 0; I < MaxLive; ++I)
    if (!LiveUsed[I]) {
      std::memcpy(Live[I], Path.c_str(), Path.size() + 1);
      LiveUsed[I] = 1;
      return;
    }
}

void unregisterLive(const std::string &Path) {
  for (int I = 0; I < MaxLive; ++I)
    if (LiveUsed[I] && Path == Live[I])
      LiveUsed[I] = 0;
}

/// Removes Name (relative to the directory DirFd, or absolute) and everything below it, with
/// async-signal-safe system calls only: the signal may have interrupted malloc, so the handler can
/// neither allocate nor fork (glibc's fork and ASan's fork interceptor both take the allocator's
/// locks, and a fork from a handler that interrupted malloc waited forever on them).
/// Returns whether Name is gone.
bool removeTree(int DirFd, const char *Name, int Depth) {
  if (::unlinkat(DirFd, Name, 0) == 0)
    return true;
  if (errno != EISDIR || Depth > 64)
    return false;
  int Fd = ::openat(DirFd, Name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (Fd < 0)
    return false;
  // Read from the start again after each batch: entries removed while a directory is read may
  // shift the ones not yet seen.
  alignas(dirent64) char Buf[2048];
  for (bool Removed = true; Removed;) {
    Removed = false;
    ::lseek(Fd, 0, SEEK_SET);
    ssize_t N = ::getdents64(Fd, Buf, sizeof Buf);
    for (ssize_t Off = 0; Off < N;) {
      const auto *E = reinterpret_cast<const dirent64 *>(Buf + Off);
      Off += E->d_reclen;
      if (std::strcmp(E->d_name, ".") == 0 || std::strcmp(E->d_name, "..") == 0)
        continue;
      Removed |= removeTree(Fd, E->d_name, Depth + 1);
    }
  }
  ::close(Fd);
  return ::unlinkat(DirFd, Name, AT_REMOVEDIR) == 0;
}

void removeLiveAndDie(int Sig) {
  int SavedErrno = errno;
  for (int I = 0; I < MaxLive; ++I)
    if (LiveUsed[I])
      removeTree(AT_FDCWD, Live[I], 0);
  errno = SavedErrno;
  ::signal(Sig, SIG_DFL);
  ::raise(Sig);
}
} // namespace

void removeTempDirsOnSignals() {
  struct sigaction SA{};
  SA.sa_handler = removeLiveAndDie;
  sigemptyset(&SA.sa_mask);
  // A second signal while the handler removes directories waits for it (then kills the process).
  for (int Sig : {SIGINT, SIGTERM, SIGHUP})
    sigaddset(&SA.sa_mask, Sig);
  for (int Sig : {SIGINT, SIGTERM, SIGHUP})
    ::sigaction(Sig, &SA, nullptr);
}

Result<TempDir> TempDir::create(const std::string &Prefix) {
  const char *Tmp = std::getenv("TMPDIR");
  return createIn(Tmp && *Tmp ? Tmp : "/tmp", Prefix);
}

Result<TempDir> TempDir::createIn(const std::string &Parent, const std::string &Prefix) {
  std::string Pattern = Parent + "/" + Prefix + "-XXXXXX";
  std::vector<char> Buf(Pattern.begin(), Pattern.end());
  Buf.push_back('\0');
  if (!::mkdtemp(Buf.data()))
    return Failure::environment("cannot create a temporary directory " + Pattern + ": " +
                                std::strerror(errno));
  registerLive(Buf.data());
  return TempDir(std::string(Buf.data()));
}

void TempDir::keep() {
  Keep = true;
  unregisterLive(Path); // kept on purpose: a signal must not remove it either
}

TempDir::~TempDir() {
  if (Path.empty())
    return;
  unregisterLive(Path);
  if (Keep)
    return;
  std::error_code EC;
  std::filesystem::remove_all(Path, EC);
}

} // namespace bpfcarve::toolchain
