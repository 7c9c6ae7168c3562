//===- HeaderPolicy.cpp - which headers are the project's own --------------===//
#include "HeaderPolicy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <fstream>
#include <map>
#include <mutex>

namespace bpfcarve::extractor {

namespace {

/// The path with symlinks resolved, or the absolute path when it cannot be resolved.
std::string realPath(const std::string &P) {
  llvm::SmallString<256> Real;
  if (!llvm::sys::fs::real_path(P, Real))
    return Real.str().str();
  return absolutePath(P);
}

bool exists(const std::string &P) { return llvm::sys::fs::exists(P); }

bool below(llvm::StringRef Path, llvm::StringRef Dir) {
  return Path.starts_with(Dir) && Path.size() > Dir.size() &&
         (Dir.ends_with("/") || Path[Dir.size()] == '/');
}

/// Whether header H of --keep-include / --expand-include names this header: its path (as
/// given, symlinks resolved), the tail of its path (`linux/bpf.h`), or its include spelling.
bool names(const std::string &H, const std::string &RealPath, llvm::StringRef Spelled) {
  if (H.empty())
    return false;
  if (H == Spelled || realPath(H) == RealPath)
    return true;
  llvm::StringRef R(RealPath);
  return R.ends_with(H) && R.size() > H.size() && R[R.size() - H.size() - 1] == '/';
}

/// The system include directories a Debian machine's compiler searches: a header found there
/// by the same spelling is the system's own.
bool systemProvides(llvm::StringRef Spelled) {
  if (Spelled.empty() || Spelled.starts_with("/") || Spelled.starts_with("."))
    return false;
  for (const char *Dir : {"/usr/include/", "/usr/include/x86_64-linux-gnu/", "/usr/local/include/"})
    if (exists(Dir + Spelled.str()))
      return true;
  return false;
}

} // namespace

bool isVmlinuxHeader(llvm::StringRef RealPath) {
  if (llvm::sys::path::filename(RealPath) == "vmlinux.h")
    return true;
  static std::mutex Lock;
  static std::map<std::string, bool> Seen;
  std::lock_guard<std::mutex> G(Lock);
  auto [It, New] = Seen.try_emplace(RealPath.str(), false);
  if (!New)
    return It->second;
  // bpftool's `btf dump file ... format c` opens every vmlinux.h it writes with
  //   #ifndef __VMLINUX_H__
  //   #define __VMLINUX_H__
  // before any declaration; a comment may precede it.
  std::ifstream In(RealPath.str(), std::ios::binary);
  std::string Head(1024, '\0');
  In.read(Head.data(), static_cast<std::streamsize>(Head.size()));
  Head.resize(static_cast<size_t>(In.gcount()));
  size_t Guard = Head.find("#ifndef __VMLINUX_H__");
  It->second =
      Guard != std::string::npos && Head.find("#define __VMLINUX_H__", Guard) != std::string::npos;
  return It->second;
}

std::string HeaderPolicy::classify(const std::string &RealPath, bool InSystemDir,
                                   llvm::StringRef Spelled) const {
  for (const std::string &H : P.expand)
    if (names(H, RealPath, Spelled))
      return "local";
  if (llvm::StringRef(RealPath).starts_with("/usr/include/bpf/"))
    return "libbpf";
  if (isVmlinuxHeader(RealPath))
    return "vmlinux";
  if (InSystemDir)
    return "system";
  for (const std::string &H : P.keep)
    if (names(H, RealPath, Spelled))
      return "kept";
  if (!Root.empty() && !below(RealPath, Root))
    return "external";
  if (systemProvides(Spelled))
    return "vendored";
  return "local";
}

std::string projectRootFor(const ParseOptions &O) {
  if (!O.includes.projectRoot.empty())
    return realPath(O.includes.projectRoot);
  if (!O.buildDir.empty())
    return realPath(O.buildDir);
  std::string Input = realPath(O.file);
  llvm::StringRef Dir = llvm::sys::path::parent_path(Input);
  for (llvm::StringRef D = Dir; !D.empty() && D != "/"; D = llvm::sys::path::parent_path(D))
    if (exists((D + "/.git").str()))
      return D.str();
  return Dir.str();
}

} // namespace bpfcarve::extractor
