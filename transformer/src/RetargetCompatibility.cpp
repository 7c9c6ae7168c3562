//===- RetargetCompatibility.cpp - what the hook pair allows and adds -----===//
//
// The opening refusals (a section variant with no counterpart, contexts of different kinds,
// packet bases that differ), the section's rewrite, and what hookPairRules() adds at the end:
// bpf_skb_pull_data at the entry and the caveats a test-run cannot show.
//
//===----------------------------------------------------------------------===//
#include "Retargeter.h"

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
  if (Entry->sectionLiteral.valid())
    rewrite("section", Entry->sectionLiteral,
            "\"" + std::string(P.autoload ? "" : "?") + To.sectionToWrite() + "\"");
  else if (std::string D = textOf(M, Entry->decl);
           Entry->decl.valid() && D.find("\"" + P.section + "\"") == std::string::npos)
    // tailcall1.c: `#define TAIL_FUNC(x) SEC("tc") int classifier_##x(...) { return x; }` and
    // `TAIL_FUNC(0)`: the section is written once, in the macro every such program comes from.
    refuse("SEC(\"" + P.section + "\") in " + D.substr(0, D.find('\n')),
           "the section is written in the macro that defines the program: editing it would "
           "retarget every program the macro defines",
           Entry->decl);
  else
    refuse(P.name, "its SEC() name is not written in the file", Entry->decl);
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
