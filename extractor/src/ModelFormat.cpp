//===- ModelFormat.cpp - JSON, Graphviz and text views of a ProgramModel --===//
#include "bpfcarve/extractor/ModelFormat.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <sstream>

namespace bpfcarve::extractor {

using nlohmann::ordered_json;

namespace {

ordered_json spanJson(const SourceSpan &S) {
  if (!S.valid())
    return nullptr;
  return {{"file", S.file},           {"line", S.beginLine},       {"column", S.beginColumn},
          {"end_line", S.endLine},    {"end_column", S.endColumn}, {"offset", S.beginOffset},
          {"end_offset", S.endOffset}};
}

template <typename T>
void putOptional(ordered_json &J, const char *Key, const std::optional<T> &V) {
  J[Key] = V ? ordered_json(*V) : ordered_json(nullptr);
}

/// Edge kinds that make a function part of a program.
bool isCodeEdge(const std::string &Kind) {
  return Kind == edge::Entry || Kind == edge::Calls || Kind == edge::Callback ||
         Kind == edge::FunctionPointer;
}

} // namespace

ProgramSummary summarize(const ProgramModel &M, const Program &P) {
  ProgramSummary S;
  std::map<std::string, const Function *> ById;
  for (const Function &F : M.functions)
    ById[F.id] = &F;
  std::set<std::string> Seen{P.function};
  std::vector<std::string> Work{P.function};
  std::set<std::string> Maps, Helpers, Fields;
  for (size_t I = 0; I < Work.size(); ++I) {
    const std::string &Id = Work[I];
    auto It = ById.find(Id);
    if (It == ById.end() || It->second->isKfunc)
      continue;
    const Function &F = *It->second;
    S.functions.push_back(Id);
    S.lines += F.decl.lineCount();
    for (const HelperCall &H : F.helperCalls)
      Helpers.insert(H.name);
    for (const CtxAccess &A : F.ctxAccesses)
      Fields.insert(A.record + "." + A.field + " (" +
                    (A.access == AccessKind::Read    ? "r"
                     : A.access == AccessKind::Write ? "w"
                                                     : "rw") +
                    ")");
    for (const Edge *E : M.edgesFrom(Id)) {
      if ((E->kind == edge::UsesMap || E->kind == edge::TailCall))
        Maps.insert(E->to);
      if (isCodeEdge(E->kind) && Seen.insert(E->to).second)
        Work.push_back(E->to);
    }
  }
  S.maps.assign(Maps.begin(), Maps.end());
  S.helpers.assign(Helpers.begin(), Helpers.end());
  S.ctxFields.assign(Fields.begin(), Fields.end());
  return S;
}

namespace {

ordered_json programJson(const ProgramModel &M, const Program &P) {
  ProgramSummary S = summarize(M, P);
  return {{"id", P.id},
          {"name", P.name},
          {"section", P.section},
          {"type", P.type},
          {"expected_attach_type", P.expectedAttachType},
          {"attach_target", P.attachTarget},
          {"autoload", P.autoload},
          {"function", P.function},
          {"functions_reached", S.functions},
          {"maps", S.maps},
          {"helpers", S.helpers},
          {"ctx_fields", S.ctxFields},
          {"lines", S.lines}};
}

ordered_json functionJson(const ProgramModel &M, const Function &F) {
  ordered_json Fn = {{"id", F.id},
                     {"name", F.name},
                     {"origin", originName(F.origin)},
                     {"location", spanJson(F.decl)},
                     {"definition", F.definition},
                     {"static", F.isStatic},
                     {"inline", F.isInline},
                     {"always_inline", F.alwaysInline},
                     {"noinline", F.noInline},
                     {"kfunc", F.isKfunc},
                     {"section", F.section},
                     {"signature", F.signature},
                     {"params", F.params}};
  std::vector<std::string> Callers, Callees;
  for (const Edge *E : M.edgesFrom(F.id))
    if (E->kind == edge::Calls || E->kind == edge::Callback)
      Callees.push_back(E->to);
  for (const Edge &E : M.edges)
    if (E.to == F.id && (E.kind == edge::Calls || E.kind == edge::Callback))
      Callers.push_back(E.from);
  Fn["callees"] = Callees;
  Fn["callers"] = Callers;
  ordered_json Helpers = ordered_json::array();
  for (const HelperCall &H : F.helperCalls)
    Helpers.push_back({{"name", H.name},
                       {"helper_id", H.helperId},
                       {"kfunc", H.kfunc},
                       {"line", H.site.beginLine}});
  Fn["helper_calls"] = Helpers;
  ordered_json Ctx = ordered_json::array();
  for (const CtxAccess &A : F.ctxAccesses)
    Ctx.push_back({{"struct", A.record},
                   {"field", A.field},
                   {"access", accessName(A.access)},
                   {"location", spanJson(A.site)}});
  Fn["ctx_accesses"] = Ctx;
  ordered_json Returns = ordered_json::array();
  for (const ReturnSite &R : F.returns) {
    ordered_json Rj = {{"text", R.text}, {"location", spanJson(R.site)}};
    putOptional(Rj, "value", R.value);
    Returns.push_back(Rj);
  }
  Fn["returns"] = Returns;
  return Fn;
}

ordered_json mapJson(const Map &Mp) {
  ordered_json Mj = {{"id", Mp.id},
                     {"name", Mp.name},
                     {"origin", originName(Mp.origin)},
                     {"location", spanJson(Mp.decl)},
                     {"style", Mp.style},
                     {"type", Mp.type},
                     {"type_constant", Mp.typeConstant},
                     {"key_type", Mp.keyType},
                     {"value_type", Mp.valueType}};
  putOptional(Mj, "key_size", Mp.keySize);
  putOptional(Mj, "value_size", Mp.valueSize);
  putOptional(Mj, "max_entries", Mp.maxEntries);
  putOptional(Mj, "flags", Mp.flags);
  putOptional(Mj, "pinning", Mp.pinning);
  Mj["inner_map"] = Mp.innerMap;
  ordered_json Slots = ordered_json::array();
  for (const MapSlot &S : Mp.slots)
    Slots.push_back({{"index", S.index}, {"target", S.target}});
  Mj["slots"] = Slots;
  return Mj;
}

ordered_json globalJson(const Global &G) {
  return {{"id", G.id},
          {"name", G.name},
          {"origin", originName(G.origin)},
          {"location", spanJson(G.decl)},
          {"type", G.type},
          {"section", G.section},
          {"const_volatile", G.constVolatile},
          {"extern", G.isExtern}};
}

ordered_json typeJson(const TypeEntity &T) {
  return {{"id", T.id},
          {"name", T.name},
          {"kind", T.kind},
          {"origin", originName(T.origin)},
          {"location", spanJson(T.decl)},
          {"complete", T.complete},
          {"underlying", T.underlying},
          {"members", T.members}};
}

ordered_json macroJson(const Macro &Mc) {
  ordered_json Uses = ordered_json::array();
  for (const MacroUse &U : Mc.uses)
    Uses.push_back({{"kind", U.kind},
                    {"file", U.site.file},
                    {"line", U.site.beginLine},
                    {"column", U.site.beginColumn}});
  return {{"id", Mc.id},
          {"name", Mc.name},
          {"origin", originName(Mc.origin)},
          {"location", spanJson(Mc.decl)},
          {"function_like", Mc.functionLike},
          {"definition", Mc.definition},
          {"uses", Uses}};
}

ordered_json includeJson(const Include &I) {
  return {{"id", I.id},     {"spelled", I.spelled}, {"resolved", I.resolved},
          {"from", I.from}, {"line", I.line},       {"class", I.headerClass}};
}

ordered_json edgeJson(const Edge &E) {
  ordered_json Ej = {{"from", E.from}, {"to", E.to}, {"kind", E.kind}};
  if (E.line)
    Ej["line"] = E.line;
  return Ej;
}

/// Each element of Items through ToJson, as a JSON array.
template <typename T, typename F> ordered_json arrayOf(const std::vector<T> &Items, F ToJson) {
  ordered_json A = ordered_json::array();
  for (const T &X : Items)
    A.push_back(ToJson(X));
  return A;
}

} // namespace

std::string toJson(const ProgramModel &M, int Indent) {
  ordered_json J;
  J["file"] = M.mainFile;
  J["flags"] = M.flags;
  J["license"] = M.license;
  J["files"] = arrayOf(M.files, [](const SourceFile &F) {
    return ordered_json{{"path", F.path},
                        {"origin", originName(F.origin)},
                        {"class", F.headerClass},
                        {"lines", F.lines}};
  });
  J["programs"] = arrayOf(M.programs, [&](const Program &P) { return programJson(M, P); });
  J["functions"] = arrayOf(M.functions, [&](const Function &F) { return functionJson(M, F); });
  J["maps"] = arrayOf(M.maps, mapJson);
  J["globals"] = arrayOf(M.globals, globalJson);
  J["types"] = arrayOf(M.types, typeJson);
  J["macros"] = arrayOf(M.macros, macroJson);
  J["includes"] = arrayOf(M.includes, includeJson);
  J["helpers"] = arrayOf(M.helpers, [](const HelperEntity &H) {
    return ordered_json{{"id", H.id}, {"name", H.name}, {"helper_id", H.helperId}};
  });
  J["edges"] = arrayOf(M.edges, edgeJson);
  return J.dump(Indent) + "\n";
}

namespace {
std::string dotQuote(const std::string &S) {
  std::string Out = "\"";
  for (char C : S) {
    if (C == '"' || C == '\\')
      Out += '\\';
    Out += C;
  }
  return Out + "\"";
}
} // namespace

std::string toDot(const ProgramModel &M) {
  // One shape and colour per entity kind.
  static const std::map<std::string, std::pair<const char *, const char *>> Style = {
      {"program", {"doubleoctagon", "gold"}}, {"function", {"box", "lightblue"}},
      {"map", {"cylinder", "palegreen"}},     {"global", {"note", "khaki"}},
      {"struct", {"component", "plum"}},      {"union", {"component", "thistle"}},
      {"enum", {"tab", "lightpink"}},         {"typedef", {"folder", "lavender"}},
      {"macro", {"hexagon", "orange"}},       {"include", {"invhouse", "lightgrey"}},
      {"helper", {"ellipse", "salmon"}}};
  std::ostringstream O;
  O << "digraph " << dotQuote(M.mainFile) << " {\n  rankdir=LR;\n  node [style=filled];\n";
  std::set<std::string> Nodes;
  auto Node = [&](const std::string &Id) {
    if (!Nodes.insert(Id).second)
      return;
    auto It = Style.find(ProgramModel::kindOf(Id));
    const char *Shape = It == Style.end() ? "ellipse" : It->second.first;
    const char *Colour = It == Style.end() ? "white" : It->second.second;
    std::string Label = Id.substr(0, Id.find('@'));
    O << "  " << dotQuote(Id) << " [label=" << dotQuote(Label) << ", shape=" << Shape
      << ", fillcolor=" << Colour << "];\n";
  };
  for (const Program &P : M.programs)
    Node(P.id);
  for (const Edge &E : M.edges) {
    Node(E.from);
    Node(E.to);
  }
  for (const Edge &E : M.edges)
    O << "  " << dotQuote(E.from) << " -> " << dotQuote(E.to) << " [label=" << dotQuote(E.kind)
      << "];\n";
  O << "}\n";
  return O.str();
}

std::string toText(const ProgramModel &M) {
  std::ostringstream O;
  unsigned MainLines = 0;
  for (const SourceFile &F : M.files)
    if (F.origin != Origin::System)
      MainLines += F.lines;
  O << M.mainFile << ": " << M.programs.size() << " program(s), " << M.functions.size()
    << " function(s), " << M.maps.size() << " map(s), " << M.globals.size() << " global(s), "
    << M.types.size() << " type(s), " << M.macros.size() << " macro(s), " << M.includes.size()
    << " include(s); " << MainLines << " lines in the file and its local headers";
  if (!M.license.empty())
    O << "; license \"" << M.license << "\"";
  O << "\n";
  auto Names = [](const std::vector<std::string> &Ids) {
    std::string S;
    for (const std::string &Id : Ids) {
      std::string N = Id.substr(Id.find(':') + 1);
      N = N.substr(0, N.find('@'));
      S += (S.empty() ? "" : ", ") + N;
    }
    return S.empty() ? std::string("-") : S;
  };
  auto Join = [](const std::vector<std::string> &V) {
    std::string S;
    for (const std::string &X : V)
      S += (S.empty() ? "" : ", ") + X;
    return S.empty() ? std::string("-") : S;
  };
  for (const Program &P : M.programs) {
    ProgramSummary S = summarize(M, P);
    O << "\nprogram " << P.name << "  SEC(\"" << (P.autoload ? "" : "?") << P.section
      << "\")  type " << P.type;
    if (!P.attachTarget.empty())
      O << "  target " << P.attachTarget;
    if (!P.autoload)
      O << "  (autoload off)";
    O << "\n  functions (" << S.functions.size() << ", " << S.lines
      << " lines): " << Names(S.functions) << "\n"
      << "  maps:      " << Names(S.maps) << "\n"
      << "  helpers:   " << Join(S.helpers) << "\n"
      << "  ctx:       " << Join(S.ctxFields) << "\n";
    // Programs reached through tail calls run as their own programs: listed, not merged.
    std::vector<std::string> Tails;
    for (const std::string &FnId : S.functions)
      for (const Edge *E : M.edgesFrom(FnId))
        if (E->kind == edge::TailCall)
          for (const Map &Mp : M.maps)
            if (Mp.id == E->to)
              for (const MapSlot &Slot : Mp.slots)
                Tails.push_back(Mp.name + "[" + std::to_string(Slot.index) + "] -> " +
                                Names({Slot.target}));
    if (!Tails.empty())
      O << "  tail calls: " << Join(Tails) << "\n";
  }
  if (M.programs.empty())
    O << "\nno programs (no function is placed in a SEC() other than .text)\n";
  if (!M.maps.empty()) {
    O << "\nmaps:\n";
    for (const Map &Mp : M.maps) {
      O << "  " << Mp.name << "  " << (Mp.type.empty() ? "?" : Mp.type);
      if (Mp.maxEntries)
        O << "  max_entries " << *Mp.maxEntries;
      std::string Value = !Mp.valueType.empty()  ? Mp.valueType
                          : !Mp.innerMap.empty() ? "map " + Names({Mp.innerMap})
                          : Mp.valueSize         ? std::to_string(*Mp.valueSize) + " bytes"
                                                 : "?";
      std::string Key = !Mp.keyType.empty() ? Mp.keyType
                        : Mp.keySize        ? std::to_string(*Mp.keySize) + " bytes"
                                            : "?";
      O << "  " << Key << " -> " << Value;
      if (Mp.style == "legacy")
        O << "  (legacy SEC(\"maps\") definition)";
      for (const MapSlot &Slot : Mp.slots)
        O << "  [" << Slot.index << "]=" << Names({Slot.target});
      O << "\n";
    }
  }
  return O.str();
}

} // namespace bpfcarve::extractor
