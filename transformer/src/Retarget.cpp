//===- Retarget.cpp - move a program to another hook point ----------------===//
#include "bpfcarve/transformer/Retarget.h"

#include "EditSet.h"
#include "RetargetRules.h"

#include "bpfcarve/extractor/Emitter.h"
#include "bpfcarve/extractor/Extract.h"
#include "bpfcarve/extractor/ModelFormat.h"
#include "bpfcarve/extractor/Slice.h"
#include "bpfcarve/verifier/HookProfile.h"
#include "bpfcarve/toolchain/Names.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
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

bool sameSpan(const SourceSpan &A, const SourceSpan &B) {
  return A.valid() && B.valid() && A.file == B.file && A.beginOffset == B.beginOffset &&
         A.endOffset == B.endOffset;
}

bool isIdentChar(char C) { return std::isalnum(static_cast<unsigned char>(C)) || C == '_'; }

/// Offsets of `Word` as a whole identifier in Text[Begin, End).
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

/// The whole line `Line` of `File` (without its newline); invalid when there is no such line.
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

/// Where an edge's reference is: its line in `File`, at the first `Name` on that line (the model
/// records only the line of a function-pointer or call reference).
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

/// One retargeting run: collects edits, rewrites, refusals and caveats.
class Retargeter {
public:
  Retargeter(const ProgramModel &M, const Program &P, const HookProfile &From,
             const HookProfile &To, const RetargetOptions &O, const SectionVariant *Variant)
      : M(M), P(P), From(From), To(To), O(O), Variant(Variant) {}

  void run();

