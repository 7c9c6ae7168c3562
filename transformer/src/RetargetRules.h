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
  std::string_view to;
  std::string_view onlyDirection; ///< "ingress"/"egress": elsewhere refused with `reason`
  bool approximate = false;
  std::string_view reason; ///< why it is refused (to empty) or approximate
};
const std::vector<FieldRule> &fieldRules();

enum class HelperAction {
  Rename,        ///< same arguments, other helper
  AppendArgs,    ///< rename, then add `extra` before the closing parenthesis
  AdjustHead,    ///< bpf_xdp_adjust_head: push (delta < 0) or pop (delta > 0) at TC
  AdjustTail,    ///< bpf_xdp_adjust_tail(ctx, d) -> bpf_skb_change_tail(ctx, ctx->len + d, 0)
  ReplaceCall,   ///< the whole call becomes `expr` ($0 = first argument)
  Refuse,
};

struct HelperRule {
  std::string_view fromStruct, toStruct; ///< ctx structs of the source and target hooks
  std::string_view helper;
  HelperAction action;
  std::string_view to;     ///< new helper name, or the expression for ReplaceCall
  std::string_view extra;  ///< AppendArgs: text inserted before ')'
  std::string_view reason; ///< Refuse: why; otherwise a caveat to report (may be empty)
  bool approximate = false;
};
const std::vector<HelperRule> &helperRules();

/// The header that defines a hook's return-code names, when <linux/bpf.h> does not: TC_ACT_*
/// live in <linux/pkt_cls.h>. Empty when none is needed.
std::string_view returnCodeHeader(std::string_view HookName);

} // namespace bpfcarve::transformer
