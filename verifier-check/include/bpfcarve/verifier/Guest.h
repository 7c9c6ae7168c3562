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
#include "bpfcarve/verifier/DiffRun.h"
#include "bpfcarve/verifier/Kernels.h"
#include "bpfcarve/verifier/Loader.h"

#include <cstdint>
#include <map>
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
  GlobalValues globals; ///< VerifyOptions::globals
  /// The frames of GuestJob::packets this object is test-run on: (first, count), count 0 for
  /// none; nullopt: all of them.
  std::optional<std::pair<std::size_t, std::size_t>> packetRange;
};

/// `diff-run --kernel K`: both programs run in the guest on the host's frames.
struct GuestDiffRun {
  std::string objectA, objectB; ///< host paths of the two objects
  std::string nameA, nameB;     ///< the inputs as given, for the report
  DiffRunOptions options;       ///< programs and types (packets and seedPath are not read)
  std::string seedPath;         ///< --maps, read in the guest from its copy; empty: none
};

struct GuestJob {
  std::vector<GuestObject> objects;
  const std::vector<Packet> *packets = nullptr; ///< run through every passing program
  unsigned timeoutSeconds = 600;                ///< for the whole boot, loads included
  bool reference = false; ///< also load each object whole (loadWhole) after verifying it
  bool probe = false;     ///< also measure the kernel as `bpfcarve probe` does (measureKernel)
  std::optional<GuestDiffRun> diffRun; ///< also diff-run two objects on Job.packets
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
  std::string probeJson; ///< with GuestJob::probe: the probe's cache-file JSON
  /// With GuestJob::diffRun: its report as text and JSON, and its exit code (diffRunExitCode).
  std::optional<Result<std::pair<std::string, std::string>>> diffRunOutput;
  int diffRunExit = 0;
};

/// Boots K once under QEMU and verifies every object of Job there. Environment failure (exit 3)
/// when QEMU is missing, the kernel does not boot or times out, naming the kernel, with the
/// console's tail as the failure's detail; Internal (exit 4) when the agent itself crashed.
Result<GuestRun> runInGuest(const KernelImage &K, const GuestJob &Job);

struct ProbeResult;

/// `probe --kernel K`: K's probe, measured in one boot by the agent and cached per kernel
/// package under cacheDir()/probe/<package>_<version>.json (a bare vmlinuz: by path, size and
/// mtime) unless Refresh.
Result<ProbeResult> probeKernelImage(const KernelImage &K, bool Refresh = false);
/// K's cached probe when a valid one exists.
std::optional<ProbeResult> cachedProbe(const KernelImage &K);
/// The probe a run with GuestJob::probe measured, cached for K.
Result<ProbeResult> storeProbe(const KernelImage &K, const GuestRun &Run);

/// `retarget --kernel K`, `carve --kernel K`: a built result checked against one other kernel.
struct KernelVerdict {
  KernelImage kernel;
  std::string release, accelerator;
  std::uint64_t bootMs = 0;
  /// What K lacks, by name, each one sentence: a helper K does not have or does not allow at
  /// the program's hook (from K's probe), a kfunc K does not have (from the load on K).
  std::vector<std::string> refusals;
  std::optional<ObjectReport> verify; ///< the object verified on K
};

/// Checks Object's helper calls against K's probe (probeKernelImage) for each program's hook
/// (Type overrides SEC()), then verifies it on K. Source is what reports call the object.
Result<KernelVerdict> checkOnKernel(const KernelImage &K, const std::string &Object,
                                    const std::string &Source, const std::string &Program,
                                    const std::string &Type);

/// The helper ids each program of an object calls (its subprograms' calls included), read from
/// the ELF's call instructions: program name -> sorted ids.
std::map<std::string, std::vector<std::uint32_t>> helperCalls(const std::string &Object);

/// The wire format of the agent, one JSON document per line (exposed for tests and the agent).
namespace wire {
/// Paths are the guest's: the objects' (one per job object) and the modules' (theirs).
std::string jobJson(const GuestJob &Job, const std::vector<std::string> &GuestPaths,
                    const std::vector<GuestModule> &Modules);
/// The guest paths of a diff-run job's files, fixed: the host writes them, the agent reads them.
inline constexpr const char *DiffRunA = "/job/diff-a.o";
inline constexpr const char *DiffRunB = "/job/diff-b.o";
inline constexpr const char *DiffRunSeed = "/job/seed.json";
std::string reportToJson(const ObjectReport &R);
Result<ObjectReport> reportFromJson(const std::string &Json);
std::string wholeLoadToJson(const WholeLoad &W);
/// A Failure as {"kind","message"}, kind one of bad_input, environment, rejected, internal.
std::string failureToJson(const Failure &F);
Failure failureFromJson(const std::string &Json);
WholeLoad wholeLoadFromJson(const std::string &Json);
/// Lines the agent writes start with this, so stray bytes on the port are never read as data.
inline constexpr const char *Prefix = "@bpfcarve ";
} // namespace wire

/// The agent program: bpfcarve-agent next to the running executable, or $BPFCARVE_AGENT.
std::string agentPath();

} // namespace bpfcarve::verifier
