//===- ModelBuilder.cpp - AST + preprocessor index -> ProgramModel --------===//
//
// One walk over the top-level declarations of the main file and the project's own headers.
// Every such declaration becomes an entity; a RecursiveASTVisitor over it records references
// (not only calls: callbacks, function pointers, tail-call maps, map slots) as typed edges.
// Declarations from system, libbpf and vmlinux.h headers become entities only when referenced,
// and point at the #include that provides them.
//
//===----------------------------------------------------------------------===//
#include "ModelBuilder.h"
#include "Builder.h"

#include "clang/AST/Attr.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"

#include <bpf/libbpf.h>

#include <cstdarg>

namespace bpfcarve::extractor {
namespace builder {

/// UAPI context structs whose field accesses the verifier rewrites (hooks.md §1). Accesses to
/// these records are what retargeting must translate.
const std::set<std::string> &ctxRecords() {
  static const std::set<std::string> R = {"xdp_md",
                                          "__sk_buff",
                                          "bpf_sock_ops",
                                          "sk_msg_md",
                                          "sk_reuseport_md",
                                          "bpf_sock_addr",
                                          "bpf_sockopt",
                                          "bpf_sysctl",
                                          "bpf_sk_lookup",
                                          "bpf_cgroup_dev_ctx",
                                          "bpf_perf_event_data",
                                          "bpf_nf_ctx",
                                          "pt_regs",
                                          "bpf_raw_tracepoint_args"};
  return R;
}

/// Helpers whose function-pointer argument is a callback the verifier calls into.
bool takesCallback(llvm::StringRef Helper) {
  return Helper == "bpf_loop" || Helper == "bpf_for_each_map_elem" ||
         Helper == "bpf_timer_set_callback" || Helper == "bpf_user_ringbuf_drain" ||
         Helper == "bpf_find_vma" || Helper == "bpf_rbtree_add_impl" ||
         Helper == "bpf_wq_set_callback_impl";
}

bool isTailCall(llvm::StringRef Callee) {
  // bpf_tail_call_static is libbpf's inline-asm wrapper in bpf_helpers.h.
  return Callee == "bpf_tail_call" || Callee == "bpf_tail_call_static";
}

int silentLibbpfPrint(enum libbpf_print_level, const char *, va_list) { return 0; }

/// libbpf's program and attach type for a section name (without a leading '?'); false when
/// libbpf does not know the section.
bool libbpfSectionType(const std::string &Sec, bpf_prog_type &Type, bpf_attach_type &Attach) {
  // libbpf_prog_type_by_name warns through libbpf's print callback when a name is unknown.
  libbpf_print_fn_t Old = libbpf_set_print(silentLibbpfPrint);
  int Err = libbpf_prog_type_by_name(Sec.c_str(), &Type, &Attach);
  libbpf_set_print(Old);
  return Err == 0;
}

/// libbpf's program type name for a function's section ("xdp", "sched_cls"), "" when unknown.
std::string programTypeOf(std::string Sec) {
  if (!Sec.empty() && Sec[0] == '?')
    Sec.erase(0, 1);
  bpf_prog_type Type{};
  bpf_attach_type Attach{};
  if (!libbpfSectionType(Sec, Type, Attach))
    return {};
  const char *T = libbpf_bpf_prog_type_str(Type);
  return T ? T : std::to_string(Type);
}

const Decl *Builder::topLevelOf(const Decl *D) {
  while (D) {
    const DeclContext *DC = D->getLexicalDeclContext();
    if (!DC || isa<TranslationUnitDecl>(DC))
      return D;
    // Inside a function: a local struct/typedef belongs to the function that declares it.
    D = cast<Decl>(DC);
  }
  return D;
}

std::string Builder::entityFor(const Decl *D) {
  D = topLevelOf(D);
  if (!D)
    return {};
  const Decl *Key = D->getCanonicalDecl();
  if (auto It = DeclIds.find(Key); It != DeclIds.end())
    return It->second;
  std::string Id = createEntity(D);
  DeclIds[Key] = Id;
  if (!Id.empty() && factsAt(D->getLocation()).origin == Origin::System)
    addEdge(Id, includeProviding(D->getLocation()), edge::DeclaredIn, {});
  return Id;
}

std::string Builder::createEntity(const Decl *D) {
  if (const auto *FD = dyn_cast<FunctionDecl>(D))
    return createFunction(FD);
  if (const auto *VD = dyn_cast<VarDecl>(D))
    return createVar(VD);
  if (const auto *TD = dyn_cast<TypeDecl>(D))
    return createType(TD);
  return {};
}

std::string Builder::createFunction(const FunctionDecl *FD) {
  if (FD->getBuiltinID() || FD->isImplicit())
    return {};
  const FunctionDecl *Def = FD->getDefinition();
  const FunctionDecl *Rep = Def ? Def : FD->getCanonicalDecl();
  Function F;
  F.name = Rep->getName().str();
  F.id = makeId("function", F.name, Rep->getLocation());
  F.origin = factsAt(Rep->getLocation()).origin;
  F.decl = declSpan(Rep);
  F.definition = Def != nullptr;
  F.isStatic = Rep->getStorageClass() == SC_Static;
  F.isInline = Rep->isInlineSpecified();
  F.alwaysInline = Rep->hasAttr<AlwaysInlineAttr>();
  F.noInline = Rep->hasAttr<NoInlineAttr>();
  F.isKfunc = isKfunc(Rep);
  F.section = sectionOf(Rep);
  F.sectionFromPragma = !F.section.empty() && !Rep->hasAttr<SectionAttr>();
  if (!F.section.empty() && !F.sectionFromPragma)
    F.sectionLiteral = sectionLiteralSpan(Rep, F.section);
  if (Rep->doesThisDeclarationHaveABody())
    F.body = spanOfRange(Rep->getBody()->getSourceRange());
  F.signature = Rep->getType().getAsString(Ctx.getPrintingPolicy());
  // void however it is spelt: libbpf's BPF_STRUCT_OPS body returns `typeof(name(0))`.
  F.returnType = Rep->getReturnType()->isVoidType()
                     ? std::string("void")
                     : Rep->getReturnType().getAsString(Ctx.getPrintingPolicy());
  for (const ParmVarDecl *P : Rep->parameters()) {
    F.params.push_back(P->getType().getAsString(Ctx.getPrintingPolicy()));
    F.parameters.push_back(describeParam(P));
  }
  auto Offsets = pointerOffsetParams(Rep);
  for (unsigned I = 0; I < Rep->getNumParams(); ++I)
    if (auto It = Offsets.find(Rep->getParamDecl(I)); It != Offsets.end())
      F.parameters[I].offsetOf.assign(It->second.begin(), It->second.end());
  FunctionIndex[F.id] = M.functions.size();
  M.functions.push_back(F);
  return F.id;
}

namespace {
/// The members of a struct_ops variable initialised with a function, in field order. The
/// semantic initialiser list holds one initialiser per field, designated or not.
std::vector<std::pair<std::string, std::string>> functionSlots(const VarDecl *V) {
  std::vector<std::pair<std::string, std::string>> Slots;
  const auto *ILE =
      dyn_cast_or_null<InitListExpr>(V->getInit() ? V->getInit()->IgnoreParenImpCasts() : nullptr);
  const RecordDecl *RD = V->getType()->getAsRecordDecl();
  if (!ILE || !RD)
    return Slots;
  unsigned I = 0;
  for (const FieldDecl *FD : RD->fields()) {
    if (I >= ILE->getNumInits())
      break;
    const Expr *E = ILE->getInit(I++)->IgnoreParenCasts();
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E))
      if (const auto *F = dyn_cast<FunctionDecl>(DRE->getDecl()))
        Slots.emplace_back(FD->getName().str(), F->getName().str());
  }
  return Slots;
}
} // namespace

