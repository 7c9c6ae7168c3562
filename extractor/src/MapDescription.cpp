//===- MapDescription.cpp - attributes of BTF-defined and legacy maps -------===//
#include "Builder.h"
#include "LocalConstants.h"

#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Lex/Lexer.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <functional>

namespace bpfcarve::extractor::builder {

namespace {

/// The numeric attributes both map styles carry under the same names: BTF maps as
/// `__uint(max_entries, 16)`, legacy maps as the fields of `struct bpf_map_def`.
struct NumericAttribute {
  llvm::StringLiteral name;
  std::optional<unsigned long long> Map::*member;
};
constexpr NumericAttribute NumericAttributes[] = {
    {.name = "key_size", .member = &Map::keySize},
    {.name = "value_size", .member = &Map::valueSize},
    {.name = "max_entries", .member = &Map::maxEntries},
    {.name = "map_flags", .member = &Map::flags},
    {.name = "pinning", .member = &Map::pinning},
    // iproute2's struct bpf_elf_map (include/bpf_elf.h) names them otherwise, and adds the id
    // by which tail-call sections ("ID/KEY") and inner maps (inner_id) refer to a map.
    {.name = "size_key", .member = &Map::keySize},
    {.name = "size_value", .member = &Map::valueSize},
    {.name = "max_elem", .member = &Map::maxEntries},
    {.name = "flags", .member = &Map::flags},
    {.name = "id", .member = &Map::legacyId},
    {.name = "inner_id", .member = &Map::legacyInnerId},
    {.name = "inner_idx", .member = &Map::legacyInnerIdx},
};

} // namespace

void Builder::setMapAttribute(llvm::StringRef Name, unsigned long long Value,
                              const std::string &Written, Map &Out) {
  if (Name == "type") {
    const char *Str = libbpf_bpf_map_type_str(static_cast<bpf_map_type>(Value));
    Out.type = Str ? Str : std::to_string(Value);
    Out.typeConstant = Written;
    return;
  }
  for (const NumericAttribute &A : NumericAttributes)
    if (Name == A.name)
      Out.*A.member = Value;
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
        std::string Written;
        if (Name == "type") {
          // `int (*type)[N]` has a ParenTypeLoc around the array (and may have one around the
          // pointer): skip both, or the constant is never found.
          auto TL = F->getTypeSourceInfo()->getTypeLoc().IgnoreParens().getAs<PointerTypeLoc>();
          if (TL)
            if (auto ATL = TL.getPointeeLoc().IgnoreParens().getAs<ConstantArrayTypeLoc>())
              if (Expr *SE = ATL.getSizeExpr())
                Written = writtenText(SE->getSourceRange());
        }
        setMapAttribute(Name, CAT->getSize().getZExtValue(), Written, Out);
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

void Builder::describeLegacyMap(const VarDecl *VD, Map &Out) const {
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
    setMapAttribute(F->getName(), R.Val.getInt().getZExtValue(),
                    F->getName() == "type" ? textOf(E->getSourceRange()) : std::string(), Out);
  }
}

} // namespace bpfcarve::extractor::builder
