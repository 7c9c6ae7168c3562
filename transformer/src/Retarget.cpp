//===- Retarget.cpp - move a program to another hook point ----------------===//
#include "bpfcarve/transformer/Retarget.h"

#include "EditSet.h"
#include "RetargetRules.h"

#include "bpfcarve/extractor/Emitter.h"
#include "bpfcarve/extractor/ModelFormat.h"
#include "bpfcarve/extractor/Slice.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/verifier/HookProfile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace bpfcarve::transformer {

using namespace extractor;
using verifier::HookProfile;
using verifier::ReturnMeaning;

namespace {

Location at(const SourceSpan &S) { return {S.file, S.beginLine, S.beginColumn}; }

std::string sectionName(const HookProfile &H) {
  std::string S(H.sections.empty() ? H.name : H.sections.front());
  if (!S.empty() && S.back() == '+')
    S.pop_back();
  return S;
}

bool contains(const SourceSpan &Outer, const SourceSpan &Inner) {
  return Outer.valid() && Inner.valid() && Outer.file == Inner.file &&
         Inner.beginOffset >= Outer.beginOffset && Inner.endOffset <= Outer.endOffset;
}

std::string textOf(const ProgramModel &M, const SourceSpan &S) {
  const SourceFile *F = M.findFile(S.file);
  if (!F || S.endOffset > F->text.size() || S.beginOffset > S.endOffset)
    return "";
  return F->text.substr(S.beginOffset, S.endOffset - S.beginOffset);
}

/// One retargeting run: collects edits, rewrites, refusals and caveats.
class Retargeter {
public:
  Retargeter(const ProgramModel &M, const Program &P, const HookProfile &From,
             const HookProfile &To, const RetargetOptions &O)
      : M(M), P(P), From(From), To(To), O(O) {}

  void run();

  EditSet Edits;
  RetargetReport Report;
  std::set<std::string> ExtraHeaders;

private:
  void refuse(const std::string &Construct, const std::string &Reason, const SourceSpan &S) {
    Report.refusals.push_back({Construct, Reason, at(S)});
  }
  void rewrite(const char *Rule, const SourceSpan &S, const std::string &After, bool Approx = false,
               const SourceSpan *Replace = nullptr) {
    const SourceSpan &R = Replace ? *Replace : S;
    std::string Before = textOf(M, R);
    if (Before == After)
      return; // `ctx->data` stays `ctx->data`: only its type changed
    Edits.add({R.file, R.beginOffset, R.endOffset, After});
    Report.rewrites.push_back({Rule, at(S), Before, After, Approx});
  }
  /// An edit that is part of a larger rewrite reported once (see reportCall).
  void editOnly(const SourceSpan &R, const std::string &Text) {
    Edits.add({R.file, R.beginOffset, R.endOffset, Text});
  }
  void reportCall(const HelperCall &H, const std::string &After) {
    Report.rewrites.push_back({"helper", at(H.site), textOf(M, H.site), After, false});
  }
  /// The hook's code for a source code name, or null when it has none.
  const verifier::ReturnCode *mapCode(const verifier::ReturnCode &C) const;
  void mapCodeToken(const Function &F, const std::string &Name, const SourceSpan &Spelled,
                    const SourceSpan &Where);
  std::string ctxParamOf(const Function &F) const {
    for (const Param &Pa : F.parameters)
      if (Pa.pointeeRecord == From.ctxStruct)
        return Pa.name;
    return "";
  }
  void fields(const Function &F);
  void returnCodes(const Function &F, bool IsEntry);
  void helpers(const Function &F);

