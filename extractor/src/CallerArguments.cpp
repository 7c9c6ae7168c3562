//===- CallerArguments.cpp - what callers pass each parameter ---------------===//
//
// The harness calls a function the way its callers do: which constants they pass, which
// parameters they forward, how large the objects behind pointer parameters are, and which
// record members project code sets from a ctx packet field. Collected once per model.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"
#include "LocalConstants.h"

#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Lex/Lexer.h"

#include <algorithm>
#include <functional>

namespace bpfcarve::extractor::builder {

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

std::map<const ParmVarDecl *, std::set<std::string>> pointerOffsetParams(const FunctionDecl *FD) {
  OffsetScanner Scan;
  if (FD->doesThisDeclarationHaveABody())
    Scan.TraverseStmt(FD->getBody());
  return std::move(Scan.Offsets);
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
/// The ctx packet field E reads (`(void *)(long)ctx->data`: "data"; data_end, data_meta), directly
/// or through a local initialised from it (`void *data_end = ...`); "" otherwise.
std::string ctxPacketSource(const Expr *E, int Depth = 0) {
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
      return ctxPacketSource(V->getInit(), Depth + 1);
  return {};
}
} // namespace

namespace {
/// The map E is the address of (`&lru_cache`), "" when none.
std::string mapAddress(const Expr *E) {
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

/// Whether E is a program's ctx: the first parameter of a function with a section, or a
/// parameter pointing to a ctx struct, however cast (`.ctx = ctx`, `(void *)ctx`).
bool isProgramCtx(const Expr *E) {
  const auto *DRE = dyn_cast<DeclRefExpr>(E->IgnoreParenCasts());
  const auto *P = DRE ? dyn_cast<ParmVarDecl>(DRE->getDecl()) : nullptr;
  const auto *FD = P ? dyn_cast<FunctionDecl>(P->getDeclContext()) : nullptr;
  if (!FD || !P->getType()->isPointerType())
    return false;
  if (const RecordDecl *RD = P->getType()->getPointeeType()->getAsRecordDecl();
      RD && ctxRecords().count(RD->getName().str()))
    return true;
  std::string Section = sectionOf(FD->getDefinition() ? FD->getDefinition() : FD);
  return P->getFunctionScopeIndex() == 0 && !Section.empty() && Section != ".text";
}

/// Finds the record members project code sets from a ctx packet field, in an assignment
/// (`hdr->data_end = (void *)(long)ctx->data_end`) or an initialiser
/// (`buf_t pkt = { .head = (uint8_t *)(long)skb->data, ... }`), directly or through a local
/// initialised from it (`void *data_end = ...; ctx.data_end = data_end`); from a program's ctx
/// (`struct loop_ctx lc = { .ctx = ctx }`, "ctx"), or from a map's address
/// (`.map = &percpu_array_map`, "map:percpu_array_map"). A member set from two different
/// sources is left out.
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

  void note(const FieldDecl *FD, const Expr *Value) {
    std::string S = ctxPacketSource(Value);
    if (S.empty() && isProgramCtx(Value))
      S = "ctx";
    if (std::string Map = S.empty() ? mapAddress(Value) : ""; !Map.empty())
      S = "map:" + Map;
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
  /// Pointers: "ctx" for the caller's ctx (the first parameter of a program, or a parameter
  /// pointing to a ctx struct), "data"/"data_end"/"data_meta" for a ctx packet field,
  /// "ctx_value" for a number read from the ctx and cast (ctx->si), "ctx_arg:N" for the N-th
  /// u64 of an args ctx (`(void *)ctx[1]`, what BPF_PROG passes its body).
  std::string source;
  /// Local: the values of a counted loop's counter (`for (int i = 0; i < N; ++i)`), [first, last].
  std::optional<std::pair<long long, long long>> loop;
};

/// The values V takes as the counter of the for loop that declares it, [first, last]:
/// `for (int i = LO; i < HI; ++i)` (or `i <= HI`, `i++`, `i += STEP`), with constant bounds.
/// A body that assigns the counter itself is not looked at.
std::optional<std::pair<long long, long long>>
loopCounterRange(const VarDecl *V, const ForStmt *Loop, ASTContext &Ctx) {
  const Expr *Init = V->getInit();
  if (!Init || !V->getType()->isIntegerType())
    return std::nullopt;
  Expr::EvalResult Lo, Hi;
  const auto *Cond = Loop ? dyn_cast_or_null<BinaryOperator>(Loop->getCond()) : nullptr;
  if (!Cond || !Init->EvaluateAsInt(Lo, Ctx) || !Cond->getRHS()->EvaluateAsInt(Hi, Ctx))
    return std::nullopt;
  const auto *Counter = dyn_cast<DeclRefExpr>(Cond->getLHS()->IgnoreParenImpCasts());
  if (!Counter || Counter->getDecl() != V ||
      (Cond->getOpcode() != BO_LT && Cond->getOpcode() != BO_LE))
    return std::nullopt;
  const Expr *Inc = Loop->getInc() ? Loop->getInc()->IgnoreParenImpCasts() : nullptr;
  bool Up = false;
  if (const auto *U = dyn_cast_or_null<UnaryOperator>(Inc))
    Up = U->isIncrementOp();
  else if (const auto *C = dyn_cast_or_null<CompoundAssignOperator>(Inc)) {
    Expr::EvalResult Step;
    Up = C->getOpcode() == BO_AddAssign && C->getRHS()->EvaluateAsInt(Step, Ctx) &&
         Step.Val.getInt().isStrictlyPositive();
  }
  long long First = Lo.Val.getInt().getSExtValue(), Bound = Hi.Val.getInt().getSExtValue();
  long long Last = Cond->getOpcode() == BO_LT ? Bound - 1 : Bound;
  if (!Up || Last < First)
    return std::nullopt;
  return std::pair{First, Last};
}

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

  /// The for loops that declare their counter: visited before the calls of their body.
  bool VisitForStmt(ForStmt *FS) {
    if (const auto *DS = dyn_cast_or_null<DeclStmt>(FS->getInit()); DS && DS->isSingleDecl())
      if (const auto *V = dyn_cast<VarDecl>(DS->getSingleDecl()))
        LoopOf[V] = FS;
    return true;
  }

  bool VisitVarDecl(VarDecl *V) {
    if (V->isLocalVarDecl() && V->getType()->isPointerType())
      store(V, V->getInit(), V->getInit() == nullptr);
    return true;
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
  std::map<const VarDecl *, const ForStmt *> LoopOf;
  /// Whether the caller's parameter I is its ctx: the first parameter of a program (a function
  /// with a section), or one pointing to a ctx struct.
  /// E is `ctx->field` or `ctx[i]` of the caller's ctx parameter.
  bool readsCtx(const Expr *E) const {
    const Expr *Base = nullptr;
    if (const auto *ME = dyn_cast<MemberExpr>(E); ME && ME->isArrow())
      Base = ME->getBase();
    else if (const auto *AS = dyn_cast<ArraySubscriptExpr>(E))
      Base = AS->getBase();
    const auto *DRE = Base ? dyn_cast<DeclRefExpr>(Base->IgnoreParenCasts()) : nullptr;
    if (!DRE)
      return false;
    for (unsigned I = 0; I < Caller->getNumParams(); ++I)
      if (Caller->getParamDecl(I) == DRE->getDecl())
        return isCtxParam(I);
    return false;
  }
  bool isCtxParam(unsigned I) const {
    QualType T = Caller->getParamDecl(I)->getType();
    if (const auto *PT = T->getAs<PointerType>())
      if (const RecordDecl *RD = PT->getPointeeType()->getAsRecordDecl();
          RD && ctxRecords().count(RD->getName().str()))
        return true;
    // A program's first parameter, whatever it points to (a tracepoint's own record struct).
    const FunctionDecl *Def = Caller->getDefinition() ? Caller->getDefinition() : Caller;
    std::string Section = sectionOf(Def);
    return I == 0 && T->isPointerType() && !Section.empty() && Section != ".text";
  }
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
    if (A->getType()->isPointerType()) {
      F.source = ctxPacketSource(A);
      // The caller's ctx, however cast (`parse((void *)ctx, ...)`).
      if (const auto *DRE = dyn_cast<DeclRefExpr>(A->IgnoreParenCasts()))
        for (unsigned I = 0; I < Caller->getNumParams(); ++I)
          if (Caller->getParamDecl(I) == DRE->getDecl() && isCtxParam(I))
            F.source = "ctx";
      // A number read from the ctx and cast to a pointer: what BPF_KPROBE passes its body,
      // `(void *)PT_REGS_PARM2(ctx)` (ctx->si), and BPF_PROG at raw_tp, `(void *)ctx[1]`.
      if (F.source.empty() && readsCtx(A->IgnoreParenCasts())) {
        F.source = "ctx_value";
        if (const auto *AS = dyn_cast<ArraySubscriptExpr>(A->IgnoreParenCasts()))
          if (auto N = AS->getIdx()->getIntegerConstantExpr(Ctx); N && !N->isNegative())
            F.source = "ctx_arg:" + std::to_string(N->getZExtValue());
      }
    }
    const Expr *E = A->IgnoreParenImpCasts();
    // A parameter passed on: as it is, or a pointer cast to another pointee (bpf_cubic.c's
    // `tcp_sk(sk)`, `(struct tcp_sock *)sk`), which holds the same address.
    const Expr *Passed = A->getType()->isPointerType() ? A->IgnoreParenCasts() : E;
    if (const auto *DRE = dyn_cast<DeclRefExpr>(Passed))
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
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && V->isLocalVarDecl() &&
                                                             V->getType()->isIntegerType() &&
                                                             A->getType()->isIntegerType()) {
        F.kind = ArgFact::Kind::Local;
        F.local = V;
        if (auto L = LoopOf.find(V); L != LoopOf.end())
          F.loop = loopCounterRange(V, L->second, Ctx);
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

namespace {
/// What the callers pass for a parameter of a pointer type: the largest object, or maps.
struct PointedTo {
  unsigned long long Bytes = 0;
  std::set<std::string> Maps;
};

/// Every call between the bodies of the file, and what its call sites pass.
class CallSites {
public:
  using LocalsOf = std::function<const LocalConstants &(const FunctionDecl *)>;
  CallSites(ASTContext &Ctx, const std::vector<const FunctionDecl *> &Bodies, LocalsOf Locals)
      : Locals(std::move(Locals)) {
    for (const FunctionDecl *FD : Bodies) {
      CallSiteScanner Scan(Ctx, FD);
      Scan.Calls = &Calls;
      Scan.Callers = &Callers;
      Scan.Changed = &Changed;
      Scan.MapLocals = &MapLocals;
      Scan.TraverseStmt(FD->getBody());
    }
  }

  /// Only the call sites inside Reached count from now on (nullptr: all of them).
  void restrictTo(const std::set<const FunctionDecl *> *Reached) {
    Within = Reached;
    Memo.clear();
  }

  /// Every value the callers pass for parameter I of FD; nullopt when one call site passes
  /// something else (or through a changed parameter), or FD has no caller.
  std::optional<std::set<long long>> values(const FunctionDecl *FD, unsigned I) {
    auto Key = std::make_pair(FD, I);
    if (auto It = Memo.find(Key); It != Memo.end())
      return It->second;
    Memo[Key] = std::nullopt; // a cycle of calls is unknown
    auto Args = argsAt(FD, I);
    if (!Args)
      return std::nullopt;
    std::set<long long> Out;
    for (const auto &[A, Caller] : *Args) {
      if (A->kind == ArgFact::Kind::Constant) {
        Out.insert(A->value);
      } else if (A->kind == ArgFact::Kind::Local) {
        auto L = Locals(Caller).values(A->local);
        if (!L)
          return std::nullopt;
        Out.insert(L->begin(), L->end());
      } else if (A->kind == ArgFact::Kind::Forward && !changed(*A)) {
        auto Up = values(A->from, A->param);
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
  }

  /// The range of every value the callers pass for parameter I of FD, where values() has no
  /// short list: constants, the values of locals, loop counters, forwarded parameters.
  std::optional<std::pair<long long, long long>> range(const FunctionDecl *FD, unsigned I,
                                                       int Depth = 0) {
    auto Args = Depth > 8 ? std::nullopt : argsAt(FD, I);
    if (!Args)
      return std::nullopt;
    std::optional<std::pair<long long, long long>> Out;
    auto Add = [&](long long Lo, long long Hi) {
      Out =
          Out ? std::pair{std::min(Out->first, Lo), std::max(Out->second, Hi)} : std::pair{Lo, Hi};
    };
    for (const auto &[A, Caller] : *Args) {
      if (A->kind == ArgFact::Kind::Constant) {
        Add(A->value, A->value);
      } else if (A->kind == ArgFact::Kind::Local && A->loop) {
        Add(A->loop->first, A->loop->second);
      } else if (auto L = A->kind == ArgFact::Kind::Local ? Locals(Caller).values(A->local)
                                                          : std::nullopt) {
        Add(*L->begin(), *L->rbegin());
      } else if (auto Up = A->kind == ArgFact::Kind::Forward && !changed(*A)
                               ? range(A->from, A->param, Depth + 1)
                               : std::nullopt) {
        Add(Up->first, Up->second);
      } else {
        return std::nullopt;
      }
    }
    return Out;
  }

  /// What the callers pass for pointer parameter I of FD; NULL adds nothing; nullopt when one
  /// call site passes something else or FD has no caller.
  std::optional<PointedTo> objects(const FunctionDecl *FD, unsigned I) {
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
        auto Up = changed(A) ? std::nullopt : objects(A.from, A.param);
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
  }

  /// What every caller passes for pointer parameter I of FD, when they all pass the same ctx or
  /// ctx packet field (ArgFact::source), directly or through unchanged parameters of their own;
  /// "" otherwise.
  std::string source(const FunctionDecl *FD, unsigned I) {
    auto Key = std::make_pair(FD, I);
    if (auto It = SourceMemo.find(Key); It != SourceMemo.end())
      return It->second;
    SourceMemo[Key] = "";
    auto Sites = Calls.find(FD);
    if (Sites == Calls.end())
      return "";
    std::string Out;
    for (const std::vector<ArgFact> &Site : Sites->second) {
      if (I >= Site.size())
        return "";
      const ArgFact &A = Site[I];
      if (A.null)
        continue;
      std::string S = A.source;
      if (S.empty() && A.kind == ArgFact::Kind::Forward && !changed(A))
        S = source(A.from, A.param);
      if (S.empty() || (!Out.empty() && S != Out))
        return "";
      Out = S;
    }
    return SourceMemo[Key] = Out;
  }

  /// For each caller, the functions it calls.
  std::map<const FunctionDecl *, std::set<const FunctionDecl *>> callees() const {
    std::map<const FunctionDecl *, std::set<const FunctionDecl *>> Out;
    for (const auto &[Callee, Sites] : Callers)
      for (const FunctionDecl *Caller : Sites)
        Out[Caller].insert(Callee);
    return Out;
  }

  std::map<const FunctionDecl *, std::vector<std::vector<ArgFact>>> Calls;

private:
  static constexpr size_t MaxValues = 8;
  /// Parameter I's fact at every call site of FD that counts (inside Within), with the function
  /// the call is in; nullopt when FD has no caller or a call passes fewer arguments.
  std::optional<std::vector<std::pair<const ArgFact *, const FunctionDecl *>>>
  argsAt(const FunctionDecl *FD, unsigned I) {
    auto Sites = Calls.find(FD);
    if (Sites == Calls.end())
      return std::nullopt;
    std::vector<std::pair<const ArgFact *, const FunctionDecl *>> Out;
    for (size_t S = 0; S < Sites->second.size(); ++S) {
      if (Within && !Within->count(Callers[FD][S]))
        continue;
      if (I >= Sites->second[S].size())
        return std::nullopt;
      Out.emplace_back(&Sites->second[S][I], Callers[FD][S]);
    }
    return Out;
  }
  /// A forwarded parameter the forwarding function changes carries nothing of its callers.
  bool changed(const ArgFact &A) const {
    const FunctionDecl *Def = A.from->getDefinition() ? A.from->getDefinition() : A.from;
    return Changed.count(Def->getParamDecl(A.param)) != 0;
  }
  LocalsOf Locals;
  std::map<const FunctionDecl *, std::vector<const FunctionDecl *>> Callers;
  std::set<const ParmVarDecl *> Changed;
  std::map<const VarDecl *, std::optional<std::string>> MapLocals;
  const std::set<const FunctionDecl *> *Within = nullptr;
  std::map<std::pair<const FunctionDecl *, unsigned>, std::optional<std::set<long long>>> Memo;
  std::map<std::pair<const FunctionDecl *, unsigned>, std::optional<PointedTo>> ObjMemo;
  std::map<std::pair<const FunctionDecl *, unsigned>, std::string> SourceMemo;
};
} // namespace

void Builder::recordCallerArguments(const std::vector<const FunctionDecl *> &Bodies) {
  CallSites Sites(Ctx, Bodies, [this](const FunctionDecl *FD) -> const LocalConstants & {
    return localsOf(FD);
  });
  for (const auto &[FD, Calls] : Sites.Calls) {
    long Index = functionIndex(entityFor(FD));
    if (Index < 0)
      continue;
    Function &F = functionAt(static_cast<size_t>(Index));
    for (unsigned I = 0; I < F.parameters.size(); ++I) {
      Param &P = F.parameters[I];
      if (P.shape == Param::Shape::Scalar) {
        if (auto V = Sites.values(FD, I))
          P.callerValues.assign(V->begin(), V->end());
        else
          P.callerRange = Sites.range(FD, I);
        continue;
      }
      P.callerSource = Sites.source(FD, I);
      if (auto O = Sites.objects(FD, I); O && O->Maps.empty() && O->Bytes)
        P.callerObjectBytes = O->Bytes;
      else if (O && !O->Maps.empty() && !O->Bytes)
        P.callerMaps.assign(O->Maps.begin(), O->Maps.end());
    }
  }

  // The same, counting only the calls inside the functions programs of one type reach: a flag
  // that says which hook the ctx comes from (`tcp_lookup(ctx, hdr, xdp)`: the xdp entry passes
  // true, the tc entry false) is one constant for each hook.
  for (const auto &[Type, Reached] : reachedByProgramType(Bodies, Sites.callees())) {
    Sites.restrictTo(&Reached);
    for (const auto &[FD, Calls] : Sites.Calls) {
      long Index = functionIndex(entityFor(FD));
      if (Index < 0 || !Reached.count(FD))
        continue;
      Function &F = functionAt(static_cast<size_t>(Index));
      for (unsigned I = 0; I < F.parameters.size(); ++I) {
        Param &P = F.parameters[I];
        if (P.shape != Param::Shape::Scalar)
          continue;
        auto V = Sites.values(FD, I);
        if (V && std::vector<long long>(V->begin(), V->end()) != P.callerValues)
          P.callerValuesByProgramType[Type].assign(V->begin(), V->end());
      }
    }
  }
}

std::map<std::string, std::set<const FunctionDecl *>> Builder::reachedByProgramType(
    const std::vector<const FunctionDecl *> &Bodies,
    const std::map<const FunctionDecl *, std::set<const FunctionDecl *>> &Callees) {
  std::map<std::string, std::set<const FunctionDecl *>> Out;
  for (const FunctionDecl *FD : Bodies) {
    const Function *F = nullptr;
    if (long Index = functionIndex(entityFor(FD)); Index >= 0)
      F = &functionAt(static_cast<size_t>(Index));
    if (!F || F->section.empty() || F->section == ".text")
      continue;
    std::string Type = programTypeOf(F->section);
    if (Type.empty())
      continue;
    std::set<const FunctionDecl *> &Reached = Out[Type];
    std::vector<const FunctionDecl *> Work{FD->getCanonicalDecl()};
    while (!Work.empty()) {
      const FunctionDecl *Next = Work.back();
      Work.pop_back();
      if (!Reached.insert(Next).second)
        continue;
      if (auto It = Callees.find(Next); It != Callees.end())
        Work.insert(Work.end(), It->second.begin(), It->second.end());
    }
  }
  return Out;
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
        InnerUnion =
            F->getName().empty() ? Prefix + "(anonymous " + std::to_string(Index) + ")" : Path;
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
      R.storage =
          Original->isConstantArrayType() ? storageOf(Original) : storageOf(T->getPointeeType());
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

} // namespace bpfcarve::extractor::builder
