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

#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "llvm/Support/Path.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <cstdarg>
#include <set>
#include <unordered_map>

namespace bpfcarve::extractor {

using namespace clang;

namespace {

/// UAPI context structs whose field accesses the verifier rewrites (hooks.md §1). Accesses to
/// these records are what retargeting must translate.
const std::set<std::string> &ctxRecords() {
  static const std::set<std::string> R = {
      "xdp_md",         "__sk_buff",       "bpf_sock_ops", "sk_msg_md",   "sk_reuseport_md",
      "bpf_sock_addr",  "bpf_sockopt",     "bpf_sysctl",   "bpf_sk_lookup",
      "bpf_cgroup_dev_ctx", "bpf_perf_event_data", "bpf_nf_ctx", "pt_regs",
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

struct FileFacts {
  std::string display, abs, headerClass;
  Origin origin = Origin::System;
};

class LocalConstants;

class Builder {
public:
  Builder(ASTContext &Ctx, const PreprocessorIndex &PP, const std::string &InputPath,
          ProgramModel &M)
      : Ctx(Ctx), SM(Ctx.getSourceManager()), PP(PP), M(M) {
    llvm::SmallString<256> Abs(InputPath);
    llvm::sys::fs::make_absolute(Abs);
    llvm::sys::path::remove_dots(Abs, true);
    InputDir = llvm::sys::path::parent_path(Abs).str();
    M.inputDir = InputDir;
  }

  void run();

  // --- used by the reference visitor ---------------------------------------------------
  std::string entityFor(const Decl *D); ///< id of the entity for D (created on demand)
  void addEdge(const std::string &From, const std::string &To, const char *Kind,
               SourceLocation Loc) {
    if (From.empty() || To.empty() || From == To)
      return;
    EdgeSet.insert({From, To, Kind, Loc.isValid() ? lineOf(Loc) : 0});
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
  CharSourceRange writtenRange(SourceRange R);
  /// The text of writtenSpan(R), or of R's expansion range when it has none.
  std::string writtenTextOf(SourceRange R);
  bool spelledInMacroBody(SourceLocation L) {
    return L.isMacroID() && !SM.isMacroArgExpansion(L);
  }
  std::string textOf(SourceRange R);
  std::string writtenText(SourceRange R); ///< R as written at the use site, even in a macro arg
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
  unsigned lineOf(SourceLocation L) { return SM.getExpansionLineNumber(L); }
  std::string displayPath(llvm::StringRef Abs);
  std::string makeId(const std::string &Kind, const std::string &Name, SourceLocation Loc);
  SourceSpan declSpan(const Decl *D);
  SourceSpan lineSpanAt(SourceLocation L);
  void recordConditionals();
  unsigned scanToSemicolon(FileID F, unsigned Offset);
  const Decl *topLevelOf(const Decl *D);
  std::string createEntity(const Decl *D);
  std::string createFunction(const FunctionDecl *FD);
  Param describeParam(const ParmVarDecl *P);
  void collectPointerMembers(const RecordDecl *RD, const std::string &Prefix,
                             const std::string &UnionPath, bool InArray, int Depth,
                             std::vector<PointerMember> &Out);
  const std::unordered_map<const FieldDecl *, std::string> &memberSources();
  void recordCallerArguments(const std::vector<const FunctionDecl *> &Bodies);
  SourceSpan sectionLiteralSpan(const FunctionDecl *FD, const std::string &Section);
  std::string createVar(const VarDecl *VD);
  std::string createType(const TypeDecl *TD);
  void describeBtfMap(const VarDecl *VD, const RecordDecl *RD, Map &Out);
  void describeLegacyMap(const VarDecl *VD, Map &Out);
  void addProgram(const FunctionDecl *FD, const Function &F);
  std::string includeProviding(SourceLocation L);
  void recordMacros();
  std::string macroEntity(const MacroInfo *MI);
  std::string entityContaining(FileID F, unsigned Offset);
  std::vector<std::string> entitiesInside(FileID F, unsigned Begin, unsigned End);
  void recordIncludes();

  const PreprocessorIndex &PP;
  ProgramModel &M;
  std::string InputDir;
  std::unordered_map<unsigned, FileFacts> Files; // by FileID hash value
  std::unordered_map<const Decl *, std::string> DeclIds;
  std::unordered_map<std::string, size_t> FunctionIndex;
  std::unordered_map<const MacroInfo *, std::string> MacroIds;
  std::map<const FunctionDecl *, std::shared_ptr<LocalConstants>> LocalsOf;
  /// Record members set from a ctx packet field anywhere in project code (memberSources()).
  std::optional<std::unordered_map<const FieldDecl *, std::string>> MemberSources;
  std::set<Edge> EdgeSet;
  std::set<std::string> UsedIds;
  std::map<std::pair<std::string, unsigned>, std::string> IncludeAt; // (file, line) -> id
  /// Spans of main/local entities per file, sorted by begin, for macro attribution.
  std::map<FileID, std::vector<std::tuple<unsigned, unsigned, std::string>>> Spans;
};

//===----------------------------------------------------------------------===//
// Reference collection
//===----------------------------------------------------------------------===//

/// Which integer local variables of a function only ever hold constants, and which: every
/// store into them (initialiser or plain assignment) is an integer constant expression, and
/// their address is never taken nor are they changed by ++, -- or a compound assignment.
///   int offset = 0; ... offset = 256; ... bpf_xdp_adjust_tail(xdp, 0 - offset)
/// makes `0 - offset` a known shrink; `nh_off = sizeof(struct eth_hdr)` gives the harness the
/// offset every call passes.
class LocalConstants : public RecursiveASTVisitor<LocalConstants> {
public:
  explicit LocalConstants(ASTContext &Ctx) : Ctx(Ctx) {}
  bool VisitVarDecl(VarDecl *V) {
    if (V->isLocalVarDecl() && V->getType()->isIntegerType())
      store(V, V->getInit(), false);
    return true;
  }
  bool VisitBinaryOperator(BinaryOperator *BO) {
    if (auto *V = localOf(BO->getLHS()); V && BO->isAssignmentOp())
      store(V, BO->getOpcode() == BO_Assign ? BO->getRHS() : nullptr, true);
    return true;
  }
  bool VisitUnaryOperator(UnaryOperator *UO) {
    if (auto *V = localOf(UO->getSubExpr()); V && (UO->isIncrementDecrementOp() ||
                                                   UO->getOpcode() == UO_AddrOf))
      store(V, nullptr, true);
    return true;
  }
  /// V's constants; nullopt when V is not such a local or was never given a value.
  std::optional<std::set<long long>> values(const VarDecl *V) const {
    auto It = Values.find(V);
    if (It == Values.end() || !It->second || It->second->empty())
      return std::nullopt;
    return It->second;
  }
  bool nonNegative(const VarDecl *V) const { return values(V) && !Negative.count(V); }

  /// E's value when it is an integer constant expression that fits 64 bits (an unsigned one
  /// above INT64_MAX keeps its bits).
  static std::optional<llvm::APSInt> constant(const Expr *E, const ASTContext &Ctx) {
    if (!E || E->isValueDependent() || !E->getType()->isIntegerType())
      return std::nullopt;
    Expr::EvalResult R;
    if (!E->EvaluateAsInt(R, Ctx))
      return std::nullopt;
    llvm::APSInt C = R.Val.getInt();
    if ((C.isSigned() ? C.getSignificantBits() : C.getActiveBits()) > 64)
      return std::nullopt;
    return C;
  }
  static long long bits(const llvm::APSInt &C) {
    return C.isSigned() ? C.getSExtValue() : static_cast<long long>(C.getZExtValue());
  }

private:
  VarDecl *localOf(Expr *E) {
    auto *DRE = dyn_cast<DeclRefExpr>(E->IgnoreParenImpCasts());
    auto *V = DRE ? dyn_cast<VarDecl>(DRE->getDecl()) : nullptr;
    return V && V->isLocalVarDecl() && V->getType()->isIntegerType() ? V : nullptr;
  }
  /// A store of Value into V; Value null: `int x;` alone (Changed false: its later
  /// assignments decide) or a change not followed (Changed true: unknown).
  void store(const VarDecl *V, const Expr *Value, bool Changed) {
    auto &Known = Values.try_emplace(V, std::set<long long>{}).first->second;
    if (!Value && !Changed)
      return;
    auto C = constant(Value, Ctx);
    if (!C || !Known) {
      Known = std::nullopt;
      return;
    }
    Known->insert(bits(*C));
    if (C->isNegative())
      Negative.insert(V);
  }
  ASTContext &Ctx;
  std::map<const VarDecl *, std::optional<std::set<long long>>> Values;
  std::set<const VarDecl *> Negative;
};

const LocalConstants &Builder::localsOf(const FunctionDecl *FD) {
  const FunctionDecl *Def = FD->getDefinition() ? FD->getDefinition() : FD;
  auto &L = LocalsOf[Def];
  if (!L) {
    L = std::make_shared<LocalConstants>(Ctx);
    if (Def->hasBody())
      L->TraverseStmt(Def->getBody());
  }
  return *L;
}

class ReferenceVisitor : public RecursiveASTVisitor<ReferenceVisitor> {
public:
  /// FnIndex: the function whose calls, ctx accesses and returns are recorded (-1: none). An
  /// index, not a pointer: entities created during the walk grow the function vector.
  ReferenceVisitor(Builder &B, std::string From, long FnIndex)
      : B(B), From(std::move(From)), FnIndex(FnIndex) {}

  bool shouldVisitImplicitCode() const { return false; }

  bool VisitCallExpr(CallExpr *CE) {
    auto *Callee = dyn_cast<DeclRefExpr>(CE->getCallee()->IgnoreParenImpCasts());
    if (!Callee)
      return true;
    DirectCallees.insert(Callee);
    llvm::StringRef Name = Callee->getDecl()->getName();
    if (takesCallback(Name))
      for (Expr *Arg : CE->arguments()) {
        Expr *E = Arg->IgnoreParenCasts();
        if (auto *UO = dyn_cast<UnaryOperator>(E); UO && UO->getOpcode() == UO_AddrOf)
          E = UO->getSubExpr()->IgnoreParenCasts();
        if (auto *DRE = dyn_cast<DeclRefExpr>(E); DRE && isa<FunctionDecl>(DRE->getDecl()))
          CallbackRefs.insert(DRE);
      }
    if (isTailCall(Name) && CE->getNumArgs() >= 2) {
      Expr *E = CE->getArg(1)->IgnoreParenCasts();
      if (auto *UO = dyn_cast<UnaryOperator>(E); UO && UO->getOpcode() == UO_AddrOf)
        E = UO->getSubExpr()->IgnoreParenCasts();
      if (auto *DRE = dyn_cast<DeclRefExpr>(E))
        TailCallRefs.insert(DRE);
    }
    if (FnIndex >= 0) {
      if (auto *VD = dyn_cast<VarDecl>(Callee->getDecl())) {
        if (int Id = helperIdOf(VD); Id >= 0)
          fn().helperCalls.push_back(describeCall(CE, Callee, VD->getName().str(), Id, false));
      } else if (auto *FD = dyn_cast<FunctionDecl>(Callee->getDecl()); FD && isKfunc(FD)) {
        fn().helperCalls.push_back(describeCall(CE, Callee, FD->getName().str(), -1, true));
      }
    }
    return true;
  }

  bool VisitDeclRefExpr(DeclRefExpr *E) {
    const ValueDecl *D = E->getDecl();
    SourceLocation Loc = E->getLocation();
    if (auto *FD = dyn_cast<FunctionDecl>(D)) {
      if (FD->getBuiltinID() || FD->isImplicit())
        return true;
      std::string To = B.entityFor(FD);
      const char *Kind = edge::FunctionPointer;
      if (InMapDefinition)
        Kind = edge::MapSlot;
      else if (DirectCallees.count(E))
        Kind = isKfunc(FD) ? edge::CallsKfunc : edge::Calls;
      else if (CallbackRefs.count(E))
        Kind = edge::Callback;
      B.addEdge(From, To, Kind, Loc);
      return true;
    }
    if (auto *VD = dyn_cast<VarDecl>(D)) {
      if (!VD->hasGlobalStorage() || VD->isStaticLocal())
        return true;
      std::string To = B.entityFor(VD);
      const char *Kind = edge::UsesGlobal;
      if (helperIdOf(VD) >= 0)
        Kind = edge::CallsHelper;
      else if (isMapVar(VD))
        Kind = InMapDefinition ? edge::MapSlot
                               : (TailCallRefs.count(E) ? edge::TailCall : edge::UsesMap);
      B.addEdge(From, To, Kind, Loc);
      return true;
    }
    if (auto *EC = dyn_cast<EnumConstantDecl>(D)) {
      B.addEdge(From, B.entityFor(EC), edge::UsesEnumConstant, Loc);
      if (FnIndex >= 0) {
        const auto *ED = dyn_cast<EnumDecl>(EC->getDeclContext());
        fn().enumRefs.push_back({EC->getName().str(), ED ? ED->getName().str() : "",
                                 B.spellingSpan(Loc), B.spelledInMacroBody(Loc)});
      }
    }
    return true;
  }

  bool VisitBinaryOperator(BinaryOperator *BO) {
    if (BO->isAssignmentOp())
      markWritten(BO->getLHS(), BO->isCompoundAssignmentOp());
    // Pointer arithmetic scales by the pointee's size: `(void *)(hdr + 1) > data_end`.
    BinaryOperatorKind Op = BO->getOpcode();
    if (Op == BO_Add || Op == BO_Sub || Op == BO_AddAssign || Op == BO_SubAssign)
      for (const Expr *E : {BO->getLHS(), BO->getRHS()})
        if (const auto *PT = E->getType()->getAs<PointerType>())
          needComplete(PT->getPointeeType(), BO->getOperatorLoc());
    return true;
  }
  bool VisitUnaryOperator(UnaryOperator *UO) {
    if (UO->isIncrementDecrementOp()) {
      markWritten(UO->getSubExpr(), true);
      if (const auto *PT = UO->getSubExpr()->getType()->getAs<PointerType>())
        needComplete(PT->getPointeeType(), UO->getOperatorLoc());
    }
    return true;
  }
  /// A value of record type (a variable, `*p`, `p[i]`, a struct returned or passed by value, a
  /// compound literal) needs the record complete.
  bool VisitExpr(Expr *E) {
    needComplete(E->getType(), E->getExprLoc());
    return true;
  }

  bool VisitMemberExpr(MemberExpr *ME) {
    QualType BaseTy = ME->getBase()->getType();
    if (ME->isArrow() && BaseTy->isPointerType())
      BaseTy = BaseTy->getPointeeType();
    const RecordDecl *RD = BaseTy->getAsRecordDecl();
    if (!RD)
      return true;
    B.addEdge(From, B.entityFor(RD), edge::UsesType, ME->getMemberLoc());
    if (FnIndex >= 0 && ctxRecords().count(RD->getName().str())) {
      AccessKind K = AccessKind::Read;
      if (auto It = Written.find(ME); It != Written.end())
        K = It->second ? AccessKind::ReadWrite : AccessKind::Write;
      SourceSpan Written = B.writtenSpan(ME->getSourceRange());
      fn().ctxAccesses.push_back({RD->getName().str(), ME->getMemberDecl()->getName().str(), K,
                                 B.argSpellingSpan(ME->getSourceRange()), Written,
                                 B.spellingSpan(ME->getMemberLoc()),
                                 B.writtenTextOf(ME->getBase()->getSourceRange())});
    }
    return true;
  }

  bool VisitReturnStmt(ReturnStmt *RS) {
    if (FnIndex < 0)
      return true;
    ReturnSite R;
    if (Expr *V = RS->getRetValue()) {
      R.site = B.spanOfRange(V->getSourceRange());
      R.text = B.textOf(V->getSourceRange());
      Expr::EvalResult Res;
      if (!V->isValueDependent() && V->EvaluateAsInt(Res, B.Ctx))
        R.value = Res.Val.getInt().getSExtValue();
    } else {
      R.site = B.spanOfRange(RS->getSourceRange());
    }
    fn().returns.push_back(std::move(R));
    return true;
  }

  /// Types as written: a record named where only a pointer to it is declared (`struct foo *p`,
  /// `typedef struct foo foo_t;`) is only pointed to; everywhere else (a variable or member of
  /// that type, sizeof, offsetof, an array of it) it must be complete. A typedef used by value
  /// needs the record it names complete, as `meta_t m;` needs struct pkt_meta.
  bool TraverseTypeLoc(TypeLoc TL) {
    if (TL.isNull())
      return true;
    bool Saved = InPointee;
    switch (TL.getTypeLocClass()) {
    case TypeLoc::Pointer:
      InPointee = true;
      break;
    case TypeLoc::Qualified:
    case TypeLoc::Elaborated:
    case TypeLoc::Paren:
    case TypeLoc::Attributed:
    case TypeLoc::MacroQualified:
    case TypeLoc::BTFTagAttributed:
    case TypeLoc::Record:
    case TypeLoc::Enum:
    case TypeLoc::Typedef:
      break; // sugar and names: the context of what encloses them
    default:
      InPointee = false; // arrays, function types, typeof(...): their parts as they are
    }
    if (InMapDefinition)
      InPointee = false; // `__type(value, struct foo)` sizes the map: BTF needs foo complete
    bool R = RecursiveASTVisitor::TraverseTypeLoc(TL);
    InPointee = Saved;
    return R;
  }
  bool TraverseTypedefDecl(TypedefDecl *TD) {
    bool Saved = InPointee;
    InPointee = true; // a typedef only names its type
    bool R = RecursiveASTVisitor::TraverseTypedefDecl(TD);
    InPointee = Saved;
    return R;
  }

  bool VisitTypeLoc(TypeLoc TL) {
    const Decl *D = nullptr;
    if (auto T = TL.getAs<TypedefTypeLoc>()) {
      D = T.getTypedefNameDecl();
      if (!InPointee)
        needComplete(T.getType(), TL.getBeginLoc());
    } else if (auto T = TL.getAs<TagTypeLoc>()) {
      D = T.getDecl();
      // A record never defined is declared where first named, possibly inside another record
      // (`struct node { struct payload *data; };`): its file-scope `struct payload;` stands for it.
      if (const TagDecl *Tag = T.getDecl(); !Tag->getDefinition())
        for (const TagDecl *R : Tag->redecls())
          if (isa<TranslationUnitDecl>(R->getLexicalDeclContext()) && !R->isImplicit()) {
            D = R;
            break;
          }
    }
    if (D)
      B.addEdge(From, B.entityFor(D),
                InPointee && forwardDeclarable(D) ? edge::PointsToType : edge::UsesType,
                TL.getBeginLoc());
    if (auto T = TL.getAs<RecordTypeLoc>(); T && FnIndex >= 0 &&
        ctxRecords().count(T.getDecl()->getName().str()))
      fn().typeRefs.push_back({T.getDecl()->getName().str(), "", B.spellingSpan(T.getNameLoc()),
                               B.spelledInMacroBody(T.getNameLoc())});
    return true;
  }

  /// +1 when E cannot be negative (a non-negative constant, an unsigned value under casts such
  /// as `(int)len`), -1 when it is the negation of such a value, 0 when unknown.
  int signOf(const Expr *E) {
    Expr::EvalResult R;
    if (!E->isValueDependent() && E->EvaluateAsInt(R, B.Ctx))
      return R.Val.getInt().isNegative() ? -1 : 1;
    const Expr *Inner = E->IgnoreParenCasts();
    if (const auto *UO = dyn_cast<UnaryOperator>(Inner); UO && UO->getOpcode() == UO_Minus)
      return signOf(UO->getSubExpr()) > 0 ? -1 : 0;
    // `0 - (int)room`: a non-positive constant minus a non-negative value.
    if (const auto *BO = dyn_cast<BinaryOperator>(Inner); BO && BO->getOpcode() == BO_Sub) {
      Expr::EvalResult L;
      if (!BO->getLHS()->isValueDependent() && BO->getLHS()->EvaluateAsInt(L, B.Ctx) &&
          !L.Val.getInt().isStrictlyPositive() && signOf(BO->getRHS()) > 0)
        return -1;
    }
    if (Inner->getType()->isUnsignedIntegerType())
      return 1;
    if (const auto *DRE = dyn_cast<DeclRefExpr>(Inner))
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && Locals && Locals->nonNegative(V))
        return 1;
    return 0;
  }

  /// Scans a function body for local variables of known sign (before its calls are described).
  bool TraverseFunctionDecl(FunctionDecl *FD) {
    // The verifier checks a global function alone, against the BTF of its arguments: what a
    // pointer argument points to must be complete there.
    if (FD->doesThisDeclarationHaveABody() && FD->isExternallyVisible())
      for (const ParmVarDecl *P : FD->parameters())
        if (const auto *PT = P->getType()->getAs<PointerType>())
          needComplete(PT->getPointeeType(), P->getLocation());
    const LocalConstants *Saved = Locals;
    Locals = FD->doesThisDeclarationHaveABody() ? &B.localsOf(FD) : nullptr;
    bool R = RecursiveASTVisitor::TraverseFunctionDecl(FD);
    Locals = Saved;
    return R;
  }

  HelperCall describeCall(const CallExpr *CE, const DeclRefExpr *Callee, std::string Name, int Id,
                          bool Kfunc) {
    HelperCall H{std::move(Name),
                 Id,
                 Kfunc,
                 B.spanOfRange(CE->getSourceRange()),
                 B.writtenSpan(CE->getSourceRange()),
                 B.spellingSpan(Callee->getLocation()),
                 {},
                 {},
                 {},
                 {}};
    for (const Expr *A : CE->arguments()) {
      SourceSpan W = B.writtenSpan(A->getSourceRange());
      H.args.push_back(W.valid() ? W : B.spanOfRange(A->getSourceRange()));
      H.argTexts.push_back(B.writtenTextOf(A->getSourceRange()));
      Expr::EvalResult R;
      if (!A->isValueDependent() && A->EvaluateAsInt(R, B.Ctx))
        H.argValues.push_back(R.Val.getInt().getSExtValue());
      else
        H.argValues.push_back(std::nullopt);
      H.argSigns.push_back(signOf(A));
    }
    return H;
  }

  bool TraverseVarDecl(VarDecl *VD) {
    // The initializer of a map definition places programs or inner maps into slots.
    bool Saved = InMapDefinition;
    if (isMapVar(VD) && VD->isFileVarDecl())
      InMapDefinition = true;
    bool R = RecursiveASTVisitor::TraverseVarDecl(VD);
    InMapDefinition = Saved;
    return R;
  }

  static int helperIdOf(const VarDecl *VD);
  static bool isKfunc(const FunctionDecl *FD);
  static bool isMapVar(const VarDecl *VD);

private:
  void markWritten(Expr *LHS, bool AlsoRead) {
    Expr *E = LHS->IgnoreParenImpCasts();
    if (auto *AS = dyn_cast<ArraySubscriptExpr>(E))
      E = AS->getBase()->IgnoreParenImpCasts();
    if (auto *ME = dyn_cast<MemberExpr>(E))
      Written[ME] = AlsoRead;
  }

  Function &fn() { return B.functionAt(static_cast<size_t>(FnIndex)); }

  /// A named top-level struct or union of the project: `struct foo;` can stand for it.
  bool forwardDeclarable(const Decl *D) {
    const auto *RD = dyn_cast<RecordDecl>(D);
    return RD && !RD->getName().empty() && isa<TranslationUnitDecl>(RD->getLexicalDeclContext()) &&
           B.factsAt(RD->getLocation()).origin != Origin::System;
  }
  /// T (or the element type of an array of T) is a project record that must be complete here.
  void needComplete(QualType T, SourceLocation Loc) {
    if (T.isNull())
      return;
    const Type *Base = T->getBaseElementTypeUnsafe();
    const RecordDecl *RD = Base ? Base->getAsRecordDecl() : nullptr;
    if (RD && B.factsAt(RD->getLocation()).origin != Origin::System)
      B.addEdge(From, B.entityFor(RD), edge::UsesType, Loc);
  }

  Builder &B;
  std::string From;
  long FnIndex;
  bool InMapDefinition = false;
  bool InPointee = false; ///< inside the pointee of a pointer type as written
  const LocalConstants *Locals = nullptr;
  std::set<const DeclRefExpr *> DirectCallees, CallbackRefs, TailCallRefs;
  std::map<const MemberExpr *, bool> Written;
};

int ReferenceVisitor::helperIdOf(const VarDecl *VD) {
  // libbpf's bpf_helper_defs.h: `static void *(*bpf_map_lookup_elem)(void *map, ...) = (void *) 1;`
  if (!VD->hasGlobalStorage() || !VD->getType()->isFunctionPointerType() || !VD->hasInit())
    return -1;
  const Expr *Init = VD->getInit()->IgnoreParenCasts();
  if (auto *IL = dyn_cast<IntegerLiteral>(Init))
    return static_cast<int>(IL->getValue().getZExtValue());
  return -1;
}

bool ReferenceVisitor::isKfunc(const FunctionDecl *FD) {
  // libbpf: `#define __ksym __attribute__((section(".ksyms")))` on an extern declaration.
  if (FD->hasBody())
    return false;
  for (const FunctionDecl *R : FD->redecls())
    if (auto *SA = R->getAttr<SectionAttr>(); SA && SA->getName() == ".ksyms")
      return true;
  return false;
}

bool ReferenceVisitor::isMapVar(const VarDecl *VD) {
  auto *SA = VD->getAttr<SectionAttr>();
  return SA && (SA->getName() == ".maps" || SA->getName() == "maps");
}

//===----------------------------------------------------------------------===//
// Builder
//===----------------------------------------------------------------------===//

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
    llvm::SmallString<256> Abs(FE->getName());
    llvm::sys::fs::make_absolute(Abs);
    llvm::sys::path::remove_dots(Abs, true);
    Real = Abs.str().str();
  }
  Facts.abs = Real;
  Facts.display = displayPath(Real);
  if (F == SM.getMainFileID()) {
    Facts.origin = Origin::Main;
    Facts.headerClass = "main";
  } else if (llvm::StringRef(Real).starts_with("/usr/include/bpf/")) {
    Facts.headerClass = "libbpf";
  } else if (llvm::sys::path::filename(Real) == "vmlinux.h") {
    Facts.headerClass = "vmlinux";
  } else if (SM.isInSystemHeader(SM.getLocForStartOfFile(F))) {
    Facts.headerClass = "system";
  } else {
    Facts.origin = Origin::Local;
    Facts.headerClass = "local";
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
  std::string Id = Kind + ":" + (Name.empty() ? "(anonymous)" : Name) + "@" + facts(SM.getFileID(E)).display +
                   ":" + std::to_string(SM.getExpansionLineNumber(E));
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

CharSourceRange Builder::writtenRange(SourceRange R) {
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

std::string Builder::writtenTextOf(SourceRange R) {
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

std::string Builder::textOf(SourceRange R) {
  CharSourceRange CR = SM.getExpansionRange(R);
  return Lexer::getSourceText(CR, SM, Ctx.getLangOpts()).str();
}

std::string Builder::writtenText(SourceRange R) {
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
unsigned Builder::scanToSemicolon(FileID F, unsigned Offset) {
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
  if (auto *FD = dyn_cast<FunctionDecl>(D))
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
    M.conditionals.push_back(std::move(C));
  }
  std::sort(M.conditionals.begin(), M.conditionals.end(),
            [&](const Conditional &A, const Conditional &B) {
              return M.orderKey(A.file, A.region.beginOffset) <
                     M.orderKey(B.file, B.region.beginOffset);
            });
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
  if (auto *FD = dyn_cast<FunctionDecl>(D))
    return createFunction(FD);
  if (auto *VD = dyn_cast<VarDecl>(D))
    return createVar(VD);
  if (auto *TD = dyn_cast<TypeDecl>(D))
    return createType(TD);
  return {};
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
  size_t At = Buf.substr(Decl.beginOffset, NameOff - Decl.beginOffset).rfind(Quoted);
  if (At == llvm::StringRef::npos)
    return S;
  S.file = Facts.display;
  S.beginOffset = Decl.beginOffset + static_cast<unsigned>(At);
  S.endOffset = S.beginOffset + static_cast<unsigned>(Quoted.size());
  S.beginLine = S.endLine = SM.getLineNumber(F, S.beginOffset);
  S.beginColumn = SM.getColumnNumber(F, S.beginOffset);
  S.endColumn = S.beginColumn + static_cast<unsigned>(Quoted.size());
  return S;
}

namespace {
/// The first pointer member of a record, looking into nested records and arrays ("" if none).
std::string firstPointerMember(const RecordDecl *RD, int Depth = 0) {
  const RecordDecl *Def = RD ? RD->getDefinition() : nullptr;
  if (!Def || Depth > 8)
    return {};
  for (const FieldDecl *F : Def->fields()) {
    QualType T = F->getType().getCanonicalType();
    while (const ArrayType *A = T->getAsArrayTypeUnsafe())
      T = A->getElementType().getCanonicalType();
    if (T->isPointerType())
      return F->getName().str();
    if (const RecordDecl *Inner = T->getAsRecordDecl())
      if (std::string M = firstPointerMember(Inner, Depth + 1); !M.empty())
        return (F->getName().empty() ? "" : F->getName().str() + ".") + M;
  }
  return {};
}
} // namespace

namespace {
/// Finds the record members project code sets from a ctx packet field, in an assignment
/// (`hdr->data_end = (void *)(long)ctx->data_end`) or an initialiser
/// (`buf_t pkt = { .head = (uint8_t *)(long)skb->data, ... }`), directly or through a local
/// initialised from it (`void *data_end = ...; ctx.data_end = data_end`). A member set from two
/// different fields is left out.
class MemberSourceScanner : public RecursiveASTVisitor<MemberSourceScanner> {
public:
  std::unordered_map<const FieldDecl *, std::string> Found;
  std::set<const FieldDecl *> Conflicting;

  bool VisitBinaryOperator(BinaryOperator *BO) {
    if (BO->getOpcode() != BO_Assign)
      return true;
    if (auto *ME = dyn_cast<MemberExpr>(BO->getLHS()->IgnoreParenImpCasts()))
      if (auto *FD = dyn_cast<FieldDecl>(ME->getMemberDecl()))
        note(FD, BO->getRHS());
    return true;
  }
  // Only the written (syntactic) form is visited; its semantic form lines the initialisers up
  // with the fields, nested designators (`.l3.v4 = &ip`) included.
  bool VisitInitListExpr(InitListExpr *ILE) {
    if (const InitListExpr *Semantic = ILE->isSyntacticForm() ? ILE->getSemanticForm() : ILE)
      fields(Semantic, 0);
    return true;
  }

private:
  void fields(const InitListExpr *ILE, int Depth) {
    const RecordDecl *RD = ILE->getType()->getAsRecordDecl();
    if (!RD || !(RD = RD->getDefinition()) || Depth > 8)
      return;
    auto One = [&](const FieldDecl *FD, const Expr *Init) {
      if (const auto *Inner = dyn_cast<InitListExpr>(Init->IgnoreImplicit()))
        fields(Inner, Depth + 1);
      else
        note(FD, Init);
    };
    if (RD->isUnion()) {
      if (const FieldDecl *FD = ILE->getInitializedFieldInUnion(); FD && ILE->getNumInits())
        One(FD, ILE->getInit(0));
      return;
    }
    unsigned I = 0;
    for (const FieldDecl *FD : RD->fields()) {
      if (I >= ILE->getNumInits())
        break;
      One(FD, ILE->getInit(I++));
    }
  }

  static std::string sourceOf(const Expr *E, int Depth = 0) {
    if (!E || Depth > 3)
      return {};
    E = E->IgnoreParenCasts();
    if (const auto *ME = dyn_cast<MemberExpr>(E)) {
      QualType Base = ME->getBase()->getType();
      if (ME->isArrow() && Base->isPointerType())
        Base = Base->getPointeeType();
      const RecordDecl *RD = Base->getAsRecordDecl();
      std::string Field = ME->getMemberDecl()->getName().str();
      if (RD && ctxRecords().count(RD->getName().str()) &&
          (Field == "data" || Field == "data_end" || Field == "data_meta"))
        return Field;
      return {};
    }
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E))
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && V->isLocalVarDecl())
        return sourceOf(V->getInit(), Depth + 1);
    return {};
  }
  void note(const FieldDecl *FD, const Expr *Value) {
    std::string S = sourceOf(Value);
    if (S.empty() || Conflicting.count(FD))
      return;
    auto [It, New] = Found.emplace(FD, S);
    if (!New && It->second != S) {
      Found.erase(It);
      Conflicting.insert(FD);
    }
  }
};
} // namespace

namespace {
/// Finds the integer parameters a function adds to (or subtracts from) a pointer parameter:
/// `tcp = data + off` makes off an offset of data.
class OffsetScanner : public RecursiveASTVisitor<OffsetScanner> {
public:
  std::map<const ParmVarDecl *, std::set<std::string>> Offsets;

  bool VisitBinaryOperator(BinaryOperator *BO) {
    if (BO->getOpcode() != BO_Add && BO->getOpcode() != BO_Sub && BO->getOpcode() != BO_AddAssign &&
        BO->getOpcode() != BO_SubAssign)
      return true;
    const Expr *L = BO->getLHS(), *R = BO->getRHS();
    if (!L->getType()->isPointerType())
      std::swap(L, R);
    if (!L->getType()->isPointerType() || !R->getType()->isIntegerType())
      return true;
    const auto *Ptr = dyn_cast<DeclRefExpr>(L->IgnoreParenCasts());
    const auto *Off = dyn_cast<DeclRefExpr>(R->IgnoreParenImpCasts());
    if (!Ptr || !Off)
      return true;
    const auto *PtrParam = dyn_cast<ParmVarDecl>(Ptr->getDecl());
    const auto *OffParam = dyn_cast<ParmVarDecl>(Off->getDecl());
    if (PtrParam && OffParam)
      Offsets[OffParam].insert(PtrParam->getName().str());
    return true;
  }
};
} // namespace

namespace {
/// What one call site passes for one parameter, as far as the harness cares.
struct ArgFact {
  enum class Kind { Unknown, Constant, Forward, Local } kind = Kind::Unknown;
  long long value = 0;                    ///< Constant
  const VarDecl *local = nullptr;         ///< Local: a local variable of the caller
  const FunctionDecl *from = nullptr;     ///< Forward: the caller's own parameter ...
  unsigned param = 0;                     ///< ... at this index, passed on unchanged
  unsigned long long objectBytes = 0;     ///< pointers: size of the object passed, 0 unknown
  bool null = false;                      ///< pointers: NULL
  std::string map;                        ///< pointers: the address of this map (`&lru_cache`)
};

/// The calls between project functions, and which parameters a function changes (assigns,
/// increments or takes the address of): an unchanged parameter passed on carries its callers'
/// values.
class CallSiteScanner : public RecursiveASTVisitor<CallSiteScanner> {
public:
  CallSiteScanner(ASTContext &Ctx, const FunctionDecl *Caller) : Ctx(Ctx), Caller(Caller) {}
  std::map<const FunctionDecl *, std::vector<std::vector<ArgFact>>> *Calls = nullptr;
  /// For each entry of Calls, the function each call site is in.
  std::map<const FunctionDecl *, std::vector<const FunctionDecl *>> *Callers = nullptr;
  std::set<const ParmVarDecl *> *Changed = nullptr;
  /// Pointer locals that only ever hold the address of one map (`void *lru_map = &lru_cache`).
  std::map<const VarDecl *, std::optional<std::string>> *MapLocals = nullptr;

  bool VisitVarDecl(VarDecl *V) {
    if (V->isLocalVarDecl() && V->getType()->isPointerType())
      store(V, V->getInit(), V->getInit() == nullptr);
    return true;
  }

  /// The map E is the address of (`&lru_cache`), "" when none.
  static std::string mapAddress(const Expr *E) {
    const auto *UO = dyn_cast<UnaryOperator>(E->IgnoreParenCasts());
    if (!UO || UO->getOpcode() != UO_AddrOf)
      return {};
    const auto *DRE = dyn_cast<DeclRefExpr>(UO->getSubExpr()->IgnoreParens());
    const auto *V = DRE ? dyn_cast<VarDecl>(DRE->getDecl()) : nullptr;
    const auto *Section = V ? V->getAttr<SectionAttr>() : nullptr;
    if (!V || !V->hasGlobalStorage() || !Section ||
        (Section->getName() != ".maps" && Section->getName() != "maps"))
      return {};
    return V->getName().str();
  }

  bool VisitCallExpr(CallExpr *CE) {
    const FunctionDecl *Callee = CE->getDirectCallee();
    if (!Callee || !(Callee = Callee->getDefinition()) || Callee->getBuiltinID())
      return true;
    std::vector<ArgFact> Args;
    for (const Expr *A : CE->arguments())
      Args.push_back(fact(A));
    (*Calls)[Callee->getCanonicalDecl()].push_back(std::move(Args));
    (*Callers)[Callee->getCanonicalDecl()].push_back(Caller->getCanonicalDecl());
    return true;
  }
  bool VisitBinaryOperator(BinaryOperator *BO) {
    if (BO->isAssignmentOp())
      change(BO->getLHS(), BO->getOpcode() == BO_Assign ? BO->getRHS() : nullptr);
    return true;
  }
  bool VisitUnaryOperator(UnaryOperator *UO) {
    if (UO->isIncrementDecrementOp() || UO->getOpcode() == UO_AddrOf)
      change(UO->getSubExpr(), nullptr);
    return true;
  }

private:
  /// E is changed: to Value by a plain assignment, else in a way not followed.
  void change(const Expr *E, const Expr *Value) {
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E->IgnoreParenCasts())) {
      if (const auto *P = dyn_cast<ParmVarDecl>(DRE->getDecl()))
        Changed->insert(P);
      else if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl());
               V && V->isLocalVarDecl() && V->getType()->isPointerType())
        store(V, Value, false);
    }
  }
  /// A store into pointer local V (Declared: `void *p;`, which stores nothing).
  void store(const VarDecl *V, const Expr *Value, bool Declared) {
    auto It = MapLocals->try_emplace(V, std::nullopt).first;
    if (Declared)
      return;
    std::string Map = Value ? mapAddress(Value) : "";
    if (Assigned.insert(V).second)
      It->second = Map.empty() ? std::nullopt : std::optional<std::string>(Map);
    else if (Map.empty() || !It->second || *It->second != Map)
      It->second = std::nullopt;
  }
  ArgFact fact(const Expr *A) {
    ArgFact F;
    if (A->isValueDependent() || A->isTypeDependent())
      return F;
    if (auto V = LocalConstants::constant(A, Ctx)) {
      F.kind = ArgFact::Kind::Constant;
      F.value = LocalConstants::bits(*V);
      return F;
    }
    const Expr *E = A->IgnoreParenImpCasts();
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E))
      if (const auto *P = dyn_cast<ParmVarDecl>(DRE->getDecl())) {
        for (unsigned I = 0; I < Caller->getNumParams(); ++I)
          if (Caller->getParamDecl(I) == P) {
            F.kind = ArgFact::Kind::Forward;
            F.from = Caller->getCanonicalDecl();
            F.param = I;
          }
        return F;
      }
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E))
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl());
          V && V->isLocalVarDecl() && V->getType()->isIntegerType() &&
          A->getType()->isIntegerType()) {
        F.kind = ArgFact::Kind::Local;
        F.local = V;
        return F;
      }
    if (!A->getType()->isPointerType())
      return F;
    if (A->isNullPointerConstant(Ctx, Expr::NPC_ValueDependentIsNotNull)) {
      F.null = true;
      return F;
    }
    if (F.map = mapAddress(A); !F.map.empty())
      return F;
    // A pointer local: a map when it only ever holds one map's address, else an object of its
    // pointee type (`struct iphdr *ipv4`), as below.
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E))
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && V->isLocalVarDecl()) {
        F.kind = ArgFact::Kind::Local;
        F.local = V;
      }
    // The object a pointer argument points to: an array (`eth->h_source`, decayed) or the
    // operand of & (`&tuple`), not a map (`&lru_cache` is a map, not memory).
    E = A->IgnoreParenCasts();
    QualType Object;
    for (const Expr *X = A->IgnoreParens(); const auto *C = dyn_cast<CastExpr>(X);
         X = C->getSubExpr()->IgnoreParens())
      if (C->getCastKind() == CK_ArrayToPointerDecay) {
        Object = C->getSubExpr()->getType();
        break;
      }
    if (!Object.isNull()) {
      // an array, decayed (`eth->h_source` as a `__u8 *`, `pckt->srcv6` as a `const void *`)
    } else if (const auto *UO = dyn_cast<UnaryOperator>(E); UO && UO->getOpcode() == UO_AddrOf) {
      if (const auto *DRE = dyn_cast<DeclRefExpr>(UO->getSubExpr()->IgnoreParens()))
        if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && V->hasGlobalStorage())
          return F; // a global: a map, or data every caller shares
      Object = UO->getSubExpr()->getType();
    } else if (const auto *PT = E->getType()->getAs<PointerType>()) {
      // any other pointer: an object of the type it points to (`(void *)hdr->ipv4`)
      Object = PT->getPointeeType();
    }
    if (!Object.isNull() && Object->isObjectType() && !Object->isIncompleteType() &&
        !Object->isDependentType() && Object->isConstantSizeType())
      F.objectBytes = Ctx.getTypeSizeInChars(Object).getQuantity();
    return F;
  }

  ASTContext &Ctx;
  const FunctionDecl *Caller;
  std::set<const VarDecl *> Assigned; ///< pointer locals given a value at least once
};
} // namespace