  EditSet Edits;
  RetargetReport Report;
  std::set<std::string> ExtraHeaders;
  /// Target codes the output names, for a header that cannot be included (see extraLines).
  std::map<std::string, std::int64_t> UsedCodes;
  /// Lines the output starts with: the codes' header (or their definitions), helper macros.
  std::vector<std::string> extraLines() const;

private:
  void refuse(const std::string &Construct, const std::string &Reason, const SourceSpan &S) {
    Report.refusals.push_back({Construct, Reason, at(S)});
  }
  void refuse(const std::string &Construct, const std::string &Reason, const Location &L) {
    Report.refusals.push_back({Construct, Reason, L});
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
  /// The source hook's code a name stands for: one of its codes, or an alias of one.
  const verifier::ReturnCode *sourceCode(const std::string &Name) const;
  /// Maps one use of a source code. `WholeReturn`: the token is the entire expression an entry
  /// returns (`return XDP_TX;`), so it may become a call.
  void mapCodeToken(const Function &F, const std::string &Name, const SourceSpan &Spelled,
                    const SourceSpan &Where, bool WholeReturn);
  /// How the output names a target code (registering the header or definitions it needs).
  std::string codeText(const verifier::ReturnCode &T);
  void redirectMap(const HelperCall &H);
  /// A macro of supportMacro() the output must define.
  void needSupport(std::string_view Name) { Support.insert(std::string(Name)); }
  void txAsValue();
  void references(const Function &F);
  void prototypes(const Function &F);
  void renameKfuncDeclarations();
  void tailCall(const Function &F, const Edge &E);
  /// `struct <source ctx>` inside S becomes `struct <target ctx>`.
  void ctxStructIn(const SourceSpan &S);
  SourceSpan spanAt(const SourceSpan &Within, unsigned Off, size_t Len) const;
  const KfuncRule *kfuncRule(const std::string &Name) const {
    for (const KfuncRule &R : kfuncRules())
      if (R.fromStruct == From.ctxStruct && R.toStruct == To.ctxStruct && R.kfunc == Name)
        return &R;
    return nullptr;
  }
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
  const SectionVariant *Variant;
  std::map<std::string, const Function *> ById;
  const Function *Entry = nullptr;
  /// Some function of the slice names a source code or returns a verdict helper's result: the
  /// entry's computed returns may carry codes (through variables and callees).
  bool NamesVerdict = false;
  std::vector<const ReturnSite *> ComputedReturns; ///< the entry's, with no code in them
  /// XDP_TX travels as a value (see txAsValue): where the value was written.
  std::vector<SourceSpan> TxValueSites;
  std::map<std::string, std::string> Renamed; ///< kfunc id -> its counterpart's name
  std::set<std::string> Support;              ///< support macros the output defines
  std::map<std::string, std::string> TcMaps;  ///< devmap id -> the generated tc map's name
};

/// XDP_TX as a value: its XDP number, which no mapped code takes at tc. The entry's returns turn
/// it into bpf_redirect(skb->ifindex, 0); callees, variables and comparisons keep the value.
constexpr const char *TxValueName = "BPFCARVE_XDP_TX";
constexpr const char *TxReturnMacro = "BPFCARVE_TC_RETURN";

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
  if (C->meaning == ReturnMeaning::Tx) {
    // XDP_TX bounces the frame out of the interface it came in on: at TC ingress that is
    // bpf_redirect(skb->ifindex, 0). Returned by the entry it becomes that call; anywhere else
    // (xdping_kern.c: `if (ret != XDP_TX) return ret;` after `ret = icmp_check(ctx, ...)`, whose
    // `return XDP_TX;` is a status; test_xdp_noinline.c: `return XDP_TX;` in
    // swap_mac_and_send(), which has no ctx) it is a value, turned into the call only where the
    // entry returns it (txAsValue).
    std::string Ctx = Entry ? ctxParamOf(*Entry) : "";
    if (!To.returnCodeFor(ReturnMeaning::Redirect) || To.ctxStruct != "__sk_buff" ||
        O.direction != "ingress" || Ctx.empty()) {
      refuse(Name, "bounces the frame out of its ingress interface: only tc ingress can do that "
                   "(bpf_redirect(skb->ifindex, 0)), from an entry whose ctx has a name",
             Where);
      return;
    }
    if (WholeReturn) {
      rewrite("return-code", Where, "bpf_redirect(" + Ctx + "->ifindex, 0)", false, &Spelled);
    } else {
      rewrite("return-code", Where, TxValueName, false, &Spelled);
      TxValueSites.push_back(Spelled);
    }
    Report.caveats.push_back(Name + " at " + Where.file + ":" + std::to_string(Where.beginLine) +
                             " became bpf_redirect(" + Ctx +
                             "->ifindex, 0) where the entry returns it: exact at TC ingress only");
    return;
  }
  const verifier::ReturnCode *T = mapCode(*C);
  if (!T) {
    std::string Note(C->note);
    refuse(Name, C->meaning == ReturnMeaning::HookSpecific
                     ? Name + (Note.empty() ? "" : " (" + Note + ")") + " is specific to " +
                           std::string(From.name) + ": " + std::string(To.name) +
                           " has no such verdict"
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
  rewrite("return-code", Where, codeText(*T), false, &Spelled);
}

std::string Retargeter::codeText(const verifier::ReturnCode &T) {
  if (std::string_view H = returnCodeHeader(To.name); !H.empty()) {
    ExtraHeaders.insert(std::string(H));
    UsedCodes[std::string(T.name)] = T.value;
  }
  // Hooks whose codes are bare numbers (cgroup_skb: 1 allows) name them in lower case in the
  // profiles; no header defines those names, so the number goes in, with the name beside it.
  std::string Text(T.name);
  if (std::any_of(Text.begin(), Text.end(), [](char Ch) { return Ch >= 'a' && Ch <= 'z'; }))
    Text = std::to_string(T.value) + " /* " + Text + " */";
  return Text;
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
    if (!IsName && !A.written.valid()) {
      // test_pkt_md_access.c: `TYPE tmp = *(volatile TYPE *)&skb->FIELD;` in the body of
      // TEST_FIELD, FIELD its argument: no one range of the file is the access.
      std::string Expr(Rule->to);
      for (size_t Pos; (Pos = Expr.find("$B")) != std::string::npos;)
        Expr.replace(Pos, 2, A.base);
      refuse(Construct, "the access is written partly in a macro's body and partly in its "
                        "arguments: there is no one text to replace with " + Expr,
             A.site);
      continue;
    }
    if (Rule->approximate)
      Report.approximations.push_back(Construct + " at " + A.site.file + ":" +
                                      std::to_string(A.site.beginLine) + ": " +
                                      std::string(Rule->reason));
    if (!Rule->caveat.empty())
      Report.caveats.push_back(Construct + " at " + A.site.file + ":" +
                               std::to_string(A.site.beginLine) + ": " +
                               std::string(Rule->caveat));
    if (!Rule->support.empty())
      needSupport(Rule->support);
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
      rewrite("ctx-field", A.site, Expr, Rule->approximate, &A.written);
    }
  }
}

