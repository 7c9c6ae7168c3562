//===- Retarget.cpp - move a program to another hook point ----------------===//
//
// The public entry: the hooks and the program, the passes in their order (Retargeter::run), the
// output's emission and its re-parse. The passes live in RetargetCompatibility.cpp,
// RewriteCtxFields.cpp, RewriteReturnCodes.cpp and RewriteHelperCalls.cpp; the report in
// RetargetReport.cpp.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/transformer/Retarget.h"

#include "Retargeter.h"

#include "bpfcarve/extractor/Emitter.h"
#include "bpfcarve/extractor/Extract.h"
#include "bpfcarve/extractor/ModelFormat.h"
#include "bpfcarve/extractor/Slice.h"
#include "bpfcarve/toolchain/Names.h"
#include "bpfcarve/verifier/HookProfile.h"

#include <algorithm>
#include <cctype>

namespace bpfcarve::transformer {

using namespace extractor;
using verifier::HookProfile;
using verifier::ReturnMeaning;

namespace {

bool isIdentChar(char C) { return std::isalnum(static_cast<unsigned char>(C)) || C == '_'; }

/// The hook `--to` names, once `--direction` is known to be one.
Result<const HookProfile *> targetHook(const RetargetOptions &O) {
  if (O.direction != "ingress" && O.direction != "egress")
    return Failure::badInput("--direction takes ingress or egress, not '" + O.direction + "'");
  if (const HookProfile *To = verifier::findHook(O.to))
    return To;
  std::vector<std::string> Hooks;
  std::string List;
  for (const verifier::HookProfile &H : verifier::hookProfiles()) {
    Hooks.push_back(std::string(H.name));
    List += (List.empty() ? "" : ", ") + std::string(H.name);
  }
  return Failure::badInput("unknown hook '" + O.to + "'" + toolchain::didYouMean(O.to, Hooks) +
                           " (use " + List + ")");
}

/// The hook of P's section, or of the hook its section is a variant of (then in Variant); it
/// must be the one `--from` names.
Result<const HookProfile *> sourceHook(const Program &P, const RetargetOptions &O,
                                       const SectionVariant *&Variant) {
  const HookProfile *From = verifier::findHook(P.section);
  Variant = From ? nullptr : sectionVariant(P.section);
  if (Variant)
    From = verifier::findHook(Variant->base);
  if (!From)
    return Failure::badInput("program '" + P.name + "' is in SEC(\"" + P.section +
                             "\"), which no hook profile describes");
  if (!O.from.empty() && verifier::findHook(O.from) != From)
    return Failure::badInput("program '" + P.name + "' is a " + std::string(From->name) +
                             " program, not " + O.from);
  return From;
}

Result<const Program *> pickProgram(const ProgramModel &M, const std::string &Name) {
  if (Name.empty()) {
    if (M.programs.size() == 1)
      return &M.programs.front();
    std::string All;
    for (const Program &P : M.programs)
      All += (All.empty() ? "" : ", ") + P.name;
    return Failure::badInput("'" + M.mainFile + "' has " + std::to_string(M.programs.size()) +
                             " programs (" + (All.empty() ? "none" : All) +
                             "); name one with --program");
  }
  const Program *BySection = nullptr;
  int Sections = 0;
  for (const Program &P : M.programs) {
    if (P.name == Name)
      return &P;
    if (P.section == Name) {
      BySection = &P;
      ++Sections;
    }
  }
  if (Sections == 1)
    return BySection;
  std::vector<std::string> Names;
  for (const Program &P : M.programs)
    Names.push_back(P.name);
  if (Sections > 1)
    return Failure::badInput("section '" + Name + "' is ambiguous in '" + M.mainFile +
                             "'; name the program");
  return Failure::badInput("no program '" + Name + "' in '" + M.mainFile + "'" +
                           toolchain::didYouMean(Name, Names));
}

} // namespace

std::string textOf(const ProgramModel &M, const SourceSpan &S) {
  const SourceFile *F = M.findFile(S.file);
  if (!F || S.endOffset > F->text.size() || S.beginOffset > S.endOffset)
    return "";
  return F->text.substr(S.beginOffset, S.endOffset - S.beginOffset);
}

std::vector<unsigned> findWord(const std::string &Text, unsigned Begin, unsigned End,
                               std::string_view Word) {
  std::vector<unsigned> Out;
  for (size_t P = Text.find(Word, Begin); P != std::string::npos && P + Word.size() <= End;
       P = Text.find(Word, P + 1))
    if ((P == 0 || !isIdentChar(Text[P - 1])) &&
        (P + Word.size() >= Text.size() || !isIdentChar(Text[P + Word.size()])))
      Out.push_back(static_cast<unsigned>(P));
  return Out;
}

SourceSpan lineOf(const ProgramModel &M, const std::string &File, unsigned Line) {
  SourceSpan S;
  S.file = File;
  const SourceFile *F = M.findFile(File);
  if (!F || Line == 0)
    return S;
  size_t Begin = 0;
  for (unsigned I = 1; I < Line && Begin != std::string::npos; ++I)
    if ((Begin = F->text.find('\n', Begin)) != std::string::npos)
      ++Begin;
  if (Begin == std::string::npos)
    return S;
  size_t End = F->text.find('\n', Begin);
  S.beginOffset = static_cast<unsigned>(Begin);
  S.endOffset = static_cast<unsigned>(End == std::string::npos ? F->text.size() : End);
  S.beginLine = S.endLine = Line;
  S.beginColumn = 1;
  S.endColumn = S.endOffset - S.beginOffset + 1;
  return S;
}

Location referenceAt(const ProgramModel &M, const std::string &File, unsigned Line,
                     std::string_view Name) {
  Location L{File, Line, 1};
  SourceSpan S = lineOf(M, File, Line);
  if (!S.valid())
    return L;
  auto Hits = findWord(M.findFile(File)->text, S.beginOffset, S.endOffset, Name);
  if (!Hits.empty())
    L.column = Hits.front() - S.beginOffset + 1;
  return L;
}

SourceSpan Retargeter::spanAt(const SourceSpan &Within, unsigned Off, size_t Len) const {
  SourceSpan T = Within;
  const SourceFile *File = M.findFile(Within.file);
  T.beginOffset = Off;
  T.endOffset = Off + static_cast<unsigned>(Len);
  if (!File)
    return T;
  T.beginLine = 1 + static_cast<unsigned>(
                        std::count(File->text.begin(), File->text.begin() + Off, '\n'));
  size_t LineStart = Off == 0 ? std::string::npos : File->text.rfind('\n', Off - 1);
  T.beginColumn =
      Off - static_cast<unsigned>(LineStart == std::string::npos ? 0 : LineStart + 1) + 1;
  T.endLine = T.beginLine;
  T.endColumn = T.beginColumn + static_cast<unsigned>(Len);
  return T;
}

void Retargeter::run() {
  ProgramSummary S = summarize(M, P);
  for (const Function &F : M.functions)
    ById[F.id] = &F;
  Entry = ById[P.function];
  if (!checkCompatibility(S.functions))
    return;
  for (const std::string &Id : S.functions) {
    const Function *F = ById[Id];
    if (!F || F->origin == Origin::System)
      continue;
    rewriteCtxTypes(*F);
    rewriteCtxFields(*F);
    rewriteReturnCodes(*F, F == Entry);
    rewriteHelperCalls(*F);
    rewriteReferences(*F);
  }
  if (!TxValueSites.empty())
    rewriteTxValueReturns();
  renameKfuncDeclarations();
  refuseUnknownComputedReturns();
  rewriteSection();
  addHookPairRewrites();
}

std::vector<std::string> Retargeter::extraLines() const {
  std::vector<std::string> Lines;
  bool Vmlinux = std::any_of(M.includes.begin(), M.includes.end(),
                             [](const Include &I) { return I.headerClass == "vmlinux"; });
  for (const std::string &H : ExtraHeaders) {
    if (std::any_of(M.includes.begin(), M.includes.end(),
                    [&](const Include &I) { return I.spelled == "<" + H + ">"; }))
      continue;
    if (!Vmlinux) {
      Lines.push_back("#include <" + H + ">");
      continue;
    }
    // test_xdp_do_redirect.c includes <vmlinux.h>, which clashes with <linux/pkt_cls.h>'s UAPI
    // types (`typedef redefinition ... '__kernel_ulong_t'`) and lacks the TC_ACT_* macros: define
    // the codes the output names, as pkt_cls.h does.
    for (const auto &[Name, Value] : UsedCodes)
      Lines.push_back("#ifndef " + Name + "\n#define " + Name + " " +
                      (Value < 0 ? "(" + std::to_string(Value) + ")" : std::to_string(Value)) +
                      "\n#endif");
  }
  if (!TxValueSites.empty()) {
    const verifier::ReturnCode *Tx = From.returnCodeFor(ReturnMeaning::Tx);
    Lines.push_back(std::string("/* bpfcarve retarget: XDP_TX as a value, returned by the entry as "
                                "bpf_redirect(skb->ifindex, 0) */\n#define ") +
                    TxValueName + " " + std::to_string(Tx ? Tx->value : 3) + "\n#define " +
                    TxReturnMacro + "(skb, v) ({ int bpfcarve_v_ = (v); bpfcarve_v_ == " +
                    TxValueName + " ? (int)bpf_redirect((skb)->ifindex, 0) : bpfcarve_v_; })");
  }
  for (const std::string &Name : Support)
    if (const char *Def = supportMacro(Name))
      Lines.push_back(Def);
  return Lines;
}

Result<RetargetResult> retarget(const ParseOptions &Input, const RetargetOptions &O) {
  auto To = targetHook(O);
  if (!To)
    return To.failure();
  auto Model = buildProgramModel(Input);
  if (!Model)
    return Model.failure();
  auto P = pickProgram(*Model, O.program);
  if (!P)
    return P.failure();
  const SectionVariant *Variant = nullptr;
  auto From = sourceHook(**P, O, Variant);
  if (!From)
    return From.failure();

  Retargeter R(*Model, **P, **From, **To, O, Variant);
  R.Report.input = Input.file;
  R.Report.program = (*P)->name;
  R.Report.fromHook = std::string((*From)->name);
  R.Report.toHook = std::string((*To)->name);
  R.Report.direction = O.direction;
  if (*From != *To)
    R.run();
  finishReport(R.Report);
  if (!R.Report.refusals.empty())
    return refusalFailure(R.Report, (*P)->name, (*To)->name);
  if (auto C = R.Edits.conflict())
    return Failure::internal("conflicting rewrites: " + *C);

  ProgramModel Edited = R.Edits.applyTo(*Model);
  Selection Sel;
  Sel.kind = Selection::Kind::Programs;
  Sel.names = {(*P)->name};
  auto Sl = computeSlice(Edited, Sel);
  if (!Sl)
    return Sl.failure();
  EmitOptions E;
  E.extraIncludes = R.extraLines();
  RetargetResult Result;
  Result.text = withInputLineEndings(emitSlice(Edited, *Sl, E), Input);
  R.Report.warnings = Sl->warnings;
  Result.report = R.Report;

  if (auto C = selfCheck(*Model, Input, Result.text, "retargeted code", "retargeted.c"); !C)
    return C.failure();
  return Result;
}

} // namespace bpfcarve::transformer