std::string Builder::createVar(const VarDecl *VD) {
  if (!VD->isFileVarDecl())
    return {};
  const VarDecl *Def = VD->getDefinition();
  // `int counter;` at file scope is a tentative definition, which getDefinition() does not
  // return: it still defines the variable (.bss), it is not an extern.
  if (!Def)
    Def = VD->getActingDefinition();
  const VarDecl *Rep = Def ? Def : VD->getCanonicalDecl();
  Origin O = factsAt(Rep->getLocation()).origin;
  std::string Name = Rep->getName().str();

  if (int HelperId = helperIdOf(Rep); HelperId >= 0) {
    HelperEntity H{makeId("helper", Name, Rep->getLocation()), Name, HelperId, false,
                   factsAt(Rep->getLocation()).headerClass};
    M.helpers.push_back(H);
    return H.id;
  }
  if (isMapVar(Rep)) {
    Map Mp;
    Mp.name = Name;
    Mp.id = makeId("map", Name, Rep->getLocation());
    Mp.origin = O;
    Mp.decl = declSpan(Rep);
    if (Rep->getAttr<SectionAttr>()->getName() == ".maps") {
      Mp.style = "btf";
      if (const RecordDecl *RD = Rep->getType()->getAsRecordDecl())
        describeBtfMap(Rep, RD, Mp);
    } else {
      Mp.style = "legacy";
      describeLegacyMap(Rep, Mp);
    }
    M.maps.push_back(std::move(Mp));
    return M.maps.back().id;
  }
  Global G;
  G.name = Name;
  G.id = makeId("global", Name, Rep->getLocation());
  G.origin = O;
  G.decl = declSpan(Rep);
  G.type = Rep->getType().getAsString(Ctx.getPrintingPolicy());
  G.isExtern = !Def;
  QualType T = Rep->getType();
  G.constVolatile = T.isConstQualified() && T.isVolatileQualified();
  if (auto *SA = Rep->getAttr<SectionAttr>()) {
    G.section = SA->getName().str();
  } else if (T.isConstQualified()) {
    G.section = ".rodata";
  } else {
    bool Zero = true;
    if (const Expr *Init = Rep->getInit()) {
      Expr::EvalResult R;
      Zero = Init->EvaluateAsInt(R, Ctx) && R.Val.getInt() == 0;
      if (const auto *ILE = dyn_cast<InitListExpr>(Init->IgnoreParenImpCasts()))
        Zero = ILE->getNumInits() == 0;
    }
    G.section = Zero ? ".bss" : ".data";
  }
  if (G.section.starts_with(".struct_ops"))
    G.functionSlots = functionSlots(Rep);
  if (G.section == "license")
    if (const auto *SL = dyn_cast_or_null<StringLiteral>(
            Rep->getInit() ? Rep->getInit()->IgnoreParenImpCasts() : nullptr))
      M.license = SL->getString().str();
  M.globals.push_back(std::move(G));
  return M.globals.back().id;
}