void Builder::recordCallerArguments(const std::vector<const FunctionDecl *> &Bodies) {
  std::map<const FunctionDecl *, std::vector<std::vector<ArgFact>>> Calls;
  std::map<const FunctionDecl *, std::vector<const FunctionDecl *>> Callers;
  std::set<const ParmVarDecl *> Changed;
  std::map<const VarDecl *, std::optional<std::string>> MapLocals;
  for (const FunctionDecl *FD : Bodies) {
    CallSiteScanner Scan(Ctx, FD);
    Scan.Calls = &Calls;
    Scan.Callers = &Callers;
    Scan.Changed = &Changed;
    Scan.MapLocals = &MapLocals;
    Scan.TraverseStmt(FD->getBody());
  }
  constexpr size_t MaxValues = 8;
  // Every value the callers pass for parameter I of FD; nullopt when one call site passes
  // something else (or through a changed parameter), or FD has no caller. With Within, only the
  // call sites in those functions count (the functions one program type reaches).
  const std::set<const FunctionDecl *> *Within = nullptr;
  std::map<std::pair<const FunctionDecl *, unsigned>, std::optional<std::set<long long>>> Memo;
  std::function<std::optional<std::set<long long>>(const FunctionDecl *, unsigned)> Values =
      [&](const FunctionDecl *FD, unsigned I) -> std::optional<std::set<long long>> {
    auto Key = std::make_pair(FD, I);
    if (auto It = Memo.find(Key); It != Memo.end())
      return It->second;
    Memo[Key] = std::nullopt; // a cycle of calls is unknown
    auto Sites = Calls.find(FD);
    if (Sites == Calls.end())
      return std::nullopt;
    std::set<long long> Out;
    for (size_t S = 0; S < Sites->second.size(); ++S) {
      const std::vector<ArgFact> &Site = Sites->second[S];
      if (Within && !Within->count(Callers[FD][S]))
        continue;
      if (I >= Site.size())
        return std::nullopt;
      const ArgFact &A = Site[I];
      if (A.kind == ArgFact::Kind::Constant) {
        Out.insert(A.value);
      } else if (A.kind == ArgFact::Kind::Local) {
        auto L = localsOf(Callers[FD][S]).values(A.local);
        if (!L)
          return std::nullopt;
        Out.insert(L->begin(), L->end());
      } else if (A.kind == ArgFact::Kind::Forward &&
                 !Changed.count(A.from->getDefinition()
                                    ? A.from->getDefinition()->getParamDecl(A.param)
                                    : A.from->getParamDecl(A.param))) {
        auto Up = Values(A.from, A.param);
        if (!Up)
          return std::nullopt;
        Out.insert(Up->begin(), Up->end());
      } else {
        return std::nullopt;
      }
      if (Out.size() > MaxValues)
        return std::nullopt;
    }
    if (Out.empty())
      return std::nullopt; // no call site counted
    return Memo[Key] = Out;
  };
  // What the callers pass for pointer parameter I of FD: the largest object, or maps; NULL
  // adds nothing; nullopt when one call site passes something else or FD has no caller.
  struct PointedTo {
    unsigned long long Bytes = 0;
    std::set<std::string> Maps;
  };
  std::map<std::pair<const FunctionDecl *, unsigned>, std::optional<PointedTo>> ObjMemo;
  std::function<std::optional<PointedTo>(const FunctionDecl *, unsigned)> Objects =
      [&](const FunctionDecl *FD, unsigned I) -> std::optional<PointedTo> {
    auto Key = std::make_pair(FD, I);
    if (auto It = ObjMemo.find(Key); It != ObjMemo.end())
      return It->second;
    ObjMemo[Key] = std::nullopt;
    auto Sites = Calls.find(FD);
    if (Sites == Calls.end())
      return std::nullopt;
    PointedTo Out;
    bool Any = false;
    for (const std::vector<ArgFact> &Site : Sites->second) {
      if (I >= Site.size())
        return std::nullopt;
      const ArgFact &A = Site[I];
      if (A.null)
        continue;
      Any = true;
      if (!A.map.empty()) {
        Out.Maps.insert(A.map);
      } else if (A.kind == ArgFact::Kind::Forward) {
        const FunctionDecl *Def = A.from->getDefinition() ? A.from->getDefinition() : A.from;
        auto Up = Changed.count(Def->getParamDecl(A.param)) ? std::nullopt
                                                             : Objects(A.from, A.param);
        if (!Up)
          return std::nullopt;
        Out.Bytes = std::max(Out.Bytes, Up->Bytes);
        Out.Maps.insert(Up->Maps.begin(), Up->Maps.end());
      } else if (auto L = MapLocals.find(A.local);
                 A.kind == ArgFact::Kind::Local && L != MapLocals.end() && L->second) {
        Out.Maps.insert(*L->second);
      } else if (A.objectBytes) {
        Out.Bytes = std::max(Out.Bytes, A.objectBytes);
      } else {
        return std::nullopt;
      }
    }
    if (!Any)
      return std::nullopt;
    return ObjMemo[Key] = Out;
  };
  for (const auto &[FD, Sites] : Calls) {
    long Index = functionIndex(entityFor(FD));
    if (Index < 0)
      continue;
    Function &F = functionAt(static_cast<size_t>(Index));
    for (unsigned I = 0; I < F.parameters.size(); ++I) {
      Param &P = F.parameters[I];
      if (P.shape == Param::Shape::Scalar) {
        if (auto V = Values(FD, I))
          P.callerValues.assign(V->begin(), V->end());
        continue;
      }
      if (auto O = Objects(FD, I); O && O->Maps.empty() && O->Bytes)
        P.callerObjectBytes = O->Bytes;
      else if (O && O->Maps.size() == 1 && !O->Bytes)
        P.callerMap = *O->Maps.begin();
    }
  }

  // The same, counting only the calls inside the functions programs of one type reach: a flag
  // that says which hook the ctx comes from (`tcp_lookup(ctx, hdr, xdp)`: the xdp entry passes
  // true, the tc entry false) is one constant for each hook.
  std::map<const FunctionDecl *, std::set<const FunctionDecl *>> Callees;
  for (const auto &[Callee, Sites] : Callers)
    for (const FunctionDecl *Caller : Sites)
      Callees[Caller].insert(Callee);
  std::map<std::string, std::set<const FunctionDecl *>> ReachedByType;
  for (const FunctionDecl *FD : Bodies) {
    const Function *F = nullptr;
    if (long Index = functionIndex(entityFor(FD)); Index >= 0)
      F = &functionAt(static_cast<size_t>(Index));
    if (!F || F->section.empty() || F->section == ".text")
      continue;
    std::string Type = programTypeOf(F->section);
    if (Type.empty())
      continue;
    std::set<const FunctionDecl *> &Reached = ReachedByType[Type];
    std::vector<const FunctionDecl *> Work{FD->getCanonicalDecl()};
    while (!Work.empty()) {
      const FunctionDecl *Next = Work.back();
      Work.pop_back();
      if (Reached.insert(Next).second)
        for (const FunctionDecl *C : Callees[Next])
          Work.push_back(C);
    }
  }
  for (const auto &[Type, Reached] : ReachedByType) {
    Within = &Reached;
    Memo.clear();
    for (const auto &[FD, Sites] : Calls) {
      long Index = functionIndex(entityFor(FD));
      if (Index < 0 || !Reached.count(FD))
        continue;
      Function &F = functionAt(static_cast<size_t>(Index));
      for (unsigned I = 0; I < F.parameters.size(); ++I) {
        Param &P = F.parameters[I];
        if (P.shape != Param::Shape::Scalar)
          continue;
        auto V = Values(FD, I);
        if (V && std::vector<long long>(V->begin(), V->end()) != P.callerValues)
          P.callerValuesByProgramType[Type].assign(V->begin(), V->end());
      }
    }
  }
  Within = nullptr;
}

