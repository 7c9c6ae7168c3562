//===- RewriteHelperCalls.cpp - helper and kfunc calls, tail calls --------===//
//
// Helper calls are rewritten by helperRules() (rename, extra arguments, adjust_head/_tail,
// bpf_redirect_map through a generated tc map, a replaced call), or refused when the target may
// not call them; kfuncs by kfuncRules(), at their calls, where their address is taken and at
// their declarations. Bodiless builtins and prog arrays holding programs of another type are
// refused.
//
//===----------------------------------------------------------------------===//
#include "Retargeter.h"

#include "bpfcarve/toolchain/Names.h"

#include <algorithm>
#include <cctype>

namespace bpfcarve::transformer {

using namespace extractor;
using verifier::HookProfile;

namespace {

/// The call's arguments from the I-th on, each after ", ".
std::string argsFrom(const HelperCall &H, size_t I) {
  std::string A;
  for (; I < H.argTexts.size(); ++I)
    A += ", " + H.argTexts[I];
  return A;
}

/// The insertion point before the call's ')'.
SourceSpan beforeCloseParen(const HelperCall &H) {
  SourceSpan S = H.site;
  S.beginOffset = S.endOffset - 1;
  S.endOffset = S.beginOffset;
  return S;
}

/// An insertion point at Off of File.
SourceSpan insertionAt(const HelperCall &H, unsigned Off, const std::string &File) {
  SourceSpan S = H.site;
  S.file = File;
  S.beginOffset = S.endOffset = Off;
  return S;
}

} // namespace

void Retargeter::rewriteHelperCalls(const Function &F) {
  for (const HelperCall &H : F.helperCalls) {
    if (H.kfunc) {
      if (From.ctxStruct != To.ctxStruct)
        rewriteKfuncCall(H);
      continue;
    }
    const std::string Key = helperKey(H);
    const HelperRule *Rule = nullptr;
    for (const HelperRule &R : helperRules())
      if (R.fromStruct == From.ctxStruct && R.toStruct == To.ctxStruct && R.helper == Key)
        Rule = &R;
    if (!Rule) {
      if (H.helperId > 0 ? !To.helperAllowed(static_cast<std::uint32_t>(H.helperId))
                         : !To.helperAllowed(std::string_view(H.name)))
        refuse(H.name, std::string(To.name) + " programs cannot call " + H.name, H.site);
      continue;
    }
    if (Rule->action == HelperAction::Refuse) {
      refuse(H.name, std::string(Rule->reason), H.site);
      continue;
    }
    if (Rule->approximate && !O.allowApprox) {
      refuse(H.name,
             "only an approximate rewrite exists: " + std::string(Rule->reason) +
                 " (allow it with --allow-approx)",
             H.site);
      continue;
    }
    switch (Rule->action) {
    case HelperAction::Rename:
      editOnly(H.callee, std::string(Rule->to));
      reportCall(H, std::string(Rule->to) + "(" + H.argTexts[0] + argsFrom(H, 1) + ")");
      break;
    case HelperAction::AppendArgs:
      editOnly(H.callee, std::string(Rule->to));
      editOnly(beforeCloseParen(H), std::string(Rule->extra));
      reportCall(H, std::string(Rule->to) + "(" + H.argTexts[0] + argsFrom(H, 1) +
                        std::string(Rule->extra) + ")");
      break;
    case HelperAction::AdjustHead:
      rewriteAdjustHead(H, *Rule);
      break;
    case HelperAction::AdjustTail:
      rewriteAdjustTail(H, *Rule);
      break;
    case HelperAction::RedirectMap:
      rewriteRedirectMap(H);
      break;
    case HelperAction::ReplaceCall:
      rewriteReplaceCall(H, *Rule);
      break;
    case HelperAction::ZeroFlags:
      if (Rule->arg >= H.argValues.size() || !H.argValues[Rule->arg] ||
          *H.argValues[Rule->arg] != 0)
        refuse(H.name,
               "flags " + (Rule->arg < H.argTexts.size() ? H.argTexts[Rule->arg] : "?") + ": " +
                   std::string(Rule->reason),
               H.site);
      break;
    case HelperAction::Refuse:
      break;
    }
  }
}

void Retargeter::rewriteKfuncCall(const HelperCall &H) {
  const KfuncRule *K = kfuncRule(H.name);
  if (!K) {
    refuse(H.name, "kfunc " + H.name + " has no translation to " + std::string(To.name), H.site);
  } else if (K->to != K->kfunc) {
    editOnly(H.callee, std::string(K->to));
    reportCall(H, std::string(K->to) + "(" + H.argTexts[0] + argsFrom(H, 1) + ")");
    for (const Function &D : M.functions)
      if (D.isKfunc && D.name == H.name)
        Renamed[D.id] = std::string(K->to);
  }
}

void Retargeter::rewriteAdjustHead(const HelperCall &H, const HelperRule &Rule) {
  if (H.args.size() != 2 || H.argSigns[1] == 0) {
    refuse(H.name,
           "the sign of the delta must be known: a push becomes "
           "bpf_skb_change_head, a pop bpf_skb_adjust_room",
           H.site);
    return;
  }
  if (H.argSigns[1] > 0) {
    // A VLAN pop (xdp-tutorial's and the selftests' `vlan_tag_pop`: test the ethertype for
    // ETH_P_8021Q, move the MACs 4 bytes on, adjust the head by 4) has no tag to pop at tc: the
    // stack has moved the outer tag into skb->vlan_tci before tc ingress runs, and tc pops it
    // with bpf_skb_vlan_pop(). bpf_skb_adjust_room would remove 4 bytes of the IP header.
    if (std::string Vlan = vlanTypeTest(); !Vlan.empty()) {
      refuse(H.name,
             "pops headers of a program that tests for a VLAN ethertype (" + Vlan +
                 "): at tc the stack has already moved the outer VLAN tag into skb->vlan_tci, "
                 "the frame holds none to pop (tc removes it with bpf_skb_vlan_pop)",
             H.site);
      return;
    }
    // A pop: BPFCARVE_SKB_POP(ctx, n) is bpf_skb_adjust_room(ctx, -n, BPF_ADJ_ROOM_MAC,
    // flag), the flag BPF_F_ADJ_ROOM_DECAP_L3_IPV4/IPV6 by the version of the header the
    // pop uncovers (supportMacro).
    editOnly(H.callee, "BPFCARVE_SKB_POP");
    needSupport("BPFCARVE_SKB_POP");
    reportCall(H, "BPFCARVE_SKB_POP(" + H.argTexts[0] + ", " + H.argTexts[1] + ")");
    Report.caveats.push_back(
        H.name + " at " + H.site.file + ":" + std::to_string(H.site.beginLine) +
        " became bpf_skb_adjust_room(" + H.argTexts[0] + ", -(" + H.argTexts[1] +
        "), BPF_ADJ_ROOM_MAC, flag): " + std::string(Rule.reason) +
        "; the flag is BPF_F_ADJ_ROOM_DECAP_L3_IPV4 or _IPV6 when the byte behind the "
        "removed ones starts an IPv4 or IPv6 header (skb->protocol then follows the inner "
        "header, as the stack's eth_type_trans() would read the ethertype a decap writes), "
        "else 0 and skb->protocol stays the outer header's; test-run does not show "
        "skb->protocol");
    return;
  }
  std::string Name = "bpf_skb_change_head";
  std::string Tail = "), 0";
  editOnly(H.callee, Name);
  editOnly(insertionAt(H, H.args[1].beginOffset, H.args[1].file), "-(");
  editOnly(insertionAt(H, H.args[1].endOffset, H.args[1].file), Tail);
  reportCall(H, Name + "(" + H.argTexts[0] + ", -(" + H.argTexts[1] + Tail + ")");
}

std::string Retargeter::vlanTypeTest() const {
  auto vlanNumber = [](std::string Text) {
    std::transform(Text.begin(), Text.end(), Text.begin(),
                   [](unsigned char C) { return static_cast<char>(std::tolower(C)); });
    return Text.find("0x8100") != std::string::npos || Text.find("0x88a8") != std::string::npos;
  };
  for (const std::string &Id : SliceFunctions) {
    auto It = ById.find(Id);
    if (It == ById.end() || !It->second || It->second->origin == Origin::System)
      continue;
    const Function &F = *It->second;
    if (vlanNumber(textOf(M, F.body)))
      return "a VLAN ethertype in " + F.name;
    for (const Macro &Mc : M.macros)
      if (Mc.name == "ETH_P_8021Q" || Mc.name == "ETH_P_8021AD" || vlanNumber(Mc.definition))
        for (const MacroUse &U : Mc.uses)
          if (U.kind == "expansion" && contains(F.body, U.site))
            return Mc.name + " at " + U.site.file + ":" + std::to_string(U.site.beginLine);
  }
  return "";
}

void Retargeter::rewriteAdjustTail(const HelperCall &H, const HelperRule &Rule) {
  if (H.args.size() != 2) {
    refuse(H.name, "unexpected arguments", H.site);
    return;
  }
  if (H.argSigns[1] >= 0) { // a grow, or a delta of unknown sign
    std::string Why =
        std::string(Rule.reason) + (H.argSigns[1] == 0 ? ", and the delta's sign is unknown"
                                                       : ", and the delta grows the frame");
    if (!O.allowApprox) {
      refuse(H.name + "(" + H.argTexts[0] + ", " + H.argTexts[1] + ")",
             "only an approximate rewrite exists: " + Why + " (allow it with --allow-approx)",
             H.site);
      return;
    }
    Report.approximations.push_back(H.name + " at " + H.site.file + ":" +
                                    std::to_string(H.site.beginLine) + ": " + Why);
  }
  std::string Len = "(" + H.argTexts[0] + ")->len + (";
  editOnly(H.callee, "bpf_skb_change_tail");
  editOnly(insertionAt(H, H.args[1].beginOffset, H.args[1].file), Len);
  editOnly(insertionAt(H, H.args[1].endOffset, H.args[1].file), "), 0");
  reportCall(H, "bpf_skb_change_tail(" + H.argTexts[0] + ", " + Len + H.argTexts[1] + "), 0)");
}

void Retargeter::rewriteReplaceCall(const HelperCall &H, const HelperRule &Rule) {
  std::string Expr(Rule.to);
  if (size_t Pos = Expr.find("$0"); Pos != std::string::npos)
    Expr.replace(Pos, 2, H.argTexts.empty() ? "" : H.argTexts[0]);
  if (!H.written.valid()) {
    refuse(H.name,
           "the call is written partly in a macro's body and partly in its "
           "arguments: there is no one text to replace with " +
               Expr,
           H.site);
    return;
  }
  rewrite("helper", H.site, Expr, false, &H.written);
  if (!Rule.reason.empty())
    Report.caveats.push_back(H.name + ": " + std::string(Rule.reason));
}

void Retargeter::rewriteRedirectMap(const HelperCall &H) {
  const HelperRule *Rule = nullptr;
  for (const HelperRule &R : helperRules())
    if (R.action == HelperAction::RedirectMap && R.fromStruct == From.ctxStruct &&
        R.toStruct == To.ctxStruct)
      Rule = &R;
  if (!Rule || H.args.size() != 3) {
    refuse(H.name, "unexpected arguments, or a call bpfcarve cannot edit", H.site);
    return;
  }
  const Map *Dev = redirectDevmap(H);
  if (!Dev)
    return;
  const verifier::ReturnCode *T = redirectFallback(H);
  if (!T)
    return;
  if (Dev->style != "btf" || Dev->decl.file != M.mainFile || !Dev->decl.valid() ||
      !Dev->maxEntries) {
    refuse(H.name + "(" + H.argTexts[0] + ", ...)",
           "the tc-side map is declared beside " + Dev->name +
               ", which must be a BTF map (SEC(\".maps\")) with a constant max_entries in the "
               "input file itself",
           H.site);
    return;
  }
  std::string Tc = declareTcMap(*Dev);
  needSupport("BPFCARVE_REDIRECT_DEV");
  std::string Code = codeText(*T);
  editOnly(H.callee, "BPFCARVE_REDIRECT_DEV");
  editOnly(H.args[0], "&" + Tc);
  editOnly(H.args[2], Code);
  reportCall(H, "BPFCARVE_REDIRECT_DEV(&" + Tc + ", " + H.argTexts[1] + ", " + Code + ")");
  Report.caveats.push_back(H.name + "(" + H.argTexts[0] + ", ...) at " + H.site.file + ":" +
                           std::to_string(H.site.beginLine) + ": " + std::string(Rule->reason) +
                           " (generated map " + Tc + ", mirroring " + Dev->name + ")");
}

const Map *Retargeter::redirectDevmap(const HelperCall &H) {
  // The map the model resolved the first argument to (`&name`, `name`, through casts).
  auto MapIt = std::find_if(M.maps.begin(), M.maps.end(),
                            [&](const Map &Mp) { return !H.map.empty() && Mp.id == H.map; });
  std::string Construct = H.name + "(" + H.argTexts[0] + ", ...)";
  if (MapIt == M.maps.end()) {
    refuse(Construct, "the map argument is no map defined by name in the file", H.site);
    return nullptr;
  }
  const Map &Dev = *MapIt;
  if (Dev.type == "cpumap") {
    refuse(Construct,
           Dev.name + " is a cpumap: it hands the frame to another CPU before any skb exists; "
                      "tc has no counterpart",
           H.site);
    return nullptr;
  }
  if (Dev.type == "xskmap") {
    refuse(Construct, Dev.name + " is an xskmap: AF_XDP sockets take frames from XDP only", H.site);
    return nullptr;
  }
  if (Dev.type != "devmap" && Dev.type != "devmap_hash") {
    refuse(Construct,
           Dev.name + " is a " + Dev.type + " map: bpf_redirect_map at tc needs a devmap", H.site);
    return nullptr;
  }
  return &Dev;
}

const verifier::ReturnCode *Retargeter::redirectFallback(const HelperCall &H) {
  // The flags: the action bits (BPF_F_ACTION_MASK, 0x3) are the XDP code returned when the key
  // has no device; BPF_F_BROADCAST (1 << 3) and BPF_F_EXCLUDE_INGRESS (1 << 4) send a copy to
  // every device of the map, which bpf_redirect cannot.
  auto Construct = [&] { return H.name + "(..., " + H.argTexts[2] + ")"; };
  if (!H.argValues[2]) {
    refuse(Construct(),
           "the flags must be a constant: their low bits are the XDP code returned when the key "
           "has no device, which the retarget maps to a tc code",
           H.site);
    return nullptr;
  }
  long long Flags = *H.argValues[2];
  if (Flags & ~0x3LL) {
    refuse(Construct(),
           "flags beyond the fallback action (BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS) redirect "
           "to several devices at once: bpf_redirect sends to one",
           H.site);
    return nullptr;
  }
  const verifier::ReturnCode *Fallback = nullptr;
  for (const verifier::ReturnCode &C : From.returnCodes)
    if (C.value == (Flags & 0x3))
      Fallback = &C;
  const verifier::ReturnCode *T = Fallback ? mapCode(*Fallback) : nullptr;
  if (!T)
    refuse(Construct(),
           "the fallback action " + std::string(Fallback ? Fallback->name : "?") + " has no " +
               std::string(To.name) + " code to return in its place",
           H.site);
  return T;
}

std::string Retargeter::declareTcMap(const Map &Dev) {
  std::string Tc = TcMaps[Dev.id];
  if (!Tc.empty())
    return Tc;
  Tc = Dev.name + "_tc";
  auto Taken = [&](const std::string &N) {
    return std::any_of(M.maps.begin(), M.maps.end(), [&](const Map &X) { return X.name == N; }) ||
           std::any_of(M.globals.begin(), M.globals.end(),
                       [&](const Global &X) { return X.name == N; }) ||
           std::any_of(M.functions.begin(), M.functions.end(),
                       [&](const Function &X) { return X.name == N; });
  };
  for (int I = 2; Taken(Tc); ++I)
    Tc = Dev.name + "_tc" + std::to_string(I);
  TcMaps[Dev.id] = Tc;
  // On the devmap's last line, so every other line keeps its number.
  std::string Def = " struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, __u32); "
                    "__type(value, __u32); __uint(max_entries, " +
                    std::to_string(*Dev.maxEntries) + "); } " + Tc +
                    " SEC(\".maps\"); /* bpfcarve retarget: " + Dev.name +
                    "'s keys -> ifindex for tc */";
  SourceSpan End = Dev.decl;
  End.beginOffset = End.endOffset;
  End.beginLine = End.endLine;
  End.beginColumn = End.endColumn;
  Edits.add({End.file, End.endOffset, End.endOffset, Def});
  Report.rewrites.push_back({"tc-map", at(End), "", Def, false});
  Report.generatedMaps.push_back(
      {Tc, Dev.name, "hash", "__u32", "__u32 (ifindex)", *Dev.maxEntries});
  return Tc;
}

void Retargeter::rewriteReferences(const Function &F) {
  for (const Edge *E : M.edgesFrom(F.id)) {
    if (E->kind == edge::TailCall)
      checkTailCall(F, *E);
    auto It = ById.find(E->to);
    if (It == ById.end())
      continue;
    const Function *T = It->second;
    // A kfunc whose address is taken (test_bpf_nf.c: `nf_ct_test((void *)bpf_xdp_ct_lookup,
    // ...)`) is called all the same once inlined.
    if (E->kind == edge::FunctionPointer && T->isKfunc && From.ctxStruct != To.ctxStruct) {
      Location L = referenceAt(F, *E);
      const KfuncRule *K = kfuncRule(T->name);
      if (!K) {
        refuse(T->name, "kfunc " + T->name + " has no translation to " + std::string(To.name), L);
      } else if (K->to != K->kfunc) {
        // Each reference on the edge's line, where its name is spelled.
        for (const TokenRef &R : F.functionRefs) {
          if (R.name != T->name || R.spelled.beginLine != E->line)
            continue;
          if (R.inMacroBody || !contains(F.decl, R.spelled))
            refuse(T->name, "kfunc " + T->name + " is referenced where bpfcarve cannot rename it",
                   at(R.spelled));
          else
            rewrite("kfunc", R.spelled, std::string(K->to));
        }
        Renamed[T->id] = std::string(K->to);
      }
    }
    if (E->kind == edge::Calls && !T->definition)
      for (const BuiltinRule &B : builtinRules())
        if (B.name == T->name && B.ctxStruct != To.ctxStruct)
          refuse(T->name,
                 std::string(B.reason) + "; " + std::string(To.name) +
                     " programs cannot contain it",
                 referenceAt(F, *E));
  }
}

void Retargeter::checkTailCall(const Function &F, const Edge &E) {
  // bpf-samples/l4lb/balancer.bpf.c: `bpf_tail_call(ctx, &lb_progs, LB_PROG_GUE_DECAP);` with
  // `.values = { [LB_PROG_GUE_DECAP] = (void *)&gue_decap_only }`: the slot programs load with
  // the retargeted one and keep their own type; a prog array takes programs of one type only.
  auto MapIt =
      std::find_if(M.maps.begin(), M.maps.end(), [&](const Map &Mp) { return Mp.id == E.to; });
  if (MapIt == M.maps.end())
    return;
  for (const MapSlot &Slot : MapIt->slots) {
    const Function *T = ById.count(Slot.target) ? ById[Slot.target] : nullptr;
    if (!T || T == Entry || T->section.empty())
      continue;
    const HookProfile *H = verifier::findHook(T->section);
    if (const SectionVariant *V = H ? nullptr : sectionVariant(T->section))
      H = verifier::findHook(V->base);
    if (H && H->progType == To.progType)
      continue;
    refuse(MapIt->name,
           "prog array " + MapIt->name + " holds " +
               (H ? std::string(H->name) : "SEC(\"" + T->section + "\")") + " program " + T->name +
               " (slot " + std::to_string(Slot.index) + "), which keeps its hook: " +
               toolchain::withArticle(std::string(To.name)) + " program cannot tail-call it",
           referenceAt(F, E));
  }
}

void Retargeter::renameKfuncDeclarations() {
  // The renamed kfunc's declaration in the slice becomes the counterpart's: its name and its ctx
  // type (`struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *, ...) __ksym;` becomes
  // `struct nf_conn *bpf_skb_ct_lookup(struct __sk_buff *, ...) __ksym;`).
  for (const auto &[Id, NewName] : Renamed) {
    const Function *K = ById[Id];
    if (!K)
      continue;
    if (K->origin == Origin::System) {
      refuse(K->name,
             "kfunc " + K->name +
                 " is declared in a system header: bpfcarve cannot "
                 "declare " +
                 NewName + " in its place",
             K->decl);
      continue;
    }
    for (const SourceSpan &S : K->nameSpans)
      rewrite("kfunc", S, NewName);
    for (const TokenRef &T : K->typeRefs)
      if (T.name == From.ctxStruct && T.spelled.valid())
        rewrite("ctx-type", T.spelled, std::string(To.ctxStruct));
  }
}

} // namespace bpfcarve::transformer
