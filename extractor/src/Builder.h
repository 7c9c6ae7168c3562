//===- Builder.h - the model builder's state, shared by its parts -*- C++ -*-===//
//
// ModelBuilder.cpp drives one walk over the translation unit (Builder::run). Its parts:
//   SourceText.cpp            file facts, spans and written text of source ranges
//   ReferenceVisitor.cpp      typed edges out of each entity (calls, callbacks, maps, ctx fields)
//   LocalConstants.h          which integer locals only ever hold constants
//   CallerArguments.cpp       what callers pass each parameter (the harness's facts)
//   ValueFlow.cpp             which named constants a program uses as data
//   MapDescription.cpp        BTF-defined and legacy map attributes
//   PreprocessorEntities.cpp  includes, macros, #undef and conditionals
//   Providers.cpp             where the names generated code uses are declared
//
//===----------------------------------------------------------------------===//
#pragma once

#include "HeaderPolicy.h"
#include "PreprocessorIndex.h"
#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/extractor/ProgramModel.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/Support/Path.h"

#include <linux/bpf.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace bpfcarve::extractor::builder {

using namespace clang;

/// UAPI context structs whose field accesses the verifier rewrites (hooks.md §1). Accesses to
/// these records are what retargeting must translate.
const std::set<std::string> &ctxRecords();
/// Helpers whose function-pointer argument is a callback the verifier calls into.
bool takesCallback(llvm::StringRef Helper);
bool isTailCall(llvm::StringRef Callee);
/// libbpf's program type name for a function's section ("xdp", "sched_cls"), "" when unknown.
std::string programTypeOf(std::string Sec);
/// libbpf's program and attach type for a section name (without a leading '?'); false when
/// libbpf does not know the section.
bool libbpfSectionType(const std::string &Sec, bpf_prog_type &Type, bpf_attach_type &Attach);

struct FileFacts {
  std::string display, abs, headerClass;
  Origin origin = Origin::System;
};

class LocalConstants;

class Builder {
public:
  Builder(ASTContext &Ctx, const PreprocessorIndex &PP, const std::string &InputPath,
          const HeaderPolicy &Headers, ProgramModel &M)
      : Ctx(Ctx), SM(Ctx.getSourceManager()), PP(PP), Headers(Headers), M(M) {
    InputDir = llvm::sys::path::parent_path(absolutePath(InputPath)).str();
    M.inputDir = InputDir;
  }

  void run();

  // --- used by the reference visitor ---------------------------------------------------
  std::string entityFor(const Decl *D); ///< id of the entity for D (created on demand)
  void addEdge(const std::string &From, const std::string &To, const char *Kind,
               SourceLocation Loc) {
    if (From.empty() || To.empty() || From == To)
      return;
    EdgeSet.insert({From, To, Kind, Loc.isValid() ? lineOf(Loc) : 0,
                    Loc.isValid() ? SM.getExpansionColumnNumber(Loc) : 0});
  }
  SourceSpan spanOfRange(SourceRange R);
  /// The token at L where it is spelled (inside a macro body or argument when written there).
  SourceSpan spellingSpan(SourceLocation L);
  /// R at its use site, for locations: for an expression that is a macro argument
  /// (`count(skb->len)`), the argument's text; else the expansion range.
  SourceSpan argSpellingSpan(SourceRange R);
  /// R where its text is written, the range an edit of R replaces (CtxAccess::written);
  /// invalid when no one range of a file holds exactly R.
  SourceSpan writtenSpan(SourceRange R);
  CharSourceRange writtenRange(SourceRange R) const;
  /// The text of writtenSpan(R), or of R's expansion range when it has none.
  std::string writtenTextOf(SourceRange R) const;
  bool spelledInMacroBody(SourceLocation L) const {
    return L.isMacroID() && !SM.isMacroArgExpansion(L);
  }
  std::string textOf(SourceRange R) const;
  std::string
  writtenText(SourceRange R) const; ///< R as written at the use site, even in a macro arg
  long functionIndex(const std::string &Id) const {
    auto It = FunctionIndex.find(Id);
    return It == FunctionIndex.end() ? -1 : static_cast<long>(It->second);
  }
  Function &functionAt(size_t I) { return M.functions[I]; }
  /// The constants FD's integer locals hold, scanned once per function body.
  const LocalConstants &localsOf(const FunctionDecl *FD);
  ASTContext &Ctx;
  SourceManager &SM;

