//===- Retargeter.h - one retargeting run and the passes it makes -*- C++ -*-===//
//
// The state of one retarget (Retarget.cpp: the pass order) and the passes over the slice's
// functions, each in its own file: the compatibility check and what the hook pair adds
// (RetargetCompatibility.cpp), ctx types and fields (RewriteCtxFields.cpp), return codes
// (RewriteReturnCodes.cpp), helper and kfunc calls, redirect_map and tail calls
// (RewriteHelperCalls.cpp). Every pass records into the same edits and report; the order of the
// passes is the order of the report's refusals and caveats.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "EditSet.h"
#include "RetargetRules.h"

#include "bpfcarve/extractor/Declarations.h"
#include "bpfcarve/extractor/ProgramModel.h"
#include "bpfcarve/transformer/Retarget.h"
#include "bpfcarve/verifier/HookProfile.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace bpfcarve::transformer {

inline Location at(const extractor::SourceSpan &S) { return {S.file, S.beginLine, S.beginColumn}; }

inline bool contains(const extractor::SourceSpan &Outer, const extractor::SourceSpan &Inner) {
  return Outer.valid() && Inner.valid() && Outer.file == Inner.file &&
         Inner.beginOffset >= Outer.beginOffset && Inner.endOffset <= Outer.endOffset;
}

/// The text of S in its file; empty when S is not inside the file.
std::string textOf(const extractor::ProgramModel &M, const extractor::SourceSpan &S);

/// The helper's libbpf name, found by its id: a file may declare a helper under any name
/// (`static void *(*lookup)(void *, const void *) = (void *) BPF_FUNC_map_lookup_elem;`). The
/// rules match this; messages show the name as written. The written name for an id the table
/// does not know.
inline std::string helperKey(const extractor::HelperCall &H) {
  std::string_view Known =
      H.helperId > 0 ? verifier::helperName(static_cast<std::uint32_t>(H.helperId)) : "";
  return Known.empty() ? H.name : std::string(Known);
}

/// Where an edge's reference is: its line and column in the file of function F, where it is.
inline Location referenceAt(const extractor::Function &F, const extractor::Edge &E) {
  return {F.decl.file, E.line, E.column ? E.column : 1};
}

/// XDP_TX as a value: its XDP number, which no mapped code takes at tc. The entry's returns turn
/// it into bpf_redirect(skb->ifindex, 0); callees, variables and comparisons keep the value.
inline constexpr const char *TxValueName = "BPFCARVE_XDP_TX";
inline constexpr const char *TxReturnMacro = "BPFCARVE_TC_RETURN";
/// Codes as data (findCodesAsData): the entry's computed returns go through this macro, which
/// turns each source code's number into the target's code.
inline constexpr const char *VerdictMacro = "BPFCARVE_VERDICT";
/// The way back: a verdict helper's result (target numbers) as the source code it stands for.
inline constexpr const char *SourceVerdictMacro = "BPFCARVE_SOURCE_VERDICT";

/// One retargeting run: collects edits, rewrites, refusals and caveats.
class Retargeter {
public:
  Retargeter(const extractor::ProgramModel &M, const extractor::Program &P,
             const verifier::HookProfile &From, const verifier::HookProfile &To,
             const RetargetOptions &O, const SectionVariant *Variant)
      : M(M), P(P), From(From), To(To), O(O), Variant(Variant) {
    for (const extractor::Function &F : M.functions)
      ById[F.id] = &F;
    Entry = ById[P.function];
  }

  /// Every pass, in order (Retarget.cpp).
  void run();
  /// To the program's own hook (`--type tc --to tc`): only a section libbpf does not know
  /// changes, to the hook's own, so the result loads without --type.
  void sectionOnly();