const std::unordered_map<const FieldDecl *, std::string> &Builder::memberSources() {
  if (!MemberSources) {
    MemberSourceScanner Scan;
    for (Decl *D : Ctx.getTranslationUnitDecl()->decls())
      if (!D->isImplicit() && D->getLocation().isValid() &&
          factsAt(D->getLocation()).origin != Origin::System)
        Scan.TraverseDecl(D);
    MemberSources = std::move(Scan.Found);
  }
  return *MemberSources;
}

void Builder::collectPointerMembers(const RecordDecl *RD, const std::string &Prefix,
                                    const std::string &UnionPath, bool InArray, int Depth,
                                    std::vector<PointerMember> &Out) {
  const RecordDecl *Def = RD ? RD->getDefinition() : nullptr;
  if (!Def || Depth > 8)
    return;
  PrintingPolicy Policy = Ctx.getPrintingPolicy();
  unsigned Index = 0;
  for (const FieldDecl *F : Def->fields()) {
    ++Index;
    QualType T = F->getType();
    QualType C = T.getCanonicalType();
    bool Array = InArray;
    while (const ArrayType *A = C->getAsArrayTypeUnsafe()) {
      C = A->getElementType().getCanonicalType();
      Array = true;
    }
    // An anonymous struct or union adds no name to the path: its members are reached directly.
    std::string Path = F->getName().empty() ? Prefix : Prefix + F->getName().str();
    if (C->isPointerType()) {
      PointerMember PM;
      PM.path = Path;
      PM.name = F->getName().str();
      PM.type = T.getUnqualifiedType().getAsString(Policy);
      PM.isConst = T.isConstQualified();
      PM.inArray = Array;
      PM.unionPath = UnionPath;
      // The pointee as written (`__u64`, not `unsigned long long`), for the storage's text.
      QualType Elem = T;
      while (const ArrayType *A = Ctx.getAsArrayType(Elem))
        Elem = A->getElementType();
      const auto *PT = Elem->getAs<PointerType>();
      QualType Pointee = PT ? PT->getPointeeType() : C->getPointeeType();
      if (!Pointee->isVoidType() && !Pointee->isIncompleteType() && !Pointee->isPointerType() &&
          !Pointee->isFunctionType()) {
        std::string S;
        llvm::raw_string_ostream OS(S);
        Pointee.getUnqualifiedType().print(OS, Policy, "@");
        PM.storage = OS.str();
      }
      if (const RecordDecl *Inner = Pointee->getAsRecordDecl()) {
        PM.pointeeRecord = Inner->getName().str();
        PM.pointeePointerMember = firstPointerMember(Inner);
      }
      if (auto It = memberSources().find(F); It != memberSources().end())
        PM.filledFrom = It->second;
      Out.push_back(std::move(PM));
    } else if (const RecordDecl *Inner = C->getAsRecordDecl()) {
      std::string InnerPrefix = F->getName().empty() ? Prefix : Path + ".";
      std::string InnerUnion = UnionPath;
      if (Inner->isUnion())
        InnerUnion = F->getName().empty() ? Prefix + "(anonymous " + std::to_string(Index) + ")"
                                          : Path;
      collectPointerMembers(Inner, InnerPrefix, InnerUnion, Array, Depth + 1, Out);
    }
  }
}

