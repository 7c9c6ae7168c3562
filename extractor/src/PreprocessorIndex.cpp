//===- PreprocessorIndex.cpp ----------------------------------------------===//
#include "PreprocessorIndex.h"
#include "HeaderPolicy.h"

#include "bpfcarve/extractor/Frontend.h"

#include "clang/Basic/IdentifierTable.h"
#include "clang/Lex/Token.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <set>

namespace bpfcarve::extractor {

using namespace clang;

void PreprocessorIndex::InclusionDirective(SourceLocation HashLoc, const Token &,
                                           StringRef FileName, bool IsAngled, CharSourceRange,
                                           OptionalFileEntryRef File, StringRef, StringRef,
                                           const Module *, bool, SrcMgr::CharacteristicKind) {
  importPreamble();
  RecordedInclude I;
  I.hashLoc = HashLoc;
  I.spelled = (IsAngled ? "<" : "\"") + FileName.str() + (IsAngled ? ">" : "\"");
  if (File)
    I.resolved = File->getFileEntry().tryGetRealPathName().str();
  if (File && WithPreamble) {
    // A header the preamble holds is not opened again, and its recorded "real" path is only the
    // absolute one: the real path as opening the file gives it.
    llvm::SmallString<256> P;
    if (!SM.getFileManager().getVirtualFileSystem().getRealPath(File->getName(), P))
      I.resolved = P.str().str();
  }
  if (I.resolved.empty() && File)
    I.resolved = File->getName().str();
  includes.push_back(std::move(I));
}

void PreprocessorIndex::MacroDefined(const Token &MacroNameTok, const MacroDirective *MD) {
  importPreamble();
  const MacroInfo *MI = MD->getMacroInfo();
  SourceLocation Loc = MacroNameTok.getLocation();
  if (!MI || Loc.isInvalid() || !SM.getFileEntryRefForID(SM.getFileID(Loc)))
    return; // builtin and command-line macros have no file
  macroIndex[MI] = macros.size();
  macros.push_back({MacroNameTok.getIdentifierInfo()->getName().str(), MI, Loc});
  FileID F = SM.getFileID(MI->getDefinitionLoc());
  unsigned Begin = SM.getFileOffset(MI->getDefinitionLoc());
  unsigned End = SM.getFileOffset(MI->getDefinitionEndLoc());
  bodies[F][Begin] = {End, macros.size() - 1};
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
  return Off <= It->second.first ? macros[It->second.second].info : nullptr;
}

void PreprocessorIndex::MacroExpands(const Token &MacroNameTok, const MacroDefinition &MD,
                                     SourceRange Range, const MacroArgs *) {
  importPreamble();
  const MacroInfo *MI = MD.getMacroInfo();
  if (!MI)
    return;
  adopt(MI);
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
  importPreamble();
  adopt(MD.getMacroInfo());
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
  importPreamble();
  if (const MacroInfo *MI = MD.getMacroInfo()) {
    adopt(MI);
    undefs.emplace_back(MI, NameTok.getLocation());
  }
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
  importPreamble();
  conditions.push_back(Cond);
}
void PreprocessorIndex::Elif(SourceLocation Loc, SourceRange Cond, ConditionValueKind,
                             SourceLocation IfLoc) {
  importPreamble();
  conditions.push_back(Cond);
  if (IfLoc.isValid())
    openBranches[IfLoc.getRawEncoding()].push_back(Loc);
}
void PreprocessorIndex::Else(SourceLocation Loc, SourceLocation IfLoc) {
  importPreamble();
  if (IfLoc.isValid())
    openBranches[IfLoc.getRawEncoding()].push_back(Loc);
}
void PreprocessorIndex::Endif(SourceLocation Loc, SourceLocation IfLoc) {
  importPreamble();
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

namespace {

constexpr llvm::StringLiteral RecordMagic = "bpfcarve-preamble-index 1";

/// What ModelBuilder's facts() makes of a file: only system files may be in a preamble.
bool isSystemForModel(SourceManager &SM, FileID F, FileEntryRef FE) {
  std::string Real = FE.getFileEntry().tryGetRealPathName().str();
  if (Real.empty()) {
    Real = absolutePath(FE.getName().str());
  }
  return llvm::StringRef(Real).starts_with("/usr/include/bpf/") || isVmlinuxHeader(Real) ||
         SM.isInSystemHeader(SM.getLocForStartOfFile(F));
}

bool plain(llvm::StringRef S) { return !S.contains('\t') && !S.contains('\n'); }

} // namespace

std::string PreprocessorIndex::serializePreamble() const {
  // Every file of the preamble but the main file must be one the model takes as a system file.
  FileID Main = SM.getMainFileID();
  for (unsigned I = 1, N = SM.local_sloc_entry_size(); I < N; ++I) {
    const SrcMgr::SLocEntry &E = SM.getLocalSLocEntry(I);
    if (!E.isFile())
      continue;
    FileID F = SM.getDecomposedLoc(SourceLocation::getFromRawEncoding(E.getOffset())).first;
    OptionalFileEntryRef FE = SM.getFileEntryRefForID(F);
    if (FE && F != Main && !isSystemForModel(SM, F, *FE))
      return "";
  }
  std::string Out = RecordMagic.str() + "\n";
  std::map<FileID, size_t> FileIndex;
  bool Ok = true;
  // The file of a location as an index in the record's file table (added on first sight), or
  // -1 when it is in no file.
  auto fileOf = [&](SourceLocation L) -> long {
    if (L.isInvalid() || !L.isFileID())
      return -1;
    FileID F = SM.getFileID(L);
    auto It = FileIndex.find(F);
    if (It != FileIndex.end())
      return static_cast<long>(It->second);
    OptionalFileEntryRef FE = SM.getFileEntryRefForID(F);
    if (!FE || !plain(FE->getName()))
      return -1;
    Out += "F\t" + std::to_string(SM.getLocForStartOfFile(F).getRawEncoding()) + "\t" +
           (F == Main ? "1" : "0") + "\t" + FE->getName().str() + "\n";
    FileIndex.emplace(F, FileIndex.size());
    return static_cast<long>(FileIndex.size() - 1);
  };
  for (const RecordedInclude &I : includes) {
    long F = fileOf(I.hashLoc);
    if (F < 0 || !plain(I.spelled) || !plain(I.resolved))
      return "";
    Out += "I\t" + std::to_string(F) + "\t" + std::to_string(SM.getFileOffset(I.hashLoc)) + "\t" +
           I.spelled + "\t" + I.resolved + "\n";
  }
  for (const RecordedMacro &M : macros) {
    long F = fileOf(M.hashLine);
    SourceLocation B = M.info->getDefinitionLoc(), E = M.info->getDefinitionEndLoc();
    long BF = fileOf(B);
    if (F < 0 || BF < 0 || !E.isFileID() || SM.getFileID(E) != SM.getFileID(B) || !plain(M.name))
      return "";
    Out += "M\t" + std::to_string(F) + "\t" + std::to_string(SM.getFileOffset(M.hashLine)) + "\t" +
           std::to_string(BF) + "\t" + std::to_string(SM.getFileOffset(B)) + "\t" +
           std::to_string(SM.getFileOffset(E)) + "\t" + M.name + "\n";
  }
  // Of uses, regions and #undefs the model only visits the files, the first time it meets each.
  auto files = [&](char Tag, const std::vector<SourceLocation> &Locs) {
    std::set<long> Seen;
    for (SourceLocation L : Locs) {
      if (L.isInvalid())
        continue;
      L = SM.getExpansionLoc(L);
      if (!SM.getFileEntryRefForID(SM.getFileID(L)))
        continue; // <built-in> or <scratch space>: the model records nothing of such a file
      long F = fileOf(L);
      if (F < 0) {
        Ok = false;
        return;
      }
      if (Seen.insert(F).second)
        Out += std::string(1, Tag) + "\t" + std::to_string(F) + "\n";
    }
  };
  std::vector<SourceLocation> Locs;
  Locs.reserve(uses.size());
  for (const RecordedMacroUse &U : uses)
    Locs.push_back(U.fileLoc);
  files('U', Locs);
  Locs.clear();
  for (const ConditionalRegion &R : regions)
    Locs.push_back(R.ifLoc);
  files('R', Locs);
  Locs.clear();
  for (const auto &[MI, L] : undefs)
    if (macroIndex.count(MI))
      Locs.push_back(L);
  files('D', Locs);
  if (!Ok || !openBranches.empty())
    return "";
  return Out;
}

bool PreprocessorIndex::importPreamble() {
  if (Imported)
    return ImportOk;
  Imported = true;
  if (PendingRecord.empty())
    return true;
  std::string Record = std::move(PendingRecord);
  PendingRecord.clear();
  ImportOk = importRecord(Record);
  return ImportOk;
}

bool PreprocessorIndex::importRecord(llvm::StringRef Record) {
  FileID Pre = SM.getPreambleFileID(), Main = SM.getMainFileID();
  if (Pre.isInvalid() || Main.isInvalid() || !includes.empty() || !macros.empty() ||
      !uses.empty() || !regions.empty() || !undefs.empty())
    return false;
  SourceLocation PreStart = SM.getLocForStartOfFile(Pre);
  std::vector<std::pair<FileID, SourceLocation>> Files; // the file and its start, per index
  long long MainDelta = 0;
  bool HaveMain = false;
  llvm::SmallVector<llvm::StringRef, 8> Fields;
  llvm::StringRef Rest = Record;
  auto loc = [&](llvm::StringRef FileText, llvm::StringRef OffText, SourceLocation &Out) {
    unsigned long F = 0, Off = 0;
    if (FileText.getAsInteger(10, F) || OffText.getAsInteger(10, Off) || F >= Files.size())
      return false;
    OptionalFileEntryRef FE = SM.getFileEntryRefForID(Files[F].first);
    if (!FE || Off > static_cast<unsigned long>(FE->getSize()))
      return false;
    Out = Files[F].second.getLocWithOffset(static_cast<int>(Off));
    return true;
  };
  auto [First, AfterFirst] = Rest.split('\n');
  if (First != RecordMagic)
    return false;
  Rest = AfterFirst;
  while (!Rest.empty()) {
    auto [Line, Next] = Rest.split('\n');
    Rest = Next;
    Fields.clear();
    Line.split(Fields, '\t');
    llvm::StringRef Tag = Fields[0];
    if (Tag == "F" && Fields.size() == 4) {
      // Start offsets keep their distances in the loaded source manager: the preamble's main
      // file anchors them. Each file must then start where the record says, with its name.
      unsigned long long Start = 0;
      if (Fields[1].getAsInteger(10, Start))
        return false;
      if (Fields[2] == "1") {
        if (HaveMain)
          return false;
        MainDelta =
            static_cast<long long>(PreStart.getRawEncoding()) - static_cast<long long>(Start);
        HaveMain = true;
      }
      if (!HaveMain) {
        // The main file is entered first: every other file starts after it.
        return false;
      }
      long long Mapped = static_cast<long long>(Start) + MainDelta;
      if (Mapped <= 0 || Mapped >= (1ll << 31))
        return false;
      SourceLocation L =
          SourceLocation::getFromRawEncoding(static_cast<SourceLocation::UIntTy>(Mapped));
      auto [FID, Off] = SM.getDecomposedLoc(L);
      OptionalFileEntryRef FE = FID.isValid() ? SM.getFileEntryRefForID(FID) : std::nullopt;
      if (Off != 0 || !FE || FE->getName() != Fields[3] || !SM.isLoadedFileID(FID))
        return false;
      if (Fields[2] == "1") {
        if (FID != Pre)
          return false;
        // The main file's own lines are the parse's main file, not the preamble's copy of it.
        Files.emplace_back(Main, SM.getLocForStartOfFile(Main));
      } else {
        Files.emplace_back(FID, L);
      }
    } else if (Tag == "I" && Fields.size() == 5) {
      RecordedInclude I;
      if (!loc(Fields[1], Fields[2], I.hashLoc) || Fields[3].size() < 2)
        return false;
      I.spelled = Fields[3].str();
      I.resolved = Fields[4].str();
      includes.push_back(std::move(I));
    } else if (Tag == "M" && Fields.size() == 7) {
      SourceLocation NameLoc, Begin;
      unsigned long End = 0;
      if (!loc(Fields[1], Fields[2], NameLoc) || !loc(Fields[3], Fields[4], Begin) ||
          Fields[5].getAsInteger(10, End))
        return false;
      PendingMacros[Begin.getRawEncoding()] = macros.size();
      bodies[SM.getFileID(Begin)][SM.getFileOffset(Begin)] = {static_cast<unsigned>(End),
                                                              macros.size()};
      macros.push_back({Fields[6].str(), nullptr, NameLoc});
    } else if ((Tag == "U" || Tag == "R" || Tag == "D") && Fields.size() == 2) {
      SourceLocation L;
      if (!loc(Fields[1], "0", L))
        return false;
      if (Tag == "U") {
        RecordedMacroUse U;
        U.fileLoc = L;
        U.kind = "expansion";
        uses.push_back(std::move(U));
      } else if (Tag == "R") {
        regions.push_back({L, L, {}});
      } else {
        preambleUndefs.push_back(L);
      }
    } else {
      return false;
    }
  }
  return HaveMain;
}

void PreprocessorIndex::adopt(const MacroInfo *MI) {
  if (!MI || PendingMacros.empty() || macroIndex.count(MI))
    return;
  auto It = PendingMacros.find(MI->getDefinitionLoc().getRawEncoding());
  if (It == PendingMacros.end())
    return;
  macros[It->second].info = MI;
  macroIndex[MI] = It->second;
  PendingMacros.erase(It);
}

} // namespace bpfcarve::extractor
