//===- Harness.h - an entry program that makes a snippet verifiable -*- C++ -*-===//
//
// A selected function that is not an entry program cannot be loaded by itself. The harness is a
// generated entry for a hook that calls each selected function with arguments the verifier must
// treat as unknown, so that a pass proves the snippet safe for all inputs, not for zeros:
//   - the ctx for a parameter pointing to the hook's ctx struct;
//   - packet pointers derived from ctx->data / ctx->data_end for parameters named like data and
//     data_end (`void *data, void *data_end`), and `void **` to them;
//   - a pointer into a generated array-map value of the pointee type for other object pointers
//     (arrays keep their length);
//   - scalars and structs by value read from that map value;
//   - a struct that holds pointers (pointed to or by value) built on the stack: its plain data
//     from the map value, each pointer member set as a parameter of its type would be (the ctx,
//     the packet start or end when the file sets it from ctx->data / data_end, else storage in
//     the map value).
// Results that are not the hook's action are stored into that map value, so the compiler cannot
// drop the call as dead code.
// The entry returns the function's result when the function returns the hook's action (it uses
// the hook's return codes), else the hook's pass code. Parameters that cannot be synthesised
// (function pointers, plain void *, pointers to incomplete types, to another hook's ctx, or to a
// kernel object from vmlinux.h) are refused by name.
// docs/harness.md describes the rules.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/extractor/Declarations.h"
#include "bpfcarve/extractor/ProgramModel.h"
#include "bpfcarve/toolchain/Result.h"

#include <string>
#include <vector>

namespace bpfcarve::extractor {

/// What the harness needs to know about its hook. The caller fills it from the hook profiles
/// (verifier-check), which the extractor does not depend on.
struct HarnessHook {
  std::string name;      ///< CLI hook name: xdp, tc, ...
  std::string section;   ///< SEC() of the generated entry
  std::string ctxStruct; ///< xdp_md, __sk_buff; empty: the entry takes `void *ctx` (tracepoint)
  std::string progType;  ///< libbpf's program type name: xdp, sched_cls
  bool directPacketAccess = false; ///< ctx->data/data_end usable
  long long passValue = 0;
  std::string passName;  ///< for the comment: XDP_PASS
  std::vector<std::string> actionNames; ///< every return code name of the hook
  /// The ctx structs of the other hooks (__sk_buff for an xdp harness): a parameter pointing to
  /// one of them cannot be made up from a map value.
  std::vector<std::string> foreignCtxStructs;
  /// Kernel pointers are unknown scalars here (kprobe, tracepoint, raw_tp): a parameter pointing
  /// to a kernel object takes any number from the map value, as the original took a register.
  bool scalarKernelPointers = false;
  /// The program may sleep (a libbpf section of the sleepable kind: lsm.s/, fentry.s/, ...), so
  /// the functions it calls may call helpers that sleep.
  bool sleepable = false;
  /// The ctx is the target's arguments as u64 args[] (raw_tp, tp_btf, fentry, lsm, struct_ops):
  /// a parameter every caller passes its ctx[N] gets the entry's ctx[N], the same target's
  /// argument when the harness is in the callers' section (typed at tp_btf, fentry, lsm).
  bool argsCtx = false;
};

/// The name of the generated entry program.
inline constexpr const char *HarnessEntry = "bpfcarve_harness";

/// A harness: its text, and the names it writes that the selected code may not declare
/// (Declarations.h): the caller keeps the input's declarations of them in the slice and puts
/// bpfcarve's declarations of the others between the comment and the body.
struct GeneratedHarness {
  std::string comment; ///< the opening comment line
  std::string body;    ///< the args record, the map and the entry program
  std::vector<Need> needs;
  /// Entities of the model the body names beyond the selected code's closure (a struct_ops
  /// harness's struct type): kept in the slice with their own closure.
  std::vector<std::string> entities;
};

/// The harness for Functions (which must all be non-entry functions of M).
Result<GeneratedHarness> generateHarness(const ProgramModel &M,
                                         const std::vector<const Function *> &Functions,
                                         const HarnessHook &Hook);

} // namespace bpfcarve::extractor
