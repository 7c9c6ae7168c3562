//===- SampleCarveTest.cpp - every carve target that the sample READMEs name ----===//
//
// bpf-samples/<sample>/carve-targets.json is the machine-readable form of the "Functionalities
// to carve" table of that sample's README.md; the first suite keeps the two in step (every
// function a table row names is in the row's targets, and the other way round). Per target:
//   extract (with --harness when the feature is not an entry program) -> verify, expected
//   outcome -> per listed retarget: retarget (pass, or refused at the named construct) ->
//   verify -> diff-run of the carved original against the retarget, maps seeded from the
//   sample's seed.json (plus the harness's arguments, written by field name through BTF) ->
//   a witness run: the same frames through both objects with the library's test-run, frame by
//   frame, asserting what proves the seeded feature path ran (verdict counts, maps the run
//   changed, harness results), which diff-run alone cannot show.
// A target may list known bpfcarve bugs by stage: when the stage fails with the bug's symptom
// the test is skipped with the bug's description; when the stage passes, the test fails so that
// the entry gets removed. Kernel stages skip without root.
//
// carve-targets.json: {"source", "seed", "targets": [{
//   "id", "row" (the README row's first cell, verbatim), "functions" (every function the row
//   names that this target covers), "flags" (compiler flags replacing the defaults, optional),
//   "extract": {"function": [...], "harness": HOOK} | {"program": [...]}
//              (+ "expect": "refused", "error": REGEX when no harness can be generated),
//   "verify": {"expect": "pass"} | {"expect": "fail", "class": CLASS, "why": ...},
//   "diff_run": DIFF (carved program against the monolith's own, same hook; optional),
//   "retargets": [{"to", "direction", "allow_approx", "program", "readme" (its word),
//                  "expect": "pass" | "refused" (+ "refusal": REGEX on the first line)
//                          | "unsupported" (+ "error": REGEX; exit 2),
//                  "rewrites": [REGEX per report line "rule: before -> after"],
//                  "verify": {...} (default pass), "diff_run": DIFF}],
//   "carve": true (also run `bpfcarve carve`),
//   "known_bugs": [{"stage": "retarget tc" | "verify tc" | "diff-run tc" | "witness tc" |
//                   "carve" | "extract" | "verify" | "diff-run original" ..., "symptom", "bug"}]}]}
// A key not listed here is an error naming the file and the key (tests/golden/GoldenSpec.h);
// "why" (in extract, verify, retargets, exercised_by), "not_retargetable" and "$comment" are
// prose for the reader.
// DIFF: {"packets": "gen:SET" | ["gen:SET", "gen:SET:frame-name", ...], "maps": [names from the
//   seed file], "harness_args": {"p0.flow.src": "c000020a", "p1": 14} (hex strings of exactly
//   the field's size, or integers), "nondeterministic": true (maps_equal must be null),
//   "per_frame_maps": [maps equal in A and B after every frame], "exercised_by": {"why",
//   "verdicts": {NAME: N}, "min_distinct_verdicts": N, "maps_changed": [...],
//   "harness_results": {FIELD: {"values": [...], "min_distinct": N, "nonzero": true}}}}
//
//===----------------------------------------------------------------------===//
#include "GoldenSpec.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/verifier/Compiler.h"
#include "bpfcarve/verifier/HookProfile.h"
#include "bpfcarve/verifier/Loader.h"
#include "bpfcarve/verifier/MapState.h"
#include "bpfcarve/verifier/Packets.h"
#include "bpfcarve/verifier/TestRun.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sched.h>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;

