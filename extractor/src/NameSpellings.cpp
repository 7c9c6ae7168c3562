//===- NameSpellings.cpp - every token of a file naming a file-scope entity ===//
//
// The AST gives the declarations and references of functions, variables, typedefs, tags and
// enumerators, each at its spelling location (inside a macro argument: the argument's token;
// inside a #define body of the file: the body's token); the preprocessor gives the macros'
// definitions, expansions and tests. Only tokens written in the main file are kept: a header's
// text is never edited.
//
//===----------------------------------------------------------------------===//
#include "ParseWith.h"
#include "bpfcarve/extractor/Names.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Lex/MacroArgs.h"
#include "clang/Lex/PPCallbacks.h"
#include "clang/Lex/Preprocessor.h"

#include <algorithm>

namespace bpfcarve::extractor {

using namespace clang;

const char *nameSpaceName(NameSpace S) {
  switch (S) {
  case NameSpace::Tag:
    return "tag";
  case NameSpace::Ordinary:
    return "ordinary";
  case NameSpace::Macro:
    return "macro";
  }
  return "?";
}

namespace {

using NameMap = std::map<std::pair<NameSpace, std::string>, SpelledName>;

/// Records tokens into a NameMap, at their spelling location in the main file.
class Recorder {
public:
  Recorder(SourceManager &SM, NameMap &Names) : SM(SM), Names(Names) {}

  void token(NameSpace Space, llvm::StringRef Name, SourceLocation Loc, bool Declares) {
    if (Name.empty() || Loc.isInvalid())
      return;
    SourceLocation S = SM.getSpellingLoc(Loc);
    SpelledName &N = Names[{Space, Name.str()}];
    N.space = Space;
    N.name = Name.str();
    if (!SM.isWrittenInMainFile(S))
      return;
    N.declaredHere = N.declaredHere || Declares;
    SourceSpan Span;
    Span.file = SM.getFilename(S).str();
    Span.beginOffset = SM.getFileOffset(S);
    Span.endOffset = Span.beginOffset + static_cast<unsigned>(Name.size());
    Span.beginLine = Span.endLine = SM.getSpellingLineNumber(S);
    Span.beginColumn = SM.getSpellingColumnNumber(S);
    Span.endColumn = Span.beginColumn + static_cast<unsigned>(Name.size());
    // Only a token that really spells the name (a macro body may build it with ##).
    bool Invalid = false;
    llvm::StringRef Buffer = SM.getBufferData(SM.getFileID(S), &Invalid);
    if (Invalid || Buffer.substr(Span.beginOffset, Name.size()) != Name)
      return;
    N.tokens.push_back(Span);
  }

private:
  SourceManager &SM;
  NameMap &Names;
};

/// A declaration at file scope: what compose may rename.
bool atFileScope(const Decl *D) {
  const DeclContext *DC = D->getDeclContext()->getRedeclContext();
  if (isa<EnumConstantDecl>(D))
    DC = cast<EnumDecl>(D->getDeclContext())->getDeclContext()->getRedeclContext();
  return DC->isTranslationUnit();
}

NameSpace spaceOf(const NamedDecl *D) {
  return isa<TagDecl>(D) ? NameSpace::Tag : NameSpace::Ordinary;
}

class Visitor : public RecursiveASTVisitor<Visitor> {
public:
  explicit Visitor(Recorder &R) : R(R) {}
  bool shouldVisitImplicitCode() const { return false; }

