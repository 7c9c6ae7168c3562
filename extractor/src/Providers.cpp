//===- Providers.cpp - where the translation unit declares generated names -===//
//
// For each name of the catalogue of generated names (Declarations.h), the declaration the
// translation unit has at its end: a project entity, or the #include of the system header
// that declares it. Names are looked up, not collected: a system header's declarations join
// the model only when project code uses them, and a lookup does not read a precompiled
// preamble's declarations beyond the names asked for.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"

#include "bpfcarve/extractor/Declarations.h"

namespace bpfcarve::extractor::builder {

namespace {

/// The identifier Name, when the translation unit (or its precompiled preamble) has it.
/// IdentifierTable::get would add it otherwise, and its inline allocator code, compiled into
/// an AddressSanitizer build of bpfcarve, poisons the slabs it starts, which Debian's
/// uninstrumented libclang-cpp then writes into (a false use-after-poison): look it up only.
IdentifierInfo *identifierOf(ASTContext &Ctx, llvm::StringRef Name) {
  if (auto It = Ctx.Idents.find(Name); It != Ctx.Idents.end())
    return It->second;
  if (IdentifierInfoLookup *External = Ctx.Idents.getExternalIdentifierLookup())
    return External->get(Name); // the preamble's reader: out-of-line library code
  return nullptr;
}

/// The declarations of Name in the translation unit's scope (every namespace: tags too).
DeclContextLookupResult lookupTopLevel(ASTContext &Ctx, llvm::StringRef Name) {
  IdentifierInfo *II = identifierOf(Ctx, Name);
  if (!II)
    return {};
  return Ctx.getTranslationUnitDecl()->lookup(Ctx.DeclarationNames.getIdentifier(II));
}

} // namespace

void Builder::providedBy(const Decl *D, Provider &P) {
  if (factsAt(D->getLocation()).origin == Origin::System)
    P.include = includeProviding(D->getLocation());
  else
    P.entity = entityFor(D);
}

bool Builder::findDeclProvider(llvm::StringRef Kind, llvm::StringRef Name, long long Value,
                               Provider &P) {
  for (const NamedDecl *ND : lookupTopLevel(Ctx, Name)) {
    if (Kind == "struct") {
      if (const auto *RD = dyn_cast<RecordDecl>(ND); RD && RD->getDefinition()) {
        providedBy(RD->getDefinition(), P);
        return true;
      }
    } else if (Kind == "typedef") {
      if (const auto *TD = dyn_cast<TypedefNameDecl>(ND)) {
        providedBy(TD, P);
        return true;
      }
    } else if (Kind == "constant") {
      if (const auto *EC = dyn_cast<EnumConstantDecl>(ND)) {
        providedBy(EC, P);
        return true;
      }
    } else if (Kind == "helper") {
      if (isa<TagDecl>(ND))
        continue; // `struct bpf_redirect` would not clash with a pointer of that name
      const auto *VD = dyn_cast<VarDecl>(ND);
      if (VD && helperIdOf(VD) == Value) {
        providedBy(VD, P);
        return true;
      }
      P.conflict = std::string(isa<FunctionDecl>(ND) ? "a function" : "a declaration") +
                   " of its own, not the helper";
      providedBy(ND, P);
      return true;
    }
  }
  return false;
}

bool Builder::findEnumeratorProvider(llvm::StringRef Enum, llvm::StringRef Name, Provider &P) {
  if (Enum.empty())
    return false;
  for (const NamedDecl *ND : lookupTopLevel(Ctx, Enum))
    if (const auto *ED = dyn_cast<EnumDecl>(ND); ED && ED->getDefinition())
      for (const EnumConstantDecl *EC : ED->getDefinition()->enumerators())
        if (EC->getName() == Name) {
          providedBy(EC, P);
          return true;
        }
  return false;
}

bool Builder::findMacroProvider(llvm::StringRef Name, Provider &P) {
  // The last definition of the name, unless an #undef ended it.
  const RecordedMacro *Last = nullptr;
  for (const RecordedMacro &RM : PP.macros)
    if (RM.name == Name && (!Last || SM.isBeforeInTranslationUnit(Last->hashLine, RM.hashLine)))
      Last = &RM;
  if (!Last)
    return false;
  for (const auto &[MI, Loc] : PP.undefs)
    if (MI == Last->info)
      return false;
  FileID F = SM.getFileID(Last->hashLine);
  if (F.isInvalid() || !SM.getFileEntryRefForID(F))
    return true; // -D or a builtin: there whenever the input's flags are
  if (facts(F).origin == Origin::System) {
    P.include = includeProviding(Last->hashLine);
  } else {
    for (const Macro &Mc : M.macros)
      if (Mc.name == Name && Mc.origin != Origin::System && Mc.decl.file == facts(F).display &&
          Mc.decl.beginLine == SM.getExpansionLineNumber(Last->hashLine))
        P.entity = Mc.id;
  }
  return true;
}

bool Builder::findHelperByValue(long long Id, Provider &P) {
  auto It = HelpersById.find(Id);
  if (It == HelpersById.end())
    return false;
  providedBy(It->second, P);
  P.alias = It->second->getName().str();
  return true;
}

void Builder::recordProviders() {
  for (const GeneratedDeclaration &G : generatedDeclarations()) {
    Provider P;
    bool Found = false;
    if (G.kind == "macro")
      Found = findMacroProvider(G.name, P);
    else if (G.kind == "constant") // `#define TC_ACT_OK 0` or an enumerator
      Found = findMacroProvider(G.name, P) || findDeclProvider(G.kind, G.name, G.value, P) ||
              findEnumeratorProvider(G.enumName, G.name, P);
    else
      Found = findDeclProvider(G.kind, G.name, G.value, P) ||
              (G.kind == "helper" && findHelperByValue(G.value, P));
    if (Found)
      M.provided[provisionKey(G.kind, G.name)] = P;
  }
}

} // namespace bpfcarve::extractor::builder