void Retargeter::returnCodes(const Function &F, bool IsEntry) {
  std::set<std::string> Codes;
  for (const verifier::ReturnCode &C : From.returnCodes)
    Codes.insert(std::string(C.name));
  for (const ReturnCodeAlias &A : returnCodeAliases())
    if (A.hook == From.name)
      Codes.insert(std::string(A.name));
  auto wholeReturn = [&](const SourceSpan &S) {
    return IsEntry && std::any_of(F.returns.begin(), F.returns.end(),
                                  [&](const ReturnSite &R) { return sameSpan(R.site, S); });
  };
  // bpf_redirect_map's flags are replaced as a whole by the tc code of their action bits
  // (redirectMap): a code written there (`XDP_DROP`) is not mapped on its own.
  std::vector<SourceSpan> Replaced;
  for (const HelperCall &H : F.helperCalls)
    if (H.name == "bpf_redirect_map" && H.args.size() == 3 && From.ctxStruct != To.ctxStruct)
      Replaced.push_back(H.args[2]);
  auto replaced = [&](const SourceSpan &S) {
    return std::any_of(Replaced.begin(), Replaced.end(),
                       [&](const SourceSpan &X) { return contains(X, S); });
  };
  std::vector<SourceSpan> CodeSites;
  for (const TokenRef &R : F.enumRefs)
    if (Codes.count(R.name) && R.spelled.valid() && !replaced(R.spelled)) {
      mapCodeToken(F, R.name, R.spelled, R.spelled, wholeReturn(R.spelled));
      CodeSites.push_back(R.spelled);
    }
  // Codes that are macros (TC_ACT_*), expanded in the function's body.
  for (const Macro &Mc : M.macros)
    if (Codes.count(Mc.name))
      for (const MacroUse &U : Mc.uses)
        if (U.kind == "expansion" && contains(F.body, U.site) && !replaced(U.site)) {
          mapCodeToken(F, Mc.name, U.site, U.site, wholeReturn(U.site));
          CodeSites.push_back(U.site);
        }
  auto returnsVerdictHelper = [&](const ReturnSite &R) {
    for (const HelperCall &H : F.helperCalls)
      if (contains(R.site, H.site) &&
          std::find(verdictHelpers().begin(), verdictHelpers().end(), H.name) !=
              verdictHelpers().end())
        return true;
    return false;
  };
  for (const ReturnSite &R : F.returns)
    NamesVerdict |= R.site.valid() && returnsVerdictHelper(R);
  if (!IsEntry)
    return; // a callee's other values are its own (`return LB_CONTINUE;` meaning "go on")
  // Bare numbers returned by the entry: `return 2;` in an XDP program is XDP_PASS.
  for (const ReturnSite &R : F.returns) {
    if (!R.site.valid())
      continue;
    bool HasCode = false;
    for (const SourceSpan &S : CodeSites)
      HasCode |= contains(R.site, S) || contains(S, R.site);
    if (HasCode)
      continue;
    if (!R.value) {
      // Computed at run time: a code only if one travels there (run() decides).
      if (!returnsVerdictHelper(R))
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

void Retargeter::txAsValue() {
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

void Retargeter::references(const Function &F) {
  for (const Edge *E : M.edgesFrom(F.id)) {
    if (E->kind == edge::TailCall)
      tailCall(F, *E);
    auto It = ById.find(E->to);
    if (It == ById.end())
      continue;
    const Function *T = It->second;
    // A kfunc whose address is taken (test_bpf_nf.c: `nf_ct_test((void *)bpf_xdp_ct_lookup,
    // ...)`) is called all the same once inlined.
    if (E->kind == edge::FunctionPointer && T->isKfunc && From.ctxStruct != To.ctxStruct) {
      Location L = referenceAt(M, F.decl.file, E->line, T->name);
      const KfuncRule *K = kfuncRule(T->name);
      if (!K) {
        refuse(T->name, "kfunc " + T->name + " has no translation to " + std::string(To.name), L);
      } else if (K->to != K->kfunc) {
        // The model has the line of the reference only: rename the name on that line.
        SourceSpan Line = lineOf(M, F.decl.file, E->line);
        const SourceFile *File = M.findFile(F.decl.file);
        if (!File || !contains(F.decl, Line))
          refuse(T->name, "kfunc " + T->name + " is referenced where bpfcarve cannot rename it",
                 L);
        else
          for (unsigned Off : findWord(File->text, Line.beginOffset, Line.endOffset, T->name))
            rewrite("kfunc", spanAt(Line, Off, T->name.size()), std::string(K->to));
        Renamed[T->id] = std::string(K->to);
      }
    }
    if (E->kind == edge::Calls && !T->definition)
      for (const BuiltinRule &B : builtinRules())
        if (B.name == T->name && B.ctxStruct != To.ctxStruct)
          refuse(T->name, std::string(B.reason) + "; " + std::string(To.name) +
                              " programs cannot contain it",
                 referenceAt(M, F.decl.file, E->line, T->name));
  }
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

void Retargeter::ctxStructIn(const SourceSpan &S) {
  const SourceFile *File = M.findFile(S.file);
  if (!File || S.endOffset > File->text.size())
    return;
  for (unsigned Off : findWord(File->text, S.beginOffset, S.endOffset, From.ctxStruct)) {
    // Only `struct NAME`: the word after `struct` and blanks.
    size_t K = Off;
    while (K > S.beginOffset && std::isspace(static_cast<unsigned char>(File->text[K - 1])))
      --K;
    if (K < S.beginOffset + 6 || File->text.compare(K - 6, 6, "struct") != 0)
      continue;
    rewrite("ctx-type", spanAt(S, Off, From.ctxStruct.size()), std::string(To.ctxStruct));
  }
}

void Retargeter::tailCall(const Function &F, const Edge &E) {
  // bpf-samples/l4lb/balancer.bpf.c: `bpf_tail_call(ctx, &lb_progs, LB_PROG_GUE_DECAP);` with
  // `.values = { [LB_PROG_GUE_DECAP] = (void *)&gue_decap_only }`: the slot programs load with
  // the retargeted one and keep their own type; a prog array takes programs of one type only.
  auto MapIt = std::find_if(M.maps.begin(), M.maps.end(),
                            [&](const Map &Mp) { return Mp.id == E.to; });
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
               (H ? std::string(H->name) : "SEC(\"" + T->section + "\")") + " program " +
               T->name + " (slot " + std::to_string(Slot.index) + "), which keeps its hook: a " +
               std::string(To.name) + " program cannot tail-call it",
           referenceAt(M, F.decl.file, E.line, MapIt->name));
  }
}

void Retargeter::prototypes(const Function &F) {
  // test_global_func1.c: `int f3(int, struct __sk_buff *skb, int);` before f3's definition. The
  // model's ctx type references are those of the definition; a prototype is another of the
  // function's declaration spans, rewritten the same way.
  if (From.ctxStruct == To.ctxStruct)
    return;
  auto It = M.spans.find(F.id);
  if (It == M.spans.end())
    return;
  for (const SourceSpan &S : It->second)
    if (!contains(F.decl, S) && !contains(S, F.decl))
      ctxStructIn(S);
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
      refuse(K->name, "kfunc " + K->name + " is declared in a system header: bpfcarve cannot "
                      "declare " + NewName + " in its place",
             K->decl);
      continue;
    }
    std::vector<SourceSpan> Decls{K->decl};
    if (auto It = M.spans.find(Id); It != M.spans.end())
      Decls = It->second;
    for (const SourceSpan &S : Decls) {
      const SourceFile *File = M.findFile(S.file);
      if (!File || S.endOffset > File->text.size())
        continue;
      for (unsigned Off : findWord(File->text, S.beginOffset, S.endOffset, K->name))
        rewrite("kfunc", spanAt(S, Off, K->name.size()), NewName);
      ctxStructIn(S);
    }
  }
}

void Retargeter::helpers(const Function &F) {
  bool CtxChange = From.ctxStruct != To.ctxStruct;
  for (const HelperCall &H : F.helperCalls) {
    auto args = [&](size_t From) {
      std::string A;
      for (size_t I = From; I < H.argTexts.size(); ++I)
        A += ", " + H.argTexts[I];
      return A;
    };
    if (H.kfunc) {
      if (!CtxChange)
        continue;
      const KfuncRule *K = kfuncRule(H.name);
      if (!K) {
        refuse(H.name, "kfunc " + H.name + " has no translation to " + std::string(To.name),
               H.site);
      } else if (K->to != K->kfunc) {
        editOnly(H.callee, std::string(K->to));
        reportCall(H, std::string(K->to) + "(" + H.argTexts[0] + args(1) + ")");
        for (const Function &D : M.functions)
          if (D.isKfunc && D.name == H.name)
            Renamed[D.id] = std::string(K->to);
      }
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
      if (H.argSigns[1] > 0) {
        // A pop: BPFCARVE_SKB_POP(ctx, n) is bpf_skb_adjust_room(ctx, -n, BPF_ADJ_ROOM_MAC,
        // flag), the flag BPF_F_ADJ_ROOM_DECAP_L3_IPV4/IPV6 by the version of the header the
        // pop uncovers (supportMacro).
        editOnly(H.callee, "BPFCARVE_SKB_POP");
        needSupport("BPFCARVE_SKB_POP");
        reportCall(H, "BPFCARVE_SKB_POP(" + H.argTexts[0] + ", " + H.argTexts[1] + ")");
        Report.caveats.push_back(
            H.name + " at " + H.site.file + ":" + std::to_string(H.site.beginLine) +
            " became bpf_skb_adjust_room(" + H.argTexts[0] + ", -(" + H.argTexts[1] +
            "), BPF_ADJ_ROOM_MAC, flag): " + std::string(Rule->reason) +
            "; the flag is BPF_F_ADJ_ROOM_DECAP_L3_IPV4 or _IPV6 when the byte behind the "
            "removed ones starts an IPv4 or IPv6 header (skb->protocol then follows the inner "
            "header, as the stack's eth_type_trans() would read the ethertype a decap writes), "
            "else 0 and skb->protocol stays the outer header's; test-run does not show "
            "skb->protocol");
        break;
      }
      std::string Name = "bpf_skb_change_head";
      std::string Tail = "), 0";
      editOnly(H.callee, Name);
      editOnly(insertAt(H.args[1].beginOffset, H.args[1].file), "-(");
      editOnly(insertAt(H.args[1].endOffset, H.args[1].file), Tail);
      reportCall(H, Name + "(" + H.argTexts[0] + ", -(" + H.argTexts[1] + Tail + ")");
      break;
    }
    case HelperAction::AdjustTail: {
      if (H.args.size() != 2) {
        refuse(H.name, "unexpected arguments", H.site);
        break;
      }
      if (H.argSigns[1] >= 0) { // a grow, or a delta of unknown sign
        std::string Why = std::string(Rule->reason) +
                          (H.argSigns[1] == 0 ? ", and the delta's sign is unknown"
                                              : ", and the delta grows the frame");
        if (!O.allowApprox) {
          refuse(H.name + "(" + H.argTexts[0] + ", " + H.argTexts[1] + ")",
                 "only an approximate rewrite exists: " + Why + " (allow it with --allow-approx)",
                 H.site);
          break;
        }
        Report.approximations.push_back(H.name + " at " + H.site.file + ":" +
                                        std::to_string(H.site.beginLine) + ": " + Why);
      }
      std::string Len = "(" + H.argTexts[0] + ")->len + (";
      editOnly(H.callee, "bpf_skb_change_tail");
      editOnly(insertAt(H.args[1].beginOffset, H.args[1].file), Len);
      editOnly(insertAt(H.args[1].endOffset, H.args[1].file), "), 0");
      reportCall(H, "bpf_skb_change_tail(" + H.argTexts[0] + ", " + Len + H.argTexts[1] + "), 0)");
      break;
    }
    case HelperAction::RedirectMap:
      redirectMap(H);
      break;
    case HelperAction::ReplaceCall: {
      std::string Expr(Rule->to);
      if (size_t Pos = Expr.find("$0"); Pos != std::string::npos)
        Expr.replace(Pos, 2, H.argTexts.empty() ? "" : H.argTexts[0]);
      if (!H.written.valid()) {
        refuse(H.name, "the call is written partly in a macro's body and partly in its "
                       "arguments: there is no one text to replace with " + Expr,
               H.site);
        break;
      }
      rewrite("helper", H.site, Expr, false, &H.written);
      if (!Rule->reason.empty())
        Report.caveats.push_back(H.name + ": " + std::string(Rule->reason));
      break;
    }
    case HelperAction::Refuse:
      break;
    }
  }
}

