//===- PreprocessorIndex.h - macros, #if tests and includes of one parse -*- C++ -*-===//
//
// PPCallbacks that record, while clang preprocesses, what the AST no longer knows: macro
// definitions and every expansion (with the macro it was expanded from, for macro-in-macro
// edges), macros tested by #if/#ifdef/#ifndef/defined(), conditional regions, and #include
// directives. ModelBuilder turns this into model entities and edges after the parse.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "clang/Basic/SourceManager.h"
#include "clang/Lex/MacroInfo.h"
#include "clang/Lex/PPCallbacks.h"

#include <map>
#include <string>
#include <vector>

namespace bpfcarve::extractor {

struct RecordedMacro {
  std::string name;
  const clang::MacroInfo *info = nullptr;
  clang::SourceLocation hashLine; ///< the name token of the #define
};

struct RecordedMacroUse {
  const clang::MacroInfo *macro = nullptr; ///< null when a test names an undefined macro
  std::string name;
  clang::SourceLocation fileLoc;  ///< expansion location in a file
  const clang::MacroInfo *parent = nullptr; ///< macro whose body spelled this expansion
  std::string kind; ///< expansion, ifdef, ifndef, defined, if, elif
};

struct ConditionalRegion {
  clang::SourceLocation ifLoc, endLoc; ///< #if ... #endif, file locations
  std::vector<clang::SourceLocation> branches; ///< #elif / #else directives, in order
};

struct RecordedInclude {
  clang::SourceLocation hashLoc;
  std::string spelled; ///< with <> or ""
  std::string resolved;
};

class PreprocessorIndex : public clang::PPCallbacks {
public:
  explicit PreprocessorIndex(clang::SourceManager &SM) : SM(SM) {}

  void InclusionDirective(clang::SourceLocation HashLoc, const clang::Token &IncludeTok,
                          llvm::StringRef FileName, bool IsAngled,
                          clang::CharSourceRange FilenameRange, clang::OptionalFileEntryRef File,
                          llvm::StringRef SearchPath, llvm::StringRef RelativePath,
                          const clang::Module *SuggestedModule, bool ModuleImported,
                          clang::SrcMgr::CharacteristicKind FileType) override;
  void MacroDefined(const clang::Token &MacroNameTok, const clang::MacroDirective *MD) override;
  void MacroExpands(const clang::Token &MacroNameTok, const clang::MacroDefinition &MD,
                    clang::SourceRange Range, const clang::MacroArgs *Args) override;
  void Ifdef(clang::SourceLocation Loc, const clang::Token &MacroNameTok,
             const clang::MacroDefinition &MD) override;
  void Ifndef(clang::SourceLocation Loc, const clang::Token &MacroNameTok,
              const clang::MacroDefinition &MD) override;
  void Defined(const clang::Token &MacroNameTok, const clang::MacroDefinition &MD,
               clang::SourceRange Range) override;
  void If(clang::SourceLocation Loc, clang::SourceRange ConditionRange,
          ConditionValueKind ConditionValue) override;
  void Elif(clang::SourceLocation Loc, clang::SourceRange ConditionRange,
            ConditionValueKind ConditionValue, clang::SourceLocation IfLoc) override;
  void MacroUndefined(const clang::Token &MacroNameTok, const clang::MacroDefinition &MD,
                      const clang::MacroDirective *Undef) override;
  void Else(clang::SourceLocation Loc, clang::SourceLocation IfLoc) override;
  void Endif(clang::SourceLocation Loc, clang::SourceLocation IfLoc) override;

  std::vector<RecordedMacro> macros;
  std::map<const clang::MacroInfo *, size_t> macroIndex;
  std::vector<RecordedMacroUse> uses;
  std::vector<ConditionalRegion> regions;
  std::vector<RecordedInclude> includes;
  /// #undef directives: the macro they end (null when it was not defined) and where.
  std::vector<std::pair<const clang::MacroInfo *, clang::SourceLocation>> undefs;
  /// #if/#elif condition ranges: expansions inside them are tests, not code expansions.
  std::vector<clang::SourceRange> conditions;

  /// The macro whose #define body contains `SpellingLoc`, if any.
  const clang::MacroInfo *macroDefinedAround(clang::SourceLocation SpellingLoc) const;

  // --- A precompiled preamble for the model parse (docs/extract.md, "Preamble cache") ---
  // Callbacks do not fire for a preamble's headers. What they recorded while the preamble was
  // built is kept with it (serializePreamble) and put back in the parse that loads it
  // (setPreambleRecord, imported at the first callback): the includes and macro definitions in
  // full, and of the uses, #if regions and #undefs of the headers only which files they were in
  // (all the model takes of them, since a preamble is made of system headers only).

  /// The record of a preamble just built with this index as its callbacks: empty when it
  /// cannot stand for the callbacks (a header that is not a system header, a location in no
  /// file, a name with a tab or newline).
  std::string serializePreamble() const;
  /// For a parse with a preamble: its record, imported when the first callback fires.
  void setPreambleRecord(std::string Record) {
    WithPreamble = !Record.empty();
    PendingRecord = std::move(Record);
  }
  /// Imports the record now if it was not yet. False when the record does not match this
  /// parse's source manager (the model must then come from a full parse).
  bool importPreamble();
  /// Files holding an #undef of a recorded macro in the preamble (the model visits them where
  /// it visits #undefs).
  std::vector<clang::SourceLocation> preambleUndefs;

private:
  void adopt(const clang::MacroInfo *MI);
  bool importRecord(llvm::StringRef Record);
  std::string PendingRecord;
  bool Imported = false, ImportOk = true, WithPreamble = false;
  /// Macros of the record by raw definition location until the parse meets their MacroInfo.
  std::map<clang::SourceLocation::UIntTy, size_t> PendingMacros;
  void recordTest(const clang::Token &NameTok, const clang::MacroDefinition &MD, const char *Kind);
  clang::SourceManager &SM;
  /// Per file: definition begin offset -> (end offset, index in macros), for macroDefinedAround.
  std::map<clang::FileID, std::map<unsigned, std::pair<unsigned, size_t>>> bodies;
  /// #elif/#else seen for an #if (keyed by the #if's raw location) until its #endif.
  std::map<clang::SourceLocation::UIntTy, std::vector<clang::SourceLocation>> openBranches;
};

} // namespace bpfcarve::extractor
