//===- Toolchain.cpp - clang-19 installation facts and BPF flags ----------===//
#include "bpfcarve/toolchain/Toolchain.h"
#include "bpfcarve/toolchain/Process.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace bpfcarve::toolchain {

namespace {

std::string trim(std::string S) {
  while (!S.empty() && (S.back() == '\n' || S.back() == '\r' || S.back() == ' '))
    S.pop_back();
  return S;
}

std::string firstLine(const std::string &S) { return trim(S.substr(0, S.find('\n'))); }

/// PATH lookup without a shell.
std::string findInPath(const std::string &Name) {
  if (Name.find('/') != std::string::npos)
    return ::access(Name.c_str(), X_OK) == 0 ? Name : std::string();
  const char *Path = std::getenv("PATH");
  std::stringstream SS(Path ? Path : "/usr/bin:/bin");
  std::string Dir;
  while (std::getline(SS, Dir, ':')) {
    std::string Candidate = (Dir.empty() ? "." : Dir) + "/" + Name;
    if (::access(Candidate.c_str(), X_OK) == 0)
      return Candidate;
  }
  return {};
}

/// Atomic write: a concurrent reader sees the old file or the new one, never half of it.
void writeFileAtomically(const std::string &Path, const std::string &Text) {
  std::string Tmp = Path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream O(Tmp, std::ios::binary);
    O << Text;
    if (!O)
      return;
  }
  std::error_code EC;
  fs::rename(Tmp, Path, EC);
  if (EC)
    fs::remove(Tmp, EC);
}

Result<ClangInstallation> computeInstallation(const std::string &Clang) {
  ClangInstallation I;
  I.clang = Clang;
  auto Res = runProcess({Clang, "-print-resource-dir"});
  if (!Res)
    return Res.failure();
  if (!Res->ok())
    return Failure::environment("'" + Clang +
                                " -print-resource-dir' failed: " + firstLine(Res->err));
  I.resourceDir = trim(Res->out);
  // Debian's multiarch tuple is the host triple without its vendor: x86_64-pc-linux-gnu ->
  // x86_64-linux-gnu. -target bpf drops that dir from the search path, but <linux/types.h>
  // needs <asm/types.h> from it.
  auto Triple = runProcess({Clang, "-print-target-triple"});
  if (Triple && Triple->ok()) {
    std::string T = trim(Triple->out);
    std::string Arch = T.substr(0, T.find('-'));
    size_t Linux = T.find("-linux");
    for (const std::string &Candidate :
         {Linux == std::string::npos ? T : Arch + T.substr(Linux), T})
      if (fs::exists("/usr/include/" + Candidate + "/asm/types.h")) {
        I.multiarchDir = "/usr/include/" + Candidate;
        break;
      }
  }
  auto Version = runProcess({Clang, "--version"});
  if (Version && Version->ok())
    I.version = firstLine(Version->out);
  return I;
}

} // namespace

std::string cacheDir() {
  std::string Dir;
  if (const char *E = std::getenv("BPFCARVE_CACHE_DIR"); E && *E)
    Dir = E;
  else if (const char *X = std::getenv("XDG_CACHE_HOME"); X && *X)
    Dir = std::string(X) + "/bpfcarve";
  else if (const char *H = std::getenv("HOME"); H && *H)
    Dir = std::string(H) + "/.cache/bpfcarve";
  else
    Dir = "/tmp/bpfcarve-cache-" + std::to_string(::getuid());
  std::error_code EC;
  fs::create_directories(Dir, EC);
  return Dir;
}

std::string shareDir() {
  if (const char *E = std::getenv("BPFCARVE_SHARE_DIR"); E && *E)
    return E;
  std::error_code EC;
  fs::path Exe = fs::read_symlink("/proc/self/exe", EC);
  if (!EC) {
    fs::path Candidate = Exe.parent_path().parent_path() / "share" / "bpfcarve";
    if (fs::is_directory(Candidate))
      return Candidate.string();
  }
#ifdef BPFCARVE_BUILD_SHARE_DIR
  return BPFCARVE_BUILD_SHARE_DIR; // tests linked outside bin/ still find the build tree's data
#else
  return "/usr/share/bpfcarve";
#endif
}