Param Builder::describeParam(const ParmVarDecl *P) {
  PrintingPolicy Policy = Ctx.getPrintingPolicy();
  Param R;
  R.name = P->getName().str();
  QualType T = P->getType();
  R.type = T.getAsString(Policy);
  auto storageOf = [&](QualType Q) {
    std::string S;
    llvm::raw_string_ostream OS(S);
    Q.getUnqualifiedType().print(OS, Policy, "@");
    return OS.str();
  };
  QualType Canon = T.getCanonicalType();
  if (Canon->isIntegralOrEnumerationType()) {
    R.shape = Param::Shape::Scalar;
    R.storage = storageOf(T);
  } else if (Canon->isRecordType()) {
    R.shape = Param::Shape::Record;
    R.storage = storageOf(T);
    collectPointerMembers(Canon->getAsRecordDecl(), "", "", false, 0, R.pointerMembers);
  } else if (Canon->isFunctionPointerType()) {
    R.shape = Param::Shape::FunctionPointer;
  } else if (const auto *PT = Canon->getAs<PointerType>()) {
    QualType Pointee = PT->getPointeeType();
    if (Pointee->isVoidType()) {
      R.shape = Param::Shape::VoidPointer;
    } else if (Pointee->isPointerType() && Pointee->getPointeeType()->isVoidType()) {
      R.shape = Param::Shape::VoidPointerPointer;
    } else if (!Pointee->isIncompleteType() && !Pointee->isPointerType() &&
               !Pointee->isFunctionType()) {
      R.shape = Param::Shape::PointerToObject;
      // `__u8 buf[16]` decays to `__u8 *`: keep the array for the storage.
      QualType Original = P->getOriginalType();
      R.storage = Original->isConstantArrayType() ? storageOf(Original)
                                                   : storageOf(T->getPointeeType());
      if (Pointee->isConstantSizeType())
        R.pointeeBytes = Ctx.getTypeSizeInChars(Pointee).getQuantity();
      if (const RecordDecl *RD = Pointee->getAsRecordDecl()) {
        R.pointeeRecord = RD->getName().str();
        R.pointeePointerMember = firstPointerMember(RD);
        if (!R.pointeePointerMember.empty() && !Original->isConstantArrayType())
          collectPointerMembers(RD, "", "", false, 0, R.pointerMembers);
      }
    } else if (const auto *Inner = Pointee->getAs<PointerType>();
               Inner && !Inner->getPointeeType()->isIncompleteType() &&
               !Inner->getPointeeType()->isPointerType() &&
               !Inner->getPointeeType()->isFunctionType()) {
      R.shape = Param::Shape::PointerToPointerToObject;
      R.storage = storageOf(Inner->getPointeeType());
      if (const RecordDecl *RD = Inner->getPointeeType()->getAsRecordDecl()) {
        R.pointeeRecord = RD->getName().str();
        R.pointeePointerMember = firstPointerMember(RD);
      }
    } else if (const RecordDecl *RD = Pointee->getAsRecordDecl()) {
      R.pointeeRecord = RD->getName().str(); // e.g. a ctx struct only declared
    }
  }
  return R;
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
  F.isKfunc = ReferenceVisitor::isKfunc(Rep);
  if (auto *SA = Rep->getAttr<SectionAttr>()) {
    F.section = SA->getName().str();
    F.sectionLiteral = sectionLiteralSpan(Rep, F.section);
  }
  if (Rep->doesThisDeclarationHaveABody())
    F.body = spanOfRange(Rep->getBody()->getSourceRange());
  F.signature = Rep->getType().getAsString(Ctx.getPrintingPolicy());
  F.returnType = Rep->getReturnType().getAsString(Ctx.getPrintingPolicy());
  for (const ParmVarDecl *P : Rep->parameters()) {
    F.params.push_back(P->getType().getAsString(Ctx.getPrintingPolicy()));
    F.parameters.push_back(describeParam(P));
  }
  if (Rep->doesThisDeclarationHaveABody()) {
    OffsetScanner Scan;
    Scan.TraverseStmt(Rep->getBody());
    for (unsigned I = 0; I < Rep->getNumParams(); ++I)
      if (auto It = Scan.Offsets.find(Rep->getParamDecl(I)); It != Scan.Offsets.end())
        F.parameters[I].offsetOf.assign(It->second.begin(), It->second.end());
  }
  FunctionIndex[F.id] = M.functions.size();
  M.functions.push_back(F);
  return F.id;
}

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

  if (int HelperId = ReferenceVisitor::helperIdOf(Rep); HelperId >= 0) {
    HelperEntity H{makeId("helper", Name, Rep->getLocation()), Name, HelperId, false};
    M.helpers.push_back(H);
    return H.id;
  }
  if (ReferenceVisitor::isMapVar(Rep)) {
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
      if (auto *ILE = dyn_cast<InitListExpr>(Init->IgnoreParenImpCasts()))
        Zero = ILE->getNumInits() == 0;
    }
    G.section = Zero ? ".bss" : ".data";
  }
  if (G.section == "license")
    if (auto *SL = dyn_cast_or_null<StringLiteral>(
            Rep->getInit() ? Rep->getInit()->IgnoreParenImpCasts() : nullptr))
      M.license = SL->getString().str();
  M.globals.push_back(std::move(G));
  return M.globals.back().id;
}