namespace {

const std::string SamplesDir = BPFCARVE_SOURCE_DIR "/bpf-samples";
using Bytes = std::vector<std::uint8_t>;
using Problems = std::vector<std::string>;

std::string slurp(const std::string &P) {
  std::ifstream I(P);
  std::stringstream S;
  S << I.rdbuf();
  return S.str();
}

std::string firstLine(const std::string &S) { return S.substr(0, S.find('\n')); }

std::string join(const json &List, const char *Sep = ",") {
  if (List.is_string())
    return List.get<std::string>();
  std::string Out;
  for (const json &E : List)
    Out += (Out.empty() ? "" : Sep) + E.get<std::string>();
  return Out;
}

std::vector<std::string> strings(const json &V) {
  std::vector<std::string> Out;
  if (V.is_string())
    Out.push_back(V.get<std::string>());
  else if (V.is_array())
    for (const json &E : V)
      Out.push_back(E.get<std::string>());
  return Out;
}

/// O[K] without inserting and without copying: a null json when O has no K.
const json &member(const json &O, const char *K) {
  static const json Null;
  auto I = O.find(K);
  return I == O.end() ? Null : *I;
}

/// An array member, or an empty array.
const json &list(const json &O, const char *K) {
  static const json Empty = json::array();
  const json &M = member(O, K);
  return M.is_array() ? M : Empty;
}

std::string hex(const Bytes &B) {
  static const char *D = "0123456789abcdef";
  std::string S;
  for (std::uint8_t X : B) {
    S += D[X >> 4];
    S += D[X & 15];
  }
  return S;
}

struct CliRun {
  int code = -1;
  std::string out, err;
};

CliRun run(std::vector<std::string> Args) {
  Args.insert(Args.begin(), BPFCARVE_BIN);
  auto R = toolchain::runProcess(Args);
  if (!R)
    return {-1, "", "cannot run bpfcarve: " + R.failure().message};
  // An internal error keeps the failing output for the user in a temporary directory; the
  // message says so, and the test has it in the failure text: leave no litter in /tmp.
  static const std::regex Kept("output kept in (/[^ ]*/bpfcarve-[^/ ]+)/");
  std::smatch M;
  if (R->exitCode == 4 && std::regex_search(R->err, M, Kept)) {
    std::error_code EC;
    fs::remove_all(M[1].str(), EC);
  }
  return {R->exitCode, R->out, R->err};
}

std::string argvText(const std::vector<std::string> &Args) {
  std::string S = "bpfcarve";
  for (const std::string &A : Args)
    S += " " + A;
  return S;
}

// ---- the target files ----------------------------------------------------------

struct SampleFile {
  std::string name;  ///< directory under bpf-samples/
  json doc;          ///< carve-targets.json
  std::string error; ///< why doc could not be read
};

const std::vector<SampleFile> &sampleFiles() {
  static const std::vector<SampleFile> Files = [] {
    std::vector<SampleFile> Out;
    std::error_code EC;
    for (const auto &E : fs::directory_iterator(SamplesDir, EC)) {
      if (!E.is_directory() || !fs::exists(E.path() / "README.md"))
        continue;
      SampleFile F{E.path().filename().string(), nullptr, ""};
      fs::path J = E.path() / "carve-targets.json";
      if (!fs::exists(J))
        F.error = "no carve-targets.json next to README.md";
      else {
        F.doc = json::parse(slurp(J.string()), nullptr, false);
        if (F.doc.is_discarded() || !F.doc.contains("targets"))
          F.error = J.string() + ": not JSON with a \"targets\" array";
        else // a misspelt key would be an expectation silently dropped
          F.error = golden::carveTargetsError(F.doc, J.string());
      }
      Out.push_back(std::move(F));
    }
    std::sort(Out.begin(), Out.end(),
              [](const SampleFile &A, const SampleFile &B) { return A.name < B.name; });
    return Out;
  }();
  return Files;
}

const SampleFile *sampleFile(const std::string &Name) {
  for (const SampleFile &F : sampleFiles())
    if (F.name == Name)
      return &F;
  return nullptr;
}

struct TargetParam {
  std::string sample, id;
  size_t index = 0;
};

void PrintTo(const TargetParam &P, std::ostream *OS) { *OS << P.sample << "/" << P.id; }

std::vector<TargetParam> targetParams() {
  std::vector<TargetParam> Out;
  for (const SampleFile &F : sampleFiles())
    if (F.error.empty())
      for (size_t I = 0; I < F.doc["targets"].size(); ++I)
        Out.push_back({F.name, F.doc["targets"][I].value("id", std::to_string(I)), I});
  return Out;
}

std::vector<std::string> sampleNames() {
  std::vector<std::string> Out;
  for (const SampleFile &F : sampleFiles())
    Out.push_back(F.name);
  return Out;
}

std::string identifier(std::string N) {
  for (char &C : N)
    if (!isalnum(static_cast<unsigned char>(C)))
      C = '_';
  return N;
}

// ---- README table <-> carve-targets.json ------------------------------------------

/// Cells of a Markdown table row; `\|` inside a cell is not a separator.
std::vector<std::string> cells(const std::string &Row) {
  std::vector<std::string> Out;
  std::string Cur;
  for (size_t I = 0; I < Row.size(); ++I) {
    if (Row[I] == '\\' && I + 1 < Row.size() && Row[I + 1] == '|') {
      Cur += '|';
      ++I;
    } else if (Row[I] == '|') {
      Out.push_back(Cur);
      Cur.clear();
    } else
      Cur += Row[I];
  }
  Out.push_back(Cur);
  // A row starts and ends with '|': drop the empty outer cells.
  if (!Out.empty())
    Out.erase(Out.begin());
  if (!Out.empty())
    Out.pop_back();
  for (std::string &C : Out) {
    C.erase(0, C.find_first_not_of(' '));
    C.erase(C.find_last_not_of(' ') + 1);
  }
  return Out;
}

std::set<std::string> backticked(const std::string &Text) {
  std::set<std::string> Out;
  static const std::regex Code("`([A-Za-z_][A-Za-z0-9_]*)`");
  for (std::sregex_iterator I(Text.begin(), Text.end(), Code), E; I != E; ++I)
    Out.insert((*I)[1].str());
  return Out;
}

/// Rows of the "## Functionalities to carve" table: first cell -> the rest of the row.
std::vector<std::vector<std::string>> carveTable(const std::string &Readme) {
  std::vector<std::vector<std::string>> Rows;
  std::stringstream SS(Readme);
  bool In = false, Header = true;
  for (std::string Line; std::getline(SS, Line);) {
    if (Line.rfind("## ", 0) == 0) {
      In = Line == "## Functionalities to carve";
      continue;
    }
    if (!In || Line.rfind("|", 0) != 0)
      continue;
    if (Header) { // the column titles
      Header = false;
      continue;
    }
    if (Line.find("---") != std::string::npos &&
        Line.find_first_not_of("|-: ") == std::string::npos)
      continue;
    Rows.push_back(cells(Line));
  }
  return Rows;
}

class SampleReadme : public ::testing::TestWithParam<std::string> {};

TEST_P(SampleReadme, CarveTableMatchesCarveTargets) {
  const SampleFile *F = sampleFile(GetParam());
  ASSERT_NE(F, nullptr);
  ASSERT_TRUE(F->error.empty()) << F->error;
  std::string Dir = SamplesDir + "/" + F->name;
  std::string Source = Dir + "/" + F->doc["source"].get<std::string>();

  // The names that are functions of the sample, as the frontend sees them.
  CliRun I = run({"inspect", Source, "--format", "json"});
  ASSERT_EQ(I.code, 0) << I.err;
  json Model = json::parse(I.out, nullptr, false);
  ASSERT_FALSE(Model.is_discarded());
  std::set<std::string> Functions;
  for (const char *Kind : {"functions", "programs"})
    for (const json &E : Model[Kind])
      Functions.insert(E["name"].get<std::string>());

  auto Rows = carveTable(slurp(Dir + "/README.md"));
  ASSERT_FALSE(Rows.empty()) << Dir << "/README.md has no \"## Functionalities to carve\" table";
  std::map<std::string, std::set<std::string>> ReadmeRows, JsonRows;
  for (const auto &R : Rows) {
    ASSERT_GE(R.size(), 2u) << "short row: " << R.front();
    std::set<std::string> Names;
    for (size_t C = 0; C < 2; ++C)
      for (const std::string &N : backticked(R[C]))
        if (Functions.count(N))
          Names.insert(N);
    EXPECT_FALSE(Names.empty()) << "row '" << R[0] << "' names no function of " << Source;
    ReadmeRows[R[0]] = Names;
  }
  std::set<std::string> Ids;
  for (const json &T : F->doc["targets"]) {
    std::string Id = T.value("id", "");
    EXPECT_TRUE(Ids.insert(Id).second) << "duplicate target id '" << Id << "'";
    std::string Row = T.value("row", "");
    EXPECT_TRUE(ReadmeRows.count(Row))
        << "target '" << Id << "': row '" << Row << "' is not a row of the README's carve table";
    for (const std::string &N : strings(T["functions"])) {
      EXPECT_TRUE(Functions.count(N)) << "target '" << Id << "': " << N << " is not a function";
      JsonRows[Row].insert(N);
    }
    for (const char *Kind : {"function", "program"})
      for (const std::string &N : strings(T["extract"].value(Kind, json())))
        EXPECT_TRUE(Functions.count(N)) << "target '" << Id << "' selects unknown " << N;
  }
  for (const auto &[Row, Names] : ReadmeRows) {
    ASSERT_TRUE(JsonRows.count(Row)) << "README row '" << Row << "' has no target in "
                                     << "carve-targets.json";
    for (const std::string &N : Names)
      EXPECT_TRUE(JsonRows[Row].count(N))
          << "README row '" << Row << "' names " << N << "; its targets do not";
    for (const std::string &N : JsonRows[Row])
      EXPECT_TRUE(Names.count(N)) << "carve-targets.json puts " << N << " in row '" << Row
                                  << "'; the README does not";
  }
}

INSTANTIATE_TEST_SUITE_P(Samples, SampleReadme, ::testing::ValuesIn(sampleNames()),
                         [](const auto &Info) { return identifier(Info.param); });

// ---- BTF: harness arguments by field name ---------------------------------------

struct FieldLoc {
  size_t offset = 0, size = 0;
};

/// Finds member Name in struct/union TypeId, looking through anonymous members.
std::optional<std::pair<size_t, int>> findMember(const btf *B, int TypeId,
                                                 const std::string &Name) {
  const btf_type *T = btf__type_by_id(B, TypeId);
  if (!T || (!btf_is_struct(T) && !btf_is_union(T)))
    return std::nullopt;
  const btf_member *M = btf_members(T);
  for (unsigned I = 0; I < btf_vlen(T); ++I, ++M) {
    size_t Off = btf_member_bit_offset(T, I) / 8;
    std::string N = btf__name_by_offset(B, M->name_off);
    int Ty = btf__resolve_type(B, M->type);
    if (N == Name)
      return std::make_pair(Off, Ty);
    if (N.empty())
      if (auto Inner = findMember(B, Ty, Name))
        return std::make_pair(Off + Inner->first, Inner->second);
  }
  return std::nullopt;
}

/// "p0.flow.port16[1]" inside struct Struct of the object's BTF.
std::optional<FieldLoc> locate(const btf *B, const std::string &Struct, const std::string &Path,
                               std::string &Err) {
  int Id = btf__find_by_name_kind(B, Struct.c_str(), BTF_KIND_STRUCT);
  if (Id < 0) {
    Err = "no struct " + Struct + " in the object's BTF";
    return std::nullopt;
  }
  size_t Off = 0;
  std::stringstream SS(Path);
  for (std::string Seg; std::getline(SS, Seg, '.');) {
    std::string Name = Seg.substr(0, Seg.find('['));
    auto M = findMember(B, Id, Name);
    if (!M) {
      Err = "no member '" + Name + "' on the way to '" + Path + "' in struct " + Struct;
      return std::nullopt;
    }
    Off += M->first;
    Id = M->second;
    for (size_t P = Seg.find('['); P != std::string::npos; P = Seg.find('[', P + 1)) {
      const btf_type *T = btf__type_by_id(B, Id);
      if (!btf_is_array(T)) {
        Err = "'" + Seg + "' indexes a non-array";
        return std::nullopt;
      }
      size_t Index = std::stoul(Seg.substr(P + 1));
      Id = btf__resolve_type(B, btf_array(T)->type);
      Off += Index * static_cast<size_t>(btf__resolve_size(B, Id));
    }
  }
  return FieldLoc{Off, static_cast<size_t>(btf__resolve_size(B, Id))};
}

struct Btf {
  btf *B = nullptr;
  explicit Btf(const std::string &Obj) : B(btf__parse_elf(Obj.c_str(), nullptr)) {
    if (libbpf_get_error(B))
      B = nullptr;
  }
  ~Btf() { btf__free(B); }
};

/// The value of bpfcarve_harness_map: zeros, with Args ({"p1": 14, "p0.flow.src": "c000020a"})
/// written into their fields (integers little-endian, strings as hex of exactly the field size).
std::optional<Bytes> harnessValue(const std::string &Obj, const json &Args, std::string &Err) {
  Btf B(Obj);
  if (!B.B) {
    Err = "no BTF in " + Obj;
    return std::nullopt;
  }
  int Id = btf__find_by_name_kind(B.B, "bpfcarve_harness_args", BTF_KIND_STRUCT);
  if (Id < 0) {
    Err = "the slice has no struct bpfcarve_harness_args";
    return std::nullopt;
  }
  Bytes V(static_cast<size_t>(btf__resolve_size(B.B, Id)), 0);
  for (const auto &[Path, Value] : Args.items()) {
    auto L = locate(B.B, "bpfcarve_harness_args", Path, Err);
    if (!L)
      return std::nullopt;
    Bytes Field;
    if (Value.is_number_integer()) {
      std::uint64_t N = Value.get<std::uint64_t>();
      for (size_t I = 0; I < L->size; ++I, N >>= 8)
        Field.push_back(static_cast<std::uint8_t>(N & 0xff));
    } else {
      std::string H;
      for (char C : Value.get<std::string>())
        if (C != ' ')
          H += C;
      for (size_t I = 0; I + 1 < H.size(); I += 2)
        Field.push_back(static_cast<std::uint8_t>(std::stoul(H.substr(I, 2), nullptr, 16)));
    }
    if (Field.size() != L->size) {
      Err = "harness argument '" + Path + "' is " + std::to_string(L->size) + " bytes, the value " +
            std::to_string(Field.size());
      return std::nullopt;
    }
    std::copy(Field.begin(), Field.end(), V.begin() + static_cast<long>(L->offset));
  }
  return V;
}

// ---- maps of a loaded object ------------------------------------------------------

bool perCpu(bpf_map_type T) {
  return T == BPF_MAP_TYPE_PERCPU_HASH || T == BPF_MAP_TYPE_PERCPU_ARRAY ||
         T == BPF_MAP_TYPE_LRU_PERCPU_HASH || T == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

/// Every entry of map Name ("stats", ".bss"); nullopt when the object has no such map.
std::optional<std::map<Bytes, Bytes>> readMap(bpf_object *Obj, const std::string &Name) {
  bpf_map *M = bpf_object__find_map_by_name(Obj, Name.c_str());
  if (!M || bpf_map__fd(M) < 0)
    return std::nullopt;
  int Fd = bpf_map__fd(M);
  size_t VSize = bpf_map__value_size(M);
  if (perCpu(bpf_map__type(M)))
    VSize = ((VSize + 7) / 8 * 8) * static_cast<size_t>(libbpf_num_possible_cpus());
  std::map<Bytes, Bytes> Out;
  Bytes Key(bpf_map__key_size(M)), Next(Key.size()), Value(VSize);
  bool First = true;
  while (bpf_map_get_next_key(Fd, First ? nullptr : Key.data(), Next.data()) == 0) {
    First = false;
    Key = Next;
    if (bpf_map_lookup_elem(Fd, Key.data(), Value.data()) == 0)
      Out[Key] = Value;
  }
  return Out;
}

// ---- one target -----------------------------------------------------------------

struct Loaded {
  std::optional<verifier::LoadedProgram> prog;
  const verifier::HookProfile *hook = nullptr;
};

Problems load(const std::string &Obj, const std::string &Program, Loaded &Out) {
  auto Info = verifier::readObject(Obj);
  if (!Info)
    return {"cannot read " + Obj + ": " + Info.failure().message};
  auto Sel = verifier::selectPrograms(*Info, Program);
  if (!Sel || Sel->empty())
    return {"no program " + Program + " in " + Obj};
  verifier::LoadOptions O;
  O.alsoLoad = Info->slotPrograms;
  auto L = verifier::loadProgram(Obj, Sel->front(), O);
  if (!L)
    return {"cannot load " + Program + " of " + Obj + ": " + L.failure().message};
  if (!L->loaded())
    return {Program + " of " + Obj + " was refused by the kernel: " + firstLine(L->log())};
  Out.hook = verifier::findHook(Sel->front().section);
  if (!Out.hook)
    return {"no hook profile for section " + Sel->front().section};
  Out.prog.emplace(L.take());
  return {};
}

class SampleTarget : public ::testing::TestWithParam<TargetParam> {
protected:
  void SetUp() override {
    const SampleFile *F = sampleFile(GetParam().sample);
    ASSERT_NE(F, nullptr);
    Doc = &F->doc;
    T = F->doc["targets"][GetParam().index];
    Dir = SamplesDir + "/" + F->name;
    Source = Dir + "/" + F->doc["source"].get<std::string>();
    auto D = toolchain::TempDir::create("bpfcarve-sample");
    ASSERT_TRUE(static_cast<bool>(D));
    Tmp.emplace(std::move(*D));
    if (T.contains("flags"))
      for (const std::string &Fl : strings(T["flags"]))
        Flags.push_back(Fl);
  }

  std::string tmp(const std::string &Name) const { return Tmp->path() + "/" + Name; }
  bool isHarness() const { return T["extract"].contains("function"); }
  std::vector<std::string> programs() const {
    return isHarness() ? std::vector<std::string>{"bpfcarve_harness"}
                       : strings(T["extract"]["program"]);
  }
  std::vector<std::string> withFlags(std::vector<std::string> Args) const {
    if (!Flags.empty()) {
      Args.push_back("--");
      Args.insert(Args.end(), Flags.begin(), Flags.end());
    }
    return Args;
  }
  std::vector<std::string> selection() const {
    const json &E = T["extract"];
    std::vector<std::string> A = isHarness()
                                     ? std::vector<std::string>{"--function", join(E["function"])}
                                     : std::vector<std::string>{"--program", join(E["program"])};
    if (isHarness()) {
      A.push_back("--harness");
      A.push_back(E.value("harness", "xdp"));
    }
    return A;
  }

  /// Problems of a stage go to the test as failures, unless a known bug of that stage explains
  /// them (then the test ends as skipped, with the bug's description). Returns true when the
  /// stage met its expectations.
  bool settle(const std::string &Stage, const Problems &P) {
    const json *Bug = nullptr;
    for (const json &B : list(T, "known_bugs"))
      if (B.value("stage", "") == Stage)
        Bug = &B;
    std::string Text;
    for (const std::string &X : P)
      Text += X + "\n";
    if (Bug) {
      if (P.empty()) {
        ADD_FAILURE() << "known bug at stage '" << Stage
                      << "' no longer reproduces: remove it from " << Dir << "/carve-targets.json ("
                      << Bug->value("bug", "") << ")";
        return true;
      }
      std::regex Symptom(Bug->value("symptom", ""));
      if (std::regex_search(Text, Symptom)) {
        Skips += "[" + Stage + "] known bpfcarve bug: " + Bug->value("bug", "") + "\n";
        return false;
      }
    }
    for (const std::string &X : P)
      ADD_FAILURE() << "[" << Stage << "] " << X;
    return P.empty();
  }

  Problems verifyFile(const std::string &File, const std::vector<std::string> &Programs,
                      const json &Expect) const {
    CliRun V = run(withFlags({"verify", File, "--format", "json"}));
    json J = json::parse(V.out, nullptr, false);
    if (J.is_discarded())
      return {"verify " + File + " printed no JSON (exit " + std::to_string(V.code) +
              "): " + firstLine(V.err)};
    std::string Want = Expect.value("expect", "pass");
    Problems P;
    for (const std::string &Prog : Programs) {
      const json *Found = nullptr;
      for (const json &E : J["programs"])
        if (E["name"] == Prog)
          Found = &E;
      if (!Found) {
        P.push_back("verify: no program " + Prog + " in " + File);
        continue;
      }
      std::string Got = (*Found)["verdict"].get<std::string>();
      std::string Why =
          (*Found).contains("error") && (*Found)["error"].is_object()
              ? (*Found)["error"].value("class", "") + ": " + (*Found)["error"].value("message", "")
              : "";
      if (Got != Want)
        P.push_back("verify " + Prog + ": expected " + Want + ", got " + Got +
                    (Why.empty() ? "" : " (" + Why + ")"));
      else if (Want == "fail" && (*Found)["error"].value("class", "") != Expect.value("class", ""))
        P.push_back("verify " + Prog + ": expected class " + Expect.value("class", "") + ", got " +
                    Why);
    }
    int WantCode = Want == "pass" ? 0 : Want == "fail" ? 1 : 3;
    if (P.empty() && V.code != WantCode)
      P.push_back("verify exit code " + std::to_string(V.code) + ", expected " +
                  std::to_string(WantCode) + ": " + firstLine(V.err));
    return P;
  }

  /// Frames of a packets entry: "gen:NAME", "gen:NAME:frame-name", or a list of those. Sets the
  /// SPEC to hand to bpfcarve (the set itself, or a pcap of the chosen frames).
  Problems packets(const json &Spec, const std::string &Tag, std::vector<verifier::Packet> &Frames,
                   std::string &Cli) {
    std::vector<std::string> Items = strings(Spec);
    for (const std::string &I : Items) {
      size_t Colon = I.find(':', 4);
      std::string Set = I.substr(0, Colon);
      auto L = verifier::loadPackets(Set);
      if (!L)
        return {"packets " + I + ": " + L.failure().message};
      for (verifier::Packet &P : *L)
        if (Colon == std::string::npos || P.name == I.substr(Colon + 1))
          Frames.push_back(P);
    }
    if (Items.size() == 1 && Items[0].find(':', 4) == std::string::npos) {
      Cli = Items[0];
      return {};
    }
    Cli = tmp("packets-" + Tag + ".pcap");
    if (auto W = verifier::writePcap(Cli, Frames); !W)
      return {"cannot write " + Cli + ": " + W.failure().message};
    return {};
  }

  /// The seed for a diff-run: the named maps of the sample's seed file, plus the harness's
  /// arguments. Empty path when nothing is seeded.
  Problems seed(const json &D, const std::string &Tag, const std::string &SliceObj,
                std::string &Path) {
    json Maps = json::object();
    if (D.contains("maps")) {
      std::string SeedFile = Dir + "/" + Doc->value("seed", "seed.json");
      json S = json::parse(slurp(SeedFile), nullptr, false);
      if (S.is_discarded())
        return {"cannot read " + SeedFile};
      for (const std::string &M : strings(D["maps"])) {
        if (!S["maps"].contains(M))
          return {SeedFile + " has no map " + M};
        Maps[M] = S["maps"][M];
      }
    }
    if (D.contains("harness_args")) {
      std::string Err;
      auto V = harnessValue(SliceObj, D["harness_args"], Err);
      if (!V)
        return {"harness arguments: " + Err};
      Maps["bpfcarve_harness_map"] = json::array({{{"key", 0}, {"value", hex(*V)}}});
    }
    if (Maps.empty())
      return {};
    Path = tmp("seed-" + Tag + ".json");
    std::ofstream(Path) << json{{"maps", Maps}}.dump(1) << "\n";
    return {};
  }

  /// The frames through A and B side by side with the seed applied to both: verdicts must do the
  /// same, the per-frame maps must stay equal, and exercised_by must hold on A.
  Problems witness(const std::string &ObjA, const std::string &ObjB, const std::string &Program,
                   const std::string &SeedPath, const std::vector<verifier::Packet> &Frames,
                   const json &D) {
    const json &Ex = member(D, "exercised_by");
    if (!Ex.is_object() || (!Ex.contains("verdicts") && !Ex.contains("min_distinct_verdicts") &&
                            !Ex.contains("maps_changed") && !Ex.contains("harness_results")))
      return {"diff_run has no exercised_by check: nothing shows the seeded path ran"};
    Loaded A, B;
    if (Problems P = load(ObjA, Program, A); !P.empty())
      return P;
    if (Problems P = load(ObjB, Program, B); !P.empty())
      return P;
    if (!SeedPath.empty()) {
      auto S = verifier::readMapSeed(SeedPath);
      if (!S)
        return {"seed: " + S.failure().message};
      for (Loaded *L : {&A, &B})
        if (auto R = verifier::applyMapSeed(L->prog->object(), *S); !R)
          return {"seeding: " + R.failure().message};
    }
    bpf_object *OA = A.prog->object(), *OB = B.prog->object();
    std::map<std::string, std::map<Bytes, Bytes>> Before;
    for (const std::string &M : strings(member(Ex, "maps_changed")))
      if (auto C = readMap(OA, M))
        Before[M] = *C;
      else
        return {"exercised_by names map " + M + ", which the carved original does not have"};
    // Harness results: the field's bytes in the args value after each frame.
    std::map<std::string, FieldLoc> ResultFields;
    std::map<std::string, std::set<std::uint64_t>> Results;
    if (Ex.contains("harness_results")) {
      Btf Bt(ObjA);
      for (const auto &[Field, Check] : Ex["harness_results"].items()) {
        std::string Err;
        auto L = Bt.B ? locate(Bt.B, "bpfcarve_harness_args", Field, Err) : std::nullopt;
        if (!L)
          return {"harness result " + Field + ": " + Err};
        ResultFields[Field] = *L;
      }
    }

    // Per-CPU maps and the per-CPU LRU: both sides must run on the same CPU.
    cpu_set_t Saved, One;
    sched_getaffinity(0, sizeof(Saved), &Saved);
    CPU_ZERO(&One);
    CPU_SET(sched_getcpu(), &One);
    sched_setaffinity(0, sizeof(One), &One);
    struct RestoreAffinity {
      cpu_set_t S;
      ~RestoreAffinity() { sched_setaffinity(0, sizeof(S), &S); }
    } Restore{Saved};

    Problems P;
    std::map<std::string, size_t> Verdicts;
    size_t Both = 0;
    for (const verifier::Packet &F : Frames) {
      verifier::RunOutcome RA = verifier::testRunFrame(A.prog->fd(), *A.hook, F.bytes);
      verifier::RunOutcome RB = verifier::testRunFrame(B.prog->fd(), *B.hook, F.bytes);
      if (RA.ran)
        ++Verdicts[verifier::verdictName(*A.hook, RA.retval)];
      if (!RA.ran || !RB.ran)
        continue;
      ++Both;
      if (!verifier::sameVerdict(*A.hook, RA.retval, *B.hook, RB.retval) && P.size() < 5)
        P.push_back("witness: " + F.name + ": A " + verifier::verdictName(*A.hook, RA.retval) +
                    ", B " + verifier::verdictName(*B.hook, RB.retval) + " (" +
                    verifier::mapVerdict(*B.hook, RB.retval, *A.hook) + " in A's terms)");
      for (const std::string &M : strings(member(D, "per_frame_maps"))) {
        auto MA = readMap(OA, M), MB = readMap(OB, M);
        if (!MA || !MB || *MA != *MB) {
          if (P.size() < 5)
            P.push_back("witness: after " + F.name + " map " + M + " differs between A and B" +
                        (MA && MB && !MA->empty() && !MB->empty()
                             ? ": A " + hex(MA->begin()->second) + ", B " + hex(MB->begin()->second)
                             : ""));
          break;
        }
      }
      if (!ResultFields.empty()) {
        auto H = readMap(OA, "bpfcarve_harness_map");
        if (H && !H->empty())
          for (const auto &[Field, L] : ResultFields) {
            std::uint64_t V = 0;
            const Bytes &Val = H->begin()->second;
            for (size_t I = 0; I < L.size && I < 8 && L.offset + I < Val.size(); ++I)
              V |= static_cast<std::uint64_t>(Val[L.offset + I]) << (8 * I);
            Results[Field].insert(V);
          }
      }
    }
    if (Both == 0)
      P.push_back("witness: no frame ran on both sides");

    // What proves that the seeded feature ran, not just the empty-map path.
    std::string Counts;
    for (const auto &[V, N] : Verdicts)
      Counts += V + "=" + std::to_string(N) + " ";
    if (Ex.contains("verdicts"))
      for (const auto &[V, N] : Ex["verdicts"].items())
        if (Verdicts[V] != N.get<size_t>())
          P.push_back("exercised_by: expected " + V + " " + std::to_string(N.get<size_t>()) +
                      " times, got " + std::to_string(Verdicts[V]) + " (" + Counts + ")");
    std::erase_if(Verdicts, [](const auto &E) { return E.second == 0; });
    if (Ex.contains("min_distinct_verdicts") &&
        Verdicts.size() < Ex["min_distinct_verdicts"].get<size_t>())
      P.push_back("exercised_by: " + std::to_string(Verdicts.size()) +
                  " distinct verdicts, expected at least " +
                  std::to_string(Ex["min_distinct_verdicts"].get<size_t>()) + " (" + Counts + ")");
    for (const auto &[M, Old] : Before)
      if (auto Now = readMap(OA, M); Now && *Now == Old)
        P.push_back("exercised_by: map " + M + " did not change during the run");
    const json &HarnessResults = member(Ex, "harness_results");
    if (HarnessResults.is_object())
      for (const auto &[Field, Check] : HarnessResults.items()) {
        const std::set<std::uint64_t> &Seen = Results[Field];
        std::string List;
        for (std::uint64_t V : Seen)
          List += std::to_string(V) + " ";
        if (Check.contains("min_distinct") && Seen.size() < Check["min_distinct"].get<size_t>())
          P.push_back("exercised_by: " + Field + " took " + std::to_string(Seen.size()) +
                      " distinct values (" + List + "), expected at least " +
                      std::to_string(Check["min_distinct"].get<size_t>()));
        if (Check.contains("values")) {
          std::set<std::uint64_t> Want;
          for (const json &V : Check["values"])
            Want.insert(V.get<std::uint64_t>());
          if (Want != Seen)
            P.push_back("exercised_by: " + Field + " took the values " + List + ", expected " +
                        Check["values"].dump());
        }
        if (Check.value("nonzero", false) && (Seen.empty() || Seen.count(0)))
          P.push_back("exercised_by: " + Field + " was 0 (or never set): " + List);
      }
    return P;
  }

  /// retarget -> verify -> diff-run -> witness for one entry of "retargets".
  void retarget(const json &R, const std::string &Slice, size_t N) {
    std::string To = R.value("to", "");
    // Stage names: "retarget tc", "verify tc", "diff-run tc", "witness tc" (with
    // " --allow-approx" appended for such an entry): known bugs name them.
    std::string Label = To + (R.value("allow_approx", false) ? " --allow-approx" : "");
    std::string Stage = "retarget " + Label;
    std::string Out = tmp("retarget" + std::to_string(N) + ".c");
    std::string Report = tmp("retarget" + std::to_string(N) + ".json");
    std::string Program = R.value("program", programs().front());
    // A program is retargeted from the sample itself (reports point into it); a harness exists
    // only in the slice.
    std::vector<std::string> Args{"retarget",  isHarness() ? Slice : Source,
                                  "--program", Program,
                                  "--to",      To,
                                  "-o",        Out,
                                  "--report",  Report};
    if (R.contains("direction"))
      Args.insert(Args.end(), {"--direction", R["direction"].get<std::string>()});
    if (R.value("allow_approx", false))
      Args.push_back("--allow-approx");
    Args = withFlags(Args);
    CliRun X = run(Args);
    Problems P;
    std::string Expect = R.value("expect", "pass");
    if (Expect == "unsupported") { // bad input: a hook bpfcarve has no profile for
      if (X.code != 2 || !std::regex_search(firstLine(X.err), std::regex(R.value("error", "^$"))))
        P.push_back(argvText(Args) + ": expected exit 2 with /" + R.value("error", "") +
                    "/, got exit " + std::to_string(X.code) + ": " + firstLine(X.err));
      settle(Stage, P);
      return;
    }
    if (Expect == "refused") {
      std::regex Why(R.value("refusal", "^$"));
      if (X.code != 1)
        P.push_back(argvText(Args) + ": expected a refusal (exit 1), got exit " +
                    std::to_string(X.code) + ": " + firstLine(X.err));
      else if (!std::regex_search(firstLine(X.err), Why))
        P.push_back("refused, but the first line does not name the construct /" +
                    R.value("refusal", "") + "/: " + firstLine(X.err));
      if (fs::exists(Out))
        P.push_back("a refused retarget wrote " + Out);
      settle(Stage, P);
      return;
    }
    if (X.code != 0 || !fs::exists(Out)) {
      P.push_back(argvText(Args) + ": exit " + std::to_string(X.code) + ": " + X.err);
      settle(Stage, P);
      return;
    }
    json Rep = json::parse(slurp(Report), nullptr, false);
    std::string Rewrites;
    for (const json &W : list(Rep, "rewrites"))
      Rewrites +=
          W.value("rule", "") + ": " + W.value("before", "") + " -> " + W.value("after", "") + "\n";
    for (const std::string &Want : strings(member(R, "rewrites"))) {
      // One rewrite per line: "rule: before -> after", so ^ and $ anchor within a rewrite.
      std::regex W(Want);
      bool Found = false;
      std::stringstream Lines(Rewrites);
      for (std::string L; !Found && std::getline(Lines, L);)
        Found = std::regex_search(L, W);
      if (!Found)
        P.push_back("no rewrite matches /" + Want + "/ in:\n" + Rewrites);
    }
    if (!settle(Stage, P))
      return;

    if (::geteuid() != 0) {
      Skips += "[" + Stage + "] verify and diff-run need root (CAP_BPF); not root here\n";
      return;
    }
    if (!settle("verify " + Label,
                verifyFile(Out, {Program}, R.value("verify", json{{"expect", "pass"}}))))
      return;
    if (!R.contains("diff_run"))
      return;
    diffRun(R["diff_run"], Slice, Out, Program, Label);
  }

  void diffRun(const json &D, const std::string &Slice, const std::string &Out,
               const std::string &Program, const std::string &Label) {
    std::string Stage = "diff-run " + Label;
    // Both sides compiled as bpfcarve compiles them, for the BTF of the harness arguments and
    // for the witness run.
    std::optional<std::vector<std::string>> F;
    if (!Flags.empty())
      F = Flags;
    fs::create_directories(tmp("a"));
    fs::create_directories(tmp("b"));
    auto ObjA = verifier::compileBpf(Slice, F, tmp("a"));
    auto ObjB = verifier::compileBpf(Out, F, tmp("b"));
    if (!ObjA || !ObjB) {
      settle(Stage,
             {"cannot compile: " + (!ObjA ? ObjA.failure().message : ObjB.failure().message)});
      return;
    }
    std::string SeedPath, Spec;
    std::vector<verifier::Packet> Frames;
    Problems P = seed(D, identifier(Label), *ObjA, SeedPath);
    if (P.empty())
      P = packets(D["packets"], identifier(Label), Frames, Spec);
    if (!P.empty()) {
      settle(Stage, P);
      return;
    }
    SeedOf[Label] = SeedPath;
    PacketsOf[Label] = Spec;

    std::vector<std::string> Args{"diff-run", Slice,         Out,     "--program",
                                  Program,    "--program-b", Program, "--packets",
                                  Spec,       "--format",    "json"};
    if (!SeedPath.empty())
      Args.insert(Args.end(), {"--maps", SeedPath});
    CliRun X = run(withFlags(Args));
    json J = json::parse(X.out, nullptr, false);
    if (J.is_discarded()) {
      settle(Stage, {argvText(Args) + ": no JSON, exit " + std::to_string(X.code) + ": " + X.err});
      return;
    }
    bool Nondet = D.value("nondeterministic", false);
    if (X.code != 0)
      P.push_back("diff-run exit " + std::to_string(X.code) + ": " + firstLine(X.err));
    if (J["compared"].get<int>() <= 0)
      P.push_back("diff-run compared no frame: " + J["not_comparable_reasons"].dump());
    if (J["divergent"].get<int>() != 0)
      P.push_back("diff-run: " + std::to_string(J["divergent"].get<int>()) + " of " +
                  std::to_string(J["compared"].get<int>()) +
                  " frames diverge; first: " + J["first_divergence"].dump());
    if (J["packets"].get<int>() != J["compared"].get<int>() + J["not_comparable"].get<int>())
      P.push_back("diff-run: packets != compared + not_comparable");
    if (Nondet) {
      if (!J["maps_equal"].is_null() || J["nondeterministic_helpers"].empty())
        P.push_back("diff-run: expected maps_equal null for nondeterministic helpers, got " +
                    J["maps_equal"].dump() + " " + J["nondeterministic_helpers"].dump());
    } else if (J["maps_equal"] != true) {
      std::string Unequal;
      for (const json &M : J["maps"])
        if (M["equal"] != true)
          Unequal += M["name"].get<std::string>() + ": " + M["detail"].get<std::string>() + "; ";
      P.push_back("diff-run: maps_equal " + J["maps_equal"].dump() + " " + Unequal +
                  J["nondeterministic_helpers"].dump());
    }
    settle(Stage, P);
    settle("witness " + Label, witness(*ObjA, *ObjB, Program, SeedPath, Frames, D));
  }

  /// `bpfcarve carve` in one go, as a user runs it, on the target's first retarget with a
  /// diff-run (or without --to when it has none).
  void carve() {
    const json *R = nullptr;
    for (const json &E : list(T, "retargets"))
      if (E.value("expect", "pass") == "pass" && E.contains("diff_run") && !R)
        R = &E;
    std::string Out = tmp("carved.c");
    std::vector<std::string> Args{"carve", Source};
    std::vector<std::string> Sel = selection();
    Args.insert(Args.end(), Sel.begin(), Sel.end());
    if (R) {
      Args.insert(Args.end(), {"--to", (*R)["to"].get<std::string>()});
      if (R->contains("direction"))
        Args.insert(Args.end(), {"--direction", (*R)["direction"].get<std::string>()});
      if (R->value("allow_approx", false))
        Args.push_back("--allow-approx");
      std::string Label = (*R)["to"].get<std::string>() +
                          (R->value("allow_approx", false) ? " --allow-approx" : "");
      if (!SeedOf[Label].empty())
        Args.insert(Args.end(), {"--maps", SeedOf[Label]});
      if (!PacketsOf[Label].empty())
        Args.insert(Args.end(), {"--packets", PacketsOf[Label]});
    }
    Args.insert(Args.end(), {"-o", Out, "--format", "json"});
    CliRun X = run(withFlags(Args));
    Problems P;
    json J = json::parse(X.out, nullptr, false);
    if (J.is_discarded()) {
      settle("carve",
             {argvText(Args) + ": no report, exit " + std::to_string(X.code) + ": " + X.err});
      return;
    }
    if (X.code != 0)
      P.push_back(argvText(Args) + ": exit " + std::to_string(X.code) + ": " + firstLine(X.err));
    for (const json &V : J["verify"]["programs"])
      if (V["verdict"] != "pass")
        P.push_back("carve: " + V["name"].get<std::string>() + " " + V["verdict"].dump());
    if (R) {
      if (!J["retarget"].is_object() || J["retarget"]["to"] != (*R)["to"])
        P.push_back("carve: no retarget in the report: " + J["retarget"].dump());
      const json &D = J["diff_run"];
      if (!D.is_object())
        P.push_back("carve: no diff-run in the report (" + J["diff_run_skipped"].dump() + ")");
      else if (D["compared"].get<int>() <= 0 || D["divergent"].get<int>() != 0)
        P.push_back("carve: diff-run compared " + D["compared"].dump() + ", divergent " +
                    D["divergent"].dump());
    }
    settle("carve", P);
  }

  const json *Doc = nullptr;
  json T;
  std::string Dir, Source;
  std::vector<std::string> Flags;
  std::optional<toolchain::TempDir> Tmp;
  std::string Skips;
  std::map<std::string, std::string> SeedOf, PacketsOf; ///< per retarget label, for carve
};

TEST_P(SampleTarget, CarveVerifyRetargetDiffRun) {
  ASSERT_TRUE(T.contains("extract")) << T.dump();

  // 1. extract
  std::string Slice = tmp(GetParam().id + ".c");
  std::vector<std::string> Args{"extract", Source};
  std::vector<std::string> Sel = selection();
  Args.insert(Args.end(), Sel.begin(), Sel.end());
  Args.insert(Args.end(), {"-o", Slice});
  CliRun X = run(withFlags(Args));
  if (T["extract"].value("expect", "pass") == "refused") {
    // The harness cannot be generated for this selection: bad input, the parameter named.
    std::string Want = T["extract"].value("error", "^$");
    EXPECT_EQ(X.code, 2) << argvText(Args) << "\n" << X.err;
    EXPECT_TRUE(std::regex_search(firstLine(X.err), std::regex(Want)))
        << "first line does not match /" << Want << "/: " << firstLine(X.err);
    EXPECT_FALSE(fs::exists(Slice));
    return;
  }
  if (!settle("extract", X.code == 0 ? Problems{}
                                     : Problems{argvText(Args) + ": exit " +
                                                std::to_string(X.code) + ": " + X.err})) {
    if (!Skips.empty())
      GTEST_SKIP() << Skips;
    return;
  }

  if (::geteuid() != 0)
    GTEST_SKIP() << "verify, retarget checks and diff-run load programs: root (CAP_BPF) needed; "
                    "not root here";

  // 2. verify the carved original
  bool Verified =
      settle("verify", verifyFile(Slice, programs(), T.value("verify", json{{"expect", "pass"}})));

  // 3. the carved program against the monolith's own (extraction must not change behaviour):
  // for programs that stay at their hook, this is where the README's seeded counts are checked
  if (Verified && T.contains("diff_run"))
    diffRun(T["diff_run"], Slice, Source, programs().front(), "original");

  // 4. retargets
  size_t N = 0;
  for (const json &R : list(T, "retargets"))
    retarget(R, Slice, N++);

  // 5. carve in one command
  if (T.value("carve", false) && Verified)
    carve();

  if (!Skips.empty())
    GTEST_SKIP() << Skips;
}

INSTANTIATE_TEST_SUITE_P(Samples, SampleTarget, ::testing::ValuesIn(targetParams()),
                         [](const auto &Info) {
                           return identifier(Info.param.sample + "_" + Info.param.id);
                         });

TEST(SampleTargets, EverySampleHasATargetFile) {
  ASSERT_FALSE(sampleFiles().empty()) << "no sample under " << SamplesDir;
  for (const SampleFile &F : sampleFiles())
    EXPECT_TRUE(F.error.empty()) << F.name << ": " << F.error;
}

} // namespace
