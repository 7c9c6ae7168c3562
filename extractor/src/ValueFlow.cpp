//===- ValueFlow.cpp - which named constants a program uses as data ---------===//
//
// A return code is a verdict where it leaves the program, and data where the program keys a
// map with it, stores it, prints it, computes with it or tests its truth:
//
//   __u32 action = XDP_PASS;  ...  rec = bpf_map_lookup_elem(&stats, &action);
//
// A retarget may give a verdict the target's number; data must keep its value. One flow graph
// over the project's function bodies: integer locals and parameters, and each function's
// return value, are its nodes. A value flows into a local by assignment or initialisation, into
// a parameter as a call's argument, into its function's return value by `return`, and on from a
// call to wherever the call's value goes. Comparisons for equality and switch conditions
// neither keep nor change a value (both sides are in the same numbering); every other use is
// data. A node is data when one of its uses is, or when it flows into a data node. Each maximal
// constant expression that names an enumerator or a macro is recorded in its function's
// dataValues when its value is data.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"

#include "clang/AST/ParentMap.h"
#include "clang/AST/RecursiveASTVisitor.h"

#include <deque>

namespace bpfcarve::extractor::builder {

namespace {

/// A node of the flow graph: a local or parameter (its VarDecl), or the value a function
/// returns (its canonical FunctionDecl).
using Node = const void *;

/// Where a value goes: nowhere that keeps it (Neutral), a use as data, or into a node.
struct Destination {
  enum Kind { Neutral, Data, Into } kind = Neutral;
  Node into = nullptr;
};

bool tracked(const VarDecl *VD) {
  return VD && VD->isLocalVarDeclOrParm() && !VD->isStaticLocal() && VD->getType()->isIntegerType();
}

/// One function body's occurrences, classified against the whole set of analysed bodies.
class Occurrences : public RecursiveASTVisitor<Occurrences> {
public:
  struct Constant {
    const Expr *expr;
    Destination to;
  };
  struct Flow {
    Node from;
    Destination to;
  };

  Occurrences(ASTContext &Ctx, const FunctionDecl *Fn,
              const std::set<const FunctionDecl *> &Analysed)
      : Ctx(Ctx), Fn(Fn), Analysed(Analysed), Parents(Fn->getBody()) {}

  static bool shouldVisitImplicitCode() { return false; }

  std::vector<Constant> Constants;
  std::vector<Flow> Flows;

  bool VisitDeclRefExpr(DeclRefExpr *E) {
    if (const auto *VD = dyn_cast<VarDecl>(E->getDecl()); tracked(VD))
      Flows.push_back({VD, destinationOf(E)});
    else if (isa<EnumConstantDecl>(E->getDecl()))
      addConstant(E);
    return true;
  }
  bool VisitIntegerLiteral(IntegerLiteral *L) {
    if (L->getLocation().isMacroID()) // `#define TC_ACT_OK 0`
      addConstant(L);
    return true;
  }
  bool VisitCallExpr(CallExpr *CE) {
    if (const FunctionDecl *Callee = analysed(CE))
      Flows.push_back({Callee->getCanonicalDecl(), destinationOf(CE)});
    return true;
  }

private:
  const FunctionDecl *analysed(const CallExpr *CE) const {
    const FunctionDecl *Callee = CE->getDirectCallee();
    const FunctionDecl *Def = Callee ? Callee->getDefinition() : nullptr;
    return Def && Analysed.count(Def) ? Def : nullptr;
  }

  /// The largest constant expression around a named constant: `XDP_PASS`, `(__u32)XDP_PASS`,
  /// `XDP_ABORTED + 1`. Each expression on the way up is tested once per body (TopOf): a
  /// constant macro nested in others names many constants under the same ancestors, and each
  /// test evaluates the ancestor's whole subtree (test_tc_tunnel.c's
  /// `bpf_htons(sizeof(iph6_inner) + ...)`, each byte swap repeating its argument four times,
  /// spent 80% of its extract here before).
  void addConstant(const Expr *Leaf) {
    llvm::SmallVector<const Stmt *, 16> Path;
    const Stmt *Cur = Leaf;
    const Expr *E = nullptr;
    while (!E) {
      if (auto It = TopOf.find(Cur); It != TopOf.end()) {
        E = It->second;
        break;
      }
      Path.push_back(Cur);
      const auto *P = dyn_cast_or_null<Expr>(Parents.getParent(Cur));
      if (!P || P->isValueDependent() || !P->getType()->isIntegerType() ||
          !P->isIntegerConstantExpr(Ctx))
        E = cast<Expr>(Cur);
      else
        Cur = P;
    }
    for (const Stmt *S : Path)
      TopOf[S] = E;
    if (Seen.insert(E).second)
      Constants.push_back({E, destinationOf(E)});
  }

  Destination into(Node N) const { return {Destination::Into, N}; }
  Destination intoVar(const VarDecl *VD) const {
    return tracked(VD) ? into(VD) : Destination{Destination::Data};
  }