std::string Builder::createType(const TypeDecl *TD) {
  TypeEntity T;
  if (const auto *Tag = dyn_cast<TagDecl>(TD)) {
    const TagDecl *Def = Tag->getDefinition();
    const TagDecl *Rep = Def ? Def : Tag;
    T.kind = Rep->getKindName().str();
    T.name = Rep->getName().str();
    T.complete = Def != nullptr;
    T.id = makeId(T.kind, T.name, Rep->getLocation());
    T.origin = factsAt(Rep->getLocation()).origin;
    T.decl = declSpan(Rep);
    if (const auto *RD = dyn_cast<RecordDecl>(Rep); RD && Def)
      for (const FieldDecl *FDl : RD->fields())
        T.members.push_back(FDl->getName().str());
    if (const auto *ED = dyn_cast<EnumDecl>(Rep); ED && Def)
      for (const EnumConstantDecl *EC : ED->enumerators())
        T.members.push_back(EC->getName().str());
  } else if (const auto *TND = dyn_cast<TypedefNameDecl>(TD)) {
    T.kind = "typedef";
    T.name = TND->getName().str();
    T.complete = true;
    T.id = makeId("typedef", T.name, TND->getLocation());
    T.origin = factsAt(TND->getLocation()).origin;
    T.decl = declSpan(TND);
    T.underlying = TND->getUnderlyingType().getAsString(Ctx.getPrintingPolicy());
  } else {
    return {};
  }
  M.types.push_back(std::move(T));
  return M.types.back().id;
}

void Builder::addProgram(const FunctionDecl *FD, const Function &F) {
  Program P;
  P.name = F.name;
  P.function = F.id;
  P.id = "program" + F.id.substr(F.id.find(':'));
  std::string Sec = F.section;
  if (!Sec.empty() && Sec[0] == '?') { // libbpf: SEC("?xdp") turns autoload off
    P.autoload = false;
    Sec.erase(0, 1);
  }
  P.section = Sec;
  bpf_prog_type Type{};
  bpf_attach_type Attach{};
  if (libbpfSectionType(Sec, Type, Attach)) {
    const char *T = libbpf_bpf_prog_type_str(Type);
    P.type = T ? T : std::to_string(Type);
    const char *A = libbpf_bpf_attach_type_str(Attach);
    // libbpf gives 0 for a section without an expected attach type (SEC("kprobe")), and 0 is
    // also BPF_CGROUP_INET_INGRESS, which only cgroup_skb programs attach to.
    bool Meaningful = Attach != 0 || Type == BPF_PROG_TYPE_CGROUP_SKB;
    P.expectedAttachType = A && Meaningful ? A : "";
    static const std::set<std::string> Targeted = {
        "kprobe", "tracepoint", "raw_tracepoint",         "tracing",
        "lsm",    "ext",        "raw_tracepoint_writable"};
    size_t Slash = Sec.find('/');
    if (Targeted.count(P.type) && Slash != std::string::npos)
      P.attachTarget = Sec.substr(Slash + 1);
  } else {
    P.type = "unknown";
  }
  M.programs.push_back(std::move(P));
}

