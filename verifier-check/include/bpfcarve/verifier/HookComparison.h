//===- HookComparison.h - the static hook tables vs the running kernel -*- C++ -*-===//
//
// For each HookProfile, what the live probe measured beside what the table says, and every
// point where they differ. A disagreement `contradicts` the table when the table promises
// something the kernel refuses (a helper, a readable or writable field, a return value,
// test-run, direct packet access, the packet base): a rewrite relying on that row must be
// refused on this kernel. The other direction (the kernel allows more than the table) is
// reported too, but only as information: the table is then merely conservative.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/verifier/HookProfile.h"
#include "bpfcarve/verifier/Probe.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bpfcarve::verifier {

enum class DisagreementKind {
  Load,         ///< the program type does not load at all on this kernel
  Helper,       ///< a helper allowed by one side only
  CtxRead,      ///< a ctx field readable by one side only
  CtxWrite,     ///< a ctx field writable by one side only
  PacketAccess, ///< direct packet access (none / read / read_write) differs
  PacketBase,   ///< test-run saw the packet from another layer than the table says
  ReturnRange,  ///< the verifier accepts a different set of return values
  TestRun,      ///< test-run support or its input differs
};

struct Disagreement {
  DisagreementKind kind = DisagreementKind::Load;
  std::string subject;        ///< "bpf_skb_load_bytes#26", a field name ("mark"), or empty
  std::string profile;        ///< what the table says ("allowed", "readable", "[0, 1]", "packet")
  std::string kernel;         ///< what the running kernel did
  bool contradicts = false;   ///< the table promises what the kernel refuses
  std::uint32_t helperId = 0; ///< for Helper; 0 otherwise

  /// One line: "helper bpf_skb_load_bytes#26: table allowed, kernel refused (contradiction)".
  std::string message() const;
};

/// One hook: the counts shown side by side, and the disagreements.
struct HookComparison {
  const HookProfile *profile = nullptr;
  const MeasuredHook *measured = nullptr; ///< null when the probe has no row for the hook
  std::size_t helpersInTable = 0, helpersMeasured = 0;
  std::size_t readableInTable = 0, readableMeasured = 0; ///< ctx fields
  std::size_t writableInTable = 0, writableMeasured = 0;
  std::vector<Disagreement> disagreements;

  /// True when any disagreement contradicts the table: the row is not to be trusted here.
  bool contradicted() const;
  /// The disagreement of this kind about `Subject` (helper "bpf_x#N" or its bare name "bpf_x",
  /// a field name, or "" for hook-wide kinds), or null.
  const Disagreement *find(DisagreementKind Kind, std::string_view Subject = {}) const;
};

/// Compares one profile with the probe's row for it (a Load contradiction when the probe has
/// none). The result points into `Profile` and `Probe`, which must outlive it.
HookComparison compareHook(const HookProfile &Profile, const ProbeResult &Probe);

/// compareHook for every profile, in hookProfiles() order.
std::vector<HookComparison> compareWithProfiles(const ProbeResult &Probe);

std::string_view toString(DisagreementKind Kind); ///< "load", "helper", "ctx_read", ...

} // namespace bpfcarve::verifier