  Destination destinationOf(const Stmt *E) const {
    constexpr Destination Data{Destination::Data}, Neutral{};
    const Stmt *Cur = E;
    while (const Stmt *P = Parents.getParent(Cur)) {
      if (isa<ParenExpr, ImplicitCastExpr>(P) ||
          (isa<CStyleCastExpr>(P) && cast<Expr>(P)->getType()->isIntegerType())) {
        Cur = P;
        continue;
      }
      if (const auto *CO = dyn_cast<ConditionalOperator>(P)) {
        if (CO->getCond() == Cur)
          return Data;
        Cur = P;
        continue;
      }
      if (const auto *BO = dyn_cast<BinaryOperator>(P)) {
        switch (BO->getOpcode()) {
        case BO_Comma:
          if (BO->getRHS() != Cur)
            return Neutral;
          Cur = P;
          continue;
        case BO_EQ:
        case BO_NE:
          return Neutral;
        case BO_Assign:
          if (BO->getLHS() == Cur)
            return Neutral; // written, not read
          if (const auto *DRE = dyn_cast<DeclRefExpr>(BO->getLHS()->IgnoreParenImpCasts()))
            return intoVar(dyn_cast<VarDecl>(DRE->getDecl()));
          return Data;
        default:
          return Data;
        }
      }
      if (isa<ReturnStmt>(P))
        return into(Fn->getCanonicalDecl());
      if (const auto *DS = dyn_cast<DeclStmt>(P)) {
        for (const Decl *D : DS->decls())
          if (const auto *VD = dyn_cast<VarDecl>(D); VD && VD->getInit() == Cur)
            return intoVar(VD);
        return Data;
      }
      if (const auto *CE = dyn_cast<CallExpr>(P)) {
        if (CE->getCallee() == Cur)
          return Neutral;
        const FunctionDecl *Def = analysed(CE);
        for (unsigned I = 0; Def && I < CE->getNumArgs() && I < Def->getNumParams(); ++I)
          if (CE->getArg(I) == Cur)
            return intoVar(Def->getParamDecl(I));
        return Data; // a helper's or an unknown function's argument
      }
      if (isa<SwitchStmt, CaseStmt>(P))
        return Neutral; // the condition and the case labels compare
      if (isa<Expr>(P))
        return Data; // arithmetic, a subscript, a member store, `&action`, `!ret`, ...
      if (const auto *If = dyn_cast<IfStmt>(P))
        return If->getCond() == Cur ? Data : Neutral;
      if (const auto *W = dyn_cast<WhileStmt>(P))
        return W->getCond() == Cur ? Data : Neutral;
      if (const auto *D = dyn_cast<DoStmt>(P))
        return D->getCond() == Cur ? Data : Neutral;
      if (const auto *F = dyn_cast<ForStmt>(P))
        return F->getCond() == Cur ? Data : Neutral;
      return Neutral; // an expression statement discards the value
    }
    return Neutral;
  }

  ASTContext &Ctx;
  const FunctionDecl *Fn;
  const std::set<const FunctionDecl *> &Analysed;
  ParentMap Parents;
  std::set<const Expr *> Seen; ///< the constant expressions recorded
  llvm::DenseMap<const Stmt *, const Expr *> TopOf; ///< addConstant's answer for each expression
};

} // namespace

void Builder::recordDataValues(const std::vector<const FunctionDecl *> &Bodies) {
  std::set<const FunctionDecl *> Analysed(Bodies.begin(), Bodies.end());
  std::map<Node, std::vector<Node>> SourcesOf; // node -> the nodes that flow into it
  std::set<Node> Data;
  std::vector<std::pair<long, std::vector<Occurrences::Constant>>> Constants;
  for (const FunctionDecl *FD : Bodies) {
    Occurrences Walk(Ctx, FD, Analysed);
    Walk.TraverseStmt(FD->getBody());
    for (const Occurrences::Flow &F : Walk.Flows) {
      if (F.to.kind == Destination::Data)
        Data.insert(F.from);
      else if (F.to.kind == Destination::Into)
        SourcesOf[F.to.into].push_back(F.from);
    }
    if (!Walk.Constants.empty())
      Constants.emplace_back(functionIndex(entityFor(FD)), std::move(Walk.Constants));
  }
  // Data flows backwards: whatever flows into a data node is data.
  std::deque<Node> Work(Data.begin(), Data.end());
  while (!Work.empty()) {
    Node N = Work.front();
    Work.pop_front();
    for (Node S : SourcesOf[N])
      if (Data.insert(S).second)
        Work.push_back(S);
  }
  for (auto &[Index, List] : Constants) {
    if (Index < 0)
      continue;
    Function &F = functionAt(static_cast<size_t>(Index));
    for (const Occurrences::Constant &C : List)
      if (C.to.kind == Destination::Data ||
          (C.to.kind == Destination::Into && Data.count(C.to.into)))
        if (SourceSpan S = spanOfRange(C.expr->getSourceRange()); S.valid())
          F.dataValues.push_back(S);
  }
}

} // namespace bpfcarve::extractor::builder
