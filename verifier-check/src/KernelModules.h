//===- KernelModules.h - which modules of a kernel package define a kfunc -*- C++ -*-===//
#pragma once

#include "bpfcarve/toolchain/Result.h"
#include "bpfcarve/verifier/Guest.h"

#include <set>
#include <string>
#include <vector>

namespace bpfcarve::verifier {

/// The extern kernel symbols (kfuncs and ksym variables, BTF `extern` in .ksyms) of an object.
std::set<std::string> externKsyms(const std::string &ObjectPath);

/// The package's modules that define one of Symbols, with every module they depend on, in load
/// order (dependencies first). The package's index (module, depends, defined functions) is built
/// from every .ko on first use and cached beside the unpacked package.
Result<std::vector<GuestModule>> modulesFor(const KernelImage &K,
                                            const std::set<std::string> &Symbols);

/// The bytes of a module file: .ko as is, .ko.xz through xz -dc.
Result<std::string> moduleBytes(const std::string &Path);

} // namespace bpfcarve::verifier
