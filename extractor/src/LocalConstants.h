//===- LocalConstants.h - integer locals that only hold constants -*- C++ -*-===//
#pragma once

#include "clang/AST/ASTContext.h"
#include "clang/AST/RecursiveASTVisitor.h"

#include <map>
#include <optional>
#include <set>

namespace bpfcarve::extractor::builder {

using namespace clang;

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
    if (auto *V = localOf(UO->getSubExpr());
        V && (UO->isIncrementDecrementOp() || UO->getOpcode() == UO_AddrOf))
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
  static VarDecl *localOf(Expr *E) {
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

} // namespace bpfcarve::extractor::builder
