//===- ProgramModel.cpp ---------------------------------------------------===//
#include "bpfcarve/extractor/ProgramModel.h"
#include "bpfcarve/toolchain/Names.h"

#include <algorithm>
#include <set>

namespace bpfcarve::extractor {

const char *originName(Origin O) {
  switch (O) {
  case Origin::Main:
    return "main";
  case Origin::Local:
    return "local";
  case Origin::System:
    return "system";
  }
  return "system";
}

const char *accessName(AccessKind K) {
  switch (K) {
  case AccessKind::Read:
    return "read";
  case AccessKind::Write:
    return "write";
  case AccessKind::ReadWrite:
    return "readwrite";
  }
  return "read";
}

const Function *ProgramModel::findFunction(const std::string &Name) const {
  for (const Function &F : functions)
    if (F.name == Name)
      return &F;
  return nullptr;
}

const Map *ProgramModel::findMap(const std::string &Name) const {
  for (const Map &Mp : maps)
    if (Mp.name == Name)
      return &Mp;
  return nullptr;
}

Result<const Program *> ProgramModel::findProgram(const std::string &NameOrSection) const {
  std::vector<std::string> Names, Sections;
  for (const Program &P : programs) {
    Names.push_back(P.name);
    Sections.push_back(P.section);
  }
  auto Index = toolchain::findProgram(Names, Sections, NameOrSection, mainFile);
  if (!Index)
    return Index.failure();
  return &programs[*Index];
}

const SourceFile *ProgramModel::findFile(const std::string &DisplayPath) const {
  for (const SourceFile &F : files)
    if (F.path == DisplayPath)
      return &F;
  return nullptr;
}

std::vector<unsigned> ProgramModel::orderKey(const std::string &DisplayPath,
                                             unsigned Offset) const {
  std::vector<unsigned> K;
  if (const SourceFile *F = findFile(DisplayPath))
    K = F->includeChain;
  K.push_back(Offset);
  return K;
}

std::vector<const Edge *> ProgramModel::edgesFrom(const std::string &Id) const {
  std::vector<const Edge *> Out;
  // edges are sorted by `from`
  auto It = std::lower_bound(edges.begin(), edges.end(), Id,
                             [](const Edge &E, const std::string &K) { return E.from < K; });
  for (; It != edges.end() && It->from == Id; ++It)
    Out.push_back(&*It);
  return Out;
}

std::vector<std::string> ProgramModel::reachableFrom(const std::string &Id) const {
  std::vector<std::string> Order{Id};
  std::set<std::string> Seen{Id};
  for (size_t I = 0; I < Order.size(); ++I)
    for (const Edge *E : edgesFrom(Order[I]))
      if (Seen.insert(E->to).second)
        Order.push_back(E->to);
  return Order;
}

std::string ProgramModel::kindOf(const std::string &Id) { return Id.substr(0, Id.find(':')); }

} // namespace bpfcarve::extractor
