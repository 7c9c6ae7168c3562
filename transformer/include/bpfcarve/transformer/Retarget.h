//===- Retarget.h - move a program to another hook point ---------*- C++ -*-===//
//
// Retargets the slice of one program (what `extract --program P` keeps) to another hook: the ctx
// type and its field accesses, return codes (also through variables, callees and macros: every
// use of the source hook's codes in the program's functions is mapped by meaning), helper calls,
// the section, and bpf_skb_pull_data where TC needs linear data. What has no sound rewrite is
// refused with the construct, its location and the reason; approximate rewrites only with
// allowApprox, and then listed. Text outside the edits stays exactly as in the input. The hook
// knowledge is verifier-check's hook profiles (return-code meanings, ctx fields, helper sets)
// plus this library's translation tables (RetargetRules.cpp).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/toolchain/Result.h"

#include <string>
#include <vector>

namespace bpfcarve::transformer {

struct RetargetOptions {
  std::string program;     ///< function or unique section; empty when the file has one program
  std::string to;          ///< HOOK: xdp, tc, socket, cgroup_skb/ingress, ...
  /// The program's hook (`--type`, alias `--from`): required when its SEC() is one no hook
  /// profile describes (iproute2's `__section("egress")`); else it must be SEC()'s hook.
  /// Empty: from SEC().
  std::string from;
  std::string direction = "ingress"; ///< for tc: which direction-dependent rewrites apply
  /// Where a socket filter's packet offsets start: "l3" (a filter on an IP socket, and what
  /// BPF_PROG_TEST_RUN gives it) or "l2" (a filter on an AF_PACKET socket).
  std::string socketOffsets = "l3";
  bool allowApprox = false;
  /// The absolute directory the result is written to; empty: the input's (EmitOptions).
  std::string outputDir;
};

struct Location {
  std::string file;
  unsigned line = 0, column = 0;
};

struct Rewrite {
  std::string rule;   ///< e.g. "ctx-type", "ctx-field", "return-code", "helper", "section"
  Location at;        ///< in the input
  std::string before, after;
  bool approximate = false;
};

struct Refusal {
  std::string construct; ///< what was found: "skb->mark", "bpf_redirect_map", "XDP_TX"
  std::string reason;
  Location at;
};

/// A map the retarget adds to the output: the target hook's stand-in for a map kind only the
/// source hook can use (a devmap's keys -> ifindex for tc). The control plane fills it like the
/// map it mirrors.
struct GeneratedMap {
  std::string name, mirrors, type, key, value;
  unsigned long long maxEntries = 0;
};

struct RetargetReport {
  std::string input, program, fromHook, toHook, direction;
  std::vector<Rewrite> rewrites;
  std::vector<std::string> approximations; ///< lossy rewrites done under allowApprox
  std::vector<std::string> caveats;        ///< what a test-run cannot prove
  std::vector<Refusal> refusals;
  std::vector<std::string> warnings;       ///< from the extraction (e.g. run-time prog arrays)
  std::vector<GeneratedMap> generatedMaps;
};

struct RetargetResult {
  std::string text; ///< the retargeted slice
  RetargetReport report;
};

/// Retargets. Refusals are a Rejected failure (exit 1) located at the first refused construct;
/// its details list the other refusals. The output is parsed again before it is returned.
Result<RetargetResult> retarget(const extractor::ParseOptions &Input, const RetargetOptions &O);
/// The same on the model of Input built already (an extract's), so Input is not parsed again.
Result<RetargetResult> retarget(const extractor::ProgramModel &Model,
                                const extractor::ParseOptions &Input, const RetargetOptions &O);

/// The report as JSON (docs/schemas/retarget-report.schema.json).
std::string reportJson(const RetargetReport &R);

} // namespace bpfcarve::transformer
