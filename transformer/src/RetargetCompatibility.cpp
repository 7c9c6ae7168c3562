//===- RetargetCompatibility.cpp - what the hook pair allows and adds -----===//
//
// The opening refusals (a section variant with no counterpart, contexts of different kinds,
// packet bases that differ), the section's rewrite, and what hookPairRules() adds at the end:
// bpf_skb_pull_data at the entry and the caveats a test-run cannot show.
//
//===----------------------------------------------------------------------===//
#include "Retargeter.h"

#include "bpfcarve/extractor/Slice.h"
#include "bpfcarve/toolchain/Names.h"

namespace bpfcarve::transformer {

using namespace extractor;
using verifier::HookProfile;

namespace {

/// A PacketBaseRule's reason for the two hooks.
std::string packetBaseReason(std::string_view Template, const HookProfile &From,
                             const HookProfile &To) {
  const std::pair<std::string_view, std::string> Values[] = {
      {"{from}", std::string(From.name)},
      {"{to}", std::string(To.name)},
      {"{from-base}", std::string(verifier::toString(From.packetBase))},
      {"{to-base}", std::string(verifier::toString(To.packetBase))},
  };
  std::string Out;
  for (size_t I = 0; I < Template.size();) {
    bool Replaced = false;
    for (const auto &[Key, Value] : Values)
      if (Template.substr(I, Key.size()) == Key) {
        Out += Value;
        I += Key.size();
        Replaced = true;
        break;
      }
    if (!Replaced)
      Out += Template[I++];
  }
  return Out;
}

const PacketBaseRule *packetBaseRule(PacketBaseRule::Kind Kind, const std::string &Name) {
  for (const PacketBaseRule &R : packetBaseRules())
    if (R.kind == Kind && R.name == Name)
      return &R;
  return nullptr;
}

} // namespace

bool Retargeter::checkCompatibility(const std::vector<std::string> &SliceFunctions) {
  if (Variant && !Variant->reason.empty() &&
      (Variant->onlyDirection.empty() || To.ctxStruct != "__sk_buff" ||
       Variant->onlyDirection != O.direction)) {
    std::string Where = Variant->onlyDirection.empty() ? "" : " (--direction " + O.direction + ")";
    refuse("SEC(\"" + P.section + "\")", std::string(Variant->reason) + Where,
           Entry->sectionLiteral.valid() ? Entry->sectionLiteral : Entry->decl);
  } else if (Variant && !Variant->caveat.empty()) {
    Report.caveats.emplace_back(Variant->caveat);
  }

  // Packet hooks have rewrite tables between their contexts; two other hooks with different
  // ctx structs (sockops' bpf_sock_ops, kprobe's pt_regs) have none, and their return codes mean
  // unrelated things, even for a program that never reads its ctx.
  bool NoPacket = From.packetBase == verifier::PacketBase::None,
       ToNoPacket = To.packetBase == verifier::PacketBase::None;
  // Hooks whose ctx is the same target's arguments (raw_tp and tp_btf: a tracepoint event's
  // TP_PROTO as u64 args[]) differ in their section only, and in how pointer arguments are
  // typed: numbers at raw_tp, kernel pointers at tp_btf. A program that treats them as numbers
  // is verified as such at raw_tp; at tp_btf the verifier allows what pointer arithmetic
  // allows, which the load shows. The other way, a direct dereference (`task->pid`) has no
  // counterpart.
  if (!From.argsOf.empty() && From.argsOf == To.argsOf && From.name != To.name) {
    if (From.typedArgs && !To.typedArgs)
      refuse(P.name,
             std::string(From.name) +
                 " passes typed kernel pointers, which it may dereference "
                 "directly; " +
                 std::string(To.name) + " passes them as numbers: no sound rewrite",
             Entry->decl);
    return targetFromSection();
  }
  if (To.ctxStruct.empty() || NoPacket != ToNoPacket ||
      (NoPacket && ToNoPacket && !From.ctxStruct.empty() && From.ctxStruct != To.ctxStruct)) {
    refuse(P.name,
           std::string(From.name) + " and " + std::string(To.name) +
               " programs see different kinds of context: no sound rewrite",
           Entry->decl);
    return false;
  }

  for (const std::string &Id : SliceFunctions)
    if (const Function *F = ById[Id])
      for (const CtxAccess &A : F->ctxAccesses)
        ReadsPacket |= A.record == From.ctxStruct && (A.field == "data" || A.field == "data_end");
  if (From.packetBase != To.packetBase && From.packetBase != verifier::PacketBase::None &&
      To.packetBase != verifier::PacketBase::None)
    refusePacketBaseUses(SliceFunctions);
  if (ReadsPacket && To.packetAccess == verifier::PacketAccess::None)
    refuse(P.name, std::string(To.name) + " programs have no direct packet access (ctx->data)",
           Entry->decl);
  else if (ReadsPacket && From.packetBase != To.packetBase)
    refuse(P.name,
           std::string(To.name) + " sees packets from " +
               std::string(verifier::toString(To.packetBase)) + ", " + std::string(From.name) +
               " from " + std::string(verifier::toString(From.packetBase)) +
               ": every packet offset would shift",
           Entry->decl);
  return true;
}

bool Retargeter::targetFromSection() {
  if (To.probeTarget.empty())
    return true;
  size_t Slash = P.section.find('/');
  SectionTarget = Slash == std::string::npos ? "" : P.section.substr(Slash + 1);
  if (SectionTarget.empty())
    refuse("SEC(\"" + P.section + "\")",
           "names no " + std::string(To.argsOf) + ", and " + std::string(To.name) +
               " programs load against one",
           Entry->sectionLiteral.valid() ? Entry->sectionLiteral : Entry->decl);
  return !SectionTarget.empty();
}

void Retargeter::refusePacketBaseUses(const std::vector<std::string> &SliceFunctions) {
  for (const std::string &Id : SliceFunctions)
    if (const Function *F = ById[Id]) {
      for (const CtxAccess &A : F->ctxAccesses)
        if (const PacketBaseRule *R = packetBaseRule(PacketBaseRule::CtxField, A.field);
            R && A.record == From.ctxStruct)
          refuse(A.base + "->" + A.field, packetBaseReason(R->reason, From, To), A.site);
      for (const HelperCall &H : F->helperCalls)
        if (const PacketBaseRule *R = packetBaseRule(PacketBaseRule::Helper, helperKey(H)))
          refuse(H.name, packetBaseReason(R->reason, From, To), H.site);
    }
}

void Retargeter::rewriteSection() {
  // The section, keeping an autoload-off '?'.
  std::string Written = "\"" + std::string(P.autoload ? "" : "?") + sectionWritten() + "\"";
  if (Entry->sectionLiteral.valid()) {
    rewrite("section", Entry->sectionLiteral, Written);
    return;
  }
  if (Entry->sectionFromPragma) {
    // `#pragma clang section text="xdp"`: the emitter writes the pragma around the program
    // from the model's section, which the output's model takes from here.
    PragmaSection = std::string(P.autoload ? "" : "?") + sectionWritten();
    Report.rewrites.push_back({"section", at(Entry->decl),
                               "#pragma clang section text=\"" + Entry->section + "\"",
                               "#pragma clang section text=\"" + PragmaSection + "\"", false});
    return;
  }
  std::string D = textOf(M, Entry->decl);
  if (!Entry->decl.valid() || D.find("\"" + P.section + "\"") != std::string::npos) {
    refuse(P.name, "its SEC() name is not written in the file", Entry->decl);
    return;
  }
  rewriteMacroSection(D.substr(0, D.find('\n')), Written);
}

std::vector<const Macro *> Retargeter::macrosExpandedBy(const std::string &Id) const {
  // The model's expands_macro edges, from the entity through the macros it expands (breadth
  // first: the ones its text names come before those their bodies name).
  std::map<std::string, const Macro *> MacroById;
  for (const Macro &Mc : M.macros)
    MacroById.emplace(Mc.id, &Mc);
  std::vector<const Macro *> Out;
  std::set<std::string> Seen;
  std::vector<std::string> Work{Id};
  for (size_t I = 0; I < Work.size(); ++I)
    for (const Edge *E : M.edgesFrom(Work[I]))
      if (E->kind == edge::ExpandsMacro && Seen.insert(E->to).second)
        if (auto It = MacroById.find(E->to); It != MacroById.end()) {
          Out.push_back(It->second);
          Work.push_back(E->to);
        }
  return Out;
}

void Retargeter::rewriteMacroSection(const std::string &Head, const std::string &Written) {
  // `#define XDP_PROG SEC("xdp")` / `XDP_PROG int f(...)`, and tailcall1.c's
  // `#define TAIL_FUNC(x) SEC("tc") int classifier_##x(...) { return x; }` / `TAIL_FUNC(0)`:
  // the literal is in a #define reached from a macro the entry's declaration expands.
  std::string Quoted = "\"" + std::string(P.autoload ? "" : "?") + P.section + "\"";
  const Macro *Holder = nullptr;
  for (const Macro *Mc : macrosExpandedBy(Entry->id))
    if (!Holder && Mc->definition.find(Quoted) != std::string::npos)
      Holder = Mc;
  std::string Construct = "SEC(" + Quoted + ") in " + Head;
  std::string DeclText = Holder ? textOf(M, Holder->decl) : "";
  size_t At = DeclText.find(Quoted);
  if (!Holder || Holder->origin == Origin::System || At == std::string::npos ||
      DeclText.find(Quoted, At + 1) != std::string::npos) {
    refuse(Construct,
           Holder ? "the section is written in macro " + Holder->name +
                        ", which is not the project's own text or holds it more than once"
                  : "its SEC() name is not written in the file",
           Entry->decl);
    return;
  }
  // Editing the #define changes every kept program that expands it, also through other macros.
  // Only programs change with the section: `DEFINE_FILTER(name)` may write a kept static helper
  // beside its program, and the edit leaves that helper as it is.
  Selection Sel;
  Sel.kind = Selection::Kind::Programs;
  Sel.names = {P.name};
  auto Sl = computeSlice(M, Sel);
  std::vector<std::string> Others;
  for (const Program &Q : M.programs)
    if (Q.function != Entry->id && (!Sl || Sl->has(Q.function))) {
      std::vector<const Macro *> Expanded = macrosExpandedBy(Q.function);
      if (std::find(Expanded.begin(), Expanded.end(), Holder) != Expanded.end())
        Others.push_back(Q.name);
    }
  if (!Others.empty()) {
    refuse(Construct,
           "the section is written in macro " + Holder->name + ", which also writes kept " +
               toolchain::nameList(Others) + ": editing it would retarget them too",
           Entry->decl);
    return;
  }
  SourceSpan Literal = Holder->decl;
  Literal.beginOffset += static_cast<unsigned>(At);
  Literal.endOffset = Literal.beginOffset + static_cast<unsigned>(Quoted.size());
  Literal.beginLine = Literal.endLine =
      Holder->decl.beginLine +
      static_cast<unsigned>(std::count(DeclText.begin(), DeclText.begin() + At, '\n'));
  size_t LineStart = DeclText.rfind('\n', At);
  Literal.beginColumn =
      static_cast<unsigned>(At - (LineStart == std::string::npos ? 0 : LineStart + 1)) +
      (LineStart == std::string::npos ? Holder->decl.beginColumn : 1);
  Literal.endColumn = Literal.beginColumn + static_cast<unsigned>(Quoted.size());
  rewrite("section", Literal, Written);
  Report.caveats.push_back("the section is written in macro " + Holder->name + " (" +
                           Holder->decl.file + ":" + std::to_string(Holder->decl.beginLine) +
                           "), which no other kept program expands: its #define is edited");
}

void Retargeter::addHookPairRewrites() {
  for (const HookPairRule &Pair : hookPairRules()) {
    if (Pair.fromHook != From.name || Pair.toCtxStruct != To.ctxStruct)
      continue;
    // Pull everything into the linear part once, before any ctx->data is read (same line: line
    // numbers of the output stay the input's).
    if (Pair.pullData && ReadsPacket && Entry->body.valid()) {
      std::string Ctx = ctxParamOf(*Entry);
      SourceSpan Brace = Entry->body;
      Brace.endOffset = Brace.beginOffset + 1;
      rewrite("pull-data", Brace, "{ bpf_skb_pull_data(" + Ctx + ", 0);");
      Report.caveats.push_back("bpf_skb_pull_data(" + Ctx +
                               ", 0) at entry makes non-linear skbs linear; test-run skbs are "
                               "always linear, so this path is not exercised by diff-run");
    }
    for (std::string_view C : Pair.caveats)
      Report.caveats.emplace_back(C);
  }
}

} // namespace bpfcarve::transformer