void Retargeter::redirectMap(const HelperCall &H) {
  const HelperRule *Rule = nullptr;
  for (const HelperRule &R : helperRules())
    if (R.action == HelperAction::RedirectMap && R.fromStruct == From.ctxStruct &&
        R.toStruct == To.ctxStruct)
      Rule = &R;
  if (!Rule || H.args.size() != 3) {
    refuse(H.name, "unexpected arguments, or a call bpfcarve cannot edit", H.site);
    return;
  }
  // The map: `&name` (or `name`) of a map the model knows.
  std::string MapText;
  for (char C : H.argTexts[0])
    if (!std::isspace(static_cast<unsigned char>(C)) && C != '&' && C != '(' && C != ')')
      MapText += C;
  auto MapIt = std::find_if(M.maps.begin(), M.maps.end(),
                            [&](const Map &Mp) { return Mp.name == MapText; });
  if (MapIt == M.maps.end()) {
    refuse(H.name + "(" + H.argTexts[0] + ", ...)",
           "the map argument is no map defined by name in the file", H.site);
    return;
  }
  const Map &Dev = *MapIt;
  if (Dev.type == "cpumap") {
    refuse(H.name + "(" + H.argTexts[0] + ", ...)",
           Dev.name + " is a cpumap: it hands the frame to another CPU before any skb exists; "
                      "tc has no counterpart",
           H.site);
    return;
  }
  if (Dev.type == "xskmap") {
    refuse(H.name + "(" + H.argTexts[0] + ", ...)",
           Dev.name + " is an xskmap: AF_XDP sockets take frames from XDP only", H.site);
    return;
  }
  if (Dev.type != "devmap" && Dev.type != "devmap_hash") {
    refuse(H.name + "(" + H.argTexts[0] + ", ...)",
           Dev.name + " is a " + Dev.type + " map: bpf_redirect_map at tc needs a devmap", H.site);
    return;
  }
  // The flags: the action bits (BPF_F_ACTION_MASK, 0x3) are the XDP code returned when the key
  // has no device; BPF_F_BROADCAST (1 << 3) and BPF_F_EXCLUDE_INGRESS (1 << 4) send a copy to
  // every device of the map, which bpf_redirect cannot.
  if (!H.argValues[2]) {
    refuse(H.name + "(..., " + H.argTexts[2] + ")",
           "the flags must be a constant: their low bits are the XDP code returned when the key "
           "has no device, which the retarget maps to a tc code",
           H.site);
    return;
  }
  long long Flags = *H.argValues[2];
  if (Flags & ~0x3LL) {
    refuse(H.name + "(..., " + H.argTexts[2] + ")",
           "flags beyond the fallback action (BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS) redirect "
           "to several devices at once: bpf_redirect sends to one",
           H.site);
    return;
  }
  const verifier::ReturnCode *Fallback = nullptr;
  for (const verifier::ReturnCode &C : From.returnCodes)
    if (C.value == (Flags & 0x3))
      Fallback = &C;
  const verifier::ReturnCode *T = Fallback ? mapCode(*Fallback) : nullptr;
  if (!T) {
    refuse(H.name + "(..., " + H.argTexts[2] + ")",
           "the fallback action " + std::string(Fallback ? Fallback->name : "?") + " has no " +
               std::string(To.name) + " code to return in its place",
           H.site);
    return;
  }
  if (Dev.style != "btf" || Dev.decl.file != M.mainFile || !Dev.decl.valid() ||
      !Dev.maxEntries) {
    refuse(H.name + "(" + H.argTexts[0] + ", ...)",
           "the tc-side map is declared beside " + Dev.name +
               ", which must be a BTF map (SEC(\".maps\")) with a constant max_entries in the "
               "input file itself",
           H.site);
    return;
  }
  std::string Tc = TcMaps[Dev.id];
  if (Tc.empty()) {
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
    Report.generatedMaps.push_back({Tc, Dev.name, "hash", "__u32", "__u32 (ifindex)",
                                    *Dev.maxEntries});
  }
  needSupport("BPFCARVE_REDIRECT_DEV");
  std::string Code = codeText(*T);
  editOnly(H.callee, "BPFCARVE_REDIRECT_DEV");
  editOnly(H.args[0], "&" + Tc);
  editOnly(H.args[2], Code);
  reportCall(H, "BPFCARVE_REDIRECT_DEV(&" + Tc + ", " + H.argTexts[1] + ", " + Code + ")");
  Report.caveats.push_back(H.name + "(" + H.argTexts[0] + ", ...) at " + H.site.file + ":" +
                           std::to_string(H.site.beginLine) + ": " + std::string(Rule->reason) +
                           " (generated map " + Tc + ", mirroring " + Dev.name + ")");
}

