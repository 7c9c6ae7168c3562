//===- Guest.h - verify inside another kernel, booted in QEMU -*- C++ -*-===//
//
// The host compiles; a virtual machine running the other kernel loads. Its initramfs is built on
// the fly: the guest agent (bpfcarve-agent, static, PID 1), the objects, the frames of
// --packets, the package's modules that the objects' kfuncs live in, and a job file. The agent
// loads every program with the same loader code as the host's `verify` (verifyObject) and writes
// one JSON line per event on the second serial port; the first is the console, kept for errors.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Result.h"
#include "bpfcarve/verifier/Kernels.h"
#include "bpfcarve/verifier/Loader.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bpfcarve::verifier {

struct Packet;

/// A newc ("070701") cpio archive, the format the kernel unpacks as its initramfs.
class Initramfs {
public:
  void addDirectory(const std::string &Path);
  void addFile(const std::string &Path, const std::string &Bytes, unsigned Mode = 0644);
  /// The archive with its trailer; no entry may be added afterwards.
  const std::string &finish();

private:
  void entry(const std::string &Path, unsigned Mode, const std::string &Bytes);
  std::string Out;
  unsigned Inode = 1;
};

/// A module the guest loads before the objects, with what the objects need from it.
struct GuestModule {
  std::string name;                  ///< nf_conntrack
  std::string path;                  ///< its file: on the host the package's .ko or .ko.xz
  std::vector<std::string> provides; ///< the objects' extern symbols it defines
};

/// One object the guest verifies.
struct GuestObject {
  std::string object;  ///< the host path of the .o
  std::string source;  ///< what reports call it (the .c it came from)
  std::string program; ///< VerifyOptions::program
  std::string type;    ///< VerifyOptions::type
};

struct GuestJob {
  std::vector<GuestObject> objects;
  const std::vector<Packet> *packets = nullptr; ///< run through every passing program
  unsigned timeoutSeconds = 600;                ///< for the whole boot, loads included
  bool reference = false; ///< also load each object whole (loadWhole) after verifying it
};

/// What one boot of one kernel gave back.
struct GuestRun {
  KernelImage kernel;
  std::string release;          ///< the guest's own uname -r
  std::uint64_t bootMs = 0;     ///< kernel start to the agent's first line (guest clock)
  std::uint64_t wallMs = 0;     ///< the whole QEMU run, host clock
  std::string accelerator;      ///< kvm or tcg
  /// One per job object, in order: its report, or why the guest could not verify it.
  std::vector<Result<ObjectReport>> reports;
  std::vector<std::string> notes; ///< e.g. a module the guest could not load
  /// With GuestJob::reference, per object: the whole-object load, and verify's own time for it.
  std::vector<std::optional<WholeLoad>> wholeLoads;
  std::vector<std::uint64_t> verifyUs;
};

/// Boots K once under QEMU and verifies every object of Job there. Environment failure (exit 3)
/// when QEMU is missing, the kernel does not boot or times out, naming the kernel, with the
/// console's tail as the failure's detail; Internal (exit 4) when the agent itself crashed.
Result<GuestRun> runInGuest(const KernelImage &K, const GuestJob &Job);

/// The wire format of the agent, one JSON document per line (exposed for tests and the agent).
namespace wire {
/// Paths are the guest's: the objects' (one per job object) and the modules' (theirs).
std::string jobJson(const GuestJob &Job, const std::vector<std::string> &GuestPaths,
                    const std::vector<GuestModule> &Modules);
std::string reportToJson(const ObjectReport &R);
Result<ObjectReport> reportFromJson(const std::string &Json);
std::string wholeLoadToJson(const WholeLoad &W);
WholeLoad wholeLoadFromJson(const std::string &Json);
/// Lines the agent writes start with this, so stray bytes on the port are never read as data.
inline constexpr const char *Prefix = "@bpfcarve ";
} // namespace wire

/// The agent program: bpfcarve-agent next to the running executable, or $BPFCARVE_AGENT.
std::string agentPath();

} // namespace bpfcarve::verifier