  bool VisitNamedDecl(NamedDecl *D) {
    if (!D->getIdentifier() || !atFileScope(D))
      return true;
    if (isa<FunctionDecl, VarDecl, TypedefNameDecl, TagDecl, EnumConstantDecl>(D))
      R.token(spaceOf(D), D->getName(), D->getLocation(), /*Declares=*/true);
    return true;
  }
  bool VisitDeclRefExpr(DeclRefExpr *E) {
    const ValueDecl *D = E->getDecl();
    if (D->getIdentifier() && atFileScope(D))
      R.token(NameSpace::Ordinary, D->getName(), E->getLocation(), false);
    return true;
  }
  bool VisitTypedefTypeLoc(TypedefTypeLoc TL) {
    const TypedefNameDecl *D = TL.getTypedefNameDecl();
    if (D->getIdentifier() && atFileScope(D))
      R.token(NameSpace::Ordinary, D->getName(), TL.getNameLoc(), false);
    return true;
  }
  bool VisitTagTypeLoc(TagTypeLoc TL) {
    const TagDecl *D = TL.getDecl();
    // `struct foo { ... } x;` visits the definition as a NamedDecl and as a type: one token.
    if (D->getIdentifier() && atFileScope(D) && !TL.isDefinition())
      R.token(NameSpace::Tag, D->getName(), TL.getNameLoc(), false);
    return true;
  }

private:
  Recorder &R;
};

class MacroNames : public PPCallbacks {
public:
  explicit MacroNames(Recorder &R) : R(R) {}
  void MacroDefined(const Token &Name, const MacroDirective *) override { add(Name, true); }
  void MacroUndefined(const Token &Name, const MacroDefinition &, const MacroDirective *) override {
    add(Name, false);
  }
  void MacroExpands(const Token &Name, const MacroDefinition &, SourceRange,
                    const MacroArgs *) override {
    add(Name, false);
  }
  void Defined(const Token &Name, const MacroDefinition &, SourceRange) override {
    add(Name, false);
  }
  void Ifdef(SourceLocation, const Token &Name, const MacroDefinition &) override {
    add(Name, false);
  }
  void Ifndef(SourceLocation, const Token &Name, const MacroDefinition &) override {
    add(Name, false);
  }
  void Elifdef(SourceLocation, const Token &Name, const MacroDefinition &) override {
    add(Name, false);
  }
  void Elifndef(SourceLocation, const Token &Name, const MacroDefinition &) override {
    add(Name, false);
  }

private:
  void add(const Token &Name, bool Declares) {
    if (const IdentifierInfo *II = Name.getIdentifierInfo())
      R.token(NameSpace::Macro, II->getName(), Name.getLocation(), Declares);
  }
  Recorder &R;
};

class Consumer : public ASTConsumer {
public:
  Consumer(Recorder &R, bool &Completed) : R(R), Completed(Completed) {}
  void HandleTranslationUnit(ASTContext &Ctx) override {
    if (Ctx.getDiagnostics().hasErrorOccurred())
      return;
    Visitor V(R);
    V.TraverseDecl(Ctx.getTranslationUnitDecl());
    Completed = true;
  }

private:
  Recorder &R;
  bool &Completed;
};

/// Owns the recorder, which the preprocessor's callbacks and the consumer share.
class Action : public ASTFrontendAction {
public:
  Action(NameMap &Names, bool &Completed) : Names(Names), Completed(Completed) {}
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI, StringRef) override {
    // clang's "N warnings generated." goes to the verbose stream: not a line of ours.
    CI.setVerboseOutputStream(std::make_unique<llvm::raw_null_ostream>());
    R = std::make_unique<Recorder>(CI.getSourceManager(), Names);
    CI.getPreprocessor().addPPCallbacks(std::make_unique<MacroNames>(*R));
    return std::make_unique<Consumer>(*R, Completed);
  }

private:
  std::unique_ptr<Recorder> R;
  NameMap &Names;
  bool &Completed;
};

} // namespace

Result<NameMap> spelledNames(const ParseOptions &O) {
  NameMap Names;
  auto Parsed = parseWithAction(O, [&](bool &Completed) -> std::unique_ptr<FrontendAction> {
    Names.clear();
    return std::make_unique<Action>(Names, Completed);
  });
  if (!Parsed)
    return Parsed.failure();
  for (auto &[Key, N] : Names) {
    std::sort(N.tokens.begin(), N.tokens.end(), [](const SourceSpan &A, const SourceSpan &B) {
      return A.beginOffset < B.beginOffset;
    });
    N.tokens.erase(std::unique(N.tokens.begin(), N.tokens.end(),
                               [](const SourceSpan &A, const SourceSpan &B) {
                                 return A.beginOffset == B.beginOffset;
                               }),
                   N.tokens.end());
  }
  return Names;
}

} // namespace bpfcarve::extractor