void Retargeter::run() {
  ProgramSummary S = summarize(M, P);
  for (const Function &F : M.functions)
    ById[F.id] = &F;
  Entry = ById[P.function];

  if (Variant && !Variant->reason.empty() &&
      (Variant->onlyDirection.empty() || To.ctxStruct != "__sk_buff" ||
       Variant->onlyDirection != O.direction)) {
    std::string Where = Variant->onlyDirection.empty()
                            ? ""
                            : " (--direction " + O.direction + ")";
    refuse("SEC(\"" + P.section + "\")", std::string(Variant->reason) + Where,
           Entry->sectionLiteral.valid() ? Entry->sectionLiteral : Entry->decl);
  } else if (Variant && !Variant->caveat.empty()) {
    Report.caveats.push_back(std::string(Variant->caveat));
  }

  // Packet hooks have rewrite tables between their contexts; two other hooks with different
  // ctx structs (sockops' bpf_sock_ops, kprobe's pt_regs) have none, and their return codes mean
  // unrelated things, even for a program that never reads its ctx.
  bool NoPacket = From.packetBase == verifier::PacketBase::None,
       ToNoPacket = To.packetBase == verifier::PacketBase::None;
  if (To.ctxStruct.empty() || NoPacket != ToNoPacket ||
      (NoPacket && ToNoPacket && !From.ctxStruct.empty() && From.ctxStruct != To.ctxStruct)) {
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
  // Where offsets start differs (cgroup_skb/socket/lwt see L3, tc/xdp L2): every absolute packet
  // offset and skb->len would change meaning. `bpf_skb_load_bytes_relative(..., BPF_HDR_START_NET)`
  // is base-independent; `skb->len` and `bpf_skb_load_bytes(skb, 12, ...)` are not.
  if (From.packetBase != To.packetBase && From.packetBase != verifier::PacketBase::None &&
      To.packetBase != verifier::PacketBase::None)
    for (const std::string &Id : S.functions)
      if (const Function *F = ById[Id]) {
        for (const CtxAccess &A : F->ctxAccesses)
          if (A.record == From.ctxStruct && (A.field == "len" || A.field == "wire_len"))
            refuse(A.base + "->" + A.field,
                   std::string(From.name) + " counts the packet from " +
                       std::string(verifier::toString(From.packetBase)) + ", " +
                       std::string(To.name) + " from " +
                       std::string(verifier::toString(To.packetBase)) +
                       ": the length differs by the link-layer header",
                   A.site);
        for (const HelperCall &H : F->helperCalls)
          if (H.name == "bpf_skb_load_bytes" || H.name == "bpf_skb_store_bytes")
            refuse(H.name, "its offsets count from " +
                               std::string(verifier::toString(From.packetBase)) + " at " +
                               std::string(From.name) + " and from " +
                               std::string(verifier::toString(To.packetBase)) + " at " +
                               std::string(To.name) +
                               " (bpf_skb_load_bytes_relative with BPF_HDR_START_NET is the same "
                               "at both)",
                   H.site);
      }
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
    prototypes(*F);
    fields(*F);
    returnCodes(*F, F == Entry);
    helpers(*F);
    references(*F);
  }
  if (!TxValueSites.empty())
    txAsValue();
  renameKfuncDeclarations();
  // test_global_func4.c: `return f7(skb);` where f1() at the end of the chain returns
  // `skb->len`, and no tc code appears anywhere: the number is no verdict the retarget can map.
  if (!NamesVerdict)
    for (const ReturnSite *R : ComputedReturns)
      refuse("return " + R->text,
             "the value is computed at run time and the program names no " +
                 std::string(From.name) + " return code: its meaning at " +
                 std::string(To.name) + " is unknown",
             R->site);

  // The section, keeping an autoload-off '?'.
  if (Entry->sectionLiteral.valid())
    rewrite("section", Entry->sectionLiteral,
            "\"" + std::string(P.autoload ? "" : "?") + sectionName(To) + "\"");
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

Result<RetargetResult> retarget(const ParseOptions &Input, const RetargetOptions &O) {
  if (O.direction != "ingress" && O.direction != "egress")
    return Failure::badInput("--direction takes ingress or egress, not '" + O.direction + "'");
  const HookProfile *To = verifier::findHook(O.to);
  if (!To) {
    std::vector<std::string> Hooks;
    std::string List;
    for (const verifier::HookProfile &H : verifier::hookProfiles()) {
      Hooks.push_back(std::string(H.name));
      List += (List.empty() ? "" : ", ") + std::string(H.name);
    }
    return Failure::badInput("unknown hook '" + O.to + "'" + toolchain::didYouMean(O.to, Hooks) +
                             " (use " + List + ")");
  }
  auto Model = buildProgramModel(Input);
  if (!Model)
    return Model.failure();
  auto P = pickProgram(*Model, O.program);
  if (!P)
    return P.failure();
  const HookProfile *From = verifier::findHook((*P)->section);
  const SectionVariant *Variant = From ? nullptr : sectionVariant((*P)->section);
  if (Variant)
    From = verifier::findHook(Variant->base);
  if (!From)
    return Failure::badInput("program '" + (*P)->name + "' is in SEC(\"" + (*P)->section +
                             "\"), which no hook profile describes");
  if (!O.from.empty() && verifier::findHook(O.from) != From)
    return Failure::badInput("program '" + (*P)->name + "' is a " + std::string(From->name) +
                             " program, not " + O.from);

  Retargeter R(*Model, **P, *From, *To, O, Variant);
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
  E.extraIncludes = R.extraLines();
  RetargetResult Result;
  Result.text = withInputLineEndings(emitSlice(Edited, *Sl, E), Input);
  R.Report.warnings = Sl->warnings;
  Result.report = R.Report;

  if (auto C = selfCheck(*Model, Input, Result.text, "retargeted code", "retargeted.c"); !C)
    return C.failure();
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
  ordered_json Gm = ordered_json::array();
  for (const GeneratedMap &G : R.generatedMaps)
    Gm.push_back({{"name", G.name},
                  {"mirrors", G.mirrors},
                  {"type", G.type},
                  {"key", G.key},
                  {"value", G.value},
                  {"max_entries", G.maxEntries}});
  J["generated_maps"] = Gm;
  return J.dump(2) + "\n";
}

} // namespace bpfcarve::transformer
