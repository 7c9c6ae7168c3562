//===- RewriteReturnCodes.cpp - the source hook's codes, mapped by meaning ===//
//
// Every use of a source return code in the slice (enumerators, macros, the entry's bare numbers)
// becomes the target code with the same meaning (hooks.md §2). XDP_TX has none at tc: at ingress
// the entry returns bpf_redirect(ctx->ifindex, 0) instead, and anywhere else it travels as a
// value the entry's returns turn into that call.
//
//===----------------------------------------------------------------------===//
#include "Retargeter.h"

#include <algorithm>
#include <functional>

namespace bpfcarve::transformer {

using namespace extractor;
using verifier::ReturnMeaning;

namespace {

/// bpf_redirect and its kind return the hook's own verdict.
bool isVerdictHelper(const HelperCall &H) {
  return std::find(verdictHelpers().begin(), verdictHelpers().end(), helperKey(H)) !=
         verdictHelpers().end();
}

/// `return bpf_redirect(ifindex, 0);`: the helper returns the hook's own verdict.
bool returnsVerdictHelper(const Function &F, const ReturnSite &R) {
  for (const HelperCall &H : F.helperCalls)
    if (contains(R.site, H.site) && isVerdictHelper(H))
      return true;
  return false;
}

} // namespace

const verifier::ReturnCode *Retargeter::mapCode(const verifier::ReturnCode &C) const {
  for (const verifier::ReturnCode &T : To.returnCodes)
    if (T.meaning == C.meaning && C.meaning != ReturnMeaning::HookSpecific)
      return &T;
  if (C.meaning == ReturnMeaning::Error) // no error code at the target: its drop (hooks.md §2)
    return To.returnCodeFor(ReturnMeaning::Drop);
  return nullptr;
}

const verifier::ReturnCode *Retargeter::sourceCode(const std::string &Name) const {
  if (const verifier::ReturnCode *C = From.returnCode(Name))
    return C;
  for (const ReturnCodeAlias &A : returnCodeAliases())
    if (A.hook == From.name && A.name == Name)
      return From.returnCode(A.code);
  return nullptr;
}

void Retargeter::mapCodeToken(const Function &F, const std::string &Name, const SourceSpan &Spelled,
                              const SourceSpan &Where, bool WholeReturn) {
  const verifier::ReturnCode *C = sourceCode(Name);
  if (!C)
    return;
  NamesVerdict = true;
  // Codes that are data keep their values; the entry's returns translate them (wrapVerdict).
  bool Keep = CodesAsData && !WholeReturn && !inVerdictHelperReturn(Where);
  if (C->meaning == ReturnMeaning::Tx) {
    if (!Keep)
      mapTxToken(Name, Spelled, Where, WholeReturn);
    else if (!refuseTx(Name, Where))
      VerdictTx = true;
    return;
  }
  const verifier::ReturnCode *T = mapCode(*C);
  if (!T) {
    std::string Note(C->note);
    refuse(Name,
           C->meaning == ReturnMeaning::HookSpecific
               ? Name + (Note.empty() ? "" : " (" + Note + ")") + " is specific to " +
                     std::string(From.name) + ": " + std::string(To.name) + " has no such verdict"
               : std::string(To.name) + " has no return code that means " +
                     std::string(verifier::toString(C->meaning)) +
                     (Note.empty() ? "" : " (" + Name + ": " + Note + ")"),
           Where);
    return;
  }
  if (C->meaning == ReturnMeaning::Error && T->meaning != ReturnMeaning::Error)
    Report.caveats.push_back(Name + " became " + std::string(T->name) + ": " +
                             std::string(To.name) +
                             " has no error verdict (XDP_ABORTED's tracepoint does not fire)");
  if (!Keep)
    rewrite("return-code", Where, codeText(*T), false, &Spelled);
}

bool Retargeter::refuseTx(const std::string &Name, const SourceSpan &Where) {
  std::string Ctx = Entry ? ctxParamOf(*Entry) : "";
  if (To.returnCodeFor(ReturnMeaning::Redirect) && To.ctxStruct == "__sk_buff" &&
      O.direction == "ingress" && !Ctx.empty())
    return false;
  refuse(Name,
         "bounces the frame out of its ingress interface: only tc ingress can do that "
         "(bpf_redirect(skb->ifindex, 0)), from an entry whose ctx has a name",
         Where);
  return true;
}

void Retargeter::mapTxToken(const std::string &Name, const SourceSpan &Spelled,
                            const SourceSpan &Where, bool WholeReturn) {
  // XDP_TX bounces the frame out of the interface it came in on: at TC ingress that is
  // bpf_redirect(skb->ifindex, 0). Returned by the entry it becomes that call; anywhere else
  // (xdping_kern.c: `if (ret != XDP_TX) return ret;` after `ret = icmp_check(ctx, ...)`, whose
  // `return XDP_TX;` is a status; test_xdp_noinline.c: `return XDP_TX;` in
  // swap_mac_and_send(), which has no ctx) it is a value, turned into the call only where the
  // entry returns it (rewriteTxValueReturns).
  if (refuseTx(Name, Where))
    return;
  std::string Ctx = ctxParamOf(*Entry);
  if (WholeReturn) {
    rewrite("return-code", Where, "bpf_redirect(" + Ctx + "->ifindex, 0)", false, &Spelled);
  } else {
    rewrite("return-code", Where, TxValueName, false, &Spelled);
    TxValueSites.push_back(Spelled);
  }
  Report.caveats.push_back(Name + " at " + Where.file + ":" + std::to_string(Where.beginLine) +
                           " became bpf_redirect(" + Ctx +
                           "->ifindex, 0) where the entry returns it: exact at TC ingress only");
}

std::string Retargeter::codeText(const verifier::ReturnCode &T) {
  // Hooks whose codes are bare numbers (cgroup_skb: 1 allows) name them in lower case in the
  // profiles; no header defines those names, so the number goes in, with the name beside it.
  std::string Text(T.name);
  if (std::any_of(Text.begin(), Text.end(), [](char Ch) { return Ch >= 'a' && Ch <= 'z'; }))
    Text = std::to_string(T.value) + " /* " + Text + " */";
  return Text;
}

void Retargeter::rewriteReturnCodes(const Function &F, bool IsEntry) {
  std::vector<SourceSpan> CodeSites = mapNamedCodes(F, IsEntry);
  for (const ReturnSite &R : F.returns)
    NamesVerdict |= R.site.valid() && returnsVerdictHelper(F, R);
  // A verdict helper's result that travels on as a value (`return counted(bpf_redirect(2, 0));`)
  // is in the target's numbers: it joins the source's through SourceVerdictMacro.
  if (CodesAsData)
    for (const HelperCall &H : F.helperCalls)
      if (isVerdictHelper(H) && !(IsEntry && inVerdictHelperReturn(H.site))) {
        SourceSpan Begin = H.site, End = H.site;
        Begin.endOffset = Begin.beginOffset;
        End.beginOffset = End.endOffset;
        editOnly(Begin, std::string(SourceVerdictMacro) + "(");
        editOnly(End, ")");
        std::string Text = textOf(M, H.site);
        Report.rewrites.push_back({"return-code", at(H.site), Text,
                                   std::string(SourceVerdictMacro) + "(" + Text + ")", false});
        SourceVerdict = true;
      }
  if (!IsEntry)
    return; // a callee's other values are its own (`return LB_CONTINUE;` meaning "go on")
  mapReturnedNumbers(F, CodeSites);
}

void Retargeter::forEachCodeToken(
    const Function &F, const std::function<void(const std::string &, const SourceSpan &)> &Each) {
  std::set<std::string> Codes;
  for (const verifier::ReturnCode &C : From.returnCodes)
    Codes.insert(std::string(C.name));
  for (const ReturnCodeAlias &A : returnCodeAliases())
    if (A.hook == From.name)
      Codes.insert(std::string(A.name));
  // bpf_redirect_map's flags are replaced as a whole by the tc code of their action bits
  // (rewriteRedirectMap): a code written there (`XDP_DROP`) is not mapped on its own.
  std::vector<SourceSpan> Replaced;
  for (const HelperCall &H : F.helperCalls)
    if (helperKey(H) == "bpf_redirect_map" && H.args.size() == 3 && From.ctxStruct != To.ctxStruct)
      Replaced.push_back(H.args[2]);
  auto replaced = [&](const SourceSpan &S) {
    return std::any_of(Replaced.begin(), Replaced.end(),
                       [&](const SourceSpan &X) { return contains(X, S); });
  };
  for (const TokenRef &R : F.enumRefs)
    if (Codes.count(R.name) && R.spelled.valid() && !replaced(R.spelled))
      Each(R.name, R.spelled);
  // Codes that are macros (TC_ACT_*), expanded in the function's body.
  for (const Macro &Mc : M.macros)
    if (Codes.count(Mc.name))
      for (const MacroUse &U : Mc.uses)
        if (U.kind == "expansion" && contains(F.body, U.site) && !replaced(U.site))
          Each(Mc.name, U.site);
}

std::vector<SourceSpan> Retargeter::mapNamedCodes(const Function &F, bool IsEntry) {
  auto wholeReturn = [&](const SourceSpan &S) {
    return IsEntry && std::any_of(F.returns.begin(), F.returns.end(),
                                  [&](const ReturnSite &R) { return sameSpan(R.site, S); });
  };
  std::vector<SourceSpan> CodeSites;
  forEachCodeToken(F, [&](const std::string &Name, const SourceSpan &S) {
    mapCodeToken(F, Name, S, S, wholeReturn(S));
    CodeSites.push_back(S);
  });
  return CodeSites;
}

void Retargeter::findCodesAsData() {
  // xdp_stats_record_action() of the XDP tutorials: `__u32 action = XDP_PASS;` ... then
  // `bpf_map_lookup_elem(&xdp_stats_map, &action)`: the map is keyed by XDP's numbers.
  if (From.lengthVerdict)
    return;
  for (const std::string &Id : SliceFunctions) {
    const Function *F = ById[Id];
    if (!F || F->origin == Origin::System || CodesAsData)
      continue;
    forEachCodeToken(*F, [&](const std::string &Name, const SourceSpan &S) {
      if (CodesAsData || std::none_of(F->dataValues.begin(), F->dataValues.end(),
                                      [&](const SourceSpan &D) { return contains(D, S); }))
        return;
      CodesAsData = true;
      DataCode = Name + " at " + S.file + ":" + std::to_string(S.beginLine);
      Report.caveats.push_back(
          DataCode + " is data (a map key, a stored or printed value, arithmetic or a truth " +
          "test): " + std::string(From.name) + " codes keep their numbers inside the " +
          "program, and the entry translates what it returns (" + VerdictMacro + ")");
    });
  }
}

bool Retargeter::inVerdictHelperReturn(const SourceSpan &S) const {
  if (!Entry)
    return false;
  for (const ReturnSite &R : Entry->returns)
    if (contains(R.site, S))
      for (const HelperCall &H : Entry->helperCalls)
        if (sameSpan(H.site, R.site) && isVerdictHelper(H))
          return true;
  return false;
}

void Retargeter::mapReturnedNumbers(const Function &F, const std::vector<SourceSpan> &CodeSites) {
  for (const ReturnSite &R : F.returns) {
    if (!R.site.valid())
      continue;
    if (F.body.valid() && contains(R.site, F.body)) {
      // tailcall1.c's `#define TAIL_FUNC(x) SEC("tc") int classifier_##x(...) { return x; }`:
      // the return has no text of its own; a code enumerator spelled in the macro's body was
      // mapped there (mapNamedCodes), anything else cannot be edited.
      bool MappedInMacro =
          std::any_of(F.enumRefs.begin(), F.enumRefs.end(), [&](const TokenRef &T) {
            return T.inMacroBody && sourceCode(T.name) &&
                   std::find(R.names.begin(), R.names.end(), T.name) != R.names.end();
          });
      const verifier::ReturnCode *C = nullptr;
      for (const verifier::ReturnCode &X : From.returnCodes)
        if (R.value && X.value == *R.value)
          C = &X;
      if (!MappedInMacro && C && C->meaning != ReturnMeaning::Tx && !mapCode(*C))
        mapCodeToken(F, std::string(C->name), R.site, R.site, true); // refused: no counterpart
      else if (!MappedInMacro)
        refuse("the return in " + R.text,
               "it is written in a macro that writes the whole function: it has no text "
               "of its own to edit",
               R.site);
      continue;
    }
    bool HasCode = false, WholeCode = false;
    for (const SourceSpan &S : CodeSites) {
      HasCode |= contains(R.site, S) || contains(S, R.site);
      WholeCode |= sameSpan(R.site, S);
    }
    if (CodesAsData && !WholeCode && !inVerdictHelperReturn(R.site) && (HasCode || !R.value)) {
      wrapVerdict(R); // the codes in it, or reaching it, kept their numbers
      continue;
    }
    if (HasCode)
      continue;
    if (From.lengthVerdict && !To.lengthVerdict) {
      mapLengthReturn(R);
      continue;
    }
    if (!R.value) {
      // Computed at run time: a code only if one travels there (refuseUnknownComputedReturns).
      if (!returnsVerdictHelper(F, R))
        ComputedReturns.push_back(&R);
      continue;
    }
    const verifier::ReturnCode *C = nullptr;
    for (const verifier::ReturnCode &X : From.returnCodes)
      if (X.value == *R.value)
        C = &X;
    if (!C) {
      refuse("return " + R.text, "the value is no " + std::string(From.name) + " return code",
             R.site);
      continue;
    }
    mapCodeToken(F, std::string(C->name), R.site, R.site, true);
  }
}

void Retargeter::mapLengthReturn(const ReturnSite &R) {
  // A socket filter returns how many bytes to keep: `return skb->len;`, `return -1;` (all of
  // it, as a u32), `return 0;` (drop). Elsewhere a verdict means pass or drop, and cgroup_skb
  // refuses any value but 0 and 1 at load: 0 stays the drop code, anything else the pass code.
  const verifier::ReturnCode *Drop = From.returnCodeFor(ReturnMeaning::Drop);
  const verifier::ReturnCode *Pass = From.returnCodeFor(ReturnMeaning::Pass);
  const verifier::ReturnCode *ToDrop = Drop ? mapCode(*Drop) : nullptr;
  const verifier::ReturnCode *ToPass = Pass ? mapCode(*Pass) : nullptr;
  if (!ToDrop || !ToPass) {
    refuse("return " + R.text,
           std::string(To.name) + " has no pass and drop verdicts for a kept length", R.site);
    return;
  }
  NamesVerdict = true;
  if (R.value) {
    bool Zero = *R.value == 0;
    auto Length = static_cast<std::uint32_t>(*R.value);
    if (!Zero && Length < 0xffff)
      Report.caveats.push_back("return " + R.text + " at " + R.site.file + ":" +
                               std::to_string(R.site.beginLine) + " truncates the packet to " +
                               std::to_string(Length) + " bytes at " + std::string(From.name) +
                               "; at " + std::string(To.name) + " it passes the whole packet");
    rewrite("return-code", R.site, codeText(Zero ? *ToDrop : *ToPass), false, &R.site);
    return;
  }
  std::string Before = "(", After = ") ? " + codeText(*ToPass) + " : " + codeText(*ToDrop);
  SourceSpan Begin = R.site, End = R.site;
  Begin.endOffset = Begin.beginOffset;
  End.beginOffset = End.endOffset;
  editOnly(Begin, Before);
  editOnly(End, After);
  Report.rewrites.push_back({"return-code", at(R.site), R.text, Before + R.text + After, false});
  Report.caveats.push_back("return " + R.text + " at " + R.site.file + ":" +
                           std::to_string(R.site.beginLine) + " is a length to keep at " +
                           std::string(From.name) + "; at " + std::string(To.name) +
                           " 0 drops and any other value passes the whole packet");
}

void Retargeter::wrapVerdict(const ReturnSite &R) {
  std::string Ctx = ctxParamOf(*Entry);
  std::string Before = std::string(VerdictMacro) + "(" + (Ctx.empty() ? "0" : Ctx) + ", ";
  SourceSpan Begin = R.site, End = R.site;
  Begin.endOffset = Begin.beginOffset;
  End.beginOffset = End.endOffset;
  editOnly(Begin, Before);
  editOnly(End, ")");
  Report.rewrites.push_back({"return-code", at(R.site), R.text, Before + R.text + ")", false});
}

std::string Retargeter::verdictMacroText() {
  // One conditional per source code with a counterpart, each source number once.
  std::string Body;
  std::set<long long> Seen;
  for (const verifier::ReturnCode &C : From.returnCodes) {
    if (!Seen.insert(C.value).second)
      continue;
    std::string Target;
    if (C.meaning == ReturnMeaning::Tx) {
      if (!VerdictTx)
        continue;
      Target = "(int)bpf_redirect((ctx)->ifindex, 0)";
    } else if (const verifier::ReturnCode *T = mapCode(C)) {
      Target = codeText(*T);
    } else {
      continue;
    }
    Body += "bpfcarve_v_ == " + std::to_string(C.value) + " /* " + std::string(C.name) + " */ ? " +
            Target + " : ";
  }
  std::string Text = "/* bpfcarve retarget: " + std::string(From.name) +
                     " codes are data in this program (" + DataCode +
                     "); the entry's returns translate them */\n#define " + VerdictMacro +
                     "(ctx, v) ({ int bpfcarve_v_ = (v); " + Body + "bpfcarve_v_; })";
  if (!SourceVerdict)
    return Text;
  // The way back, for verdict helpers' results: each target code to the source code that maps
  // to it, the one of the same meaning first (TC_ACT_SHOT to XDP_DROP, not XDP_ABORTED).
  std::string Back;
  std::set<long long> Done;
  for (const verifier::ReturnCode &T : To.returnCodes) {
    const verifier::ReturnCode *Best = nullptr;
    for (const verifier::ReturnCode &C : From.returnCodes)
      if (const verifier::ReturnCode *X = mapCode(C); X && X->value == T.value)
        if (!Best || (C.meaning == T.meaning && Best->meaning != T.meaning))
          Best = &C;
    if (!Best || !Done.insert(T.value).second)
      continue;
    Back += "bpfcarve_w_ == " + codeText(T) + " ? " + std::to_string(Best->value) + " /* " +
            std::string(Best->name) + " */ : ";
  }
  return Text + "\n#define " + SourceVerdictMacro + "(v) ({ int bpfcarve_w_ = (v); " + Back +
         "bpfcarve_w_; })";
}

void Retargeter::rewriteTxValueReturns() {
  // The entry's returns that may carry the value: computed ones, and those holding it.
  std::string Ctx = ctxParamOf(*Entry);
  for (const ReturnSite &R : Entry->returns) {
    if (!R.site.valid())
      continue;
    bool Holds = std::any_of(TxValueSites.begin(), TxValueSites.end(),
                             [&](const SourceSpan &S) { return contains(R.site, S); });
    if (R.value && !Holds)
      continue;
    SourceSpan Begin = R.site, End = R.site;
    Begin.endOffset = Begin.beginOffset;
    End.beginOffset = End.endOffset;
    editOnly(Begin, std::string(TxReturnMacro) + "(" + Ctx + ", ");
    editOnly(End, ")");
    Report.rewrites.push_back({"return-code", at(R.site), R.text,
                               std::string(TxReturnMacro) + "(" + Ctx + ", " + R.text + ")",
                               false});
  }
}

void Retargeter::refuseUnknownComputedReturns() {
  // test_global_func4.c: `return f7(skb);` where f1() at the end of the chain returns
  // `skb->len`, and no tc code appears anywhere: the number is no verdict the retarget can map.
  if (NamesVerdict)
    return;
  for (const ReturnSite *R : ComputedReturns)
    refuse("return " + R->text,
           "the value is computed at run time and the program names no " + std::string(From.name) +
               " return code: its meaning at " + std::string(To.name) + " is unknown",
           R->site);
}

} // namespace bpfcarve::transformer
