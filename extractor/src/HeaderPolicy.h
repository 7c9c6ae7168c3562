//===- HeaderPolicy.h - which headers are the project's own ------*- C++ -*-===//
//
// A header is expanded into an output (its kept declarations copied where it was included) when
// it is the project's own; every other header stays `#include`d wherever kept code needs it, so
// the output compiles with the input's own include flags. The classes, as the model's
// `headerClass` of a file and of an #include:
//   libbpf    below /usr/include/bpf/
//   vmlinux   bpftool's `btf dump ... format c` output, recognised by its content whatever the
//             file is called and wherever it sits (a `vmlinux.h` symlink to vmlinux_x86.h)
//   system    in a system include directory (-isystem, the compiler's own)
//   kept      --keep-include H
//   external  outside the project root (a libbpf checkout reached by -I../libbpf/src)
//   vendored  inside the project, included by a name the system's include directories also
//             provide: a copy of a system header (`#include <linux/bpf.h>` resolving to
//             include/linux/bpf.h of the project, with its 3,000 lines of helper documentation)
//   local     the project's own; --expand-include H makes any header local
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/extractor/Frontend.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace bpfcarve::extractor {

/// Whether the file at RealPath is a vmlinux.h: named so, or starting as bpftool writes one.
bool isVmlinuxHeader(llvm::StringRef RealPath);

class HeaderPolicy {
public:
  HeaderPolicy() = default;
  HeaderPolicy(const IncludePolicy &P, std::string Root) : P(P), Root(std::move(Root)) {}

  /// The class of the header at RealPath (absolute, symlinks resolved), found in a system
  /// include directory or not, included as Spelled (without <> or "", empty when unknown).
  std::string classify(const std::string &RealPath, bool InSystemDir,
                       llvm::StringRef Spelled) const;
  /// Whether the class stands for the project's own code (copied, not #included).
  static bool isProjectClass(llvm::StringRef Class) { return Class == "local"; }
  const std::string &root() const { return Root; }
  bool expandsAny() const { return !P.expand.empty(); }

private:
  IncludePolicy P;
  std::string Root;
};

} // namespace bpfcarve::extractor
