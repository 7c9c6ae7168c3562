//===- Loader.h - load BPF programs through the kernel verifier -*- C++ -*-===//
//
// Each program is verified alone (libbpf, every other program's autoload off), with its own
// type from its SEC() or an explicit hook, so mixed-type objects and `SEC("?...")` programs are
// handled like single ones. Map pinning is turned off: nothing ever lands in /sys/fs/bpf, and
// every program and map is released when the LoadedProgram is destroyed (or the process exits,
// also on SIGINT/SIGTERM: the kernel frees what only our file descriptors held).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Result.h"
#include "bpfcarve/verifier/VerifierLog.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct bpf_object;

namespace bpfcarve::verifier {

/// A program of an object as libbpf (and the ELF symbol table) names it.
struct ObjectProgram {
  std::string name;
  std::string section; ///< without a leading '?'
  bool autoload = true;
};

/// The programs of a BPF object file, read the way libbpf reads them. When libbpf refuses to
/// open the object (e.g. legacy SEC("maps")), the ELF symbol table still names them and
/// `openError` holds libbpf's message.
struct ObjectInfo {
  std::string path;
  std::vector<ObjectProgram> programs;
  std::string openError;
  /// Programs placed statically into prog-array slots (`.values = { [0] = &prog }`): libbpf
  /// fills those slots at load time, so they must load along with any program of the object.
  std::vector<std::string> slotPrograms;
};
Result<ObjectInfo> readObject(const std::string &Path);

/// Picks programs by function name, or by section name when that section is unique; empty
/// selects all. Unknown or ambiguous names are BadInput.
Result<std::vector<ObjectProgram>> selectPrograms(const ObjectInfo &Info, const std::string &Name);

/// Values for global variables, written into the object's data sections before the load
/// (`ci`'s `set:`, veristat -G): (name, value), the value an integer, true/false or an enum
/// constant's name.
using GlobalValues = std::vector<std::pair<std::string, std::string>>;

struct LoadOptions {
  std::string type;     ///< hook (libbpf section name such as "xdp", "tc") overriding SEC()
  unsigned logLevel = 4; ///< 4 = statistics only; 5 = instruction trace + statistics
  size_t logSize = 1u << 16;
  std::vector<std::string> alsoLoad; ///< further programs to load (prog-array slot targets)
  GlobalValues globals;              ///< written before the load (setGlobals)
};

/// One program loaded (or refused) by the kernel, with everything it said.
class LoadedProgram {
public:
  ~LoadedProgram();
  LoadedProgram(LoadedProgram &&) noexcept;
  LoadedProgram(const LoadedProgram &) = delete;

  bool loaded() const { return Fd >= 0; }
  int fd() const { return Fd; }
  int loadErrno() const { return Errno; }
  const std::string &log() const { return Log; }
  const std::string &libbpfMessages() const { return Messages; }
  const std::string &progType() const { return ProgType; } ///< libbpf's name: xdp, sched_cls
  bpf_object *object() const { return Obj; }
  /// Maps whose definition leaves max_entries to the program's loader (0, e.g. systemd's
  /// `bpf_map__set_max_entries`), created here with the smallest size the kernel takes.
  const std::vector<std::string> &loaderSizedMaps() const { return LoaderSized; }
  /// Helper ids the loaded program calls, its subprograms included (libbpf's final
  /// instructions of this one program).
  std::vector<std::uint32_t> helperIds() const;

private:
  friend Result<LoadedProgram> loadProgram(const std::string &, const ObjectProgram &,
                                           const LoadOptions &);
  LoadedProgram() = default;
  bpf_object *Obj = nullptr;
  int Fd = -1;
  int Errno = 0;
  std::string Log, Messages, ProgType, Name;
  std::vector<std::string> LoaderSized;
};

/// Opens Path and loads Program alone. A kernel refusal is not a Failure: it is a LoadedProgram
/// with loaded() false. Failures are for what prevents trying (unreadable file, unknown hook).
Result<LoadedProgram> loadProgram(const std::string &Path, const ObjectProgram &Program,
                                  const LoadOptions &Options);

struct Packet;

/// What BPF_PROG_TEST_RUN did with each frame of `verify --packets`.
struct TestRunSummary {
  std::size_t packets = 0;
  std::map<std::string, std::size_t> verdicts; ///< return code name -> frames
  std::map<std::string, std::size_t> errors;   ///< why a frame could not run -> frames
  std::string unsupported; ///< set when this program type cannot be test-run here
};

struct ProgramReport {
  std::string name, section, type;
  std::string verdict; ///< pass, fail, skipped
  VerifierStats stats;
  std::optional<std::uint64_t> verifiedInsns, xlatedInsns, jitedBytes;
  std::optional<VerifierError> error;
  std::string log; ///< the verifier's log (statistics; the full trace for failures)
  std::optional<TestRunSummary> testRun; ///< with --packets, for programs that pass
};

struct VerifyOptions {
  std::string program; ///< function or unique section name; empty: all programs
  std::string type;    ///< hook overriding every selected program's SEC()
  const std::vector<Packet> *packets = nullptr; ///< run these through every passing program
  /// What messages call the object: the C file it was compiled from; empty: its path.
  std::string source;
  GlobalValues globals; ///< written into every load of the object (LoadOptions::globals)
};

struct ObjectReport {
  std::string object;
  /// With --modernize-maps: the legacy maps rewritten before the compile (reported then only).
  std::optional<std::vector<std::string>> modernized;
  /// Maps without max_entries in their definition (their loader sets it), each with the size it
  /// was created with for the verifier: "sd_bind_allow (max_entries 1)".
  std::vector<std::string> loaderSizedMaps;
  std::vector<ProgramReport> programs;
};

/// Verifies the selected programs of a BPF object file one by one.
Result<ObjectReport> verifyObject(const std::string &Path, const VerifyOptions &Options);

/// The bare loader's verdict on a whole object, as `bpftool prog loadall` gets it: one
/// bpf_object__load of every program its SEC() autoloads, pinning off (`verify
/// --reference-load`, and the corpus tests' reference inside other kernels).
struct WholeLoad {
  bool ok = false;
  int err = 0;                ///< errno of the failure
  std::string failedProgram;  ///< the program libbpf says failed, if it names one
  std::string message;        ///< libbpf's first error line
  std::uint64_t us = 0;       ///< open + load + close, wall clock
};
WholeLoad loadWhole(const std::string &Path);

/// Exit code of the CLI contract for a report: 1 if any program failed, else 3 if any was
/// skipped, else 0.
int reportExitCode(const ObjectReport &R);

} // namespace bpfcarve::verifier
