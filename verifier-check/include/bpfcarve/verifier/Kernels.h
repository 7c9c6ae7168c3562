//===- Kernels.h - the kernels a program is checked on -*- C++ -*-===//
//
// `--kernel K[,K...]` names kernels: `host` (the running one), a Debian series (`6.1`, `6.12`:
// the newest `linux-image-<series>.*-cloud-amd64` the machine's apt lists offer), a
// `linux-image-*.deb`, or a bare `vmlinuz`. Debian packages are fetched with `apt-get download`
// (never installed), unpacked once and cached under <cache>/kernels/<package>_<version>/; the
// package version is the cache key and is reported.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <functional>
#include <string>
#include <vector>

namespace bpfcarve::verifier {

struct KernelImage {
  std::string name;       ///< as the user named it: host, 6.1, a path
  bool host = false;      ///< the running kernel: no virtual machine
  std::string package;    ///< linux-image-6.1.0-50-cloud-amd64; empty for a bare vmlinuz
  std::string version;    ///< the package's version, 6.1.176-1
  std::string vmlinuz;    ///< the kernel image to boot
  std::string modulesDir; ///< lib/modules/<release> of the package; empty without one
  std::string release;    ///< uname -r as the package names it (the guest reports its own)
};

/// Splits "host,6.1" into names; empty names are BadInput.
Result<std::vector<std::string>> splitKernelList(const std::string &List);

/// Resolves (and on first use fetches and unpacks) one kernel. BadInput for a name that is none
/// of the forms above; Environment when apt offers no such package or the download fails.
/// Progress, when given, hears of each download and unpack before it starts (they take seconds).
Result<KernelImage> resolveKernel(const std::string &Name,
                                  const std::function<void(const std::string &)> &Progress = {});

/// The `linux-image-<series>.*-cloud-amd64` names among Candidates (apt's package names), the
/// signed images only (no -dbg, no -unsigned): what a series resolves among.
std::vector<std::string> seriesPackages(const std::string &Series,
                                        const std::vector<std::string> &Candidates);

/// Whether Name is a kernel series such as 6.1 or 6.12 (digits, one dot, digits).
bool isKernelSeries(const std::string &Name);

} // namespace bpfcarve::verifier
