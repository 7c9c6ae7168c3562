//===- KernelRecords.h - measurements keyed by kernel release ----*- C++ -*-===//
//
// What bpfcarve measures on the public corpus depends on the kernel it ran on, so each
// measurement is a record named by that kernel's release: DIR/<release>SUFFIX
// (corpus/records/<release>.json, .harness.tsv; docs/corpus-manifest.md). The `corpus` command
// and the corpus tests choose a record here; corpus/manifest_json.py's choose_record is the same
// rule for the scripts.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bpfcarve::toolchain {

/// The release records are keyed by: $BPFCARVE_KERNEL_RELEASE when set (tests use it to play a
/// kernel without a record), else `uname -r`.
std::string kernelRelease();

struct KernelRecord {
  std::string path;    ///< DIR/<release>SUFFIX
  std::string release; ///< the kernel it was measured on
  bool exact = false;  ///< measured on the release asked for
};

/// Every record in Dir with this suffix, in version order.
std::vector<KernelRecord> kernelRecords(const std::string &Dir, std::string_view Suffix);

/// Of Releases (in version order, as kernelRecords gives them), the index of Release, else of the
/// nearest one: the longest common prefix with Release, then the highest version. nullopt when
/// Releases is empty.
std::optional<size_t> nearestRelease(const std::vector<std::string> &Releases,
                                     const std::string &Release);

/// The record of Release in Dir, else the nearest one: the longest common prefix with Release, then
/// the highest version (6.18.44-fc-v1252 is nearer 6.18.44-fc-v1272 than 6.12.9). nullopt when Dir
/// holds none.
std::optional<KernelRecord> chooseKernelRecord(const std::string &Dir, std::string_view Suffix,
                                               const std::string &Release);

} // namespace bpfcarve::toolchain
