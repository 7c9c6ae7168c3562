//===- RetargetRules.h - translation tables between hooks -------*- C++ -*-===//
//
// Data, not branches: which ctx fields map to what, which helpers translate how. Return codes
// need no table: the hook profiles give every code a meaning, and a code maps to the target's
// code with the same meaning.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string_view>
#include <vector>

namespace bpfcarve::transformer {

/// How a ctx field of the source struct reads at the target.
struct FieldRule {
  std::string_view fromStruct, toStruct, field;
  /// The replacement: a field name of the target struct, or an expression where $B is the
  /// access's base (`ctx`): the whole member access is then replaced.
  std::string_view to = {};
  std::string_view onlyDirection = {}; ///< "ingress"/"egress": elsewhere refused with `reason`
  bool approximate = false;
  std::string_view reason = {};  ///< why it is refused (to empty) or approximate
  std::string_view caveat = {};  ///< what a test-run does not show about the rewrite
  std::string_view support = {}; ///< the support macro `to` names (supportMacro)
};
const std::vector<FieldRule> &fieldRules();

/// A macro the output defines at its top because a rewrite names it: a statement expression that
/// evaluates each argument once. Null for an unknown name.
const char *supportMacro(std::string_view Name);

enum class HelperAction {
  Rename,        ///< same arguments, other helper
  AppendArgs,    ///< rename, then add `extra` before the closing parenthesis
  AdjustHead,    ///< bpf_xdp_adjust_head: push (delta < 0) or pop (delta > 0) at TC
  AdjustTail,    ///< bpf_xdp_adjust_tail(ctx, d) -> bpf_skb_change_tail(ctx, ctx->len + d, 0)
  RedirectMap,   ///< bpf_redirect_map(devmap, key, flags) -> lookup in a generated tc map,
                 ///< then bpf_redirect
  ReplaceCall,   ///< the whole call becomes `expr` ($0 = first argument)
  ZeroFlags, ///< the call stays when its flags (argument `arg`) are a constant 0, else refused
  Refuse,
};

struct HelperRule {
  std::string_view fromStruct, toStruct; ///< ctx structs of the source and target hooks
  std::string_view helper;
  HelperAction action;
  std::string_view to = {}; ///< new helper name, or the expression for ReplaceCall
  std::string_view extra = {}; ///< AppendArgs: text inserted before ')'
  std::string_view reason = {}; ///< Refuse, ZeroFlags: why; otherwise a caveat (may be empty)
  bool approximate = false;
  unsigned arg = 0; ///< ZeroFlags: the flags argument
};
const std::vector<HelperRule> &helperRules();

/// Another name a hook's programs give one of its return codes (`BPF_OK` for TC_ACT_OK: both
/// are 0 to the kernel). A use of the alias is mapped like the code it stands for.
struct ReturnCodeAlias {
  std::string_view hook; ///< the hook profile's name
  std::string_view name; ///< the alias as written
  std::string_view code; ///< the hook's return-code name with the same value
};
const std::vector<ReturnCodeAlias> &returnCodeAliases();

/// A libbpf section that selects a variant of a hook that no hook profile describes by itself
/// (xdp.frags, xdp/devmap): retargeting reads the program as one of `base`, or refuses it.
struct SectionVariant {
  std::string_view section; ///< as libbpf 1.1 names it
  std::string_view base; ///< the hook profile whose rules apply
  std::string_view onlyDirection = {}; ///< "ingress"/"egress": the tc direction it retargets to
  std::string_view reason = {}; ///< refused (outside onlyDirection, or always): why
  std::string_view caveat = {}; ///< when retargeted: what a test-run does not show
};
const SectionVariant *sectionVariant(std::string_view Section);

/// A kfunc between two ctx structs: hook-neutral (both program types accept it with the same
/// arguments: `to` is the kfunc itself), or bound to the ctx, with the target's counterpart of the
/// same shape in `to` (the call, function-pointer uses and the declaration are renamed, the
/// declaration's ctx type rewritten).
struct KfuncRule {
  std::string_view fromStruct, toStruct;
  std::string_view kfunc;
  std::string_view to;
};
const std::vector<KfuncRule> &kfuncRules();

/// A function declared without a body whose calls compile to instructions that only programs
/// with one ctx struct may contain (`asm("llvm.bpf.load.byte")`: BPF_LD_ABS).
struct BuiltinRule {
  std::string_view name; ///< the declared name
  std::string_view ctxStruct; ///< programs with this ctx accept it; others refuse with `reason`
  std::string_view reason;
};
const std::vector<BuiltinRule> &builtinRules();

/// What a program uses that counts from the start of the packet its hook sees (the profiles'
/// packet base: L2 at tc and xdp, L3 at cgroup_skb, socket and lwt): refused between two packet
/// hooks whose bases differ, since every offset and length would change meaning.
/// `bpf_skb_load_bytes_relative(..., BPF_HDR_START_NET)` is base-independent and not listed.
struct PacketBaseRule {
  enum Kind { CtxField, Helper } kind; ///< a field of the source ctx struct, or a helper call
  std::string_view name;
  /// Why: {from} and {to} are the hooks' names, {from-base} and {to-base} their packet bases.
  std::string_view reason;
};
const std::vector<PacketBaseRule> &packetBaseRules();

/// What a move from one hook to another adds besides the field, code and helper rewrites.
struct HookPairRule {
  std::string_view fromHook; ///< the source hook profile's name
  std::string_view toCtxStruct; ///< the target hook's ctx struct
  /// The entry pulls the packet into the linear part (bpf_skb_pull_data(ctx, 0)) before any
  /// ctx->data is read, when the program reads it directly.
  bool pullData = false;
  std::vector<std::string_view> caveats = {}; ///< what a test-run does not show, always reported
};
const std::vector<HookPairRule> &hookPairRules();

/// Helpers whose result is the hook's own verdict (`return bpf_redirect(ifindex, 0);`): a
/// returned call needs no mapping.
const std::vector<std::string_view> &verdictHelpers();

} // namespace bpfcarve::transformer
