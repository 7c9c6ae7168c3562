//===- Slice.cpp - selection and closure over the reference graph ---------===//
#include "bpfcarve/extractor/Slice.h"
#include "bpfcarve/toolchain/Names.h"

#include <algorithm>
#include <deque>
#include <map>

namespace bpfcarve::extractor {

std::string Selection::describe() const {
  std::string Names;
  for (const std::string &N : names)
    Names += (Names.empty() ? "" : ",") + N;
  switch (kind) {
  case Kind::Functions:
    return "--function " + Names;
  case Kind::Programs:
    return "--program " + Names;
  case Kind::Map:
    return "--map " + Names;
  case Kind::Lines:
    return "--lines " + file + ":" + std::to_string(first) + "-" + std::to_string(last);
  }
  return "";
}

namespace {

using toolchain::nameList;

Result<std::vector<std::string>> seedsFor(const ProgramModel &M, const Selection &S) {
  std::vector<std::string> Seeds;
  switch (S.kind) {
  case Selection::Kind::Functions:
    for (const std::string &N : S.names) {
      const Function *F = nullptr;
      std::vector<std::string> All;
      for (const Function &Fn : M.functions)
        if (Fn.origin != Origin::System && Fn.definition) {
          All.push_back(Fn.name);
          if (Fn.name == N)
            F = &Fn;
        }
      if (!F)
        return Failure::badInput("no function '" + N + "' defined in '" + M.mainFile + "'" +
                                 toolchain::didYouMean(N, All) + " (functions: " + nameList(All) +
                                 ")");
      Seeds.push_back(F->id);
    }
    break;
  case Selection::Kind::Programs:
    for (const std::string &N : S.names) {
      auto P = M.findProgram(N);
      if (!P)
        return P.failure();
      Seeds.push_back((*P)->id);
    }
    break;
  case Selection::Kind::Map: {
    const Map *Mp = M.findMap(S.names.empty() ? "" : S.names.front());
    if (!Mp || Mp->origin == Origin::System) {
      std::vector<std::string> All;
      All.reserve(M.maps.size());
      for (const Map &X : M.maps)
        All.push_back(X.name);
      std::string Wanted = S.names.empty() ? "" : S.names.front();
      return Failure::badInput("no map '" + Wanted + "' in '" + M.mainFile + "'" +
                               toolchain::didYouMean(Wanted, All) + " (maps: " + nameList(All) +
                               ")");
    }
    // Every function that reads or writes the map (a reference, a tail call through it).
    for (const Edge &E : M.edges)
      if (E.to == Mp->id && (E.kind == edge::UsesMap || E.kind == edge::TailCall) &&
          ProgramModel::kindOf(E.from) == "function" &&
          std::find(Seeds.begin(), Seeds.end(), E.from) == Seeds.end())
        Seeds.push_back(E.from);
    Seeds.push_back(Mp->id);
    break;
  }
  case Selection::Kind::Lines: {
    const SourceFile *F = M.findFile(S.file);
    if (!F) // also accept the path as the user typed it when it names the main file
      for (const SourceFile &X : M.files)
        if (X.origin != Origin::System &&
            (X.absPath == S.file || X.path.size() >= S.file.size()
                 ? X.path.compare(X.path.size() - S.file.size(), S.file.size(), S.file) == 0
                 : false))
          F = &X;
    if (!F)
      return Failure::badInput("'" + S.file + "' is not part of '" + M.mainFile +
                               "' (neither the file nor one of its local headers)");
    if (S.first == 0 || S.last < S.first || S.last > F->lines)
      return Failure::badInput("line range " + std::to_string(S.first) + "-" +
                               std::to_string(S.last) + " is outside '" + S.file + "' (1-" +
                               std::to_string(F->lines) + ")");
    for (const auto &[Id, Spans] : M.spans)
      for (const SourceSpan &Sp : Spans)
        if (Sp.file == F->path && Sp.beginLine <= S.last && Sp.endLine >= S.first &&
            ProgramModel::kindOf(Id) != "include") {
          Seeds.push_back(Id);
          break;
        }
    if (Seeds.empty())
      return Failure::badInput("lines " + std::to_string(S.first) + "-" + std::to_string(S.last) +
                                   " of '" + S.file + "' hold no declaration",
                               S.file, S.first, 1);
    break;
  }
  }
  return Seeds;
}

/// The origin of every entity of M that has one of its own (not includes and programs).
std::map<std::string, Origin> originsOf(const ProgramModel &M) {
  std::map<std::string, Origin> OriginOf;
  for (const Function &F : M.functions)
    OriginOf[F.id] = F.origin;
  for (const Map &X : M.maps)
    OriginOf[X.id] = X.origin;
  for (const Global &G : M.globals)
    OriginOf[G.id] = G.origin;
  for (const TypeEntity &T : M.types)
    OriginOf[T.id] = T.origin;
  for (const Macro &Mc : M.macros)
    OriginOf[Mc.id] = Mc.origin;
  // A helper the file declares itself (`static void *(*lookup)(void *, const void *) = (void *)
  // BPF_FUNC_map_lookup_elem;`) is its code: the types its prototype names come with it.
  for (const HelperEntity &H : M.helpers)
    if (H.headerClass == "main" || H.headerClass == "local")
      OriginOf[H.id] = H.headerClass == "main" ? Origin::Main : Origin::Local;
  return OriginOf;
}

} // namespace

namespace {
/// The maps a harness passes for parameter P: those its callers pass, and those the file sets
/// a member of P's record to (`map_ctx.map = &percpu_array_map`).
std::vector<std::string> mapsTheHarnessPasses(const Param &P) {
  std::vector<std::string> Maps = P.callerMaps;
  for (const PointerMember &PM : P.pointerMembers)
    for (const std::string &Name : filledFromMaps(PM.filledFrom))
      Maps.push_back(Name);
  return Maps;
}
} // namespace

Result<Slice> computeSlice(const ProgramModel &M, const Selection &Sel) {
  auto Seeds = seedsFor(M, Sel);
  if (!Seeds)
    return Seeds.failure();
  Slice S;
  S.selection = Sel;
  S.seeds = *Seeds;

  const std::map<std::string, Origin> OriginOf = originsOf(M);
  auto originOf = [&](const std::string &Id) {
    std::string K = ProgramModel::kindOf(Id);
    if (K == "include" || K == "program")
      return Origin::Main;
    auto It = OriginOf.find(Id);
    return It == OriginOf.end() ? Origin::System : It->second;
  };

  // A struct_ops program is loaded through the variable that names it, so a kept program function
  // needs that variable, even though no edge points from the function to it:
  //   SEC(".struct_ops")
  //   struct tcp_congestion_ops incompl_cong_ops = {
  //           .ssthresh = (void *)incompl_cong_ops_ssthresh, ... };   (tcp_ca_incompl_cong_ops.c)
  // libbpf takes the program's attach BTF id and expected attach type from it; without it the
  // kernel refuses the program (ENOTSUPP).
  std::map<std::string, std::vector<std::string>> StructOpsOf;
  for (const Global &G : M.globals)
    if (G.origin != Origin::System && G.section.starts_with(".struct_ops"))
      for (const Edge *E : M.edgesFrom(G.id))
        if (E->kind == edge::FunctionPointer)
          StructOpsOf[E->to].push_back(G.id);

  // A project record reached only through points_to_type edges is kept as a declaration and its
  // own edges wait: if an edge needing it complete arrives later, it is followed then.
  std::map<std::string, size_t> Index;
  std::deque<std::string> Work;
  auto keep = [&](const std::string &Id, const std::string &EdgeKind, const std::string &From,
                  bool Complete = true) {
    bool DeclOnly = EdgeKind == edge::PointsToType && !Complete && originOf(Id) != Origin::System;
    auto It = Index.find(Id);
    if (It != Index.end()) {
      S.kept[It->second].why.emplace_back(EdgeKind, From);
      if (!DeclOnly && S.declarationOnly.erase(Id))
        Work.push_back(Id);
      return;
    }
    Index[Id] = S.kept.size();
    S.kept.push_back({Id, ProgramModel::kindOf(Id), originOf(Id), {{EdgeKind, From}}});
    S.keptIds.insert(Id);
    if (DeclOnly)
      S.declarationOnly.insert(Id);
    else
      Work.push_back(Id);
  };
  for (const std::string &Id : S.seeds)
    keep(Id, "selected", "");
  // The harness declares values of what the selected functions' pointer parameters point to
  // (through typedefs too: the model names the record itself).
  if (Sel.completeParams)
    for (const std::string &Id : S.seeds)
      for (const Function &F : M.functions)
        for (const Param &P : F.id == Id ? F.parameters : std::vector<Param>{}) {
          // ... and, for a record it builds on its stack, what that record's pointers point to.
          std::vector<std::string> Records = {P.pointeeRecord};
          for (const PointerMember &PM : P.pointerMembers)
            Records.push_back(PM.pointeeRecord);
          for (const std::string &R : Records)
            if (!R.empty())
              for (const TypeEntity &T : M.types)
                if (T.name == R && (T.kind == "struct" || T.kind == "union"))
                  keep(T.id, "harness", Id);
          // ... and the maps its callers pass, which the harness passes too.
          for (const std::string &Name : mapsTheHarnessPasses(P))
            for (const Map &Mp : M.maps)
              if (Mp.name == Name)
                keep(Mp.id, "harness", Id);
        }
  for (const std::string &Id : Sel.generated)
    keep(Id, "generated", "");
  // The license (and kernel version) decide which helpers the verifier allows: always kept.
  for (const Global &G : M.globals)
    if (G.origin != Origin::System && (G.section == "license" || G.section == "version"))
      keep(G.id, "license", "");

  std::map<std::string, const Include *> IncludeById;
  for (const Include &I : M.includes)
    IncludeById[I.id] = &I;
  while (!Work.empty()) {
    std::string Id = Work.front();
    Work.pop_front();
    // An #include directive is the project's text: what it needs is followed (a project macro
    // its header expands, `#define KBUILD_MODNAME "foo"` before `#include <net/ipv6.h>`).
    auto Inc = IncludeById.find(Id);
    bool System = originOf(Id) == Origin::System && Inc == IncludeById.end();
    if (Inc != IncludeById.end())
      // The system includes before a kept one in the same file stay with it (headers rely on
      // earlier ones: <bpf/bpf_helpers.h> needs the __u32 of <linux/types.h>), and so do theirs.
      for (const Include &Before : M.includes)
        if (Before.from == Inc->second->from && Before.line < Inc->second->line &&
            Before.headerClass != "local")
          keep(Before.id, "precedes", Id);
    for (const Edge *E : M.edgesFrom(Id)) {
      // What system headers declare stays behind its #include: only that edge is followed.
      if (System && E->kind != edge::DeclaredIn)
        continue;
      keep(E->to, E->kind, Id, E->kind != edge::PointsToType);
    }
    if (auto It = StructOpsOf.find(Id); It != StructOpsOf.end())
      for (const std::string &G : It->second)
        keep(G, "struct_ops", Id);
  }

  // A prog array that kept code tail-calls through but that no static slot fills: its programs
  // arrive at run time from user space, so the slice alone cannot reach them.
  for (const Map &Mp : M.maps)
    if (S.has(Mp.id) && Mp.type == "prog_array" && Mp.slots.empty())
      S.warnings.push_back("prog array '" + Mp.name +
                           "' is filled at run time: the programs it jumps to are not part of "
                           "the slice");
  return S;
}

} // namespace bpfcarve::extractor