  EditSet Edits;
  RetargetReport Report;
  /// How the names the rewrites write are declared (declareWrittenNames): the input's
  /// declarations the slice keeps, bpfcarve's for the others.
  extractor::Provisions Provided;
  /// The entry's new section when the input places it with `#pragma clang section text=`
  /// (no text holds it: the output's model takes it), else "".
  std::string PragmaSection;
  /// What follows the hook's name in the written section: the event or function a hook that
  /// loads against a target keeps from the input's section ("sched_switch"); else empty.
  std::string SectionTarget;
  /// The section the output's program gets.
  std::string sectionWritten() const {
    return To.sectionToWrite() + (SectionTarget.empty() ? "" : "/" + SectionTarget);
  }
  /// Lines the output starts with: bpfcarve's declarations, then the support macros.
  std::vector<std::string> extraLines() const;

private:
  // Recording (shared by every pass).
  void refuse(const std::string &Construct, const std::string &Reason,
              const extractor::SourceSpan &S) {
    Report.refusals.push_back({Construct, Reason, at(S)});
  }
  void refuse(const std::string &Construct, const std::string &Reason, const Location &L) {
    Report.refusals.push_back({Construct, Reason, L});
  }
  void rewrite(const char *Rule, const extractor::SourceSpan &S, const std::string &After,
               bool Approx = false, const extractor::SourceSpan *Replace = nullptr) {
    const extractor::SourceSpan &R = Replace ? *Replace : S;
    std::string Before = textOf(M, R);
    if (Before == After)
      return; // `ctx->data` stays `ctx->data`: only its type changed
    Edits.add({R.file, R.beginOffset, R.endOffset, After});
    Report.rewrites.push_back({Rule, at(S), Before, After, Approx});
  }
  /// An edit that is part of a larger rewrite reported once (see reportCall).
  void editOnly(const extractor::SourceSpan &R, const std::string &Text) {
    Edits.add({R.file, R.beginOffset, R.endOffset, Text});
  }
  void reportCall(const extractor::HelperCall &H, const std::string &After) {
    Report.rewrites.push_back({"helper", at(H.site), textOf(M, H.site), After, false});
  }
  /// Whether helper H is declared by libbpf's bpf_helper_defs.h, which then declares every
  /// helper a rewrite may call instead.
  /// A macro of supportMacro() the output must define.
  void needSupport(std::string_view Name) { Support.insert(std::string(Name)); }
  std::string ctxParamOf(const extractor::Function &F) const {
    for (const extractor::Param &Pa : F.parameters)
      if (Pa.pointeeRecord == From.ctxStruct)
        return Pa.name;
    return "";
  }

  // RetargetCompatibility.cpp: the opening refusals, the section, what the hook pair adds.
  /// Refuses what no rewrite can make sound between the two hooks; false when the contexts
  /// differ in kind and no pass applies.
  bool checkCompatibility(const std::vector<std::string> &SliceFunctions);
  /// SectionTarget from the input's section, for a hook that loads against a target; false
  /// (refused) when the section names none.
  bool targetFromSection();
  /// Constructs whose meaning depends on where the hooks' packet offsets start.
  void refusePacketBaseUses(const std::vector<std::string> &SliceFunctions);
  void rewriteSection();
  /// The entry's section literal is in a macro's #define (Head: the declaration's first line):
  /// the #define is edited when no other kept code expands it, else refused.
  void rewriteMacroSection(const std::string &Head, const std::string &Written);
  /// The macros entity Id expands, directly or through other macros (expands_macro edges).
  std::vector<const extractor::Macro *> macrosExpandedBy(const std::string &Id) const;
  /// bpf_skb_pull_data at the entry and the caveats of hookPairRules().
  void addHookPairRewrites();
  /// Every name the edits and support macros write (needsOfText), resolved against the model
  /// (Declarations.h); a name the file declares as something else is refused.
  void declareWrittenNames();
  /// The support macros and the XDP_TX value macro the output defines.
  std::vector<std::string> supportLines() const;

  // RewriteCtxFields.cpp
  /// `struct <source ctx>` in the type references of F's declarations.
  void rewriteCtxTypes(const extractor::Function &F);
  void rewriteCtxFields(const extractor::Function &F);
  /// The same ctx struct at both hooks: the access is refused when the target forbids it.
  void checkCtxFieldAccess(const extractor::CtxAccess &A);
  /// The rule that rewrites A, or null when A is refused (and then recorded so).
  const FieldRule *fieldRuleFor(const extractor::CtxAccess &A);
  void rewriteCtxField(const extractor::CtxAccess &A, const FieldRule &Rule);

  // RewriteReturnCodes.cpp
  /// The hook's code for a source code name, or null when it has none.
  const verifier::ReturnCode *mapCode(const verifier::ReturnCode &C) const;
  /// The source hook's code a name stands for: one of its codes, or an alias of one.
  const verifier::ReturnCode *sourceCode(const std::string &Name) const;
  /// Maps one use of a source code. `WholeReturn`: the token is the entire expression an entry
  /// returns (`return XDP_TX;`), so it may become a call.
  void mapCodeToken(const extractor::Function &F, const std::string &Name,
                    const extractor::SourceSpan &Spelled, const extractor::SourceSpan &Where,
                    bool WholeReturn);
  /// XDP_TX at tc ingress: bpf_redirect(ctx->ifindex, 0), or a value where it is no return.
  void mapTxToken(const std::string &Name, const extractor::SourceSpan &Spelled,
                  const extractor::SourceSpan &Where, bool WholeReturn);
  /// How the output names a target code (registering the header or definitions it needs).
  std::string codeText(const verifier::ReturnCode &T);
  void rewriteReturnCodes(const extractor::Function &F, bool IsEntry);
  /// Each use of a source code F names (enumerators and macros), outside bpf_redirect_map's
  /// flags (which rewriteRedirectMap replaces whole).
  void forEachCodeToken(
      const extractor::Function &F,
      const std::function<void(const std::string &, const extractor::SourceSpan &)> &Each);
  /// Maps the codes F names; returns where they are.
  std::vector<extractor::SourceSpan> mapNamedCodes(const extractor::Function &F, bool IsEntry);
  /// Sets CodesAsData when a code the slice names is data (Function::dataValues).
  void findCodesAsData();
  /// S is inside a return of the entry that returns a verdict helper's result.
  bool inVerdictHelperReturn(const extractor::SourceSpan &S) const;
  /// Refuses XDP_TX where the target cannot bounce the frame; false when it can.
  bool refuseTx(const std::string &Name, const extractor::SourceSpan &Where);
  /// An entry return R becomes VerdictMacro(ctx, R).
  void wrapVerdict(const extractor::ReturnSite &R);
  /// The definitions of VerdictMacro (and SourceVerdictMacro) for this hook pair.
  std::string verdictMacroText();
  /// The entry's returns of bare numbers (`return 2;` in an XDP program is XDP_PASS).
  void mapReturnedNumbers(const extractor::Function &F,
                          const std::vector<extractor::SourceSpan> &CodeSites);
  /// An entry's return at a hook whose value is a length (HookProfile::lengthVerdict).
  void mapLengthReturn(const extractor::ReturnSite &R);
  /// The entry's returns that may carry XDP_TX as a value go through TxReturnMacro.
  void rewriteTxValueReturns();
  /// The entry's computed returns, when no code of the source hook travels there.
  void refuseUnknownComputedReturns();

