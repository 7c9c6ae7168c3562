//===- Modernize.cpp - legacy map definitions as BTF-defined maps ---------===//
#include "bpfcarve/transformer/Modernize.h"

#include "EditSet.h"
#include "bpfcarve/extractor/Declarations.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <optional>

namespace bpfcarve::transformer {

using namespace extractor;

namespace {

/// iproute2's tail-call section "ID/KEY" (`__section_tail(ID, KEY)`, ID and KEY as written,
/// decimal or hex): the two numbers.
std::optional<std::pair<unsigned long long, unsigned long long>>
tailSection(const std::string &Section) {
  size_t Slash = Section.find('/');
  if (Slash == std::string::npos || Slash == 0 || Slash + 1 == Section.size())
    return std::nullopt;
  auto Number = [](const std::string &T) -> std::optional<unsigned long long> {
    char *End = nullptr;
    errno = 0;
    unsigned long long V = std::strtoull(T.c_str(), &End, 0);
    if (errno || !End || *End || !std::isdigit(static_cast<unsigned char>(T[0])))
      return std::nullopt;
    return V;
  };
  auto Id = Number(Section.substr(0, Slash));
  auto Key = Number(Section.substr(Slash + 1));
  if (!Id || !Key)
    return std::nullopt;
  return std::make_pair(*Id, *Key);
}

/// The programs placed into prog array Mp by "ID/KEY" sections, by key.
std::map<unsigned long long, const Function *> tailSlots(const ProgramModel &M, const Map &Mp) {
  std::map<unsigned long long, const Function *> Slots;
  if (Mp.type != "prog_array" || !Mp.legacyId)
    return Slots;
  for (const Program &P : M.programs)
    if (auto T = tailSection(P.section); T && T->first == *Mp.legacyId)
      for (const Function &F : M.functions)
        if (F.id == P.function)
          Slots[T->second] = &F;
  return Slots;
}

bool isMapInMap(const Map &Mp) { return Mp.type == "array_of_maps" || Mp.type == "hash_of_maps"; }

/// The inner map of legacy map-in-map Mp: iproute2 binds it by id (`.inner_id = 42` names the
/// map with `.id = 42`), creates Mp with it as the template and places it at its `.inner_idx`.
const Map *innerMapOf(const ProgramModel &M, const Map &Mp) {
  if (!isMapInMap(Mp) || !Mp.legacyInnerId.value_or(0))
    return nullptr;
  for (const Map &In : M.maps)
    if (In.style == "legacy" && In.legacyId == Mp.legacyInnerId && &In != &Mp)
      return &In;
  return nullptr;
}

/// Why Mp cannot be rewritten, or "".
std::string cannotModernize(const ProgramModel &M, const Map &Mp,
                            const std::map<unsigned long long, const Function *> &Slots) {
  if (Mp.origin != Origin::Main)
    return "it is defined in '" + Mp.decl.file + "', not in the file itself";
  if (isMapInMap(Mp)) {
    const Map *In = innerMapOf(M, Mp);
    if (!In)
      return Mp.legacyInnerId.value_or(0)
                 ? "a map-in-map whose inner map id " + std::to_string(*Mp.legacyInnerId) +
                       " names no legacy map of the file"
                 : "a map-in-map without an inner map: its loader supplies the template";
    if (In->decl.beginOffset > Mp.decl.beginOffset)
      return "a map-in-map defined before its inner map '" + In->name +
             "': the static placement (.values) names the inner map";
    if (Mp.maxEntries && In->legacyInnerIdx.value_or(0) >= *Mp.maxEntries)
      return "its inner map '" + In->name + "' goes to key " +
             std::to_string(In->legacyInnerIdx.value_or(0)) + ", beyond its max_entries " +
             std::to_string(*Mp.maxEntries);
  }
  if (!Mp.maxEntries && Mp.type != "perf_event_array")
    return "its definition has no constant max_entries";
  for (const auto &[Key, F] : Slots)
    if (Key >= *Mp.maxEntries)
      return "its slot " + std::to_string(Key) + " (program '" + F->name +
             "') is beyond its max_entries " + std::to_string(*Mp.maxEntries);
  return "";
}

/// The `__uint(...)` lines of Mp's type, sizes and flags, each followed by Sep; no value size
/// for a map whose values libbpf sizes (a program or map fd).
std::string sizeAttributes(const Map &Mp, bool ValueSize, const std::string &Sep) {
  std::string T =
      "__uint(type, " + (Mp.typeConstant.empty() ? Mp.type : Mp.typeConstant) + ");" + Sep;
  auto Attr = [&](const char *Name, const std::optional<unsigned long long> &V) {
    if (V)
      T += std::string("__uint(") + Name + ", " + std::to_string(*V) + ");" + Sep;
  };
  Attr("key_size", Mp.keySize);
  if (ValueSize)
    Attr("value_size", Mp.valueSize);
  Attr("max_entries", Mp.maxEntries);
  if (Mp.flags.value_or(0))
    Attr("map_flags", Mp.flags);
  return T;
}

/// The BTF-defined form of legacy map Mp: attributes, then for a prog array filled by "ID/KEY"
/// sections its static slots (libbpf places those programs at load time), and for a map-in-map
/// its inner map's type and sizes as the template (without its pinning, which libbpf refuses
/// on a template) and the inner map placed at its `.inner_idx`, as iproute2 does.
std::string btfDefinition(const Map &Mp, const std::string &Struct,
                          const std::map<unsigned long long, const Function *> &Slots,
                          const Map *Inner) {
  std::string T = "/* bpfcarve --modernize-maps: legacy map '" + Mp.name + "' (" + Struct +
                  ") as a BTF-defined map */\n";
  for (const auto &[Key, F] : Slots) {
    std::string Params;
    for (const std::string &P : F->params)
      Params += (Params.empty() ? "" : ", ") + P;
    T += F->returnType + " " + F->name + "(" + (Params.empty() ? "void" : Params) + ");\n";
  }
  std::string Attributes = sizeAttributes(Mp, Slots.empty() && !Inner, "\n\t");
  T += "struct {\n\t" + Attributes.substr(0, Attributes.size() - 1);
  // iproute2: PIN_OBJECT_NS (1) shares the map within the object, which every map of one
  // libbpf object is; PIN_GLOBAL_NS (2) pins it by name, LIBBPF_PIN_BY_NAME (1) in libbpf.
  if (Mp.pinning.value_or(0) == 2)
    T += "\t__uint(pinning, 1); /* LIBBPF_PIN_BY_NAME, for iproute2's PIN_GLOBAL_NS */\n";
  if (!Slots.empty())
    T += "\t__array(values, int(void *));\n";
  if (Inner)
    T += "\t__array(values, struct { " + sizeAttributes(*Inner, true, " ") + "});\n";
  T += "} " + Mp.name + " SEC(\".maps\")";
  if (Inner)
    T += " = {\n\t.values = {\n\t\t[" + std::to_string(Inner->legacyInnerIdx.value_or(0)) +
         "] = &" + Inner->name + ",\n\t},\n}";
  if (!Slots.empty()) {
    T += " = {\n\t.values = {\n";
    for (const auto &[Key, F] : Slots)
      T += "\t\t[" + std::to_string(Key) + "] = (void *)&" + F->name + ",\n";
    T += "\t},\n}";
  }
  return T + ";";
}

/// Text with Lines line breaks where it can: breaks that neither end nor start a directive
/// line are joined into blanks, from the last one up, while it has too many; empty lines are
/// added when it has too few.
std::string fitLines(std::string Text, long Lines) {
  auto Breaks = static_cast<long>(std::count(Text.begin(), Text.end(), '\n'));
  auto directive = [&](size_t LineStart) {
    size_t I = Text.find_first_not_of(" \t", LineStart);
    return I != std::string::npos && Text[I] == '#';
  };
  for (size_t At = Text.rfind('\n'); Breaks > Lines && At != std::string::npos && At > 0;
       At = Text.rfind('\n', At - 1)) {
    size_t Start = Text.rfind('\n', At - 1);
    Start = Start == std::string::npos ? 0 : Start + 1;
    if (directive(Start) || directive(At + 1))
      continue;
    size_t Next = Text.find_first_not_of(" \t", At + 1);
    Text.replace(At, (Next == std::string::npos ? Text.size() : Next) - At, " ");
    --Breaks;
  }
  if (Breaks < Lines)
    Text.append(static_cast<size_t>(Lines - Breaks), '\n');
  return Text;
}

} // namespace

Result<ModernizedInput> modernizeMaps(const ParseOptions &Input) {
  auto Model = buildProgramModel(Input);
  if (!Model)
    return Model.failure();
  const ProgramModel &M = *Model;
  ModernizedInput Out;
  Out.input = Input;
  const SourceFile *Main = M.findFile(M.mainFile);
  if (!Main)
    return Failure::internal("the model of '" + Input.file + "' has no main file");

  // Each definition through its semicolon, with the struct the file wrote it with.
  struct Rewrite {
    const Map *map;
    unsigned begin, end;
    std::string text;
  };
  std::vector<Rewrite> Rewrites;
  bool AnyValues = false;
  for (const Map &Mp : M.maps) {
    if (Mp.style != "legacy" || Mp.origin == Origin::System)
      continue;
    auto Slots = tailSlots(M, Mp);
    if (std::string Why = cannotModernize(M, Mp, Slots); !Why.empty())
      return Failure::badInput("cannot modernize legacy map '" + Mp.name + "': " + Why,
                               Mp.decl.file, Mp.decl.beginLine, Mp.decl.beginColumn);
    unsigned End = Mp.decl.endOffset;
    size_t Semi = End > 0 && Main->text[End - 1] == ';' ? End - 1 : Main->text.find(';', End);
    if (Semi == std::string::npos)
      return Failure::internal("no ';' after legacy map '" + Mp.name + "'");
    std::string Written = Main->text.substr(Mp.decl.beginOffset, End - Mp.decl.beginOffset);
    std::string Struct = Written.find("bpf_elf_map") != std::string::npos ? "struct bpf_elf_map"
                         : Written.find("bpf_map_def") != std::string::npos
                             ? "struct bpf_map_def"
                             : "a SEC(\"maps\") struct";
    Rewrites.push_back({&Mp, Mp.decl.beginOffset, static_cast<unsigned>(Semi + 1),
                        btfDefinition(Mp, Struct, Slots, innerMapOf(M, Mp))});
    AnyValues |= !Slots.empty() || innerMapOf(M, Mp);
    Out.maps.push_back(Mp.name);
  }
  if (Out.maps.empty())
    return Out;
  std::sort(Rewrites.begin(), Rewrites.end(),
            [](const Rewrite &A, const Rewrite &B) { return A.begin < B.begin; });
  // __uint and SEC: the file's own (iproute2's bpf_api.h has neither), else guarded ones, before
  // the first map.
  std::vector<Need> Needs = {{"macro", "__uint"}, {"macro", "SEC"}};
  if (AnyValues)
    Needs.push_back({"macro", "__array"});
  auto P = provide(M, Needs);
  if (!P)
    return P.failure();
  if (!P->declarations.empty())
    Rewrites.front().text = P->declarations + Rewrites.front().text;
  // Every line after a rewrite keeps its number, so diagnostics, reports and the emitted
  // `/* from FILE:LINE */` name the input's lines: a rewrite takes as many lines as the
  // definition it replaces, joining its own lines or adding empty ones. Lines it cannot give
  // back (the guarded declarations are directives, a line each) are taken from the next ones.
  EditSet Edits;
  long Excess = 0; // lines the rewritten text has so far beyond the input's
  for (Rewrite &R : Rewrites) {
    auto Orig = static_cast<long>(
        std::count(Main->text.begin() + R.begin, Main->text.begin() + R.end, '\n'));
    R.text = fitLines(R.text, std::max(0L, Orig - Excess));
    Excess += static_cast<long>(std::count(R.text.begin(), R.text.end(), '\n')) - Orig;
    Edits.add({Main->path, R.begin, R.end, R.text});
  }
  if (auto C = Edits.conflict())
    return Failure::internal("conflicting map rewrites: " + *C);
  ProgramModel Edited = Edits.applyTo(M);
  Out.input.contents = Edited.findFile(M.mainFile)->text;
  return Out;
}

} // namespace bpfcarve::transformer