  const FileFacts &factsAt(SourceLocation L) { return facts(SM.getFileID(SM.getExpansionLoc(L))); }

private:
  const FileFacts &facts(FileID F);
  /// F was included through `-include` on the command line, directly or from such a header.
  bool reachedFromCommandLine(FileID F) const;
  unsigned lineOf(SourceLocation L) const { return SM.getExpansionLineNumber(L); }
  std::string displayPath(llvm::StringRef Abs);
  std::string makeId(const std::string &Kind, const std::string &Name, SourceLocation Loc);
  SourceSpan declSpan(const Decl *D);
  SourceSpan lineSpanAt(SourceLocation L);
  void recordConditionals();
  /// The macro R guards its whole file with (`#ifndef X_H` + `#define X_H` ... `#endif`, only
  /// comments outside), or "".
  std::string includeGuardOf(const ConditionalRegion &R) const;
  unsigned scanToSemicolon(FileID F, unsigned Offset) const;
  static const Decl *topLevelOf(const Decl *D);
  std::string createEntity(const Decl *D);
  std::string createFunction(const FunctionDecl *FD);
  Param describeParam(const ParmVarDecl *P);
  void collectPointerMembers(const RecordDecl *RD, const std::string &Prefix,
                             const std::string &UnionPath, bool InArray, int Depth,
                             std::vector<PointerMember> &Out);
  const std::unordered_map<const FieldDecl *, std::string> &memberSources();
  void recordCallerArguments(const std::vector<const FunctionDecl *> &Bodies);
  /// Function::dataValues of every function in Bodies (ValueFlow.cpp).
  void recordDataValues(const std::vector<const FunctionDecl *> &Bodies);
  /// For each program type, the functions its programs reach through Callees.
  std::map<std::string, std::set<const FunctionDecl *>> reachedByProgramType(
      const std::vector<const FunctionDecl *> &Bodies,
      const std::map<const FunctionDecl *, std::set<const FunctionDecl *>> &Callees);
  SourceSpan sectionLiteralSpan(const FunctionDecl *FD, const std::string &Section);
  std::string createVar(const VarDecl *VD);
  std::string createType(const TypeDecl *TD);
  void describeBtfMap(const VarDecl *VD, const RecordDecl *RD, Map &Out);
  void describeLegacyMap(const VarDecl *VD, Map &Out) const;
  /// One attribute of either map style, by the name both styles give it.
  static void setMapAttribute(llvm::StringRef Name, unsigned long long Value,
                              const std::string &Written, Map &Out);
  void addProgram(const FunctionDecl *FD, const Function &F);
  std::string includeProviding(SourceLocation L);
  void recordMacros();
  /// Every macro a main/local file defines becomes an entity, and its span is indexed.
  void indexProjectMacros();
  /// MI is defined in a main or local file.
  bool isProjectMacro(const MacroInfo *MI);
  /// The model's record of a use of a Length-character macro name at Off in F.
  MacroUse macroUseAt(FileID F, unsigned Off, size_t Length, const std::string &Kind);
  /// The innermost #if ... #endif region of F around L, or nullptr.
  const ConditionalRegion *innermostRegion(FileID F, SourceLocation L) const;
  std::string macroEntity(const MacroInfo *MI);
  std::string entityContaining(FileID F, unsigned Offset);
  std::vector<std::string> entitiesInside(FileID F, unsigned Begin, unsigned End);
  void recordIncludes();
  /// ProgramModel::provided (Providers.cpp).
  void recordProviders();
  void providedBy(const Decl *D, Provider &P);
  bool findDeclProvider(llvm::StringRef Kind, llvm::StringRef Name, long long Value, Provider &P);
  bool findMacroProvider(llvm::StringRef Name, Provider &P);
  bool findEnumeratorProvider(llvm::StringRef Enum, llvm::StringRef Name, Provider &P);
  /// The input's declaration of helper Id under any name (HelpersById).
  bool findHelperByValue(long long Id, Provider &P);

  const PreprocessorIndex &PP;
  const HeaderPolicy &Headers;
  ProgramModel &M;
  std::string InputDir;
  std::unordered_map<unsigned, FileFacts> Files; // by FileID hash value
  std::unordered_map<const Decl *, std::string> DeclIds;
  std::unordered_map<std::string, size_t> FunctionIndex;
  std::unordered_map<const MacroInfo *, std::string> MacroIds;
  std::map<const FunctionDecl *, std::shared_ptr<LocalConstants>> LocalsOf;
  /// Record members set from a ctx packet field anywhere in project code (memberSources()).
  std::optional<std::unordered_map<const FieldDecl *, std::string>> MemberSources;
  /// The first top-level pointer declared by value for each helper id, whatever its name and
  /// file (run()'s walk over the translation unit).
  std::map<long long, const VarDecl *> HelpersById;
  std::set<Edge> EdgeSet;
  std::set<std::string> UsedIds;
  std::map<std::pair<std::string, unsigned>, std::string> IncludeAt; // (file, line) -> id
  /// Spans of main/local entities per file, sorted by begin, for macro attribution.
  std::map<FileID, std::vector<std::tuple<unsigned, unsigned, std::string>>> Spans;
};

/// `static void *(*bpf_map_lookup_elem)(void *map, ...) = (void *) 1;`: the helper id, else -1.
int helperIdOf(const VarDecl *VD);
/// An extern function declared in section ".ksyms" (libbpf's `__ksym`).
bool isKfunc(const FunctionDecl *FD);
/// A function's section: its SEC()/section attribute, else the `#pragma clang section text="..."`
/// it is defined under (libbpf loads both as programs); "" when none.
std::string sectionOf(const FunctionDecl *FD);
/// A variable in section ".maps" or "maps".
bool isMapVar(const VarDecl *VD);
/// The integer parameters FD adds to (or subtracts from) a pointer parameter, with the names of
/// those pointers: `tcp = data + off` makes off an offset of data (CallerArguments.cpp).
std::map<const ParmVarDecl *, std::set<std::string>> pointerOffsetParams(const FunctionDecl *FD);
/// The ctx packet field E reads (`(void *)(long)ctx->data`: "data"; data_end, data_meta),
/// directly or through a local initialised from it; "" otherwise (CallerArguments.cpp).
std::string ctxPacketSource(const Expr *E, int Depth = 0);
/// The map E is the address of (`&lru_cache`), "" when none.
std::string mapAddress(const Expr *E);
/// Whether E is a program's ctx: the first parameter of a function with a section, or a
/// parameter pointing to a ctx struct, however cast (`.ctx = ctx`, `(void *)ctx`).
bool isProgramCtx(const Expr *E);

/// Records the references out of entity Id, declared by D (ReferenceVisitor.cpp). FnIndex: the
/// function whose calls, ctx accesses and returns are recorded (-1: none).
void collectReferences(Builder &B, const Decl *D, const std::string &Id, long FnIndex);

} // namespace bpfcarve::extractor::builder
