//===- TempDir.cpp --------------------------------------------------------===//
#include "bpfcarve/toolchain/TempDir.h"

#include <cerrno>
#include <csignal>
#include <sys/wait.h>
#include <cstdlib>
#include <cstring>
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

void removeLiveAndDie(int Sig) {
  for (int I = 0; I < MaxLive; ++I) {
    if (!LiveUsed[I])
      continue;
    pid_t Pid = ::fork();
    if (Pid == 0) {
      char Rm[] = "/bin/rm", Flag[] = "-rf", End[] = "--";
      char *Argv[] = {Rm, Flag, End, Live[I], nullptr};
      ::execv(Rm, Argv);
      ::_exit(127);
    }
    if (Pid > 0)
      ::waitpid(Pid, nullptr, 0);
  }
  ::signal(Sig, SIG_DFL);
  ::raise(Sig);
}
} // namespace

void removeTempDirsOnSignals() {
  struct sigaction SA {};
  SA.sa_handler = removeLiveAndDie;
  sigemptyset(&SA.sa_mask);
  for (int Sig : {SIGINT, SIGTERM, SIGHUP})
    ::sigaction(Sig, &SA, nullptr);
}

Result<TempDir> TempDir::create(const std::string &Prefix) {
  const char *Tmp = std::getenv("TMPDIR");
  std::string Pattern = std::string(Tmp && *Tmp ? Tmp : "/tmp") + "/" + Prefix + "-XXXXXX";
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
