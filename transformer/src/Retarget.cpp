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

/// The hook `--to` names, once `--direction` is known to be one.
Result<const HookProfile *> targetHook(const RetargetOptions &O) {
  if (O.direction != "ingress" && O.direction != "egress")
    return Failure::badInput("--direction takes ingress or egress, not '" + O.direction + "'");
  if (const HookProfile *To = verifier::findHook(O.to))
    return To;
  return toolchain::unknownName("unknown hook", O.to, verifier::hookNames(),
                                toolchain::everyName(verifier::hookNames()));
}

/// The hook of P's section, or of the hook its section is a variant of (then in Variant); it
/// must be the one `--from` names.
Result<const HookProfile *> sourceHook(const Program &P, const RetargetOptions &O,
                                       const SectionVariant *&Variant) {
  const HookProfile *From = verifier::findHook(P.section);
  Variant = From ? nullptr : sectionVariant(P.section);
  if (Variant)
    From = verifier::findHook(Variant->base);
  // A section libbpf does not know (iproute2's `__section("egress")`): the user names the hook.
  const bool Unknown = P.type == "unknown"; // ModelBuilder's type for such a section
  if (!From && Unknown && !O.from.empty()) {
    From = verifier::findHook(O.from);
    if (!From)
      return toolchain::unknownName("unknown hook", O.from, verifier::hookNames(),
                                    toolchain::everyName(verifier::hookNames()));
    return From;
  }
  if (!From)
    return Failure::badInput("program '" + P.name + "' is in SEC(\"" + P.section +
                             "\"), which no hook profile describes" +
                             (Unknown ? "; name its hook with --type HOOK" : ""));
  if (!O.from.empty() && verifier::findHook(O.from) != From)
    return Failure::badInput("program '" + P.name + "' is " +
                             toolchain::withArticle(std::string(From->name)) + " program, not " +
                             O.from);
  return From;
}

Result<const Program *> pickProgram(const ProgramModel &M, const std::string &Name) {
  if (Name.empty()) {
    if (M.programs.size() == 1)
      return &M.programs.front();
    std::vector<std::string> All;
    All.reserve(M.programs.size());
    for (const Program &P : M.programs)
      All.push_back(P.name);
    return Failure::badInput("'" + M.mainFile + "' has " + std::to_string(M.programs.size()) +
                             " programs (" + toolchain::nameList(All) +
                             "); name one with --program");
  }
  return M.findProgram(Name);
}

} // namespace

std::string textOf(const ProgramModel &M, const SourceSpan &S) {
  const SourceFile *F = M.findFile(S.file);
  if (!F || S.endOffset > F->text.size() || S.beginOffset > S.endOffset)
    return "";
  return F->text.substr(S.beginOffset, S.endOffset - S.beginOffset);
}

void Retargeter::sectionOnly() {
  if (Entry)
    rewriteSection();
}

namespace {

/// The two hooks read every return value alike: the same codes with the same meanings, and the
/// same range (raw_tp and tp_btf ignore it). Then no return is rewritten, however it is written.
bool sameReturns(const verifier::HookProfile &From, const verifier::HookProfile &To) {
  auto Same = [](const verifier::ReturnCode &A, const verifier::ReturnCode &B) {
    return A.value == B.value && A.meaning == B.meaning;
  };
  return From.returnCodes.size() == To.returnCodes.size() &&
         std::equal(From.returnCodes.begin(), From.returnCodes.end(), To.returnCodes.begin(),
                    Same) &&
         From.returnRange.enforced == To.returnRange.enforced &&
         (!From.returnRange.enforced || (From.returnRange.min == To.returnRange.min &&
                                         From.returnRange.max == To.returnRange.max)) &&
         From.lengthVerdict == To.lengthVerdict;
}

} // namespace

void Retargeter::run() {
  ProgramSummary S = summarize(M, P);
  SliceFunctions = S.functions;
  if (!checkCompatibility(S.functions))
    return;
  const bool KeepReturns = sameReturns(From, To);
  if (!KeepReturns)
    findCodesAsData();
  for (const std::string &Id : S.functions) {
    const Function *F = ById[Id];
    if (!F || F->origin == Origin::System)
      continue;
    rewriteCtxTypes(*F);
    rewriteCtxFields(*F);
    if (!KeepReturns)
      rewriteReturnCodes(*F, F == Entry);
    rewriteHelperCalls(*F);
    rewriteReferences(*F);
  }
  if (!TxValueSites.empty())
    rewriteTxValueReturns();
  if (CodesAsData)
    VerdictDefinition = verdictMacroText();
  renameKfuncDeclarations();
  if (!KeepReturns)
    refuseUnknownComputedReturns();
  rewriteSection();
  addHookPairRewrites();
  declareWrittenNames();
}

std::vector<std::string> Retargeter::supportLines() const {
  std::vector<std::string> Lines;
  if (!TxValueSites.empty()) {
    const verifier::ReturnCode *Tx = From.returnCodeFor(ReturnMeaning::Tx);
    Lines.push_back(std::string("/* bpfcarve retarget: XDP_TX as a value, returned by the entry as "
                                "bpf_redirect(skb->ifindex, 0) */\n#define ") +
                    TxValueName + " " + std::to_string(Tx ? Tx->value : 3) + "\n#define " +
                    TxReturnMacro + "(skb, v) ({ int bpfcarve_v_ = (v); bpfcarve_v_ == " +
                    TxValueName + " ? (int)bpf_redirect((skb)->ifindex, 0) : bpfcarve_v_; })");
  }
  if (!VerdictDefinition.empty())
    Lines.push_back(VerdictDefinition);
  for (const std::string &Name : Support)
    if (const char *Def = supportMacro(Name))
      Lines.emplace_back(Def);
  return Lines;
}

