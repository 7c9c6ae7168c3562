//===- VerifierLog.h - what the kernel verifier's log says -------*- C++ -*-===//
//
// Parses the text the kernel verifier writes (log_level 1 for failures, 4 for statistics) into
// statistics and, for a rejected program, a failure class, the verifier's own message and the
// source line from BTF line info (`; <code> @ file.c:42` lines, kernel >= 6.x with -g).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bpfcarve::verifier {

struct VerifierStats {
  std::optional<std::uint64_t> insnsProcessed; ///< `processed N insns`
  std::optional<std::uint64_t> maxStatesPerInsn, totalStates, peakStates, markRead;
  std::vector<unsigned> stackDepth;            ///< `stack depth 16+0+32`, one per subprogram
  std::optional<std::uint64_t> verifyTimeUs;   ///< `verification time N usec`
};

/// Failure classes of ARCHITECTURE.md's verify contract.
namespace failure_class {
inline constexpr const char *Open = "open";
inline constexpr const char *MapCreate = "map_create";
inline constexpr const char *NeedsAttachTarget = "needs_attach_target";
inline constexpr const char *UnresolvedKsym = "unresolved_ksym";
inline constexpr const char *CtxAccess = "ctx_access";
inline constexpr const char *PacketBounds = "packet_bounds";
inline constexpr const char *HelperNotAllowed = "helper_not_allowed";
inline constexpr const char *ReturnRange = "return_range";
inline constexpr const char *MapCompat = "map_compat";
inline constexpr const char *Permission = "permission";
inline constexpr const char *Complexity = "complexity";
inline constexpr const char *VerifierOther = "verifier_other";
} // namespace failure_class

struct VerifierError {
  std::string cls;        ///< one of failure_class
  std::string message;    ///< the verifier's (or libbpf's) own first line
  std::string detail;     ///< following explanation lines of the verifier, if any
  std::string file;       ///< source file from BTF line info, empty when unknown
  unsigned line = 0;
  std::string sourceText; ///< the source line as the verifier printed it
};

VerifierStats parseVerifierStats(std::string_view Log);

/// The symbol an unresolved_ksym message names (libbpf: "extern (func ksym) 'NAME': not found in
/// kernel or module BTFs"); empty when it names none.
std::string unresolvedSymbol(std::string_view Message);

/// Classifies a failed load. `Errno` is the positive errno of the load, `Log` the verifier log,
/// `LibbpfMessages` what libbpf printed while opening and loading (for failures before the
/// verifier runs: map creation, attach targets, ksyms).
VerifierError classifyFailure(std::string_view Log, int Errno, std::string_view LibbpfMessages);

} // namespace bpfcarve::verifier
