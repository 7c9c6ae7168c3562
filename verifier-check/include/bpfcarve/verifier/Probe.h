//===- Probe.h - the running kernel's capabilities, measured -----*- C++ -*-===//
//
// What the running kernel lets each hook of HookProfile.h do, measured by loading tiny
// hand-assembled programs through libbpf (bpf_prog_load) and asking the verifier:
//   - helpers: `call <id>; r0 = 0; exit` for every id from 1 until the kernel says "invalid
//     func"; the verdict is read from the verifier log (classifyHelperLoad);
//   - ctx fields: a load and a store of the field's width at every element's offset
//     ("invalid bpf_context access" = refused);
//   - direct packet access: a bounds-checked one-byte load and store through data/data_end;
//   - return values: `r0 = K; exit` for the values of probedReturnValues();
//   - BPF_PROG_TEST_RUN: a program that reports the packet length it sees, run on a 64-byte
//     Ethernet/IPv4/UDP frame (or on ctx args), which also shows the packet base (L2 or L3).
// Every fd is closed as soon as its verdict is known: nothing stays loaded.
//
// bpftool 7.1 / libbpf 1.1 feature probing is wrong on kernels >= 6.10 (it reports every helper
// for every type): this probe replaces it. Results are cached per kernel (release + BTF content
// hash) under cacheDir()/probe/.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Result.h"
#include "bpfcarve/verifier/HookProfile.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bpfcarve::verifier {

/// What the verifier's answer to `call <id>; r0 = 0; exit` says about helper <id>.
enum class HelperVerdict {
  Usable,        ///< loaded, or failed for another reason (missing arguments): the type has it
  Unusable,      ///< "program of this type cannot use helper", "unknown func", "not supported
            ///< for program type", "not allowed in probe", "supported only for fentry"
  SleepableOnly, ///< "helper call might sleep in a non-sleepable prog"
  UnknownId, ///< "invalid func": past the kernel's last helper id
};

/// Classifies one helper load: `Err` is bpf_prog_load's result (fd >= 0 or -errno), `Log` the
/// verifier log of a failed load. Same rule as libbpf >= 1.5 (hooks.md §3).
HelperVerdict classifyHelperLoad(int Err, std::string_view Log);

/// The K of `r0 = K; exit` tried per hook to measure the return range (hooks.md §2).
std::span<const std::int64_t> probedReturnValues();

/// One ctx field as the kernel answered. Arrays are readable (writable) when every element is.
struct MeasuredField {
  std::string name;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  std::uint32_t count = 1;
  bool readable = false;
  bool writable = false;
};

/// How BPF_PROG_TEST_RUN went. The inputs are tried in the profile's order (packet, then ctx,
/// or the reverse); ENOTSUPP stops early since it means the type has no test-run at all.
struct MeasuredTestRun {
  bool supported = false;
  TestRunInput input = TestRunInput::None; ///< the input that worked; None when unsupported
  int error = 0; ///< errno of the last failed attempt (524 = ENOTSUPP), 0 on success
  std::uint32_t retval = 0; ///< the program's return value on success
  /// For packet hooks: the packet length the program saw for the 64-byte frame (64 = from L2,
  /// 50 = from L3); 0 when not observed.
  std::uint32_t observedLength = 0;
  std::optional<PacketBase> packetBase; ///< derived from observedLength; none if not observed
};

/// Everything measured for one hook of HookProfile.h.
struct MeasuredHook {
  std::string hook; ///< HookProfile::name
  std::string progTypeName; ///< "sched_cls"
  std::uint32_t progType = 0;
  std::optional<std::uint32_t> expectedAttachType;
  bool loads = false; ///< a trivial `r0 = 0; exit` of this type loads at all
  std::string loadError; ///< why not (errno and the verifier's last line), when !loads
  std::vector<std::uint32_t> helpers; ///< usable helper ids, sorted
  std::vector<std::uint32_t> sleepableOnly; ///< ids the kernel refuses only for non-sleepable
  std::vector<MeasuredField> fields; ///< the profile's fields, in the profile's order
  /// Direct packet access through data/data_end; none when the ctx has no such fields.
  std::optional<PacketAccess> packetAccess;
  std::vector<std::int64_t> returnAccepted; ///< values of probedReturnValues() that loaded
  std::vector<std::int64_t> returnRejected; ///< the rest
  MeasuredTestRun testRun;

  bool helperUsable(std::uint32_t Id) const;
  const MeasuredField *field(std::string_view Name) const;
};

/// One probe of the running kernel.
struct ProbeResult {
  static constexpr int FormatVersion = 1; ///< of the cache file; a mismatch re-probes
  std::string kernelRelease; ///< uname -r
  std::string btfHash; ///< FNV-1a of /sys/kernel/btf/vmlinux (BPFCARVE_BTF), 16 hex digits;
                       ///< "nobtf" when the kernel exposes none
  std::string libbpfVersion; ///< "v1.1"
  std::uint32_t helperIdMax = 0; ///< the kernel's highest helper id (211 on 6.18)
  std::vector<std::string> helperNames; ///< index = id, from the kernel's BTF; may be empty
  std::string measuredAt; ///< UTC, ISO 8601
  double probeSeconds = 0; ///< wall time of the measurement
  std::vector<MeasuredHook> hooks; ///< one per HookProfile, in hookProfiles() order

  // Where this result came from; not part of the cache file.
  std::string cacheFile; ///< the cache file it was read from or written to; empty if none
  bool fromCache = false;

  const MeasuredHook *hook(std::string_view Name) const;
  /// The kernel's name of a helper, else the static table's ("bpf_skb_load_bytes").
  std::string helperName(std::uint32_t Id) const;
};

/// The cache file's JSON text (what cacheDir()/probe/<release>-<hash>.json holds).
std::string toJson(const ProbeResult &Result);
/// Parses the cache file's JSON; BadInput when malformed or of another FormatVersion.
Result<ProbeResult> probeResultFromJson(std::string_view Text);

/// Whether a probe measured every hook and field of the current profiles (a cache that does not
/// is stale: a row added since would show up as "not measured").
bool coversProfiles(const ProbeResult &R);

/// Measures the running kernel now, without reading or writing the cache. Environment failure
/// "probe needs root or CAP_BPF ..." when a trivial program fails to load with EPERM.
Result<ProbeResult> measureKernel();

/// cacheDir()/probe/<kernel release>-<BTF hash>.json for the running kernel (may not exist).
Result<std::string> probeCachePath();

/// The cached probe of the running kernel when a valid one exists and !Refresh; otherwise
/// measures, writes the cache atomically (temp file + rename) and returns the fresh result. A
/// cache that lacks a hook or field of the current profiles counts as stale. A cache that cannot
/// be written is not an error: the result then has an empty cacheFile.
Result<ProbeResult> probeKernel(bool Refresh = false);

} // namespace bpfcarve::verifier