void Retargeter::declareWrittenNames() {
  std::vector<extractor::Need> Needs;
  std::vector<std::string> Texts = Edits.texts();
  for (const std::string &L : supportLines())
    Texts.push_back(L);
  for (const std::string &T : Texts)
    for (extractor::Need &N : extractor::needsOfText(T))
      Needs.push_back(std::move(N));
  auto P = extractor::provide(M, Needs);
  if (!P) {
    refuse("generated code", P.failure().message, Entry ? Entry->decl : extractor::SourceSpan{});
    return;
  }
  for (const extractor::Provisions::Conflict &C : P->conflicts) {
    // At the file's declaration of the name when it is the project's.
    extractor::SourceSpan Where = Entry ? Entry->decl : extractor::SourceSpan{};
    if (auto It = M.spans.find(C.entity); It != M.spans.end() && !It->second.empty())
      Where = It->second.front();
    refuse(C.name,
           "the rewrite writes " + C.name + ", which this file declares as " + C.what +
               ": the output would use the file's own code",
           Where);
  }
  Provided = P.take();
}

std::vector<std::string> Retargeter::extraLines() const {
  std::vector<std::string> Lines;
  if (!Provided.declarations.empty()) {
    std::string D = Provided.declarations;
    if (!D.empty() && D.back() == '\n')
      D.pop_back();
    Lines.push_back("/* bpfcarve retarget: declarations of names the rewrites write */\n" + D);
  }
  for (std::string &L : supportLines())
    Lines.push_back(std::move(L));
  return Lines;
}

Result<RetargetResult> retarget(const ParseOptions &Input, const RetargetOptions &O) {
  if (auto To = targetHook(O); !To)
    return To.failure(); // before the parse: a wrong --to is found at once
  auto Model = buildProgramModel(Input);
  if (!Model)
    return Model.failure();
  return retarget(*Model, Input, O);
}

Result<RetargetResult> retarget(const ProgramModel &Model, const ParseOptions &Input,
                                const RetargetOptions &O) {
  auto To = targetHook(O);
  if (!To)
    return To.failure();
  auto P = pickProgram(Model, O.program);
  if (!P)
    return P.failure();
  const SectionVariant *Variant = nullptr;
  auto From = sourceHook(**P, O, Variant);
  if (!From)
    return From.failure();
  if (O.socketOffsets != "l2" && O.socketOffsets != "l3")
    return Failure::badInput("--socket-offsets takes l2 or l3, not '" + O.socketOffsets + "'");

  // A socket filter's offsets start where its socket's packets do: L3 on an IP socket (and in
  // BPF_PROG_TEST_RUN, hence the profile), L2 on an AF_PACKET socket, whose filters read the
  // Ethernet header (`load_half(skb, 12)` for the EtherType in tcpdump-style filters).
  HookProfile FromHook = **From, ToHook = **To;
  bool Socket = false;
  for (HookProfile *H : {&FromHook, &ToHook})
    if (H->progTypeName == "socket_filter") {
      Socket = true;
      if (O.socketOffsets == "l2")
        H->packetBase = verifier::PacketBase::L2;
    }

  Retargeter R(Model, **P, FromHook, ToHook, O, Variant);
  if (Socket && *From != *To)
    R.Report.caveats.push_back(
        "the socket filter's packet offsets are taken from " +
        std::string(O.socketOffsets == "l2"
                        ? "L2 (--socket-offsets l2: a filter on an AF_PACKET socket; "
                          "BPF_PROG_TEST_RUN runs socket filters at L3)"
                        : "L3 (a filter on an IP socket; one on an AF_PACKET socket reads from "
                          "L2: --socket-offsets l2)"));
  R.Report.input = Input.file;
  R.Report.program = (*P)->name;
  R.Report.fromHook = std::string((*From)->name);
  R.Report.toHook = std::string((*To)->name);
  R.Report.direction = O.direction;
  if (*From != *To)
    R.run();
  else if ((*P)->type == "unknown") // ModelBuilder's type for a section libbpf does not know
    R.sectionOnly();
  finishReport(R.Report);
  if (!R.Report.refusals.empty())
    return refusalFailure(R.Report, (*P)->name, (*To)->name);
  if (auto C = R.Edits.conflict())
    return Failure::internal("conflicting rewrites: " + *C);

  ProgramModel Edited = R.Edits.applyTo(Model);
  if (!R.PragmaSection.empty())
    for (Function &F : Edited.functions)
      if (F.id == (*P)->function)
        F.section = R.PragmaSection;
  Selection Sel;
  Sel.kind = Selection::Kind::Programs;
  Sel.names = {(*P)->name};
  Sel.generated = R.Provided.keep;
  auto Sl = computeSlice(Edited, Sel);
  if (!Sl)
    return Sl.failure();
  EmitOptions E;
  E.extraIncludes = R.extraLines();
  E.outputDir = O.outputDir;
  RetargetResult Result;
  Result.text = withInputLineEndings(emitSlice(Edited, *Sl, E), Input);
  R.Report.warnings = Sl->warnings;
  Result.report = R.Report;

  if (auto C = selfCheck(Model, Input, Result.text, "retargeted code", "retargeted.c", O.outputDir);
      !C)
    return C.failure();
  return Result;
}

} // namespace bpfcarve::transformer