void Builder::run() {
  facts(SM.getMainFileID());
  M.mainFile = facts(SM.getMainFileID()).display;
  recordIncludes();

  // Pass 1: an entity for every top-level declaration of the main file and local headers.
  std::vector<std::pair<const Decl *, std::string>> Owned;
  for (const Decl *D : Ctx.getTranslationUnitDecl()->decls()) {
    if (D->isImplicit() || D->getLocation().isInvalid())
      continue;
    if (const auto *VD = dyn_cast<VarDecl>(D))
      if (int HelperId = helperIdOf(VD); HelperId >= 0)
        HelpersById.emplace(HelperId, VD);
    if (factsAt(D->getLocation()).origin == Origin::System)
      continue;
    std::string Id = entityFor(D);
    Owned.emplace_back(D, Id);
    if (!Id.empty()) {
      SourceSpan S = declSpan(D);
      if (S.valid())
        Spans[SM.getFileID(SM.getExpansionLoc(D->getBeginLoc()))].emplace_back(S.beginOffset,
                                                                               S.endOffset, Id);
      if (S.valid())
        M.spans[Id].push_back(S);
    }
  }

  // Pass 2: references out of each of them.
  for (auto &[D, Id] : Owned) {
    if (Id.empty())
      continue;
    // Every declaration of a function records into it: a prototype's signature names ctx
    // types too (`int f3(int, struct __sk_buff *skb, int);`), and each spells the name.
    long Fn = -1;
    if (const auto *FD = dyn_cast<FunctionDecl>(D)) {
      Fn = functionIndex(Id);
      if (Fn >= 0)
        functionAt(static_cast<size_t>(Fn)).nameSpans.push_back(spellingSpan(FD->getLocation()));
    }
    collectReferences(*this, D, Id, Fn);
  }

  // What callers pass, for the harness: constants, and the size of the objects pointed to.
  std::vector<const FunctionDecl *> Bodies;
  for (auto &[D, Id] : Owned)
    if (const auto *FD = dyn_cast<FunctionDecl>(D); FD && FD->doesThisDeclarationHaveABody())
      Bodies.push_back(FD);
  recordCallerArguments(Bodies);
  recordDataValues(Bodies);

  // Programs: function definitions placed in a section other than .text.
  for (const Function &F : std::vector<Function>(M.functions)) {
    if (F.origin == Origin::System || !F.definition || F.section.empty() || F.section == ".text")
      continue;
    addProgram(nullptr, F);
  }
  for (const Program &P : M.programs)
    addEdge(P.id, P.function, edge::Entry, {});

  recordMacros();
  // An #undef of a kept project macro is part of its text: `#define bpf_iter_meta
  // bpf_iter_meta___not_used` / `#include "vmlinux.h"` / `#undef bpf_iter_meta` renames a type
  // only around the include, and the file's own `struct bpf_iter_meta` needs the #undef.
  // An #undef in project code of a system macro belongs to the project macro that redefines the
  // name next in the same file (`#undef offsetof` / `#define offsetof(...) ...`): without it
  // the kept #define redefines the system macro.
  for (SourceLocation Loc : PP.preambleUndefs) // system headers' #undefs, in a preamble
    factsAt(Loc);
  for (const auto &[MI, Loc] : PP.undefs) {
    auto Idx = PP.macroIndex.find(MI);
    if (Idx == PP.macroIndex.end() || factsAt(Loc).origin == Origin::System)
      continue;
    const MacroInfo *Owner = MI;
    if (facts(SM.getFileID(PP.macros[Idx->second].hashLine)).origin == Origin::System) {
      Owner = nullptr;
      const std::string &Name = PP.macros[Idx->second].name;
      SourceLocation Best;
      for (const auto &[Other, OtherIdx] : PP.macroIndex) {
        const RecordedMacro &R = PP.macros[OtherIdx];
        if (R.name != Name || SM.getFileID(R.hashLine) != SM.getFileID(Loc) ||
            !SM.isBeforeInTranslationUnit(Loc, R.hashLine))
          continue;
        if (!Owner || SM.isBeforeInTranslationUnit(R.hashLine, Best))
          Owner = Other, Best = R.hashLine;
      }
      if (!Owner)
        continue;
    }
    std::string Id = macroEntity(Owner);
    if (!Id.empty())
      M.spans[Id].push_back(lineSpanAt(Loc));
  }
  recordConditionals();
  recordProviders();
  M.edges.assign(EdgeSet.begin(), EdgeSet.end());
}

} // namespace builder

void buildModel(clang::ASTContext &Ctx, const PreprocessorIndex &PP, const std::string &InputPath,
                const HeaderPolicy &Headers, ProgramModel &Model) {
  builder::Builder(Ctx, PP, InputPath, Headers, Model).run();
}

} // namespace bpfcarve::extractor