std::string Builder::createType(const TypeDecl *TD) {
  TypeEntity T;
  if (auto *Tag = dyn_cast<TagDecl>(TD)) {
    const TagDecl *Def = Tag->getDefinition();
    const TagDecl *Rep = Def ? Def : Tag;
    T.kind = Rep->getKindName().str();
    T.name = Rep->getName().str();
    T.complete = Def != nullptr;
    T.id = makeId(T.kind, T.name, Rep->getLocation());
    T.origin = factsAt(Rep->getLocation()).origin;
    T.decl = declSpan(Rep);
    if (auto *RD = dyn_cast<RecordDecl>(Rep); RD && Def)
      for (const FieldDecl *FDl : RD->fields())
        T.members.push_back(FDl->getName().str());
    if (auto *ED = dyn_cast<EnumDecl>(Rep); ED && Def)
      for (const EnumConstantDecl *EC : ED->enumerators())
        T.members.push_back(EC->getName().str());
  } else if (auto *TND = dyn_cast<TypedefNameDecl>(TD)) {
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

void Builder::describeBtfMap(const VarDecl *VD, const RecordDecl *RD, Map &Out) {
  // libbpf's macros: __uint(name, val) is `int (*name)[val]`, __type(name, T) is
  // `typeof(T) *name`, __array(name, T) is `typeof(T) *name[]`.
  const RecordDecl *ValuesRecord = nullptr;
  for (const FieldDecl *F : RD->fields()) {
    llvm::StringRef Name = F->getName();
    QualType T = F->getType();
    if (!T->isPointerType() && !T->isArrayType())
      continue;
    if (const auto *PT = T->getAs<PointerType>()) {
      QualType Pointee = PT->getPointeeType();
      if (const auto *CAT = Ctx.getAsConstantArrayType(Pointee)) {
        unsigned long long V = CAT->getSize().getZExtValue();
        if (Name == "type") {
          // `int (*type)[N]` has a ParenTypeLoc around the array (and may have one around the
          // pointer): skip both, or the constant is never found.
          auto TL = F->getTypeSourceInfo()->getTypeLoc().IgnoreParens().getAs<PointerTypeLoc>();
          if (TL)
            if (auto ATL = TL.getPointeeLoc().IgnoreParens().getAs<ConstantArrayTypeLoc>())
              if (Expr *SE = ATL.getSizeExpr())
                Out.typeConstant = writtenText(SE->getSourceRange());
          const char *Str = libbpf_bpf_map_type_str(static_cast<bpf_map_type>(V));
          Out.type = Str ? Str : std::to_string(V);
        } else if (Name == "max_entries") {
          Out.maxEntries = V;
        } else if (Name == "key_size") {
          Out.keySize = V;
        } else if (Name == "value_size") {
          Out.valueSize = V;
        } else if (Name == "map_flags") {
          Out.flags = V;
        } else if (Name == "pinning") {
          Out.pinning = V;
        }
        continue;
      }
      // __type(key, T) declares `typeof(T) *key`: report T as written.
      if (const auto *TOT = Pointee->getAs<TypeOfType>())
        Pointee = TOT->getUnmodifiedType();
      std::string TypeName = Pointee.getAsString(Ctx.getPrintingPolicy());
      bool Complete = !Pointee->isIncompleteType();
      if (Name == "key") {
        Out.keyType = TypeName;
        if (Complete && !Out.keySize)
          Out.keySize = Ctx.getTypeSizeInChars(Pointee).getQuantity();
      } else if (Name == "value") {
        Out.valueType = TypeName;
        if (Complete && !Out.valueSize)
          Out.valueSize = Ctx.getTypeSizeInChars(Pointee).getQuantity();
      }
    } else if (Name == "values") {
      // __array(values, T): an incomplete array of pointers to T.
      if (const auto *AT = Ctx.getAsArrayType(T))
        if (const auto *PT = AT->getElementType()->getAs<PointerType>())
          ValuesRecord = PT->getPointeeType()->getAsRecordDecl();
    }
  }
  if (ValuesRecord && Out.type != "prog_array") {
    std::string Inner = entityFor(ValuesRecord);
    Out.innerMap = Inner;
    addEdge(Out.id, Inner, edge::InnerMap, ValuesRecord->getLocation());
  }
  // Static slots: `.values = { [2] = &prog_or_map, ... }` in the semantic initializer form.
  const auto *Init = dyn_cast_or_null<InitListExpr>(VD->getInit());
  if (!Init)
    return;
  unsigned FieldNo = 0;
  for (const FieldDecl *F : RD->fields()) {
    if (F->getName() == "values" && FieldNo < Init->getNumInits())
      if (const auto *Values = dyn_cast<InitListExpr>(Init->getInit(FieldNo)->IgnoreImplicit()))
        for (unsigned I = 0; I < Values->getNumInits(); ++I) {
          const Expr *E = Values->getInit(I)->IgnoreParenCasts();
          if (const auto *UO = dyn_cast<UnaryOperator>(E); UO && UO->getOpcode() == UO_AddrOf)
            E = UO->getSubExpr()->IgnoreParenCasts();
          if (const auto *DRE = dyn_cast<DeclRefExpr>(E))
            Out.slots.push_back({I, entityFor(DRE->getDecl())});
        }
    ++FieldNo;
  }
}

void Builder::describeLegacyMap(const VarDecl *VD, Map &Out) {
  // struct bpf_map_def { type, key_size, value_size, max_entries, map_flags, ... }
  const RecordDecl *RD = VD->getType()->getAsRecordDecl();
  const auto *Init = dyn_cast_or_null<InitListExpr>(VD->getInit());
  if (!RD || !Init)
    return;
  unsigned I = 0;
  for (const FieldDecl *F : RD->fields()) {
    if (I >= Init->getNumInits())
      break;
    const Expr *E = Init->getInit(I++);
    Expr::EvalResult R;
    if (!E->EvaluateAsInt(R, Ctx))
      continue;
    unsigned long long V = R.Val.getInt().getZExtValue();
    llvm::StringRef N = F->getName();
    if (N == "type") {
      const char *Str = libbpf_bpf_map_type_str(static_cast<bpf_map_type>(V));
      Out.type = Str ? Str : std::to_string(V);
      Out.typeConstant = textOf(E->getSourceRange());
    } else if (N == "key_size") {
      Out.keySize = V;
    } else if (N == "value_size") {
      Out.valueSize = V;
    } else if (N == "max_entries") {
      Out.maxEntries = V;
    } else if (N == "map_flags") {
      Out.flags = V;
    } else if (N == "pinning") {
      Out.pinning = V;
    }
  }
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
    P.expectedAttachType = A ? A : "";
    static const std::set<std::string> Targeted = {"kprobe",  "tracepoint", "raw_tracepoint",
                                                   "tracing", "lsm",        "ext",
                                                   "raw_tracepoint_writable"};
    size_t Slash = Sec.find('/');
    if (Targeted.count(P.type) && Slash != std::string::npos)
      P.attachTarget = Sec.substr(Slash + 1);
  } else {
    P.type = "unknown";
  }
  M.programs.push_back(std::move(P));
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
    I.directive = lineSpanAt(RI.hashLoc);
    I.id = "include:" + RI.spelled + "@" + I.from + ":" + std::to_string(I.line);
    llvm::StringRef Res(RI.resolved);
    if (Res.starts_with("/usr/include/bpf/"))
      I.headerClass = "libbpf";
    else if (llvm::sys::path::filename(Res) == "vmlinux.h")
      I.headerClass = "vmlinux";
    else if (RI.spelled[0] == '<')
      I.headerClass = "system";
    else
      I.headerClass = "local";
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
  for (auto &[B, E, Id] : It->second)
    if (B >= Begin && E <= End)
      Out.push_back(Id);
  return Out;
}

void Builder::recordMacros() {
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

  // The #if/#elif conditions of each file as offset ranges: a use inside one is a test. Indexed
  // by file once, since system headers bring thousands of both uses and conditions.
  std::unordered_map<unsigned, std::vector<std::pair<unsigned, unsigned>>> Conditions;
  for (const SourceRange &R : PP.conditions) {
    SourceLocation B = SM.getExpansionLoc(R.getBegin()), E = SM.getExpansionLoc(R.getEnd());
    FileID F = SM.getFileID(B);
    if (F != SM.getFileID(E))
      continue;
    Conditions[F.getHashValue()].emplace_back(SM.getFileOffset(B), SM.getFileOffset(E));
  }
  auto InCondition = [&](FileID F, SourceLocation L) {
    auto It = Conditions.find(F.getHashValue());
    if (It == Conditions.end())
      return false;
    unsigned Off = SM.getFileOffset(L);
    for (const auto &[B, E] : It->second)
      if (B <= Off && Off <= E)
        return true;
    return false;
  };

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
    if (Kind == "expansion" && InCondition(F, U.fileLoc))
      Kind = "if";
    bool IsTest = Kind != "expansion";

    if (U.parent) {
      // Spelled inside another macro's body: a macro-to-macro edge, from a project macro only.
      auto PIdx = PP.macroIndex.find(U.parent);
      if (PIdx == PP.macroIndex.end() ||
          facts(SM.getFileID(PP.macros[PIdx->second].hashLine)).origin == Origin::System)
        continue;
      addEdge(macroEntity(U.parent), macroEntity(U.macro), IsTest ? edge::TestsMacro : edge::ExpandsMacro,
              {});
      continue;
    }
    if (Facts.origin == Origin::System) {
      // A project macro that a system header expands or tests configures that header:
      //   #define BPF_NO_PRESERVE_ACCESS_INDEX
      //   #include <vmlinux.h>        (tests it with #ifndef)
      // so the #include that brings the header in needs the macro, defined before it.
      auto Idx = U.macro ? PP.macroIndex.find(U.macro) : PP.macroIndex.end();
      if (Idx != PP.macroIndex.end() &&
          facts(SM.getFileID(PP.macros[Idx->second].hashLine)).origin != Origin::System)
        addEdge(includeProviding(U.fileLoc), macroEntity(U.macro),
                IsTest ? edge::TestsMacro : edge::ExpandsMacro, {});
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
    unsigned Off = SM.getFileOffset(U.fileLoc);
    auto P = MacroPos.find(Target);
    if (P == MacroPos.end()) // created just now: a system macro, at the back
      P = MacroPos.emplace(Target, M.macros.size() - 1).first;
    {
      MacroUse MU;
      MU.kind = Kind;
      MU.site.file = Facts.display;
      MU.site.beginOffset = Off;
      MU.site.endOffset = Off + static_cast<unsigned>(U.name.size());
      MU.site.beginLine = MU.site.endLine = SM.getLineNumber(F, Off);
      MU.site.beginColumn = SM.getColumnNumber(F, Off);
      MU.site.endColumn = MU.site.beginColumn + static_cast<unsigned>(U.name.size());
      M.macros[P->second].uses.push_back(MU);
    }
    std::string Owner = entityContaining(F, Off);
    if (!IsTest) {
      addEdge(Owner, Target, edge::ExpandsMacro, U.fileLoc);
      continue;
    }
    if (!Owner.empty()) {
      addEdge(Owner, Target, edge::TestsMacro, U.fileLoc);
      continue;
    }
    // A test outside any declaration guards what its innermost #if ... #endif region holds.
    const ConditionalRegion *Inner = nullptr;
    for (const ConditionalRegion &R : PP.regions) {
      if (SM.getFileID(R.ifLoc) != F || SM.isBeforeInTranslationUnit(U.fileLoc, R.ifLoc) ||
          SM.isBeforeInTranslationUnit(R.endLoc, U.fileLoc))
        continue;
      if (!Inner || SM.isBeforeInTranslationUnit(Inner->ifLoc, R.ifLoc))
        Inner = &R;
    }
    if (Inner)
      for (const std::string &Id :
           entitiesInside(F, SM.getFileOffset(Inner->ifLoc), SM.getFileOffset(Inner->endLoc)))
        addEdge(Id, Target, edge::GuardedBy, U.fileLoc);
  }
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
    long Fn = -1;
    if (auto *FD = dyn_cast<FunctionDecl>(D); FD && FD->doesThisDeclarationHaveABody())
      Fn = functionIndex(Id);
    ReferenceVisitor V(*this, Id, Fn);
    V.TraverseDecl(const_cast<Decl *>(D));
  }

  // What callers pass, for the harness: constants, and the size of the objects pointed to.
  std::vector<const FunctionDecl *> Bodies;
  for (auto &[D, Id] : Owned)
    if (auto *FD = dyn_cast<FunctionDecl>(D); FD && FD->doesThisDeclarationHaveABody())
      Bodies.push_back(FD);
  recordCallerArguments(Bodies);

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
  M.edges.assign(EdgeSet.begin(), EdgeSet.end());
}

} // namespace

void buildModel(ASTContext &Ctx, const PreprocessorIndex &PP, const std::string &InputPath,
                ProgramModel &Model) {
  Builder(Ctx, PP, InputPath, Model).run();
}

} // namespace bpfcarve::extractor
