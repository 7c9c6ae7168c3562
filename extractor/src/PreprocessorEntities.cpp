//===- PreprocessorEntities.cpp - includes, macros, #undef and conditionals ---===//
//
// The preprocessor's entities: each #include of the input, each project macro (with the
// entities its body names and the conditionals that guard it) and each conditional region.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"
#include "LocalConstants.h"

#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Lex/Lexer.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cctype>
#include <functional>

namespace bpfcarve::extractor::builder {

void Builder::recordConditionals() {
  for (const ConditionalRegion &R : PP.regions) {
    FileID F = SM.getFileID(SM.getExpansionLoc(R.ifLoc));
    if (facts(F).origin == Origin::System)
      continue;
    Conditional C;
    C.file = facts(F).display;
    C.directives.push_back(lineSpanAt(R.ifLoc));
    for (SourceLocation B : R.branches)
      C.directives.push_back(lineSpanAt(B));
    C.directives.push_back(lineSpanAt(R.endLoc));
    C.region = C.directives.front();
    C.region.endOffset = C.directives.back().endOffset;
    C.region.endLine = C.directives.back().endLine;
    C.region.endColumn = C.directives.back().endColumn;
    C.includeGuard = includeGuardOf(R);
    M.conditionals.push_back(std::move(C));
  }
  std::sort(M.conditionals.begin(), M.conditionals.end(),
            [&](const Conditional &A, const Conditional &B) {
              return M.orderKey(A.file, A.region.beginOffset) <
                     M.orderKey(B.file, B.region.beginOffset);
            });
}

namespace {

/// T after the comments and white space it starts with (an unterminated comment is kept).
llvm::StringRef skipComments(llvm::StringRef T) {
  while (true) {
    T = T.ltrim();
    if (T.starts_with("//")) {
      T = T.drop_until([](char C) { return C == '\n'; });
    } else if (T.starts_with("/*")) {
      size_t Close = T.find("*/", 2);
      if (Close == llvm::StringRef::npos)
        return T;
      T = T.drop_front(Close + 2);
    } else {
      return T;
    }
  }
}

bool onlyComments(llvm::StringRef T) { return skipComments(T).empty(); }

/// The identifier after directive Name on line Line (`#  ifndef  X_H` -> X_H), or "".
llvm::StringRef directiveOperand(llvm::StringRef Line, llvm::StringRef Name) {
  Line = Line.ltrim();
  if (!Line.consume_front("#"))
    return {};
  Line = Line.ltrim(" \t");
  if (!Line.consume_front(Name) || Line.empty() || (Line[0] != ' ' && Line[0] != '\t'))
    return {};
  Line = Line.ltrim(" \t");
  return Line.take_while(
      [](char C) { return std::isalnum(static_cast<unsigned char>(C)) || C == '_'; });
}

} // namespace

std::string Builder::includeGuardOf(const ConditionalRegion &R) const {
  FileID F = SM.getFileID(R.ifLoc);
  bool Invalid = false;
  llvm::StringRef Buf = SM.getBufferData(F, &Invalid);
  if (Invalid || !R.branches.empty() || SM.getFileID(R.endLoc) != F)
    return {};
  size_t IfLine = Buf.rfind('\n', SM.getFileOffset(R.ifLoc));
  IfLine = IfLine == llvm::StringRef::npos ? 0 : IfLine + 1;
  size_t IfEnd = Buf.find('\n', IfLine);
  size_t EndLine = Buf.find('\n', SM.getFileOffset(R.endLoc));
  if (IfEnd == llvm::StringRef::npos || !onlyComments(Buf.take_front(IfLine)) ||
      (EndLine != llvm::StringRef::npos && !onlyComments(Buf.drop_front(EndLine))))
    return {};
  llvm::StringRef Name = directiveOperand(Buf.slice(IfLine, IfEnd), "ifndef");
  if (Name.empty())
    return {};
  // The first line inside that says anything defines it.
  llvm::StringRef First =
      skipComments(Buf.drop_front(IfEnd + 1)).take_until([](char C) { return C == '\n'; });
  return directiveOperand(First, "define") == Name ? Name.str() : std::string();
}

std::string Builder::includeProviding(SourceLocation L) {
  FileID F = SM.getFileID(SM.getExpansionLoc(L));
  for (int Guard = 0; Guard < 256 && F.isValid(); ++Guard) {
    SourceLocation Inc = SM.getIncludeLoc(F);
    if (Inc.isInvalid())
      return {};
    FileID Parent = SM.getFileID(Inc);
    const FileFacts &PF = facts(Parent);
    if (PF.origin != Origin::System) {
      auto It = IncludeAt.find({PF.display, SM.getLineNumber(Parent, SM.getFileOffset(Inc))});
      return It == IncludeAt.end() ? std::string() : It->second;
    }
    F = Parent;
  }
  return {};
}

void Builder::recordIncludes() {
  // Includes made by main/local files, in order; nested includes of local headers hang under the
  // include of that header.
  std::map<std::string, std::string> IncludeOfFile; // resolved abs path -> include id
  for (const RecordedInclude &RI : PP.includes) {
    FileID F = SM.getFileID(RI.hashLoc);
    const FileFacts &From = facts(F);
    if (From.origin == Origin::System)
      continue;
    Include I;
    I.spelled = RI.spelled;
    I.resolved = RI.resolved;
    I.from = From.display;
    I.line = SM.getLineNumber(F, SM.getFileOffset(RI.hashLoc));
    if (RI.spelled[0] == '"' && !From.abs.empty() &&
        !llvm::sys::path::is_absolute(llvm::StringRef(RI.spelled).drop_front().drop_back())) {
      llvm::SmallString<256> Beside(llvm::sys::path::parent_path(From.abs));
      llvm::sys::path::append(Beside, llvm::StringRef(RI.spelled).drop_front().drop_back());
      FileManager &FM = SM.getFileManager();
      auto There = FM.getOptionalFileRef(Beside), Found = FM.getOptionalFileRef(RI.resolved);
      if (There && Found && There->getUniqueID() == Found->getUniqueID())
        I.besideIncluder = Beside.str().str();
    }
    I.directive = lineSpanAt(RI.hashLoc);
    I.id = "include:" + RI.spelled + "@" + I.from + ":" + std::to_string(I.line);
    // The class of the file it includes, as of its first entry (a later include of it may
    // enter nothing: its guard is defined by then).
    FileID Included;
    if (auto FE = SM.getFileManager().getOptionalFileRef(RI.resolved))
      Included = SM.translateFile(*FE);
    if (Included.isValid())
      I.headerClass = facts(Included).headerClass;
    else
      I.headerClass = Headers.classify(RI.resolved, RI.spelled[0] == '<',
                                       llvm::StringRef(RI.spelled).drop_front().drop_back());
    IncludeAt[{I.from, I.line}] = I.id;
    if (From.origin == Origin::Local)
      if (auto It = IncludeOfFile.find(From.abs); It != IncludeOfFile.end())
        addEdge(It->second, I.id, edge::Includes, {});
    IncludeOfFile.emplace(RI.resolved, I.id);
    unsigned Off = SM.getFileOffset(RI.hashLoc);
    Spans[F].emplace_back(Off, Off + 1, I.id);
    M.includes.push_back(std::move(I));
  }
}

std::string Builder::macroEntity(const MacroInfo *MI) {
  if (!MI)
    return {};
  if (auto It = MacroIds.find(MI); It != MacroIds.end())
    return It->second;
  auto Idx = PP.macroIndex.find(MI);
  if (Idx == PP.macroIndex.end())
    return MacroIds[MI] = std::string();
  const RecordedMacro &RM = PP.macros[Idx->second];
  Macro Mc;
  Mc.name = RM.name;
  Mc.id = makeId("macro", RM.name, RM.hashLine);
  FileID F = SM.getFileID(RM.hashLine);
  Mc.origin = facts(F).origin;
  Mc.functionLike = MI->isFunctionLike();
  SourceLocation End =
      Lexer::getLocForEndOfToken(MI->getDefinitionEndLoc(), 0, SM, Ctx.getLangOpts());
  unsigned NameOff = SM.getFileOffset(RM.hashLine);
  unsigned EndOff = End.isValid() && SM.getFileID(End) == F ? SM.getFileOffset(End) : NameOff;
  bool Invalid = false;
  llvm::StringRef Buf = SM.getBufferData(F, &Invalid);
  if (!Invalid) {
    Mc.definition = Buf.substr(NameOff, EndOff - NameOff).str();
    unsigned LineStart = NameOff;
    while (LineStart > 0 && Buf[LineStart - 1] != '\n')
      --LineStart;
    Mc.decl.file = facts(F).display;
    Mc.decl.beginOffset = LineStart;
    Mc.decl.endOffset = EndOff;
    Mc.decl.beginLine = SM.getLineNumber(F, LineStart);
    Mc.decl.beginColumn = 1;
    Mc.decl.endLine = SM.getLineNumber(F, EndOff);
    Mc.decl.endColumn = SM.getColumnNumber(F, EndOff);
  }
  MacroIds[MI] = Mc.id;
  if (Mc.decl.valid() && Mc.origin != Origin::System)
    M.spans[Mc.id].push_back(Mc.decl);
  // A system macro (SEC, __uint, ...) needs its header like any other system entity: point it at
  // the file's #include that provides it, as entityFor does for declarations.
  if (Mc.origin == Origin::System)
    addEdge(Mc.id, includeProviding(RM.hashLine), edge::DeclaredIn, {});
  M.macros.push_back(std::move(Mc));
  return M.macros.back().id;
}

std::string Builder::entityContaining(FileID F, unsigned Offset) {
  auto It = Spans.find(F);
  if (It == Spans.end())
    return {};
  auto &V = It->second;
  auto Up = std::upper_bound(V.begin(), V.end(), std::make_tuple(Offset, ~0u, std::string("\xff")));
  // Co-located declarations share a begin (anonymous struct + its map variable): the innermost
  // containing span is the last one that still contains Offset.
  std::string Best;
  unsigned BestLen = ~0u;
  for (int Steps = 0; Up != V.begin() && Steps < 16; ++Steps) {
    --Up;
    auto &[B, E, Id] = *Up;
    if (Offset >= B && Offset < E && E - B < BestLen) {
      Best = Id;
      BestLen = E - B;
    }
  }
  return Best;
}

std::vector<std::string> Builder::entitiesInside(FileID F, unsigned Begin, unsigned End) {
  std::vector<std::string> Out;
  auto It = Spans.find(F);
  if (It == Spans.end())
    return Out;
  // Inside, or crossing it: pyperf.h writes `#ifdef GLOBAL_FUNC / __noinline / #else / static
  // __always_inline / #endif` before `int __on_event(...)`, whose text then takes the whole
  // conditional, so it needs the macro tested there.
  for (auto &[B, E, Id] : It->second)
    if (B < End && E > Begin)
      Out.push_back(Id);
  return Out;
}

namespace {
/// The #if/#elif conditions of each file as offset ranges: a use inside one is a test. Indexed
/// by file once, since system headers bring thousands of both uses and conditions.
class ConditionIndex {
public:
  ConditionIndex(const SourceManager &SM, const std::vector<SourceRange> &Conditions) : SM(SM) {
    for (const SourceRange &R : Conditions) {
      SourceLocation B = SM.getExpansionLoc(R.getBegin()), E = SM.getExpansionLoc(R.getEnd());
      FileID F = SM.getFileID(B);
      if (F != SM.getFileID(E))
        continue;
      Ranges[F.getHashValue()].emplace_back(SM.getFileOffset(B), SM.getFileOffset(E));
    }
  }
  bool contains(FileID F, SourceLocation L) const {
    auto It = Ranges.find(F.getHashValue());
    if (It == Ranges.end())
      return false;
    unsigned Off = SM.getFileOffset(L);
    for (const auto &[B, E] : It->second)
      if (B <= Off && Off <= E)
        return true;
    return false;
  }

private:
  const SourceManager &SM;
  std::unordered_map<unsigned, std::vector<std::pair<unsigned, unsigned>>> Ranges;
};
} // namespace

void Builder::indexProjectMacros() {
  // Every macro defined in a main/local file is an entity, used or not.
  for (const RecordedMacro &RM : PP.macros)
    if (facts(SM.getFileID(RM.hashLine)).origin != Origin::System) {
      if (!RM.info)
        continue; // (a preamble's macro the parse never met: its headers are all system headers)
      std::string Id = macroEntity(RM.info);
      auto &Mc = M.macros.back();
      if (Mc.id == Id && Mc.decl.valid())
        Spans[SM.getFileID(RM.hashLine)].emplace_back(Mc.decl.beginOffset, Mc.decl.endOffset, Id);
    }
  for (auto &[F, V] : Spans)
    std::sort(V.begin(), V.end());
}

bool Builder::isProjectMacro(const MacroInfo *MI) {
  auto Idx = MI ? PP.macroIndex.find(MI) : PP.macroIndex.end();
  return Idx != PP.macroIndex.end() &&
         facts(SM.getFileID(PP.macros[Idx->second].hashLine)).origin != Origin::System;
}

void Builder::recordMacros() {
  indexProjectMacros();
  ConditionIndex Conditions(SM, PP.conditions);
  std::unordered_map<std::string, size_t> MacroPos;
  std::unordered_map<std::string, std::string> ProjectMacroByName;
  for (size_t I = 0; I < M.macros.size(); ++I) {
    MacroPos[M.macros[I].id] = I;
    ProjectMacroByName.emplace(M.macros[I].name, M.macros[I].id);
  }

  for (const RecordedMacroUse &U : PP.uses) {
    if (U.fileLoc.isInvalid())
      continue;
    FileID F = SM.getFileID(U.fileLoc);
    const FileFacts &Facts = facts(F);
    std::string Kind = U.kind;
    if (Kind == "expansion" && Conditions.contains(F, U.fileLoc))
      Kind = "if";
    bool IsTest = Kind != "expansion";
    const char *Edge = IsTest ? edge::TestsMacro : edge::ExpandsMacro;

    // Spelled inside another macro's body: a macro-to-macro edge, from a project macro.
    if (U.parent && isProjectMacro(U.parent)) {
      addEdge(macroEntity(U.parent), macroEntity(U.macro), Edge, {});
      continue;
    }
    // Spelled in a system macro's body: only a project macro matters, as samples/bpf's
    // `#define KBUILD_MODNAME "foo"` that the kernel's pr_debug() reaches through
    // dynamic_debug.h's `.modname = KBUILD_MODNAME`. Whatever expands the system macro needs it.
    if (U.parent && !isProjectMacro(U.macro))
      continue;
    if (Facts.origin == Origin::System) {
      // A project macro that a system header expands or tests configures that header:
      //   #define BPF_NO_PRESERVE_ACCESS_INDEX
      //   #include <vmlinux.h>        (tests it with #ifndef)
      // so the #include that brings the header in needs the macro, defined before it.
      if (isProjectMacro(U.macro))
        addEdge(includeProviding(U.fileLoc), macroEntity(U.macro), Edge, {});
      continue;
    }
    if (U.parent) { // a project entity that expands the system macro
      if (std::string Owner = entityContaining(F, SM.getFileOffset(U.fileLoc)); !Owner.empty())
        addEdge(Owner, macroEntity(U.macro), Edge, U.fileLoc);
      continue;
    }
    std::string Target = macroEntity(U.macro);
    if (Target.empty() && IsTest) {
      // `#ifndef MAX_E` / `#define MAX_E 16`: the test runs before the definition exists, but
      // it is about the project's macro of that name.
      auto ByName = ProjectMacroByName.find(U.name);
      if (ByName != ProjectMacroByName.end())
        Target = ByName->second;
    }
    if (Target.empty())
      continue; // a test of a macro defined nowhere in the project
    auto P = MacroPos.find(Target);
    if (P == MacroPos.end()) // created just now: a system macro, at the back
      P = MacroPos.emplace(Target, M.macros.size() - 1).first;
    unsigned Off = SM.getFileOffset(U.fileLoc);
    M.macros[P->second].uses.push_back(macroUseAt(F, Off, U.name.size(), Kind));
    if (std::string Owner = entityContaining(F, Off); !IsTest || !Owner.empty()) {
      addEdge(Owner, Target, Edge, U.fileLoc);
      continue;
    }
    // A test outside any declaration guards what its innermost #if ... #endif region holds.
    // An include guard guards nothing a copy needs: the copy is one, and has no guard.
    if (const ConditionalRegion *Inner = innermostRegion(F, U.fileLoc);
        Inner && includeGuardOf(*Inner) != U.name)
      for (const std::string &Id :
           entitiesInside(F, SM.getFileOffset(Inner->ifLoc), SM.getFileOffset(Inner->endLoc)))
        addEdge(Id, Target, edge::GuardedBy, U.fileLoc);
  }
}

MacroUse Builder::macroUseAt(FileID F, unsigned Off, size_t Length, const std::string &Kind) {
  MacroUse MU;
  MU.kind = Kind;
  MU.site.file = facts(F).display;
  MU.site.beginOffset = Off;
  MU.site.endOffset = Off + static_cast<unsigned>(Length);
  MU.site.beginLine = MU.site.endLine = SM.getLineNumber(F, Off);
  MU.site.beginColumn = SM.getColumnNumber(F, Off);
  MU.site.endColumn = MU.site.beginColumn + static_cast<unsigned>(Length);
  return MU;
}

const ConditionalRegion *Builder::innermostRegion(FileID F, SourceLocation L) const {
  const ConditionalRegion *Inner = nullptr;
  for (const ConditionalRegion &R : PP.regions) {
    if (SM.getFileID(R.ifLoc) != F || SM.isBeforeInTranslationUnit(L, R.ifLoc) ||
        SM.isBeforeInTranslationUnit(R.endLoc, L))
      continue;
    if (!Inner || SM.isBeforeInTranslationUnit(Inner->ifLoc, R.ifLoc))
      Inner = &R;
  }
  return Inner;
}

} // namespace bpfcarve::extractor::builder
