//===- Toolchain.h - where clang-19, its headers and BPF flags are -*- C++ -*-===//
//
// The ground floor of bpfcarve: everything the other libraries need to know about the compiler
// installation. Nothing here includes LLVM headers.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <string>
#include <vector>

namespace bpfcarve::toolchain {

/// Facts about the clang-19 installation, computed once per installation and cached under the
/// cache dir (keyed by the clang binary's path, size and mtime).
struct ClangInstallation {
  std::string clang;        ///< absolute path of clang-19
  std::string resourceDir;  ///< `clang-19 -print-resource-dir`: builtin headers (stddef.h, ...)
  std::string multiarchDir; ///< /usr/include/<triple>: asm/types.h lives there on Debian
  std::string version;      ///< first line of `clang-19 --version`
};

/// Finds clang-19 (BPFCARVE_CLANG overrides) and its facts. Environment failure without clang-19.
Result<ClangInstallation> clangInstallation();

/// ${BPFCARVE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfcarve}; created on demand.
std::string cacheDir();

/// share/bpfcarve next to the running executable (bin/../share/bpfcarve), or BPFCARVE_SHARE_DIR.
std::string shareDir();

/// The directory holding the empty gnu/stubs-32.h shim.
std::string shimIncludeDir();

/// Flags for compiling and parsing BPF C when the user gives none: --target=bpf -O2 -g, the shim,
/// the multiarch dir, the vmlinux.h dir when the kernel has BTF, and -D__TARGET_ARCH_x86.
/// libbpf's headers are under /usr/include/bpf and need no flag.
std::vector<std::string> defaultBpfFlags(const ClangInstallation &clang);

/// Flags a LibTooling frontend needs on top of the user's: the resource dir and the includes that
/// -target bpf does not add by itself (shim, multiarch). Kept separate from defaultBpfFlags so a
/// compile_commands.json entry keeps its own -O level and defines.
std::vector<std::string> frontendSupportFlags(const ClangInstallation &clang);

/// Whether Flags compile kernel-internal headers the way kbuild does (samples/bpf's *_kern.c):
/// they define __KERNEL__ and name no BPF target. Those headers hold x86 inline asm that no BPF
/// target accepts, so such code is parsed for the host, and compiled as kbuild does it: host
/// LLVM IR (`-emit-llvm -Xclang -disable-llvm-passes`), `opt -O2 -mtriple=bpf-pc-linux`,
/// `llc -march=bpf`.
bool kbuildFlags(const std::vector<std::string> &Flags);

/// The directory of clang-19's own LLVM tools (opt, llc): where the real clang binary lives.
std::string llvmBinDir(const ClangInstallation &clang);

/// Generates vmlinux.h from /sys/kernel/btf/vmlinux (or BPFCARVE_BTF) with libbpf's btf_dump,
/// cached per kernel release and BTF content hash; returns the directory that holds vmlinux.h.
/// Environment failure when the kernel exposes no BTF.
Result<std::string> vmlinuxIncludeDir();

} // namespace bpfcarve::toolchain