std::string shimIncludeDir() { return shareDir() + "/include"; }

Result<ClangInstallation> clangInstallation() {
  static std::mutex Lock;
  static std::optional<ClangInstallation> Memo;
  std::lock_guard<std::mutex> Guard(Lock);
  if (Memo)
    return *Memo;

  const char *Override = std::getenv("BPFCARVE_CLANG");
  std::string Clang = findInPath(Override && *Override ? Override : "clang-19");
  if (Clang.empty())
    return Failure::environment("clang-19 not found in PATH (run scripts/setup.sh)");
  std::error_code EC;
  std::string Real = fs::canonical(Clang, EC).string();
  if (EC)
    Real = Clang;

  struct stat St{};
  ::stat(Real.c_str(), &St);
  std::string Key = Real + "|" + std::to_string(St.st_size) + "|" + std::to_string(St.st_mtime);
  std::string CacheFile =
      cacheDir() + "/clang-" + std::to_string(std::hash<std::string>{}(Key)) + ".txt";

  // Cache format: four lines, clang path / resource dir / multiarch dir / version.
  std::ifstream In(CacheFile);
  ClangInstallation I;
  if (In && std::getline(In, I.clang) && std::getline(In, I.resourceDir) &&
      std::getline(In, I.multiarchDir) && std::getline(In, I.version) && I.clang == Clang &&
      fs::is_directory(I.resourceDir)) {
    Memo = I;
    return I;
  }
  auto Computed = computeInstallation(Clang);
  if (!Computed)
    return Computed.failure();
  writeFileAtomically(CacheFile, Computed->clang + "\n" + Computed->resourceDir + "\n" +
                                     Computed->multiarchDir + "\n" + Computed->version + "\n");
  Memo = *Computed;
  return *Computed;
}

std::vector<std::string> frontendSupportFlags(const ClangInstallation &Clang) {
  std::vector<std::string> F;
  F.push_back("-resource-dir=" + Clang.resourceDir);
  F.emplace_back("-idirafter");
  F.push_back(shimIncludeDir());
  if (!Clang.multiarchDir.empty()) {
    F.emplace_back("-idirafter");
    F.push_back(Clang.multiarchDir);
  }
  return F;
}

bool kbuildFlags(const std::vector<std::string> &Flags) {
  bool Kernel = false;
  for (size_t I = 0; I < Flags.size(); ++I) {
    const std::string &F = Flags[I];
    std::string Define = F == "-D" && I + 1 < Flags.size() ? Flags[I + 1]
                         : F.rfind("-D", 0) == 0           ? F.substr(2)
                                                           : "";
    Kernel |= Define == "__KERNEL__" || Define.rfind("__KERNEL__=", 0) == 0;
    std::string Target = F.rfind("--target=", 0) == 0 ? F.substr(9)
                         : (F == "-target" || F == "--target") && I + 1 < Flags.size()
                             ? Flags[I + 1]
                             : "";
    if (Target.rfind("bpf", 0) == 0)
      return false; // the user compiles for BPF directly, kernel headers or not
  }
  return Kernel;
}

std::string llvmBinDir(const ClangInstallation &Clang) {
  std::error_code EC;
  fs::path Real = fs::canonical(Clang.clang, EC);
  return (EC ? fs::path(Clang.clang) : Real).parent_path().string();
}

std::vector<std::string> defaultBpfFlags(const ClangInstallation &Clang) {
  std::vector<std::string> F = {"--target=bpf", "-O2", "-g", "-D__TARGET_ARCH_x86"};
  F.push_back("-I" + shimIncludeDir());
  if (!Clang.multiarchDir.empty())
    F.push_back("-I" + Clang.multiarchDir);
  if (auto Vmlinux = vmlinuxIncludeDir())
    F.push_back("-I" + *Vmlinux);
  return F;
}

} // namespace bpfcarve::toolchain
