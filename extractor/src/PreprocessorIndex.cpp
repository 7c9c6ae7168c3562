//===- PreprocessorIndex.cpp ----------------------------------------------===//
#include "PreprocessorIndex.h"

#include "clang/Basic/IdentifierTable.h"
#include "clang/Lex/Token.h"

namespace bpfcarve::extractor {

using namespace clang;

void PreprocessorIndex::InclusionDirective(SourceLocation HashLoc, const Token &, StringRef FileName,
                                           bool IsAngled, CharSourceRange, OptionalFileEntryRef File,
                                           StringRef, StringRef, const Module *, bool,
                                           SrcMgr::CharacteristicKind) {
  RecordedInclude I;
  I.hashLoc = HashLoc;
  I.spelled = (IsAngled ? "<" : "\"") + FileName.str() + (IsAngled ? ">" : "\"");
  if (File)
    I.resolved = File->getFileEntry().tryGetRealPathName().str();
  if (I.resolved.empty() && File)
    I.resolved = File->getName().str();
  includes.push_back(std::move(I));
}

void PreprocessorIndex::MacroDefined(const Token &MacroNameTok, const MacroDirective *MD) {
  const MacroInfo *MI = MD->getMacroInfo();
  SourceLocation Loc = MacroNameTok.getLocation();
  if (!MI || Loc.isInvalid() || !SM.getFileEntryRefForID(SM.getFileID(Loc)))
    return; // builtin and command-line macros have no file
  macroIndex[MI] = macros.size();
  macros.push_back({MacroNameTok.getIdentifierInfo()->getName().str(), MI, Loc});
  FileID F = SM.getFileID(MI->getDefinitionLoc());
  unsigned Begin = SM.getFileOffset(MI->getDefinitionLoc());
  unsigned End = SM.getFileOffset(MI->getDefinitionEndLoc());
  bodies[F][Begin] = {End, MI};
}

const MacroInfo *PreprocessorIndex::macroDefinedAround(SourceLocation SpellingLoc) const {
  if (SpellingLoc.isInvalid() || !SpellingLoc.isFileID())
    return nullptr;
  auto FIt = bodies.find(SM.getFileID(SpellingLoc));
  if (FIt == bodies.end())
    return nullptr;
  unsigned Off = SM.getFileOffset(SpellingLoc);
  auto It = FIt->second.upper_bound(Off);
  if (It == FIt->second.begin())
    return nullptr;
  --It;
  return Off <= It->second.first ? It->second.second : nullptr;
}

void PreprocessorIndex::MacroExpands(const Token &MacroNameTok, const MacroDefinition &MD,
                                     SourceRange Range, const MacroArgs *) {
  const MacroInfo *MI = MD.getMacroInfo();
  if (!MI)
    return;
  SourceLocation NameLoc = MacroNameTok.getLocation();
  RecordedMacroUse U;
  U.macro = MI;
  U.name = MacroNameTok.getIdentifierInfo()->getName().str();
  U.kind = "expansion";
  U.fileLoc = SM.getExpansionLoc(NameLoc);
  if (NameLoc.isMacroID()) {
    // Expanded while expanding another macro: the name was spelled either in that macro's body
    // (a macro-in-macro edge) or in an argument at the use site (a plain use there).
    U.parent = macroDefinedAround(SM.getSpellingLoc(NameLoc));
  }
  uses.push_back(std::move(U));
}

void PreprocessorIndex::recordTest(const Token &NameTok, const MacroDefinition &MD,
                                   const char *Kind) {
  RecordedMacroUse U;
  U.macro = MD.getMacroInfo();
  U.name = NameTok.getIdentifierInfo() ? NameTok.getIdentifierInfo()->getName().str() : "";
  U.kind = Kind;
  U.fileLoc = SM.getExpansionLoc(NameTok.getLocation());
  if (NameTok.getLocation().isMacroID())
    U.parent = macroDefinedAround(SM.getSpellingLoc(NameTok.getLocation()));
  uses.push_back(std::move(U));
}

void PreprocessorIndex::MacroUndefined(const Token &NameTok, const MacroDefinition &MD,
                                       const MacroDirective *) {
  if (const MacroInfo *MI = MD.getMacroInfo())
    undefs.emplace_back(MI, NameTok.getLocation());
}

void PreprocessorIndex::Ifdef(SourceLocation, const Token &NameTok, const MacroDefinition &MD) {
  recordTest(NameTok, MD, "ifdef");
}
void PreprocessorIndex::Ifndef(SourceLocation, const Token &NameTok, const MacroDefinition &MD) {
  recordTest(NameTok, MD, "ifndef");
}
void PreprocessorIndex::Defined(const Token &NameTok, const MacroDefinition &MD, SourceRange) {
  recordTest(NameTok, MD, "defined");
}
void PreprocessorIndex::If(SourceLocation, SourceRange Cond, ConditionValueKind) {
  conditions.push_back(Cond);
}
void PreprocessorIndex::Elif(SourceLocation Loc, SourceRange Cond, ConditionValueKind,
                             SourceLocation IfLoc) {
  conditions.push_back(Cond);
  if (IfLoc.isValid())
    openBranches[IfLoc.getRawEncoding()].push_back(Loc);
}
void PreprocessorIndex::Else(SourceLocation Loc, SourceLocation IfLoc) {
  if (IfLoc.isValid())
    openBranches[IfLoc.getRawEncoding()].push_back(Loc);
}
void PreprocessorIndex::Endif(SourceLocation Loc, SourceLocation IfLoc) {
  if (IfLoc.isInvalid())
    return;
  ConditionalRegion R{IfLoc, Loc, {}};
  auto It = openBranches.find(IfLoc.getRawEncoding());
  if (It != openBranches.end()) {
    R.branches = std::move(It->second);
    openBranches.erase(It);
  }
  regions.push_back(std::move(R));
}

} // namespace bpfcarve::extractor