  const ProgramModel &M;
  const Program &P;
  const HookProfile &From, &To;
  const RetargetOptions &O;
};

const verifier::ReturnCode *Retargeter::mapCode(const verifier::ReturnCode &C) const {
  for (const verifier::ReturnCode &T : To.returnCodes)
    if (T.meaning == C.meaning && C.meaning != ReturnMeaning::HookSpecific)
      return &T;
  if (C.meaning == ReturnMeaning::Error) // no error code at the target: its drop (hooks.md §2)
    return To.returnCodeFor(ReturnMeaning::Drop);
  return nullptr;
}

void Retargeter::mapCodeToken(const Function &F, const std::string &Name, const SourceSpan &Spelled,
                              const SourceSpan &Where) {
  const verifier::ReturnCode *C = From.returnCode(Name);
  if (!C)
    return;
  if (C->meaning == ReturnMeaning::Tx) {
    // XDP_TX bounces the frame out of the interface it came in on: at TC ingress that is
    // bpf_redirect(skb->ifindex, 0), which needs the ctx in scope.
    std::string Ctx = ctxParamOf(F);
    if (To.returnCodeFor(ReturnMeaning::Redirect) && To.ctxStruct == "__sk_buff" &&
        O.direction == "ingress" && !Ctx.empty()) {
      rewrite("return-code", Where, "bpf_redirect(" + Ctx + "->ifindex, 0)", false, &Spelled);
      Report.caveats.push_back(Name + " at " + Where.file + ":" + std::to_string(Where.beginLine) +
                               " became bpf_redirect(" + Ctx +
                               "->ifindex, 0): exact at TC ingress only");
      return;
    }
    refuse(Name, "bounces the frame out of its ingress interface: only a function with the ctx, "
                 "retargeted to tc ingress, can do that (bpf_redirect(skb->ifindex, 0))",
           Where);
    return;
  }
  const verifier::ReturnCode *T = mapCode(*C);
  if (!T) {
    refuse(Name, std::string(To.name) + " has no return code that means " +
                     std::string(verifier::toString(C->meaning)),
           Where);
    return;
  }
  if (C->meaning == ReturnMeaning::Error && T->meaning != ReturnMeaning::Error)
    Report.caveats.push_back(Name + " became " + std::string(T->name) + ": " +
                             std::string(To.name) +
                             " has no error verdict (XDP_ABORTED's tracepoint does not fire)");
  if (std::string_view H = returnCodeHeader(To.name); !H.empty())
    ExtraHeaders.insert(std::string(H));
  rewrite("return-code", Where, std::string(T->name), false, &Spelled);
}

void Retargeter::fields(const Function &F) {
  bool CtxChange = From.ctxStruct != To.ctxStruct;
  for (const CtxAccess &A : F.ctxAccesses) {
    if (A.record != From.ctxStruct)
      continue;
    std::string Construct = A.base + "->" + A.field;
    if (!CtxChange) {
      const verifier::CtxField *T = To.field(A.field);
      bool Ok = T && (A.access == AccessKind::Read ? T->readable
                                                   : T->writable && (A.access == AccessKind::Write ||
                                                                     T->readable));
      if (!Ok)
        refuse(Construct, std::string(To.name) + " programs cannot " +
                              (A.access == AccessKind::Read ? "read" : "write") + " " + A.record +
                              "." + A.field,
               A.site);
      continue;
    }
    const FieldRule *Rule = nullptr;
    for (const FieldRule &R : fieldRules())
      if (R.fromStruct == From.ctxStruct && R.toStruct == To.ctxStruct && R.field == A.field)
        Rule = &R;
    if (!Rule || Rule->to.empty()) {
      refuse(Construct, Rule ? std::string(Rule->reason)
                             : A.record + "." + A.field + " has no " + std::string(To.ctxStruct) +
                                   " equivalent",
             A.site);
      continue;
    }
    if (!Rule->onlyDirection.empty() && Rule->onlyDirection != O.direction) {
      refuse(Construct, std::string(Rule->reason) + " (--direction " + O.direction + ")", A.site);
      continue;
    }
    if (Rule->approximate && !O.allowApprox) {
      refuse(Construct, "only an approximate rewrite exists: " + std::string(Rule->reason) +
                            " (allow it with --allow-approx)",
             A.site);
      continue;
    }
    bool IsName = Rule->to.find('$') == std::string_view::npos;
    if (A.access != AccessKind::Read) {
      const verifier::CtxField *T = IsName ? To.field(Rule->to) : nullptr;
      if (!T || !T->writable) {
        refuse(Construct, std::string(To.name) + " programs cannot write " + A.record + "." +
                              A.field + " (" + std::string(To.ctxStruct) + " has no writable "
                              "counterpart)",
               A.site);
        continue;
      }
    }
    if (Rule->approximate)
      Report.approximations.push_back(Construct + " at " + A.site.file + ":" +
                                      std::to_string(A.site.beginLine) + ": " +
                                      std::string(Rule->reason));
    if (IsName) {
      if (!A.member.valid()) {
        refuse(Construct, "the field name is not written in the file (token pasting)", A.site);
        continue;
      }
      rewrite("ctx-field", A.site, std::string(Rule->to), Rule->approximate, &A.member);
    } else {
      std::string Expr(Rule->to);
      for (size_t Pos; (Pos = Expr.find("$B")) != std::string::npos;)
        Expr.replace(Pos, 2, A.base);
      rewrite("ctx-field", A.site, Expr, Rule->approximate);
    }
  }
}

void Retargeter::returnCodes(const Function &F, bool IsEntry) {
  std::set<std::string> Codes;
  for (const verifier::ReturnCode &C : From.returnCodes)
    Codes.insert(std::string(C.name));
  std::vector<SourceSpan> CodeSites;
  for (const TokenRef &R : F.enumRefs)
    if (Codes.count(R.name) && R.spelled.valid()) {
      mapCodeToken(F, R.name, R.spelled, R.spelled);
      CodeSites.push_back(R.spelled);
    }
  // Codes that are macros (TC_ACT_*), expanded in the function's body.
  for (const Macro &Mc : M.macros)
    if (Codes.count(Mc.name))
      for (const MacroUse &U : Mc.uses)
        if (U.kind == "expansion" && contains(F.body, U.site)) {
          mapCodeToken(F, Mc.name, U.site, U.site);
          CodeSites.push_back(U.site);
        }
  if (!IsEntry)
    return; // a callee's other values are its own (`return LB_CONTINUE;` meaning "go on")
  // Bare numbers returned by the entry: `return 2;` in an XDP program is XDP_PASS.
  for (const ReturnSite &R : F.returns) {
    if (!R.value || !R.site.valid())
      continue;
    bool HasCode = false;
    for (const SourceSpan &S : CodeSites)
      HasCode |= contains(R.site, S) || contains(S, R.site);
    if (HasCode)
      continue;
    const verifier::ReturnCode *C = nullptr;
    for (const verifier::ReturnCode &X : From.returnCodes)
      if (X.value == *R.value)
        C = &X;
    if (!C) {
      refuse("return " + R.text, "the value is no " + std::string(From.name) + " return code",
             R.site);
      continue;
    }
    mapCodeToken(F, std::string(C->name), R.site, R.site);
  }
}

void Retargeter::helpers(const Function &F) {
  bool CtxChange = From.ctxStruct != To.ctxStruct;
  for (const HelperCall &H : F.helperCalls) {
    if (H.kfunc) {
      if (CtxChange)
        refuse(H.name, "kfunc " + H.name + " has no translation to " + std::string(To.name),
               H.site);
      continue;
    }
    const HelperRule *Rule = nullptr;
    for (const HelperRule &R : helperRules())
      if (R.fromStruct == From.ctxStruct && R.toStruct == To.ctxStruct && R.helper == H.name)
        Rule = &R;
    if (!Rule) {
      if (!To.helperAllowed(std::string_view(H.name)))
        refuse(H.name, std::string(To.name) + " programs cannot call " + H.name, H.site);
      continue;
    }
    if (Rule->action == HelperAction::Refuse) {
      refuse(H.name, std::string(Rule->reason), H.site);
      continue;
    }
    if (Rule->approximate && !O.allowApprox) {
      refuse(H.name, "only an approximate rewrite exists: " + std::string(Rule->reason) +
                         " (allow it with --allow-approx)",
             H.site);
      continue;
    }
    auto closeParen = [&]() { // insertion point before the call's ')'
      SourceSpan S = H.site;
      S.beginOffset = S.endOffset - 1;
      S.endOffset = S.beginOffset;
      return S;
    };
    auto insertAt = [&](unsigned Off, const std::string &File) {
      SourceSpan S = H.site;
      S.file = File;
      S.beginOffset = S.endOffset = Off;
      return S;
    };
    auto args = [&](size_t From) {
      std::string A;
      for (size_t I = From; I < H.argTexts.size(); ++I)
        A += ", " + H.argTexts[I];
      return A;
    };
    switch (Rule->action) {
    case HelperAction::Rename:
      editOnly(H.callee, std::string(Rule->to));
      reportCall(H, std::string(Rule->to) + "(" + H.argTexts[0] + args(1) + ")");
      break;
    case HelperAction::AppendArgs:
      editOnly(H.callee, std::string(Rule->to));
      editOnly(closeParen(), std::string(Rule->extra));
      reportCall(H, std::string(Rule->to) + "(" + H.argTexts[0] + args(1) + std::string(Rule->extra) +
                        ")");
      break;
    case HelperAction::AdjustHead: {
      if (H.args.size() != 2 || H.argSigns[1] == 0) {
        refuse(H.name, "the sign of the delta must be known: a push becomes "
                       "bpf_skb_change_head, a pop bpf_skb_adjust_room",
               H.site);
        break;
      }
      bool Push = H.argSigns[1] < 0;
      std::string Name = Push ? "bpf_skb_change_head" : "bpf_skb_adjust_room";
      std::string Tail = Push ? "), 0" : "), BPF_ADJ_ROOM_MAC, 0";
      editOnly(H.callee, Name);
      editOnly(insertAt(H.args[1].beginOffset, H.args[1].file), "-(");
      editOnly(insertAt(H.args[1].endOffset, H.args[1].file), Tail);
      reportCall(H, Name + "(" + H.argTexts[0] + ", -(" + H.argTexts[1] + Tail + ")");
      if (!Push)
        Report.caveats.push_back(H.name + " at " + H.site.file + ":" +
                                 std::to_string(H.site.beginLine) + " became "
                                 "bpf_skb_adjust_room: " + std::string(Rule->reason));
      break;
    }
    case HelperAction::AdjustTail: {
      if (H.args.size() != 2) {
        refuse(H.name, "unexpected arguments", H.site);
        break;
      }
      std::string Len = "(" + H.argTexts[0] + ")->len + (";
      editOnly(H.callee, "bpf_skb_change_tail");
      editOnly(insertAt(H.args[1].beginOffset, H.args[1].file), Len);
      editOnly(insertAt(H.args[1].endOffset, H.args[1].file), "), 0");
      reportCall(H, "bpf_skb_change_tail(" + H.argTexts[0] + ", " + Len + H.argTexts[1] + "), 0)");
      break;
    }
    case HelperAction::ReplaceCall: {
      std::string Expr(Rule->to);
      if (size_t Pos = Expr.find("$0"); Pos != std::string::npos)
        Expr.replace(Pos, 2, H.argTexts.empty() ? "" : H.argTexts[0]);
      rewrite("helper", H.site, Expr);
      if (!Rule->reason.empty())
        Report.caveats.push_back(H.name + ": " + std::string(Rule->reason));
      break;
    }
    case HelperAction::Refuse:
      break;
    }
  }
}

void Retargeter::run() {
  ProgramSummary S = summarize(M, P);
  std::map<std::string, const Function *> ById;
  for (const Function &F : M.functions)
    ById[F.id] = &F;
  const Function *Entry = ById[P.function];

  if (To.ctxStruct.empty() || (From.packetBase == verifier::PacketBase::None) !=
                                  (To.packetBase == verifier::PacketBase::None)) {
    refuse(P.name, std::string(From.name) + " and " + std::string(To.name) +
                       " programs see different kinds of context: no sound rewrite",
           Entry->decl);
    return;
  }

  bool ReadsPacket = false;
  for (const std::string &Id : S.functions)
    if (const Function *F = ById[Id])
      for (const CtxAccess &A : F->ctxAccesses)
        ReadsPacket |= A.record == From.ctxStruct && (A.field == "data" || A.field == "data_end");
  if (ReadsPacket && To.packetAccess == verifier::PacketAccess::None)
    refuse(P.name, std::string(To.name) + " programs have no direct packet access (ctx->data)",
           Entry->decl);
  else if (ReadsPacket && From.packetBase != To.packetBase)
    refuse(P.name, std::string(To.name) + " sees packets from " +
                       std::string(verifier::toString(To.packetBase)) + ", " +
                       std::string(From.name) + " from " +
                       std::string(verifier::toString(From.packetBase)) +
                       ": every packet offset would shift",
           Entry->decl);

  for (const std::string &Id : S.functions) {
    const Function *F = ById[Id];
    if (!F || F->origin == Origin::System)
      continue;
    if (From.ctxStruct != To.ctxStruct)
      for (const TokenRef &T : F->typeRefs)
        if (T.name == From.ctxStruct && T.spelled.valid())
          rewrite("ctx-type", T.spelled, std::string(To.ctxStruct));
    fields(*F);
    returnCodes(*F, F == Entry);
    helpers(*F);
  }

  // The section, keeping an autoload-off '?'.
  if (Entry->sectionLiteral.valid())
    rewrite("section", Entry->sectionLiteral,
            "\"" + std::string(P.autoload ? "" : "?") + sectionName(To) + "\"");
  else
    refuse(P.name, "its SEC() name is not written in the file", Entry->decl);

  // TC packets may be non-linear; XDP frames are not. Pull everything into the linear part once,
  // before any ctx->data is read (same line: line numbers of the output stay the input's).
  if (ReadsPacket && From.name == "xdp" && To.ctxStruct == "__sk_buff" && Entry->body.valid()) {
    std::string Ctx = ctxParamOf(*Entry);
    SourceSpan Brace = Entry->body;
    Brace.endOffset = Brace.beginOffset + 1;
    rewrite("pull-data", Brace, "{ bpf_skb_pull_data(" + Ctx + ", 0);");
    Report.caveats.push_back("bpf_skb_pull_data(" + Ctx +
                             ", 0) at entry makes non-linear skbs linear; test-run skbs are "
                             "always linear, so this path is not exercised by diff-run");
  }
  if (From.name == "xdp" && To.ctxStruct == "__sk_buff") {
    Report.caveats.push_back("VLAN: at real TC ingress the outer VLAN tag is already moved into "
                             "skb metadata (test-run does not do this)");
    Report.caveats.push_back("GSO: TC may see GSO super-packets that XDP never sees");
  }
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
  return Failure::badInput("no program '" + Name + "' in '" + M.mainFile + "'" +
                           (Sections > 1 ? " (the section is ambiguous)" : ""));
}

} // namespace

