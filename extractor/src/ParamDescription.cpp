//===- ParamDescription.cpp - the shape of each parameter -------------------===//
//
// What the harness needs to know of a parameter from its declaration: its shape (scalar,
// record, pointer to what), the storage that stands for it, the pointer members of the records
// it holds or points to and where project code sets them, and the integer parameters a function
// adds to its pointers. What the callers pass is CallerArguments.cpp.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"

#include "clang/AST/RecursiveASTVisitor.h"

#include <set>

namespace bpfcarve::extractor::builder {

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
    if (New || It->second == S)
      return;
    // Several maps (test_map_lookup_percpu_elem.c sets `map_ctx.map` to each of three before
    // each bpf_loop): all of them, sorted, "map:A,B,C".
    if (It->second.starts_with("map:") && S.starts_with("map:")) {
      std::vector<std::string> Old = filledFromMaps(It->second);
      std::set<std::string> Maps(Old.begin(), Old.end());
      Maps.insert(S.substr(4));
      It->second = "map:";
      for (const std::string &Name : Maps)
        It->second += (It->second.size() > 4 ? "," : "") + Name;
      return;
    }
    Found.erase(It);
    Conflicting.insert(FD);
  }
};
} // namespace

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
