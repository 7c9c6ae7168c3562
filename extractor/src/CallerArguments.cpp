//===- CallerArguments.cpp - what callers pass each parameter ---------------===//
//
// The harness calls a function the way its callers do: which constants they pass, which
// parameters they forward, how large the objects behind pointer parameters are, which maps,
// ctx fields or numbers they pass, and where inside another argument's object they point.
// Collected once per model. The parameters' own shapes are ParamDescription.cpp.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"
#include "LocalConstants.h"

#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Lex/Lexer.h"

#include <algorithm>
#include <functional>
#include <linux/bpf.h>

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

/// The ctx packet field E reads (`(void *)(long)ctx->data`: "data"; data_end, data_meta), directly
/// or through a local initialised from it (`void *data_end = ...`); "" otherwise.
std::string ctxPacketSource(const Expr *E, int Depth) {
  if (!E || Depth > 3)
    return {};
  E = E->IgnoreParenCasts();
  if (const auto *ME = dyn_cast<MemberExpr>(E)) {
    QualType Base = ME->getBase()->getType();
    if (ME->isArrow() && Base->isPointerType())
      Base = Base->getPointeeType();
    const RecordDecl *RD = Base->getAsRecordDecl();
    // sk_msg_md's `__bpf_md_ptr(void *, data)` is a member of an anonymous union.
    while (RD && RD->isAnonymousStructOrUnion())
      RD = dyn_cast<RecordDecl>(RD->getParent());
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

namespace {
/// Whether P is a program's ctx: the first parameter of a function with a section, or a
/// parameter pointing to a ctx struct.
bool isCtxParm(const ParmVarDecl *P) {
  const auto *FD = P ? dyn_cast<FunctionDecl>(P->getDeclContext()) : nullptr;
  if (!FD || !P->getType()->isPointerType())
    return false;
  if (const RecordDecl *RD = P->getType()->getPointeeType()->getAsRecordDecl();
      RD && ctxRecords().count(RD->getName().str()))
    return true;
  std::string Section = sectionOf(FD->getDefinition() ? FD->getDefinition() : FD);
  return P->getFunctionScopeIndex() == 0 && !Section.empty() && Section != ".text";
}
} // namespace

bool isProgramCtx(const Expr *E) {
  const auto *DRE = dyn_cast<DeclRefExpr>(E->IgnoreParenCasts());
  return isCtxParm(DRE ? dyn_cast<ParmVarDecl>(DRE->getDecl()) : nullptr);
}

namespace {
/// Where a pointer comes from, beyond a map, the ctx or a packet field: an integer cast to a
/// pointer (`(struct task_struct *)bpf_get_current_task()`, a number the verifier does not
/// dereference); an address inside what another pointer points to (`payload = data->payload`
/// and the same advanced, `payload += len`): `base`'s member `member` (a path: `b.c`); a pointer
/// member read through another (`read`: `udp_sk = ctx->udp_sk`); another pointer variable, cast
/// or not (`base` alone: `sk = (struct sock *)unix_sk`).
struct PointerOrigin {
  std::string map;
  bool number = false;
  const ValueDecl *base = nullptr;
  std::string member;
  bool read = false;
  bool operator==(const PointerOrigin &) const = default;
};

/// E as a member of what a variable points to: the address of one (`data->payload`, an array
/// decayed; `&hdr->addr.v4`), or the pointer one holds (`ctx->udp_sk`); nullopt otherwise.
std::optional<PointerOrigin> memberOf(const Expr *E) {
  E = E->IgnoreParenCasts();
  PointerOrigin O;
  if (const auto *UO = dyn_cast<UnaryOperator>(E); UO && UO->getOpcode() == UO_AddrOf)
    E = UO->getSubExpr()->IgnoreParens();
  else if (const auto *ME = dyn_cast<MemberExpr>(E); ME && ME->getType()->isPointerType())
    O.read = true;
  else if (!ME || !ME->getType()->isArrayType())
    return std::nullopt;
  for (const auto *ME = dyn_cast<MemberExpr>(E); ME;
       ME = dyn_cast<MemberExpr>(ME->getBase()->IgnoreParenImpCasts())) {
    // An anonymous union or struct adds no name (`skb->sk`, a member of __bpf_md_ptr's union).
    if (!ME->getMemberDecl()->getName().empty())
      O.member = ME->getMemberDecl()->getName().str() + (O.member.empty() ? "" : "." + O.member);
    if (ME->isArrow()) {
      const auto *DRE = dyn_cast<DeclRefExpr>(ME->getBase()->IgnoreParenImpCasts());
      const auto *V = DRE ? dyn_cast<VarDecl>(DRE->getDecl()) : nullptr;
      if (!V || V->hasGlobalStorage())
        return std::nullopt;
      O.base = V;
      return O;
    }
  }
  return std::nullopt;
}

/// Whether E is an integer made a pointer by a cast (`(void *)bpf_get_current_task()`).
bool integerCastToPointer(const Expr *E) {
  for (const Expr *X = E->IgnoreParens(); const auto *C = dyn_cast<CastExpr>(X);
       X = C->getSubExpr()->IgnoreParens())
    if (C->getCastKind() == CK_IntegralToPointer)
      return true;
  return false;
}

/// The pointer local `&V->first` names when `first` is V's pointee's member at offset 0, the
/// same address (map_ptr_kern.c's `struct bpf_htab *hash = (struct bpf_htab *)&m_hash;` passed
/// as `&hash->map`); nullptr otherwise.
const VarDecl *firstMemberOf(const Expr *E, ASTContext &Ctx) {
  const auto *UO = dyn_cast<UnaryOperator>(E->IgnoreParenCasts());
  if (!UO || UO->getOpcode() != UO_AddrOf)
    return nullptr;
  const Expr *X = UO->getSubExpr()->IgnoreParens();
  while (const auto *ME = dyn_cast<MemberExpr>(X)) {
    const auto *FD = dyn_cast<FieldDecl>(ME->getMemberDecl());
    if (!FD || FD->getParent()->isInvalidDecl() || Ctx.getFieldOffset(FD) != 0)
      return nullptr;
    if (ME->isArrow()) {
      const auto *DRE = dyn_cast<DeclRefExpr>(ME->getBase()->IgnoreParenImpCasts());
      const auto *V = DRE ? dyn_cast<VarDecl>(DRE->getDecl()) : nullptr;
      return V && V->isLocalVarDecl() && V->getType()->isPointerType() ? V : nullptr;
    }
    X = ME->getBase()->IgnoreParenImpCasts();
  }
  return nullptr;
}

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
  /// Pointers passed as an expression (not a local): a number, or an address inside what
  /// another argument points to.
  PointerOrigin origin;
  bool onStack = false; ///< pointers: the object is a local of the caller's
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
  /// The changed parameters changed otherwise than moved along (`p += n`, `p++`).
  std::set<const ParmVarDecl *> *Reassigned = nullptr;
  /// What each pointer local holds, where every store agrees: the address of one map
  /// (`void *lru_map = &lru_cache`), a number, an address inside another's pointee.
  std::map<const VarDecl *, std::optional<PointerOrigin>> *PointerLocals = nullptr;
  /// Pointer locals moved along (`payload += len`, `p++`): no longer a map's address.
  std::set<const VarDecl *> *Advanced = nullptr;

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
    loopCallbackSite(CE);
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
      change(BO->getLHS(), BO->getOpcode() == BO_Assign ? BO->getRHS() : nullptr,
             BO->getOpcode() == BO_AddAssign || BO->getOpcode() == BO_SubAssign);
    return true;
  }
  bool VisitUnaryOperator(UnaryOperator *UO) {
    if (UO->isIncrementDecrementOp() || UO->getOpcode() == UO_AddrOf)
      change(UO->getSubExpr(), nullptr, UO->isIncrementDecrementOp());
    return true;
  }

private:
  /// bpf_loop(nr, callback, ctx, flags) calls callback(index, ctx): a call site of the callback
  /// (bpf_loop.c's `bpf_loop(nr_loops, callback, &data, 0)`), its ctx what bpf_loop is given.
  /// Its index stays unknown: the verifier checks a callback with any index, whatever nr is,
  /// so the callback must bound it itself. The helper is known by its id, however declared.
  void loopCallbackSite(const CallExpr *CE) {
    const auto *DRE = dyn_cast<DeclRefExpr>(CE->getCallee()->IgnoreParenCasts());
    const auto *VD = DRE ? dyn_cast<VarDecl>(DRE->getDecl()) : nullptr;
    if (!VD || CE->getNumArgs() < 3 || helperIdOf(VD) != BPF_FUNC_loop)
      return;
    const Expr *Fn = CE->getArg(1)->IgnoreParenCasts();
    if (const auto *UO = dyn_cast<UnaryOperator>(Fn); UO && UO->getOpcode() == UO_AddrOf)
      Fn = UO->getSubExpr()->IgnoreParenCasts();
    const auto *Ref = dyn_cast<DeclRefExpr>(Fn);
    const auto *Callback = Ref ? dyn_cast<FunctionDecl>(Ref->getDecl()) : nullptr;
    if (!Callback || !(Callback = Callback->getDefinition()) || Callback->getNumParams() != 2)
      return;
    (*Calls)[Callback->getCanonicalDecl()].push_back({ArgFact{}, fact(CE->getArg(2))});
    (*Callers)[Callback->getCanonicalDecl()].push_back(Caller->getCanonicalDecl());
  }

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
  /// E is changed: to Value by a plain assignment, moved along (Advance: `p += n`, `p++`), or
  /// else in a way not followed.
  void change(const Expr *E, const Expr *Value, bool Advance) {
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E->IgnoreParenCasts())) {
      if (const auto *P = dyn_cast<ParmVarDecl>(DRE->getDecl())) {
        Changed->insert(P);
        if (!Advance)
          Reassigned->insert(P);
      } else if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl());
                 V && V->isLocalVarDecl() && V->getType()->isPointerType()) {
        if (Advance)
          Advanced->insert(V);
        else
          store(V, Value, false);
      }
    }
  }
  /// A store into pointer local V (Declared: `void *p;`, which stores nothing).
  void store(const VarDecl *V, const Expr *Value, bool Declared) {
    auto It = PointerLocals->try_emplace(V, std::nullopt).first;
    if (Declared)
      return;
    bool Same = false;
    std::optional<PointerOrigin> O = Value ? originOf(Value, V, Same) : std::nullopt;
    if (Same)
      return; // V itself again (`payload = read_map_var(..., payload)`)
    if (Assigned.insert(V).second)
      It->second = O;
    else if (!O || !It->second || !(*It->second == *O))
      It->second = std::nullopt;
  }
  /// Where pointer Value, stored into local Self, comes from; Same when it is Self itself, moved
  /// along (`p + n`) or through a function that returns the pointer it is given.
  std::optional<PointerOrigin> originOf(const Expr *Value, const VarDecl *Self, bool &Same,
                                        int Depth = 0) {
    PointerOrigin O;
    if (O.map = mapAddress(Value); !O.map.empty())
      return O;
    if (integerCastToPointer(Value)) {
      O.number = true;
      return O;
    }
    if (auto M = memberOf(Value))
      return M;
    const Expr *E = Value->IgnoreParenCasts();
    if (const auto *BO = dyn_cast<BinaryOperator>(E);
        BO && (BO->getOpcode() == BO_Add || BO->getOpcode() == BO_Sub) &&
        BO->getLHS()->getType()->isPointerType())
      E = BO->getLHS()->IgnoreParenCasts();
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E); DRE && DRE->getDecl() == Self) {
      Same = true;
      return std::nullopt;
    }
    if (const auto *DRE = dyn_cast<DeclRefExpr>(Value->IgnoreParenCasts()))
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl());
          V && !V->hasGlobalStorage() && V->getType()->isPointerType()) {
        O.base = V;
        return O;
      }
    if (const auto *CE = dyn_cast<CallExpr>(E); CE && Depth < 4)
      if (auto J = returnedParam(CE->getDirectCallee()); J && *J < CE->getNumArgs())
        return originOf(CE->getArg(*J), Self, Same, Depth + 1);
    return std::nullopt;
  }
  /// The pointer parameter every return of FD returns, moved along or not (strobemeta.h's
  /// `read_map_var(..., void *payload)`, whose every return is `return payload;` after
  /// `payload += len`); nullopt when a return returns anything else or the parameter is
  /// assigned.
  static std::optional<unsigned> returnedParam(const FunctionDecl *FD) {
    FD = FD ? FD->getDefinition() : nullptr;
    if (!FD || !FD->getReturnType()->isPointerType() || !FD->hasBody())
      return std::nullopt;
    struct Returns : RecursiveASTVisitor<Returns> {
      std::vector<const Expr *> Values;
      std::set<const Decl *> Assigned;
      bool VisitReturnStmt(ReturnStmt *R) {
        Values.push_back(R->getRetValue());
        return true;
      }
      bool VisitBinaryOperator(BinaryOperator *BO) {
        if (BO->getOpcode() == BO_Assign)
          if (const auto *DRE = dyn_cast<DeclRefExpr>(BO->getLHS()->IgnoreParenCasts()))
            Assigned.insert(DRE->getDecl());
        return true;
      }
      bool VisitUnaryOperator(UnaryOperator *UO) {
        if (UO->getOpcode() == UO_AddrOf)
          if (const auto *DRE = dyn_cast<DeclRefExpr>(UO->getSubExpr()->IgnoreParenCasts()))
            Assigned.insert(DRE->getDecl());
        return true;
      }
    } R;
    R.TraverseStmt(FD->getBody());
    std::optional<unsigned> Out;
    for (const Expr *V : R.Values) {
      const auto *DRE = V ? dyn_cast<DeclRefExpr>(V->IgnoreParenCasts()) : nullptr;
      const auto *P = DRE ? dyn_cast<ParmVarDecl>(DRE->getDecl()) : nullptr;
      if (!P || R.Assigned.count(P) || (Out && *Out != P->getFunctionScopeIndex()))
        return std::nullopt;
      Out = P->getFunctionScopeIndex();
    }
    return Out;
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
    // pointee type (`struct iphdr *ipv4`), as below. The address of its pointee's member at
    // offset 0 is the same address.
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E))
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && V->isLocalVarDecl()) {
        F.kind = ArgFact::Kind::Local;
        F.local = V;
      }
    if (const VarDecl *V = F.local ? nullptr : firstMemberOf(A, Ctx)) {
      F.kind = ArgFact::Kind::Local;
      F.local = V;
    }
    if (F.source.empty() && integerCastToPointer(A))
      F.origin.number = true;
    else if (auto M = F.source.empty() ? memberOf(A) : std::nullopt)
      F.origin = *M;
    // A local cast to another pointer type (`(struct outer *)raw`): the same pointer.
    if (const auto *DRE = dyn_cast<DeclRefExpr>(A->IgnoreParenCasts());
        DRE && !F.local && F.source.empty())
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && V->isLocalVarDecl())
        F.origin.base = V;
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
    // A local object's address, or a local array (`&data`, `buf`): stack memory, no packet.
    const Expr *Base = E;
    if (const auto *UO = dyn_cast<UnaryOperator>(E); UO && UO->getOpcode() == UO_AddrOf)
      Base = UO->getSubExpr()->IgnoreParens();
    for (const auto *ME = dyn_cast<MemberExpr>(Base); ME && !ME->isArrow();
         ME = dyn_cast<MemberExpr>(Base))
      Base = ME->getBase()->IgnoreParenImpCasts();
    if (const auto *DRE = dyn_cast<DeclRefExpr>(Base); DRE && F.objectBytes)
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl());
          V && V->isLocalVarDecl() && !V->getType()->isPointerType())
        F.onStack = true;
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
  bool Stack = true; ///< every object is a local of its caller's
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
      Scan.Reassigned = &Reassigned;
      Scan.PointerLocals = &PointerLocals;
      Scan.Advanced = &Advanced;
      Scan.TraverseStmt(FD->getBody());
    }
  }

  /// Only the call sites inside Reached count from now on (nullptr: all of them).
  void restrictTo(const std::set<const FunctionDecl *> *Reached) {
    Within = Reached;
    Memo.clear();
    ObjMemo.clear();
    SourceMemo.clear();
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
        Out.Stack &= Up->Stack;
      } else if (std::string Map = localMap(A); !Map.empty()) {
        Out.Maps.insert(Map);
      } else if (A.objectBytes) {
        Out.Bytes = std::max(Out.Bytes, A.objectBytes);
        Out.Stack &= A.onStack;
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
    for (size_t N = 0; N < Sites->second.size(); ++N) {
      const std::vector<ArgFact> &Site = Sites->second[N];
      if (Within && !Within->count(Callers[FD][N]))
        continue;
      if (I >= Site.size())
        return "";
      const ArgFact &A = Site[I];
      if (A.null)
        continue;
      std::string S = A.source;
      if (S.empty() && A.kind == ArgFact::Kind::Forward && !changed(A))
        S = source(A.from, A.param);
      // A pointer moved along (`cur += len`) is still a number, still inside the same member.
      if (S.empty() && A.kind == ArgFact::Kind::Forward && changed(A) && !reassigned(A))
        if (S = source(A.from, A.param); S != "number" && !S.starts_with("member:"))
          S.clear();
      if (S.starts_with("member:"))
        S = memberSource(Site, S);
      if (S.empty())
        S = originSource(Site, A);
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
  /// The map a pointer local passed as A only ever holds, "" when none.
  std::string localMap(const ArgFact &A) const {
    auto L = A.kind == ArgFact::Kind::Local ? PointerLocals.find(A.local) : PointerLocals.end();
    if (L == PointerLocals.end() || !L->second || Advanced.count(A.local))
      return {};
    return L->second->map;
  }
  /// The source of A from where it comes from (ArgFact::origin, or its local's): "number", or
  /// "member:K:PATH" when it points inside what argument K of the same call points to (the
  /// callee's parameter K); "" otherwise.
  std::string originSource(const std::vector<ArgFact> &Site, const ArgFact &A) {
    const PointerOrigin *O = &A.origin;
    if (A.kind == ArgFact::Kind::Local) {
      auto L = PointerLocals.find(A.local);
      if (L == PointerLocals.end() || !L->second)
        return {};
      O = &*L->second;
    }
    if (O->number)
      return "number";
    if (!O->base)
      return {};
    if (std::string Path = ctxPath(*O); !Path.empty())
      return Path;
    if (O->read || O->member.empty())
      return {};
    for (size_t K = 0; K < Site.size(); ++K) {
      const ArgFact &B = Site[K];
      bool Same = B.kind == ArgFact::Kind::Local ? B.local == O->base
                  : B.kind == ArgFact::Kind::Forward
                      ? (B.from->getDefinition() ? B.from->getDefinition() : B.from)
                                ->getParamDecl(B.param) == O->base
                      : false;
      if (Same)
        return "member:" + std::to_string(K) + ":" + O->member;
    }
    return {};
  }
  /// Where O leads back to a program's ctx through pointer members read (null-checked by the
  /// harness, as the callers do) and addresses inside them: bpf_iter_udp4.c's
  /// `udp_sk = ctx->udp_sk; ... inet = &udp_sk->inet; ... sock_i_ino(&inet->sk)`, written
  /// "ctx_path:TYPE|*udp_sk|&inet|&sk" (TYPE the ctx's, `*` a read, `&` an address); "" when it
  /// does not.
  /// A parameter of the callers' own is a root too when their callers pass it from the ctx:
  /// what BPF_PROG gives its body (`ctx_arg:0`, written "ctx_path:ctx_arg:0:TYPE|..."), or a
  /// walk of their own (setget_sockopt.c's `struct sock *sk = sock->sk` in the body of
  /// `BPF_PROG(socket_post_create, struct socket *sock, ...)`).
  std::string ctxPath(PointerOrigin O, int Depth = 0) {
    std::vector<std::string> Steps;
    for (; Depth < 8; ++Depth) {
      if (!O.member.empty())
        Steps.push_back((O.read ? "*" : "&") + O.member);
      if (const auto *P = dyn_cast<ParmVarDecl>(O.base)) {
        if (Steps.empty())
          return {};
        std::string Out;
        if (isCtxParm(P)) {
          Out = "ctx_path:" + P->getType().getAsString();
        } else if (const auto *FD = dyn_cast<FunctionDecl>(P->getDeclContext())) {
          std::string Up = source(FD->getCanonicalDecl(), P->getFunctionScopeIndex());
          if (Up.starts_with("ctx_arg:"))
            Out = "ctx_path:" + Up + ":" + P->getType().getAsString();
          else if (Up.starts_with("ctx_path:"))
            Out = Up;
        }
        if (Out.empty())
          return {};
        for (auto It = Steps.rbegin(); It != Steps.rend(); ++It)
          Out += "|" + *It;
        return Out;
      }
      const auto *V = dyn_cast<VarDecl>(O.base);
      auto L = V ? PointerLocals.find(V) : PointerLocals.end();
      if (L == PointerLocals.end() || !L->second || !L->second->base || Advanced.count(V))
        return {};
      O = *L->second;
    }
    return {};
  }
  /// Source Up ("member:K:PATH") of the caller's parameters, said of this call's arguments:
  /// the argument that forwards the caller's parameter K; "" when none does.
  static std::string memberSource(const std::vector<ArgFact> &Site, const std::string &Up) {
    size_t Colon = Up.find(':', 7);
    if (Colon == std::string::npos)
      return {};
    unsigned From = static_cast<unsigned>(std::stoul(Up.substr(7, Colon - 7)));
    for (size_t K = 0; K < Site.size(); ++K)
      if (Site[K].kind == ArgFact::Kind::Forward && Site[K].param == From)
        return "member:" + std::to_string(K) + Up.substr(Colon);
    return {};
  }
  /// A forwarded parameter the forwarding function changes carries nothing of its callers.
  bool changed(const ArgFact &A) const {
    const FunctionDecl *Def = A.from->getDefinition() ? A.from->getDefinition() : A.from;
    return Changed.count(Def->getParamDecl(A.param)) != 0;
  }
  /// ... unless it only moves a pointer along.
  bool reassigned(const ArgFact &A) const {
    const FunctionDecl *Def = A.from->getDefinition() ? A.from->getDefinition() : A.from;
    return Reassigned.count(Def->getParamDecl(A.param)) != 0;
  }
  LocalsOf Locals;
  std::map<const FunctionDecl *, std::vector<const FunctionDecl *>> Callers;
  std::set<const ParmVarDecl *> Changed, Reassigned;
  std::map<const VarDecl *, std::optional<PointerOrigin>> PointerLocals;
  std::set<const VarDecl *> Advanced;
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
      if (auto O = Sites.objects(FD, I); O && O->Maps.empty() && O->Bytes) {
        P.callerObjectBytes = O->Bytes;
        P.callerStackObjects = O->Stack;
      } else if (O && !O->Maps.empty() && !O->Bytes)
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
        if (P.shape != Param::Shape::Scalar) {
          if (std::string S = Sites.source(FD, I); !S.empty() && S != P.callerSource)
            P.callerSourceByProgramType[Type] = S;
          continue;
        }
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

} // namespace bpfcarve::extractor::builder
