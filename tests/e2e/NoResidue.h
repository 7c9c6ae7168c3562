//===- NoResidue.h - every e2e test leaves the kernel as it found it -*- C++ -*-===//
//
// Linked into every end-to-end test binary (tests/e2e, tests/samples). A GoogleTest listener
// snapshots /sys/fs/bpf (recursively) and the ids of the loaded BPF programs and maps before each
// test, and after it fails the test when /sys/fs/bpf differs or when a program or map that
// appeared during the test is still loaded.
//
// Other processes load programs on the same machine at the same time (other test binaries run in
// parallel, other users). An object that appeared during the test is attributed to the test
// unless another live process holds it: a file descriptor of that process refers to it (its
// /proc/PID/fdinfo names the prog_id or map_id), or, for a map, a program such a process holds
// uses it. The test process itself never counts as "another" process. The kernel frees a program
// or map shortly after its last reference goes, and other processes' objects can be unheld for a
// moment (a loader that just exited), so an object is reported only when it stays loaded and
// unheld at every look during a bounded wait (50 ms apart, up to 3 s).
//
// Not attributed to other processes (so reported if they appear during a test and stay for 3 s):
// objects another process keeps only through a pin in its own private bpffs, an attachment
// without a file descriptor, or a prog-array / map-in-map slot. bpfcarve and its tests create
// none of these outside their own lifetime.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <linux/types.h>

#include <map>
#include <set>
#include <string>

namespace bpfcarve::testing {

/// What the kernel and bpffs hold at one moment.
struct KernelSnapshot {
  std::set<std::string> bpffs;          ///< paths under /sys/fs/bpf, with a '/' after directories
  std::map<__u32, std::string> progs;   ///< id -> name
  std::map<__u32, std::string> maps;    ///< id -> name
  bool idsReadable = false;             ///< false without CAP_SYS_ADMIN/CAP_BPF
};

KernelSnapshot takeKernelSnapshot();

/// The objects that were not in Before and stay loaded, held by no other live process, at every
/// look during the bounded wait. Empty when nothing is left.
/// Each entry reads "prog 123 name" or "map 45 name".
std::set<std::string> residueSince(const KernelSnapshot &Before);

} // namespace bpfcarve::testing