Result<RetargetResult> retarget(const ParseOptions &Input, const RetargetOptions &O) {
  if (O.direction != "ingress" && O.direction != "egress")
    return Failure::badInput("--direction takes ingress or egress, not '" + O.direction + "'");
  const HookProfile *To = verifier::findHook(O.to);
  if (!To)
    return Failure::badInput("unknown hook '" + O.to +
                             "' (use xdp, tc, socket, cgroup_skb/ingress, cgroup_skb/egress, "
                             "lwt_in, lwt_out, lwt_xmit, raw_tp, tracepoint, kprobe)");
  auto Model = buildProgramModel(Input);
  if (!Model)
    return Model.failure();
  auto P = pickProgram(*Model, O.program);
  if (!P)
    return P.failure();
  const HookProfile *From = verifier::findHook((*P)->section);
  if (!From)
    return Failure::badInput("program '" + (*P)->name + "' is in SEC(\"" + (*P)->section +
                             "\"), which no hook profile describes");
  if (!O.from.empty() && verifier::findHook(O.from) != From)
    return Failure::badInput("program '" + (*P)->name + "' is a " + std::string(From->name) +
                             " program, not " + O.from);

  Retargeter R(*Model, **P, *From, *To, O);
  R.Report.input = Input.file;
  R.Report.program = (*P)->name;
  R.Report.fromHook = std::string(From->name);
  R.Report.toHook = std::string(To->name);
  R.Report.direction = O.direction;
  if (From != To)
    R.run();
  std::sort(R.Report.rewrites.begin(), R.Report.rewrites.end(),
            [](const Rewrite &A, const Rewrite &B) {
              return std::tie(A.at.file, A.at.line, A.at.column) <
                     std::tie(B.at.file, B.at.line, B.at.column);
            });
  std::vector<std::string> Caveats;
  for (const std::string &C : R.Report.caveats)
    if (std::find(Caveats.begin(), Caveats.end(), C) == Caveats.end())
      Caveats.push_back(C);
  R.Report.caveats = Caveats;
  if (!R.Report.refusals.empty()) {
    const Refusal &First = R.Report.refusals.front();
    Failure F{FailureKind::Rejected,
              "cannot retarget '" + (*P)->name + "' to " + std::string(To->name) + ": " +
                  First.construct + ": " + First.reason,
              First.at.file, First.at.line, First.at.column, {}};
    for (const Refusal &X : R.Report.refusals)
      F.details += X.at.file + ":" + std::to_string(X.at.line) + ":" +
                   std::to_string(X.at.column) + ": refused: " + X.construct + ": " + X.reason +
                   "\n";
    return F;
  }
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
  for (const std::string &H : R.ExtraHeaders) {
    bool Present = false;
    for (const Include &I : Model->includes)
      Present |= I.spelled == "<" + H + ">";
    if (!Present)
      E.extraIncludes.push_back("#include <" + H + ">");
  }
  RetargetResult Result;
  Result.text = emitSlice(Edited, *Sl, E);
  R.Report.warnings = Sl->warnings;
  Result.report = R.Report;

  // Self-check: the retargeted slice parses with the input's flags, beside the input.
  ParseOptions Check;
  Check.file = Model->inputDir + "/" +
               std::filesystem::path(Input.file).stem().string() + ".bpfcarve-self-check.c";
  Check.contents = Result.text;
  Check.virtualFiles = Input.virtualFiles;
  Check.flags = flagsOfCommand(Model->flags, Input.file);
  auto Reparsed = buildProgramModel(Check);
  if (!Reparsed) {
    auto Dir = toolchain::TempDir::create("bpfcarve-retarget-failed");
    std::string Where = "(no temporary directory could be created)";
    if (Dir) {
      Dir->keep();
      Where = Dir->path() + "/retargeted.c";
      std::ofstream(Where) << Result.text;
    }
    Failure F = Failure::internal("the retargeted code fails its self-check (" +
                                  Reparsed.failure().message + "); output kept in " + Where);
    F.details = Reparsed.failure().details;
    return F;
  }
  return Result;
}

std::string reportJson(const RetargetReport &R) {
  using nlohmann::ordered_json;
  auto Loc = [](const Location &L) {
    return ordered_json{{"file", L.file}, {"line", L.line}, {"column", L.column}};
  };
  ordered_json J = {{"input", R.input},
                    {"program", R.program},
                    {"from", R.fromHook},
                    {"to", R.toHook},
                    {"direction", R.direction}};
  ordered_json Rw = ordered_json::array();
  for (const Rewrite &W : R.rewrites)
    Rw.push_back({{"rule", W.rule},
                  {"at", Loc(W.at)},
                  {"before", W.before},
                  {"after", W.after},
                  {"approximate", W.approximate}});
  J["rewrites"] = Rw;
  J["approximations"] = R.approximations;
  J["caveats"] = R.caveats;
  ordered_json Rf = ordered_json::array();
  for (const Refusal &X : R.refusals)
    Rf.push_back({{"construct", X.construct}, {"reason", X.reason}, {"at", Loc(X.at)}});
  J["refusals"] = Rf;
  J["warnings"] = R.warnings;
  return J.dump(2) + "\n";
}

} // namespace bpfcarve::transformer
