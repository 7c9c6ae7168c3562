//===- Compose.cpp - carve parts, merge them, chain their entries ---------===//
#include "bpfcarve/transformer/Compose.h"
#include "bpfcarve/extractor/Names.h"
#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/transformer/Pipeline.h"
#include "bpfcarve/transformer/Retarget.h"
#include "bpfcarve/verifier/Compiler.h"
#include "bpfcarve/verifier/HookProfile.h"
#include "bpfcarve/verifier/MapState.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

namespace bpfcarve::transformer {

namespace {

using extractor::NameSpace;
using Key = std::pair<NameSpace, std::string>;

Failure atRecipe(Failure F, const RecipeLocation &At, const std::string &Part) {
  F.message = "part '" + Part + "': " + F.message;
  if (F.file.empty() && !At.file.empty()) {
    F.file = At.file;
    F.line = At.line;
    F.column = At.column;
  }
  return F;
}

Failure refuse(const ComposeOptions &O, const RecipeLocation &At, const std::string &Message) {
  const RecipeLocation &L = At.file.empty() ? O.at : At;
  return Failure::badInput(Message, L.file, L.line, L.column);
}

/// One part, carved and retargeted, with the model and name spellings of its text.
struct Carved {
  const ComposePart *part = nullptr;
  std::string original;      ///< the carved part before it was retargeted
  std::string originalEntry; ///< its entry program
  std::string text;
  std::vector<std::string> flags;
  std::string fromHook;
  bool retargeted = false;
  extractor::ProgramModel model;
  std::map<Key, extractor::SpelledName> names;
  const extractor::Function *entry = nullptr;
};

Result<Carved> carvePart(const ComposePart &P, const ComposeOptions &O, const std::string &OutDir) {
  extractor::ExtractOptions E;
  if (P.selection.kind != extractor::Selection::Kind::Programs) {
    auto H = harnessHookFor(O.hook);
    if (!H)
      return H.failure();
    E.harness = *H;
  }
  const extractor::ProgramModel *Given = nullptr;
  if (O.models) {
    auto M = O.models(P.input);
    if (!M)
      return M.failure();
    Given = *M;
  }
  auto X = Given ? extractor::extractFromModel(*Given, P.input, P.selection, E, O.output)
                 : extractor::extract(P.input, P.selection, E, O.output);
  if (!X)
    return X.failure();
  const extractor::ProgramModel &InputModel = Given ? *Given : X->model;
  Carved C;
  C.part = &P;
  C.original = X->text;
  C.originalEntry = X->entryProgram;
  C.flags = extractor::flagsOfCommand(InputModel.flags, P.input.file);
  C.flags.push_back("-I" + OutDir);
  RetargetOptions RO;
  RO.program = X->entryProgram;
  RO.to = O.hook;
  RO.from = P.type;
  RO.direction = O.direction;
  RO.allowApprox = O.allowApprox;
  RO.outputDir = OutDir;
  const std::string PartFile = OutDir + "/" + P.name + ".part.c";
  Result<RetargetResult> R = Failure::internal("not retargeted");
  if (P.selection.kind == extractor::Selection::Kind::Programs) {
    R = retarget(InputModel, P.input, RO);
  } else {
    extractor::ParseOptions SP;
    SP.file = PartFile;
    SP.contents = X->text;
    SP.flags = C.flags;
    R = retarget(SP, RO);
  }
  if (!R)
    return R.failure();
  C.text = R->text;
  C.fromHook = R->report.fromHook;
  C.retargeted = R->report.fromHook != R->report.toHook;

  extractor::ParseOptions PO;
  PO.file = PartFile;
  PO.contents = C.text;
  PO.flags = C.flags;
  auto M = extractor::buildProgramModel(PO);
  if (!M)
    return Failure::internal("the carved part does not parse again: " + M.failure().message);
  C.model = M.take();
  auto N = extractor::spelledNames(PO);
  if (!N)
    return N.failure();
  C.names = N.take();
  if (C.model.programs.size() != 1)
    return Failure::internal("the carved part holds " + std::to_string(C.model.programs.size()) +
                             " programs, not one");
  for (const extractor::Function &F : C.model.functions)
    if (F.id == C.model.programs.front().function)
      C.entry = &F;
  if (!C.entry)
    return Failure::internal("the carved part's entry function is not in its model");
  return C;
}

/// A definition of the part's own text that another part may define too.
struct Owned {
  Key key;
  extractor::SourceSpan decl;
  bool map = false, knob = false, pinned = false, license = false;
  bool entry = false; ///< the part's entry program: never merged
};

std::vector<Owned> ownedEntities(const Carved &C) {
  std::vector<Owned> Out;
  auto own = [&](NameSpace S, const std::string &Name, const extractor::SourceSpan &D) -> Owned * {
    if (Name.empty() || !D.valid())
      return nullptr;
    Out.push_back({{S, Name}, D});
    return &Out.back();
  };
  using extractor::Origin;
  for (const extractor::Function &F : C.model.functions)
    if (F.origin == Origin::Main && F.definition && &F != C.entry)
      own(NameSpace::Ordinary, F.name, F.decl);
  for (const extractor::Map &M : C.model.maps)
    if (M.origin == Origin::Main)
      if (Owned *W = own(NameSpace::Ordinary, M.name, M.decl)) {
        W->map = true;
        W->pinned = M.pinning.value_or(0) != 0;
      }
  for (const extractor::Global &G : C.model.globals)
    if (G.origin == Origin::Main && !G.isExtern)
      if (Owned *W = own(NameSpace::Ordinary, G.name, G.decl)) {
        W->knob = G.constVolatile;
        W->license = G.section == "license";
      }
  for (const extractor::TypeEntity &T : C.model.types) {
    if (T.origin != Origin::Main)
      continue;
    own(T.kind == "typedef" ? NameSpace::Ordinary : NameSpace::Tag, T.name, T.decl);
    if (T.kind == "enum")
      for (const std::string &E : T.members)
        own(NameSpace::Ordinary, E, T.decl);
  }
  for (const extractor::Macro &M : C.model.macros)
    if (M.origin == Origin::Main)
      own(NameSpace::Macro, M.name, M.decl);
  return Out;
}

struct Edit {
  unsigned begin = 0, end = 0;
  std::string text;
};

/// Text[Begin, End) with the edits that lie inside it applied (edits sorted, not overlapping).
std::string applyEdits(const std::string &Text, const std::vector<Edit> &Edits, unsigned Begin,
                       unsigned End) {
  std::string Out;
  unsigned At = Begin;
  for (const Edit &E : Edits) {
    if (E.begin < At || E.end > End)
      continue;
    Out.append(Text, At, E.begin - At);
    Out += E.text;
    At = E.end;
  }
  Out.append(Text, At, End - At);
  return Out;
}

/// By position; edits at the same place keep their order (an insertion before a removal).
std::vector<Edit> sorted(std::vector<Edit> E) {
  std::vector<size_t> Order(E.size());
  for (size_t I = 0; I < Order.size(); ++I)
    Order[I] = I;
  std::sort(Order.begin(), Order.end(), [&](size_t A, size_t B) {
    return std::tie(E[A].begin, E[A].end, A) < std::tie(E[B].begin, E[B].end, B);
  });
  std::vector<Edit> Out;
  for (size_t I : Order)
    Out.push_back(std::move(E[I]));
  return Out;
}

/// The renaming edits of one part: every token spelling a renamed name.
std::vector<Edit> renameEdits(const Carved &C, const std::map<Key, std::string> &Renames) {
  std::vector<Edit> E;
  for (const auto &[K, To] : Renames) {
    auto It = C.names.find(K);
    if (It == C.names.end())
      continue;
    for (const extractor::SourceSpan &T : It->second.tokens)
      E.push_back({T.beginOffset, T.endOffset, To});
  }
  return sorted(std::move(E));
}

/// The decision for every name several parts define: renamed per part, or emitted once.
struct Merge {
  std::vector<std::map<Key, std::string>> renames; ///< per part: name -> new name
  std::vector<std::vector<extractor::SourceSpan>> dropped; ///< per part: duplicates removed
  std::vector<std::string> merged;
  std::vector<Renaming> report;
};

std::string licenseOf(const std::string &DeclText) {
  size_t Q = DeclText.find('"', DeclText.find('='));
  if (Q == std::string::npos)
    return "";
  size_t E = DeclText.find('"', Q + 1);
  return E == std::string::npos ? "" : DeclText.substr(Q + 1, E - Q - 1);
}

/// Compares the clashing definitions with the renames so far applied, renames what differs, and
/// repeats until nothing changes: a definition is emitted once only when its text is the same
/// and every name it uses means the same thing in both parts.
Result<Merge> mergeNames(const ComposeOptions &O, const std::vector<Carved> &Parts) {
  Merge M;
  M.renames.resize(Parts.size());
  std::vector<std::vector<Owned>> Own;
  for (const Carved &C : Parts) {
    Own.push_back(ownedEntities(C));
    Owned Entry{{NameSpace::Ordinary, C.entry->name}, C.entry->decl};
    Entry.entry = true;
    Own.back().push_back(Entry);
  }
  std::set<std::string> Shared(O.share.begin(), O.share.end());
  for (bool Changed = true; Changed;) {
    Changed = false;
    M.dropped.assign(Parts.size(), {});
    M.merged.clear();
    std::map<Key, std::pair<size_t, const Owned *>> Owner;
    // The composed entry's name belongs to the output; the parts' entries are never merged.
    Owner[{NameSpace::Ordinary, O.name}] = {Parts.size(), nullptr};
    for (size_t P = 0; P < Parts.size(); ++P) {
      std::vector<Edit> E = renameEdits(Parts[P], M.renames[P]);
      for (const Owned &W : Own[P]) {
        if (W.license || M.renames[P].count(W.key))
          continue;
        auto [It, New] = Owner.try_emplace(W.key, P, &W);
        if (New)
          continue;
        auto [Q, Other] = It->second;
        bool Same = Other && !W.entry && !Other->entry &&
                    applyEdits(Parts[P].text, E, W.decl.beginOffset, W.decl.endOffset) ==
                        applyEdits(Parts[Q].text, renameEdits(Parts[Q], M.renames[Q]),
                                   Other->decl.beginOffset, Other->decl.endOffset);
        const std::string &Name = W.key.second;
        if (W.map && Shared.count(Name) && !Same)
          return refuse(O, Parts[P].part->at,
                        "map '" + Name + "' is shared but parts '" + Parts[Q].part->name +
                            "' and '" + Parts[P].part->name + "' define it differently");
        if (W.map && !Shared.count(Name))
          Same = false; // maps stay per part unless shared
        if (Same) {
          M.dropped[P].push_back(W.decl);
          M.merged.push_back(Name);
          continue;
        }
        if (W.knob)
          return refuse(O, Parts[P].part->at,
                        "knob '" + Name + "' is defined differently by parts '" +
                            Parts[Q].part->name + "' and '" + Parts[P].part->name +
                            "': a composed program has one value for it");
        if (W.pinned)
          return refuse(O, Parts[P].part->at,
                        "map '" + Name + "' is pinned by name in part '" + Parts[P].part->name +
                            "' and another part defines '" + Name +
                            "': renaming it would pin another path (share it: share: [" + Name +
                            "])");
        M.renames[P][W.key] = Parts[P].part->name + "_" + Name;
        Changed = true;
      }
    }
  }
  for (size_t P = 0; P < Parts.size(); ++P)
    for (const auto &[K, To] : M.renames[P])
      M.report.push_back({Parts[P].part->name, extractor::nameSpaceName(K.first), K.second, To});
  std::sort(M.merged.begin(), M.merged.end());
  M.merged.erase(std::unique(M.merged.begin(), M.merged.end()), M.merged.end());
  return M;
}

/// The edits that make the part's entry program a function of the output: its SEC() goes, it
/// becomes `static __attribute__((noinline))`.
Result<std::vector<Edit>> entryEdits(const ComposeOptions &O, const Carved &C) {
  const extractor::Function &F = *C.entry;
  const std::string &T = C.text;
  const extractor::SourceSpan &L = F.sectionLiteral;
  std::vector<Edit> E;
  E.push_back({F.decl.beginOffset, F.decl.beginOffset,
               std::string(F.isStatic ? "" : "static ") + "__attribute__((noinline)) "});
  if (!L.valid() || L.beginOffset < F.decl.beginOffset || L.endOffset > F.decl.endOffset)
    return refuse(O, C.part->at,
                  "the section of '" + F.name +
                      "' is not written in its definition (a macro "
                      "writes it): compose cannot make the program a function");
  // The call around the literal: SEC("x"), __section("x"), or section("x") inside
  // __attribute__((...)) (which then stays, empty).
  size_t Open = T.find_last_not_of(" \t", L.beginOffset - 1);
  size_t Close = T.find_first_not_of(" \t", L.endOffset);
  if (Open == std::string::npos || T[Open] != '(' || Close == std::string::npos || T[Close] != ')')
    return refuse(O, C.part->at,
                  "the section of '" + F.name + "' is not a SEC(\"...\") call compose can remove");
  size_t NameEnd = T.find_last_not_of(" \t", Open - 1) + 1, NameBegin = NameEnd;
  while (NameBegin > 0 &&
         (std::isalnum(static_cast<unsigned char>(T[NameBegin - 1])) || T[NameBegin - 1] == '_'))
    --NameBegin;
  if (NameBegin == NameEnd || NameBegin < F.decl.beginOffset)
    return refuse(O, C.part->at,
                  "the section of '" + F.name + "' is not a SEC(\"...\") call compose can remove");
  E.push_back({static_cast<unsigned>(NameBegin), static_cast<unsigned>(Close + 1), ""});
  return E;
}

/// The condition under which the composed entry returns a part's verdict (docs/compose.md):
/// any verdict but those the hook profile says let the packet on (Pass, then Next:
/// TC_ACT_UNSPEC) -- the meaning the chain run of the originals uses too; for a hook whose
/// verdict is a length (socket filters), 0.
std::string stopCondition(const verifier::HookProfile &H) {
  if (H.lengthVerdict)
    return "verdict == 0";
  std::string C;
  for (auto Meaning : {verifier::ReturnMeaning::Pass, verifier::ReturnMeaning::Next})
    for (const verifier::ReturnCode &R : H.returnCodes)
      if (R.meaning == Meaning)
        C += std::string(C.empty() ? "" : " && ") + "verdict != " + std::to_string(R.value);
  return C;
}

std::string composedEntry(const ComposeOptions &O, const extractor::HarnessHook &H,
                          const verifier::HookProfile &Profile,
                          const std::vector<std::string> &Calls) {
  std::string Ctx = H.ctxStruct.empty() ? "void *ctx" : "struct " + H.ctxStruct + " *ctx";
  std::string S = "\n/* The composed program: each part in turn while it returns " +
                  std::string(Profile.lengthVerdict ? "a non-zero length" : "a continue verdict") +
                  " (docs/compose.md). */\n__attribute__((section(\"" + H.section +
                  "\"), used))\nint " + O.name + "(" + Ctx +
                  ")\n{\n\tint verdict = " + std::to_string(H.passValue) + ";\n";
  for (size_t I = 0; I < Calls.size(); ++I) {
    S += "\n\tverdict = " + Calls[I] + "(ctx);\n";
    if (I + 1 < Calls.size())
      S += "\tif (" + stopCondition(Profile) + ")\n\t\treturn verdict;\n";
  }
  return S + "\treturn verdict;\n}\n";
}

/// Why the composed text does not compile. An error inside a header is the parts' headers
/// meeting in one translation unit (a part built on vmlinux.h and one on the UAPI headers both
/// define __kernel_size_t): refused, naming each part's own #include lines. An error in the
/// composed text itself is a bug of compose.
Failure compileFailure(const ComposeOptions &O, const std::vector<Carved> &Parts,
                       const Failure &Compile) {
  // Compile is verifier::failureFromClangOutput's: located at clang's first error.
  const std::string Name = std::filesystem::path(O.output).filename().string();
  if (Compile.file.empty() || std::filesystem::path(Compile.file).filename() == Name) {
    Failure F = Failure::internal("the composed program does not compile: " + Compile.message);
    F.details = Compile.details;
    return F;
  }
  std::string Headers;
  for (const Carved &C : Parts) {
    std::string Own;
    for (const extractor::Include &I : C.model.includes)
      if (std::filesystem::path(I.from).filename() == C.part->name + ".part.c")
        Own += (Own.empty() ? "" : " ") + I.spelled;
    Headers += "; part '" + C.part->name + "' includes " + (Own.empty() ? "nothing" : Own);
  }
  return refuse(O, O.at,
                "the parts' headers cannot be compiled together: " + Compile.file + ":" +
                    std::to_string(Compile.line) + ": " + Compile.message + Headers);
}

/// The composed object against the chain of the parts' carved originals, each compiled with
/// its own flags in Dir.
Result<verifier::DiffRunReport> chainDiffRun(const ComposeOptions &O,
                                             const std::vector<Carved> &Parts, const Merge &M,
                                             const std::string &Composed, const std::string &Dir) {
  std::vector<verifier::ChainStage> Stages;
  for (size_t P = 0; P < Parts.size(); ++P) {
    const Carved &C = Parts[P];
    auto Obj = verifier::compileText(C.original, Dir + "/part" + std::to_string(P + 1),
                                     C.part->name + ".original.c", C.flags);
    if (!Obj)
      return Failure::internal("the carved original of part '" + C.part->name +
                               "' does not compile: " + Obj.failure().message);
    verifier::ChainStage S;
    S.object = *Obj;
    S.program = C.originalEntry;
    S.type = C.part->selection.kind == extractor::Selection::Kind::Programs ? C.part->type : "";
    for (const extractor::Map &Map : C.model.maps)
      if (auto It = M.renames[P].find({NameSpace::Ordinary, Map.name}); It != M.renames[P].end())
        S.mapNames[Map.name] = It->second;
    Stages.push_back(std::move(S));
  }
  verifier::DiffRunOptions DO;
  DO.programB = O.name;
  DO.packets = O.packets;
  DO.seedPath = O.seed;
  return verifier::diffRunChain(Stages, Composed, DO);
}

} // namespace

Result<std::string> combinedLicense(const std::vector<std::pair<std::string, std::string>> &Parts) {
  // The kernel's license_is_gpl_compatible(): these strings may use GPL-only helpers.
  static const std::set<std::string> GplOnly = {"GPL", "GPL v2", "GPL and additional rights"};
  static const std::set<std::string> Dual = {"Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"};
  std::string Out;
  for (const auto &[Part, L] : Parts) {
    if (L.empty() || L == Out)
      continue;
    if (Out.empty()) {
      Out = L;
      continue;
    }
    bool Gpl = GplOnly.count(L) || Dual.count(L), GplOut = GplOnly.count(Out) || Dual.count(Out);
    if (Gpl && GplOut) {
      Out = GplOnly.count(Out) ? Out : GplOnly.count(L) ? L : std::string("GPL");
      continue;
    }
    return Failure::badInput("licence \"" + L + "\" of part '" + Part +
                             "' cannot be combined with \"" + Out + "\" of the parts before it");
  }
  return Out;
}

Result<ComposeResult> compose(const ComposeOptions &O) {
  // A bad seed is bad input before anything is carved or written.
  if (!O.seed.empty() && !O.packets.empty())
    if (auto S = verifier::readMapSeed(O.seed); !S)
      return S.failure();
  auto Hook = harnessHookFor(O.hook);
  if (!Hook)
    return refuse(O, O.at, Hook.failure().message);
  const verifier::HookProfile *Profile = verifier::findHook(O.hook);
  if (!Profile || (!Profile->lengthVerdict && stopCondition(*Profile).empty()))
    return refuse(O, O.at, "compose chains packet hooks; '" + O.hook + "' has no continue verdict");
  const std::string OutDir = toolchain::directoryOf(O.output);
  std::vector<Carved> Parts;
  for (const ComposePart &P : O.parts) {
    auto C = carvePart(P, O, OutDir);
    if (!C)
      return atRecipe(C.failure(), P.at, P.name);
    Parts.push_back(C.take());
  }
  for (Carved &C : Parts) // the models point into their own vectors: fix the entry pointers
    for (const extractor::Function &F : C.model.functions)
      if (F.id == C.model.programs.front().function)
        C.entry = &F;
  auto M = mergeNames(O, Parts);
  if (!M)
    return M.failure();

  ComposeResult R;
  R.renamed = M->report;
  R.merged = M->merged;
  std::vector<std::pair<std::string, std::string>> Licenses;
  std::vector<std::string> Calls;
  R.text = "/* Composed by bpfcarve compose: " + O.name + ", hook " + O.hook + ". */\n";
  for (size_t P = 0; P < Parts.size(); ++P) {
    const Carved &C = Parts[P];
    auto Entry = entryEdits(O, C);
    if (!Entry)
      return Entry.failure();
    std::vector<Edit> E = renameEdits(C, M->renames[P]);
    E.insert(E.end(), Entry->begin(), Entry->end());
    std::vector<extractor::SourceSpan> Drop = M->dropped[P];
    for (const extractor::Global &G : C.model.globals)
      if (G.section == "license" && G.decl.valid()) {
        Licenses.emplace_back(
            C.part->name,
            licenseOf(C.text.substr(G.decl.beginOffset, G.decl.endOffset - G.decl.beginOffset)));
        Drop.push_back(G.decl);
      }
    // A dropped declaration goes with what the edits would have changed in it, and its ';'.
    std::vector<Edit> Kept;
    for (const Edit &X : E)
      if (std::none_of(Drop.begin(), Drop.end(), [&](const extractor::SourceSpan &D) {
            return X.begin >= D.beginOffset && X.end <= D.endOffset;
          }))
        Kept.push_back(X);
    for (const extractor::SourceSpan &D : Drop) {
      unsigned End = D.endOffset;
      if (End < C.text.size() && C.text[End] == ';')
        ++End;
      Kept.push_back({D.beginOffset, End, ""});
    }
    Kept = sorted(std::move(Kept));
    std::string Entry_ = C.entry->name;
    if (auto It = M->renames[P].find({NameSpace::Ordinary, Entry_}); It != M->renames[P].end())
      Entry_ = It->second;
    Calls.push_back(Entry_);
    R.parts.push_back({C.part->name, C.part->input.file, C.part->selection.describe(), C.fromHook,
                       C.retargeted, Entry_});
    R.text += "\n/* ---- part " + C.part->name + ": " + C.part->selection.describe() + " of " +
              C.part->input.file + (C.retargeted ? ", retargeted from " + C.fromHook : "") +
              " ---- */\n" + applyEdits(C.text, Kept, 0, static_cast<unsigned>(C.text.size()));
    for (const std::string &F : C.flags)
      if (std::find(R.flags.begin(), R.flags.end(), F) == R.flags.end())
        R.flags.push_back(F);
  }
  auto L = combinedLicense(Licenses);
  if (!L)
    return refuse(O, O.at, L.failure().message);
  R.license = *L;
  R.text += composedEntry(O, *Hook, *Profile, Calls);
  if (!R.license.empty())
    R.text += "\nchar __bpfcarve_license[] __attribute__((section(\"license\"), used)) = \"" +
              R.license + "\";\n";

  auto Scratch = toolchain::TempDir::create("bpfcarve-compose");
  if (!Scratch)
    return Scratch.failure();
  auto Obj = verifier::compileText(R.text, Scratch->path(),
                                   std::filesystem::path(O.output).filename().string(), R.flags);
  if (!Obj)
    return compileFailure(O, Parts, Obj.failure());
  if (auto W = toolchain::writeFileAtomically(O.output, R.text); !W)
    return W.failure();
  auto V = verifier::verifyObject(*Obj, {O.name, "", nullptr, O.output});
  if (!V)
    return V.failure();
  R.verify = V.take();
  R.verify.object = O.output;
  R.exitCode = verifier::reportExitCode(R.verify);
  if (R.exitCode != 0 || O.packets.empty())
    return R;
  auto D = chainDiffRun(O, Parts, *M, *Obj, Scratch->path());
  if (!D) {
    if (D.failure().kind != FailureKind::Environment)
      return D.failure();
    R.diffRunSkipped = D.failure().message;
    return R;
  }
  R.diffRun = D.take();
  R.exitCode = verifier::diffRunExitCode(*R.diffRun);
  return R;
}

} // namespace bpfcarve::transformer