  // RewriteHelperCalls.cpp
  void rewriteHelperCalls(const extractor::Function &F);
  void rewriteKfuncCall(const extractor::HelperCall &H);
  void rewriteAdjustHead(const extractor::HelperCall &H, const HelperRule &Rule);
  /// Where the slice tests for a VLAN ethertype (0x8100, 0x88a8, however named), or "".
  std::string vlanTypeTest() const;
  void rewriteAdjustTail(const extractor::HelperCall &H, const HelperRule &Rule);
  void rewriteReplaceCall(const extractor::HelperCall &H, const HelperRule &Rule);
  void rewriteRedirectMap(const extractor::HelperCall &H);
  /// The devmap a bpf_redirect_map call names, or null when it is refused.
  const extractor::Map *redirectDevmap(const extractor::HelperCall &H);
  /// The target code of a bpf_redirect_map call's fallback action, or null when it is refused.
  const verifier::ReturnCode *redirectFallback(const extractor::HelperCall &H);
  /// The name of the tc map that mirrors Dev, declared with the first call that needs it.
  std::string declareTcMap(const extractor::Map &Dev);
  /// Kfuncs taken by address, bodiless builtins and tail calls: F's references to others.
  void rewriteReferences(const extractor::Function &F);
  void checkTailCall(const extractor::Function &F, const extractor::Edge &E);
  void renameKfuncDeclarations();
  const KfuncRule *kfuncRule(const std::string &Name) const {
    for (const KfuncRule &R : kfuncRules())
      if (R.fromStruct == From.ctxStruct && R.toStruct == To.ctxStruct && R.kfunc == Name)
        return &R;
    return nullptr;
  }

  const extractor::ProgramModel &M;
  const extractor::Program &P;
  const verifier::HookProfile &From, &To;
  const RetargetOptions &O;
  const SectionVariant *Variant;
  std::map<std::string, const extractor::Function *> ById;
  const extractor::Function *Entry = nullptr;
  /// Some function of the slice reads ctx->data or ctx->data_end.
  bool ReadsPacket = false;
  std::vector<std::string> SliceFunctions; ///< ids of the functions the program reaches
  /// Some function of the slice names a source code or returns a verdict helper's result: the
  /// entry's computed returns may carry codes (through variables and callees).
  bool NamesVerdict = false;
  std::vector<const extractor::ReturnSite *> ComputedReturns; ///< the entry's, with no code in them
  /// Some code the slice names is data: codes keep their numbers and the entry's returns
  /// translate them (VerdictMacro). DataCode: the first such code and where it is.
  bool CodesAsData = false;
  std::string DataCode;
  /// XDP_TX kept as a value reaches the entry's returns: the macro bounces it.
  bool VerdictTx = false;
  /// Some verdict helper's result travels on as a value: SourceVerdictMacro is defined.
  bool SourceVerdict = false;
  std::string VerdictDefinition; ///< verdictMacroText(), when CodesAsData
  /// XDP_TX travels as a value (see rewriteTxValueReturns): where the value was written.
  std::vector<extractor::SourceSpan> TxValueSites;
  std::map<std::string, std::string> Renamed; ///< kfunc id -> its counterpart's name
  std::set<std::string> Support; ///< support macros the output defines
  std::map<std::string, std::string> TcMaps; ///< devmap id -> the generated tc map's name
};

/// The report as the caller gets it: rewrites in source order, each caveat once.
void finishReport(RetargetReport &R);

/// The Rejected failure of a refused retarget: located at the first refusal, every other
/// refusal in its details.
Failure refusalFailure(const RetargetReport &R, const std::string &Program,
                       std::string_view ToHook);

} // namespace bpfcarve::transformer
