//===- ReferenceVisitor.cpp - typed edges out of one entity -----------------===//
//
// A RecursiveASTVisitor over one top-level declaration records its references as typed edges:
// not only calls, but callbacks, function pointers, tail-call maps, map slots, ctx field
// accesses (read or written) and the return statements of functions.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"
#include "LocalConstants.h"

#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Lex/Lexer.h"

#include <algorithm>
#include <functional>

namespace bpfcarve::extractor::builder {

namespace {

class ReferenceVisitor : public RecursiveASTVisitor<ReferenceVisitor> {
public:
  /// FnIndex: the function whose calls, ctx accesses and returns are recorded (-1: none). An
  /// index, not a pointer: entities created during the walk grow the function vector.
  ReferenceVisitor(Builder &B, std::string From, long FnIndex)
      : B(B), From(std::move(From)), FnIndex(FnIndex) {}

  static bool shouldVisitImplicitCode() { return false; }

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
    if (const auto *FD = dyn_cast<FunctionDecl>(D)) {
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
      if (Kind == edge::FunctionPointer && FnIndex >= 0)
        fn().functionRefs.push_back(
            {FD->getName().str(), "", B.spellingSpan(Loc), B.spelledInMacroBody(Loc)});
      return true;
    }
    if (const auto *VD = dyn_cast<VarDecl>(D)) {
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
    if (const auto *EC = dyn_cast<EnumConstantDecl>(D)) {
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
      R.names = namesIn(V);
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
    if (auto T = TL.getAs<RecordTypeLoc>();
        T && FnIndex >= 0 && ctxRecords().count(T.getDecl()->getName().str()))
      fn().typeRefs.push_back({T.getDecl()->getName().str(), "", B.spellingSpan(T.getNameLoc()),
                               B.spelledInMacroBody(T.getNameLoc())});
    return true;
  }

  /// The enumerators E refers to and the macros its tokens come from, innermost expansion
  /// first up to the one written in the function, sorted and unique.
  std::vector<std::string> namesIn(const Expr *E) const {
    std::set<std::string> Out;
    std::vector<const Stmt *> Work{E};
    while (!Work.empty()) {
      const Stmt *S = Work.back();
      Work.pop_back();
      if (!S)
        continue;
      if (const auto *DRE = dyn_cast<DeclRefExpr>(S))
        if (const auto *EC = dyn_cast<EnumConstantDecl>(DRE->getDecl()))
          Out.insert(EC->getName().str());
      for (SourceLocation L = S->getBeginLoc(); L.isMacroID();
           L = B.SM.getImmediateMacroCallerLoc(L))
        if (llvm::StringRef N = Lexer::getImmediateMacroName(L, B.SM, B.Ctx.getLangOpts());
            !N.empty())
          Out.insert(N.str());
      for (const Stmt *C : S->children())
        Work.push_back(C);
    }
    return {Out.begin(), Out.end()};
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
    HelperCall H;
    H.name = std::move(Name);
    H.helperId = Id;
    H.kfunc = Kfunc;
    H.site = B.spanOfRange(CE->getSourceRange());
    H.written = B.writtenSpan(CE->getSourceRange());
    H.callee = B.spellingSpan(Callee->getLocation());
    for (const Expr *A : CE->arguments()) {
      SourceSpan W = B.writtenSpan(A->getSourceRange());
      H.args.push_back(W.valid() ? W : B.spanOfRange(A->getSourceRange()));
      H.argTexts.push_back(B.writtenTextOf(A->getSourceRange()));
      Expr::EvalResult R;
      if (!A->isValueDependent() && A->EvaluateAsInt(R, B.Ctx))
        H.argValues.emplace_back(R.Val.getInt().getSExtValue());
      else
        H.argValues.emplace_back(std::nullopt);
      H.argSigns.push_back(signOf(A));
      const Expr *Named = A->IgnoreParenCasts();
      if (const auto *UO = dyn_cast<UnaryOperator>(Named); UO && UO->getOpcode() == UO_AddrOf)
        Named = UO->getSubExpr()->IgnoreParenCasts();
      if (const auto *DRE = dyn_cast<DeclRefExpr>(Named); DRE && H.map.empty())
        if (const auto *VD = dyn_cast<VarDecl>(DRE->getDecl()); VD && isMapVar(VD))
          H.map = B.entityFor(VD);
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

} // namespace

int helperIdOf(const VarDecl *VD) {
  // A function pointer whose initialiser is a helper id, however it is spelt:
  //   libbpf's bpf_helper_defs.h: `static void *(*bpf_map_lookup_elem)(void *map, ...) = (void *)
  //   1;` by the enum: `static void *(*bpf_map_lookup_elem)(void *, void *) =
  //                    (void *) BPF_FUNC_map_lookup_elem;`
  //   iproute2's bpf_api.h: `static void *BPF_FUNC(map_lookup_elem, void *map, const void *key);`
  //   with `#define BPF_FUNC(NAME, ...) (*NAME)(__VA_ARGS__) = (void *) BPF_FUNC_##NAME`.
  // The constant evaluator decides; NULL (0) is no id, nor is a value wider than 16 bits (ids
  // past this build's <linux/bpf.h> are: a newer kernel's helpers).
  if (!VD->hasGlobalStorage() || !VD->getType()->isFunctionPointerType() || !VD->hasInit())
    return -1;
  const Expr *Init = VD->getInit()->IgnoreParenCasts();
  Expr::EvalResult R;
  if (Init->isValueDependent() || !Init->EvaluateAsInt(R, VD->getASTContext()))
    return -1;
  const llvm::APSInt &V = R.Val.getInt();
  if (V.isNegative() || V.getActiveBits() > 16 || V.getZExtValue() == 0)
    return -1;
  return static_cast<int>(V.getZExtValue());
}

bool isKfunc(const FunctionDecl *FD) {
  // libbpf: `#define __ksym __attribute__((section(".ksyms")))` on an extern declaration.
  if (FD->hasBody())
    return false;
  for (const FunctionDecl *R : FD->redecls())
    if (auto *SA = R->getAttr<SectionAttr>(); SA && SA->getName() == ".ksyms")
      return true;
  return false;
}

std::string sectionOf(const FunctionDecl *FD) {
  if (const auto *SA = FD->getAttr<SectionAttr>())
    return SA->getName().str();
  // `#pragma clang section text="xdp"` before the definition (the pragma applies to definitions).
  if (const auto *PA = FD->getAttr<PragmaClangTextSectionAttr>(); PA && FD->hasBody())
    return PA->getName().str();
  return "";
}

bool isMapVar(const VarDecl *VD) {
  auto *SA = VD->getAttr<SectionAttr>();
  return SA && (SA->getName() == ".maps" || SA->getName() == "maps");
}

void collectReferences(Builder &B, const Decl *D, const std::string &Id, long FnIndex) {
  ReferenceVisitor V(B, Id, FnIndex);
  V.TraverseDecl(const_cast<Decl *>(D));
}

} // namespace bpfcarve::extractor::builder
