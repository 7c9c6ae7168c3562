//===- RewriteCtxFields.cpp - the ctx type and its field accesses ---------===//
//
// `struct xdp_md` becomes `struct __sk_buff` wherever the slice names it (definitions and
// prototypes), and every access to a field of the source ctx is rewritten by fieldRules(), or
// refused with the rule's reason.
//
//===----------------------------------------------------------------------===//
#include "Retargeter.h"

#include <cctype>

namespace bpfcarve::transformer {

using namespace extractor;

namespace {

/// A FieldRule's expression with `$B` replaced by the access's base.
std::string withBase(std::string_view To, const std::string &Base) {
  std::string Expr(To);
  for (size_t Pos; (Pos = Expr.find("$B")) != std::string::npos;)
    Expr.replace(Pos, 2, Base);
  return Expr;
}

} // namespace

void Retargeter::rewriteCtxTypes(const Function &F) {
  // A function declared without a body here (a kfunc, an extern) keeps its declaration; a
  // renamed kfunc's is rewritten with its name (renameKfuncDeclarations).
  if (From.ctxStruct == To.ctxStruct || !F.definition)
    return;
  // Every declaration's: test_global_func1.c has `int f3(int, struct __sk_buff *skb, int);`
  // before f3's definition.
  for (const TokenRef &T : F.typeRefs)
    if (T.name == From.ctxStruct && T.spelled.valid())
      rewrite("ctx-type", T.spelled, std::string(To.ctxStruct));
}

void Retargeter::rewriteCtxFields(const Function &F) {
  for (const CtxAccess &A : F.ctxAccesses) {
    if (A.record != From.ctxStruct)
      continue;
    if (From.ctxStruct == To.ctxStruct)
      checkCtxFieldAccess(A);
    else if (const FieldRule *Rule = fieldRuleFor(A))
      rewriteCtxField(A, *Rule);
  }
}

void Retargeter::checkCtxFieldAccess(const CtxAccess &A) {
  const verifier::CtxField *T = To.field(A.field);
  bool Ok = T && (A.access == AccessKind::Read
                      ? T->readable
                      : T->writable && (A.access == AccessKind::Write || T->readable));
  if (!Ok)
    refuse(A.base + "->" + A.field,
           std::string(To.name) + " programs cannot " +
               (A.access == AccessKind::Read ? "read" : "write") + " " + A.record + "." + A.field,
           A.site);
}

const FieldRule *Retargeter::fieldRuleFor(const CtxAccess &A) {
  std::string Construct = A.base + "->" + A.field;
  const FieldRule *Rule = nullptr;
  for (const FieldRule &R : fieldRules())
    if (R.fromStruct == From.ctxStruct && R.toStruct == To.ctxStruct && R.field == A.field)
      Rule = &R;
  if (!Rule || Rule->to.empty()) {
    refuse(Construct,
           Rule ? std::string(Rule->reason)
                : A.record + "." + A.field + " has no " + std::string(To.ctxStruct) + " equivalent",
           A.site);
    return nullptr;
  }
  if (!Rule->onlyDirection.empty() && Rule->onlyDirection != O.direction) {
    refuse(Construct, std::string(Rule->reason) + " (--direction " + O.direction + ")", A.site);
    return nullptr;
  }
  if (Rule->approximate && !O.allowApprox) {
    refuse(Construct,
           "only an approximate rewrite exists: " + std::string(Rule->reason) +
               " (allow it with --allow-approx)",
           A.site);
    return nullptr;
  }
  bool IsName = Rule->to.find('$') == std::string_view::npos;
  if (A.access != AccessKind::Read) {
    const verifier::CtxField *T = IsName ? To.field(Rule->to) : nullptr;
    if (!T || !T->writable) {
      refuse(Construct,
             std::string(To.name) + " programs cannot write " + A.record + "." + A.field + " (" +
                 std::string(To.ctxStruct) +
                 " has no writable "
                 "counterpart)",
             A.site);
      return nullptr;
    }
  }
  if (!IsName && !A.written.valid()) {
    // test_pkt_md_access.c: `TYPE tmp = *(volatile TYPE *)&skb->FIELD;` in the body of
    // TEST_FIELD, FIELD its argument: no one range of the file is the access.
    refuse(Construct,
           "the access is written partly in a macro's body and partly in its "
           "arguments: there is no one text to replace with " +
               withBase(Rule->to, A.base),
           A.site);
    return nullptr;
  }
  return Rule;
}

void Retargeter::rewriteCtxField(const CtxAccess &A, const FieldRule &Rule) {
  std::string Construct = A.base + "->" + A.field;
  std::string Where = " at " + A.site.file + ":" + std::to_string(A.site.beginLine) + ": ";
  if (Rule.approximate)
    Report.approximations.push_back(Construct + Where + std::string(Rule.reason));
  if (!Rule.caveat.empty())
    Report.caveats.push_back(Construct + Where + std::string(Rule.caveat));
  if (!Rule.support.empty())
    needSupport(Rule.support);
  if (Rule.to.find('$') != std::string_view::npos) {
    rewrite("ctx-field", A.site, withBase(Rule.to, A.base), Rule.approximate, &A.written);
    return;
  }
  if (!A.member.valid()) {
    refuse(Construct, "the field name is not written in the file (token pasting)", A.site);
    return;
  }
  rewrite("ctx-field", A.site, std::string(Rule.to), Rule.approximate, &A.member);
}

} // namespace bpfcarve::transformer
