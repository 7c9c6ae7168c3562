//===- SourceText.cpp - where entities are and what they say ----------------===//
//
// File facts (display path, origin, header class), spans of source ranges as expanded, spelled
// and written, the text of a range, and the extent of a declaration including its `;`.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"
#include "LocalConstants.h"

#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Lex/Lexer.h"

#include <algorithm>
#include <functional>

namespace bpfcarve::extractor::builder {

bool Builder::reachedFromCommandLine(FileID F) const {
  // The outermost include of F's chain is made by the predefines buffer, not by a file.
  for (int Guard = 0; Guard < 256 && F.isValid(); ++Guard) {
    SourceLocation Inc = SM.getIncludeLoc(F);
    if (Inc.isInvalid())
      return false;
    FileID Parent = SM.getFileID(SM.getExpansionLoc(Inc));
    if (Parent == SM.getMainFileID() || Parent == SM.getPreambleFileID())
      return false;
    if (!SM.getFileEntryRefForID(Parent))
      return true; // <built-in>: -include on the command line
    F = Parent;
  }
  return false;
}

const FileFacts &Builder::facts(FileID F) {
  // With a precompiled preamble, the headers it holds were included from its copy of the main
  // file: the main file all the same.
  if (F.isValid() && F == SM.getPreambleFileID())
    F = SM.getMainFileID();
  auto [It, New] = Files.try_emplace(F.getHashValue());
  if (!New)
    return It->second;
  FileFacts &Facts = It->second;
  OptionalFileEntryRef FE = SM.getFileEntryRefForID(F);
  if (!FE) {
    Facts.display = "<built-in>";
    Facts.headerClass = "system";
    return Facts;
  }
  std::string Real = FE->getFileEntry().tryGetRealPathName().str();
  if (SM.isLoadedFileID(F)) {
    // A header of a precompiled preamble is not opened in this parse, and its recorded "real"
    // path is only the absolute one: the real path is the file system's (what opening it gives).
    llvm::SmallString<256> P;
    if (!SM.getFileManager().getVirtualFileSystem().getRealPath(FE->getName(), P))
      Real = P.str().str();
  }
  if (Real.empty()) {
    Real = absolutePath(FE->getName().str());
  }
  Facts.abs = Real;
  Facts.display = displayPath(Real);
  if (F == SM.getMainFileID()) {
    Facts.origin = Origin::Main;
    Facts.headerClass = "main";
  } else {
    llvm::StringRef Spelled;
    for (const RecordedInclude &RI : PP.includes)
      if (RI.resolved == Real) {
        Spelled = llvm::StringRef(RI.spelled).drop_front().drop_back();
        break;
      }
    Facts.headerClass =
        Headers.classify(Real, SM.isInSystemHeader(SM.getLocForStartOfFile(F)), Spelled);
    // A header the command line includes (`-include asm_goto_workaround.h`, samples/bpf's
    // Makefile) comes with the flags the output compiles with: never copied into it.
    if (reachedFromCommandLine(F))
      Facts.headerClass = "forced";
    if (HeaderPolicy::isProjectClass(Facts.headerClass))
      Facts.origin = Origin::Local;
  }
  SourceFile SF{Facts.display, Facts.abs, Facts.origin, Facts.headerClass, 0, {}, {}};
  for (FileID Cur = F; Cur.isValid();) {
    SourceLocation Inc = SM.getIncludeLoc(Cur);
    if (Inc.isInvalid())
      break;
    Inc = SM.getExpansionLoc(Inc);
    SF.includeChain.insert(SF.includeChain.begin(), SM.getFileOffset(Inc));
    Cur = SM.getFileID(Inc);
  }
  if (Facts.origin != Origin::System) {
    bool Invalid = false;
    llvm::StringRef Buf = SM.getBufferData(F, &Invalid);
    if (!Invalid) {
      SF.lines = static_cast<unsigned>(std::count(Buf.begin(), Buf.end(), '\n')) +
                 (Buf.empty() || Buf.back() == '\n' ? 0 : 1);
      SF.text = Buf.str();
    }
  }
  M.files.push_back(SF);
  return Facts;
}

std::string Builder::displayPath(llvm::StringRef Abs) {
  llvm::StringRef Dir(InputDir);
  if (Abs.starts_with(Dir) && Abs.size() > Dir.size() && Abs[Dir.size()] == '/')
    return Abs.substr(Dir.size() + 1).str();
  return Abs.str();
}

std::string Builder::makeId(const std::string &Kind, const std::string &Name, SourceLocation Loc) {
  SourceLocation E = SM.getExpansionLoc(Loc);
  std::string Id = Kind + ":" + (Name.empty() ? "(anonymous)" : Name) + "@" +
                   facts(SM.getFileID(E)).display + ":" +
                   std::to_string(SM.getExpansionLineNumber(E));
  // Two anonymous entities on one line (rare) still get distinct ids.
  std::string Unique = Id;
  for (int N = 2; UsedIds.count(Unique); ++N)
    Unique = Id + "#" + std::to_string(N);
  UsedIds.insert(Unique);
  return Unique;
}

SourceSpan Builder::spanOfRange(SourceRange R) {
  SourceSpan S;
  if (R.isInvalid())
    return S;
  CharSourceRange CR = SM.getExpansionRange(R);
  SourceLocation Begin = CR.getBegin();
  SourceLocation End = CR.isTokenRange()
                           ? Lexer::getLocForEndOfToken(CR.getEnd(), 0, SM, Ctx.getLangOpts())
                           : CR.getEnd();
  if (Begin.isInvalid() || End.isInvalid() || SM.getFileID(Begin) != SM.getFileID(End))
    return S;
  S.file = facts(SM.getFileID(Begin)).display;
  S.beginOffset = SM.getFileOffset(Begin);
  S.endOffset = SM.getFileOffset(End);
  S.beginLine = SM.getLineNumber(SM.getFileID(Begin), S.beginOffset);
  S.beginColumn = SM.getColumnNumber(SM.getFileID(Begin), S.beginOffset);
  S.endLine = SM.getLineNumber(SM.getFileID(End), S.endOffset);
  S.endColumn = SM.getColumnNumber(SM.getFileID(End), S.endOffset);
  return S;
}

CharSourceRange Builder::writtenRange(SourceRange R) const {
  if (R.isInvalid())
    return {};
  SourceLocation B = R.getBegin(), E = R.getEnd();
  // One macro level per step, from the outermost: makeFileCharRange maps a range inside one
  // macro argument (however deeply the argument is passed on: `fw_count(X, skb->len)` expands
  // to `stats_add(..., (bytes))`) to its spelling, and a range that is exactly a macro's
  // expansion to the invocation; the expansion range would be the whole outer macro call.
  for (int Depth = 0; Depth < 32; ++Depth) {
    CharSourceRange CR =
        Lexer::makeFileCharRange(CharSourceRange::getTokenRange(B, E), SM, Ctx.getLangOpts());
    if (CR.isValid() && SM.getFileEntryRefForID(SM.getFileID(CR.getBegin())))
      return CR;
    if (!B.isMacroID() || !E.isMacroID())
      return {};
    bool ArgB = SM.isMacroArgExpansion(B), ArgE = SM.isMacroArgExpansion(E);
    if (ArgB && ArgE) {
      // Both in one argument of a macro, which may hold a macro of its own
      // (`COUNT(2, PKT_LEN(skb) + 1)`): go to the argument's tokens.
      B = SM.getImmediateSpellingLoc(B);
      E = SM.getImmediateSpellingLoc(E);
      continue;
    }
    if (ArgB || ArgE ||
        SM.getImmediateExpansionRange(B).getBegin() != SM.getImmediateExpansionRange(E).getBegin())
      return {}; // partly in a macro body, partly in its argument (`skb->FIELD`)
    // Written entirely in one macro body (`#define PKT_LEN(s) ((s)->len)`: `(s)->len`).
    SourceLocation SB = SM.getSpellingLoc(B), SE = SM.getSpellingLoc(E);
    if (SM.getFileID(SB) != SM.getFileID(SE) || SM.isBeforeInTranslationUnit(SE, SB) ||
        !SM.getFileEntryRefForID(SM.getFileID(SB)))
      return {};
    return CharSourceRange::getCharRange(SB,
                                         Lexer::getLocForEndOfToken(SE, 0, SM, Ctx.getLangOpts()));
  }
  return {};
}

SourceSpan Builder::writtenSpan(SourceRange R) {
  CharSourceRange CR = writtenRange(R);
  SourceSpan S;
  if (CR.isInvalid() || SM.getFileID(CR.getBegin()) != SM.getFileID(CR.getEnd()))
    return S;
  FileID F = SM.getFileID(CR.getBegin());
  S.file = facts(F).display;
  S.beginOffset = SM.getFileOffset(CR.getBegin());
  S.endOffset = SM.getFileOffset(CR.getEnd());
  S.beginLine = SM.getLineNumber(F, S.beginOffset);
  S.beginColumn = SM.getColumnNumber(F, S.beginOffset);
  S.endLine = SM.getLineNumber(F, S.endOffset);
  S.endColumn = SM.getColumnNumber(F, S.endOffset);
  return S;
}

std::string Builder::writtenTextOf(SourceRange R) const {
  CharSourceRange CR = writtenRange(R);
  if (CR.isInvalid())
    return textOf(R);
  return Lexer::getSourceText(CR, SM, Ctx.getLangOpts()).str();
}

SourceSpan Builder::argSpellingSpan(SourceRange R) {
  SourceLocation B = R.getBegin(), E = R.getEnd();
  if (B.isMacroID() && E.isMacroID() && SM.isMacroArgExpansion(B) && SM.isMacroArgExpansion(E)) {
    SourceLocation SB = SM.getSpellingLoc(B), SE = SM.getSpellingLoc(E);
    if (SM.getFileID(SB) == SM.getFileID(SE) && !SM.isBeforeInTranslationUnit(SE, SB) &&
        SM.getFileEntryRefForID(SM.getFileID(SB)))
      return spanOfRange(SourceRange(SB, SE));
  }
  return spanOfRange(R);
}

SourceSpan Builder::spellingSpan(SourceLocation L) {
  SourceSpan S;
  if (L.isInvalid())
    return S;
  SourceLocation Sp = SM.getSpellingLoc(L);
  FileID F = SM.getFileID(Sp);
  if (!SM.getFileEntryRefForID(F))
    return S; // scratch space (token pasting) has no file to edit
  unsigned Len = Lexer::MeasureTokenLength(Sp, SM, Ctx.getLangOpts());
  S.file = facts(F).display;
  S.beginOffset = SM.getFileOffset(Sp);
  S.endOffset = S.beginOffset + Len;
  S.beginLine = S.endLine = SM.getLineNumber(F, S.beginOffset);
  S.beginColumn = SM.getColumnNumber(F, S.beginOffset);
  S.endColumn = S.beginColumn + Len;
  return S;
}

std::string Builder::textOf(SourceRange R) const {
  CharSourceRange CR = SM.getExpansionRange(R);
  return Lexer::getSourceText(CR, SM, Ctx.getLangOpts()).str();
}

std::string Builder::writtenText(SourceRange R) const {
  // textOf gives the whole `__uint(type, X)` for an expression inside a macro argument;
  // getFileLoc maps argument tokens to where they were spelled at the use site (X), and tokens
  // of a macro body to that macro's expansion (so a user macro naming the constant stays as is).
  SourceLocation B = SM.getFileLoc(R.getBegin()), E = SM.getFileLoc(R.getEnd());
  if (B.isInvalid() || E.isInvalid() || SM.getFileID(B) != SM.getFileID(E) ||
      SM.isBeforeInTranslationUnit(E, B))
    return textOf(R);
  return Lexer::getSourceText(CharSourceRange::getTokenRange(B, E), SM, Ctx.getLangOpts()).str();
}

/// From Offset, skips attributes and declarators after a declaration's AST end (e.g. the
/// `SEC(".maps")` of `} pkt_count SEC(".maps");`, which Decl::getSourceRange leaves out) up to
/// and including the terminating ';'. Comments and string literals are skipped; gives up at an
/// unbalanced brace or after 4 KiB and then returns Offset unchanged.
unsigned Builder::scanToSemicolon(FileID F, unsigned Offset) const {
  bool Invalid = false;
  llvm::StringRef Buf = SM.getBufferData(F, &Invalid);
  if (Invalid)
    return Offset;
  int Depth = 0;
  for (size_t I = Offset; I < Buf.size() && I < Offset + 4096; ++I) {
    char C = Buf[I];
    if (C == '/' && I + 1 < Buf.size() && Buf[I + 1] == '*') {
      size_t E = Buf.find("*/", I + 2);
      if (E == llvm::StringRef::npos)
        return Offset;
      I = E + 1;
    } else if (C == '/' && I + 1 < Buf.size() && Buf[I + 1] == '/') {
      size_t E = Buf.find('\n', I);
      if (E == llvm::StringRef::npos)
        return Offset;
      I = E;
    } else if (C == '"' || C == '\'') {
      for (++I; I < Buf.size() && Buf[I] != C; ++I)
        if (Buf[I] == '\\')
          ++I;
    } else if (C == '(' || C == '[') {
      ++Depth;
    } else if (C == ')' || C == ']') {
      --Depth;
    } else if (C == '{' || C == '}') {
      return Offset;
    } else if (C == ';' && Depth == 0) {
      return static_cast<unsigned>(I + 1);
    }
  }
  return Offset;
}

SourceSpan Builder::declSpan(const Decl *D) {
  SourceSpan S = spanOfRange(D->getSourceRange());
  if (!S.valid())
    return S;
  bool EndsWithBody = false;
  if (const auto *FD = dyn_cast<FunctionDecl>(D))
    EndsWithBody = FD->doesThisDeclarationHaveABody();
  if (!EndsWithBody) {
    FileID F = SM.getFileID(SM.getExpansionLoc(D->getBeginLoc()));
    unsigned End = scanToSemicolon(F, S.endOffset);
    if (End != S.endOffset) {
      S.endOffset = End;
      S.endLine = SM.getLineNumber(F, End);
      S.endColumn = SM.getColumnNumber(F, End);
    }
  }
  return S;
}

/// The whole logical line holding L (backslash continuations included), without its newline.
SourceSpan Builder::lineSpanAt(SourceLocation L) {
  SourceSpan S;
  L = SM.getExpansionLoc(L);
  FileID F = SM.getFileID(L);
  bool Invalid = false;
  llvm::StringRef Buf = SM.getBufferData(F, &Invalid);
  if (Invalid)
    return S;
  unsigned Off = SM.getFileOffset(L);
  unsigned Begin = Off;
  while (Begin > 0 && Buf[Begin - 1] != '\n')
    --Begin;
  unsigned End = Off;
  while (End < Buf.size()) {
    if (Buf[End] == '\n') {
      unsigned Prev = End;
      while (Prev > Begin && (Buf[Prev - 1] == '\r'))
        --Prev;
      if (Prev > Begin && Buf[Prev - 1] == '\\') {
        ++End;
        continue;
      }
      break;
    }
    ++End;
  }
  S.file = facts(F).display;
  S.beginOffset = Begin;
  S.endOffset = End;
  S.beginLine = SM.getLineNumber(F, Begin);
  S.beginColumn = 1;
  S.endLine = SM.getLineNumber(F, End);
  S.endColumn = SM.getColumnNumber(F, End);
  return S;
}

/// Where the section name of `SEC("xdp") int f(...)` is written: the attribute's argument is a
/// macro argument spelled in the file, found as the quoted name right before the declarator.
SourceSpan Builder::sectionLiteralSpan(const FunctionDecl *FD, const std::string &Section) {
  SourceSpan S;
  SourceSpan Decl = declSpan(FD);
  const FileFacts &Facts = factsAt(FD->getLocation());
  if (!Decl.valid() || Facts.origin == Origin::System)
    return S;
  FileID F = SM.getFileID(SM.getExpansionLoc(FD->getLocation()));
  bool Invalid = false;
  llvm::StringRef Buf = SM.getBufferData(F, &Invalid);
  unsigned NameOff = SM.getFileOffset(SM.getExpansionLoc(FD->getLocation()));
  if (Invalid || NameOff > Buf.size())
    return S;
  std::string Quoted = "\"" + Section + "\"";
  // From the attribute when it stands before the declaration: BPF_PROG's definition is
  // written inside the macro, after the declaration `SEC("raw_tp/x") int BPF_PROG(x, ...)`
  // attaches the section to.
  unsigned From = Decl.beginOffset;
  if (const auto *A = FD->getAttr<SectionAttr>()) {
    SourceLocation AttrAt = SM.getExpansionLoc(A->getLocation());
    if (SM.getFileID(AttrAt) == F && SM.getFileOffset(AttrAt) < From)
      From = SM.getFileOffset(AttrAt);
  }
  size_t At = Buf.substr(From, NameOff - From).rfind(Quoted);
  if (At == llvm::StringRef::npos)
    return S;
  S.file = Facts.display;
  S.beginOffset = From + static_cast<unsigned>(At);
  S.endOffset = S.beginOffset + static_cast<unsigned>(Quoted.size());
  S.beginLine = S.endLine = SM.getLineNumber(F, S.beginOffset);
  S.beginColumn = SM.getColumnNumber(F, S.beginOffset);
  S.endColumn = S.beginColumn + static_cast<unsigned>(Quoted.size());
  return S;
}

} // namespace bpfcarve::extractor::builder
