//===- DiffRun.cpp - differential runs of two programs --------------------===//
#include "bpfcarve/verifier/DiffRun.h"

#include "bpfcarve/verifier/HookProfile.h"
#include "bpfcarve/verifier/Loader.h"
#include "bpfcarve/verifier/Packets.h"
#include "bpfcarve/verifier/TestRun.h"

#include <bpf/libbpf.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace bpfcarve::verifier {

using nlohmann::ordered_json;

namespace {

/// Helpers whose results differ from run to run: maps they feed are reported, not compared.
const std::uint32_t NondeterministicHelpers[] = {
    5,   // bpf_ktime_get_ns
    7,   // bpf_get_prandom_u32
    8,   // bpf_get_smp_processor_id
    42,  // bpf_get_numa_node_id
    118, // bpf_jiffies64
    125, // bpf_ktime_get_boot_ns
    160, // bpf_ktime_get_coarse_ns
    208, // bpf_ktime_get_tai_ns
};

struct Side {
  std::string label, path;
  ObjectInfo info;
  ObjectProgram program;
  const HookProfile *hook = nullptr;
  std::optional<LoadedProgram> loaded;
};

Result<bool> prepare(Side &S, const std::string &Name, const std::string &Type) {
  auto Info = readObject(S.path);
  if (!Info)
    return Info.failure();
  S.info = *Info;
  if (!S.info.openError.empty())
    return Failure{FailureKind::Rejected,
                   S.label + ": libbpf cannot open '" + S.path + "': " + S.info.openError,
                   {},
                   0,
                   0,
                   {}};
  if (Name.empty()) {
    if (S.info.programs.size() != 1) {
      std::string All;
      for (const ObjectProgram &P : S.info.programs)
        All += (All.empty() ? "" : ", ") + P.name;
      return Failure::badInput(S.label + " ('" + S.path + "') has " +
                               std::to_string(S.info.programs.size()) + " programs (" + All +
                               "); name one with --program");
    }
    S.program = S.info.programs.front();
  } else {
    auto Sel = selectPrograms(S.info, Name);
    if (!Sel)
      return Sel.failure();
    S.program = Sel->front();
  }
  LoadOptions LO;
  LO.alsoLoad = S.info.slotPrograms;
  LO.type = Type;
  auto L = loadProgram(S.path, S.program, LO);
  if (!L)
    return L.failure();
  if (!L->loaded()) {
    VerifierError E = classifyFailure(L->log(), L->loadErrno(), L->libbpfMessages());
    return Failure{FailureKind::Rejected,
                   S.label + ": the kernel rejects program '" + S.program.name + "': " + E.message +
                       " [" + E.cls + "]",
                   {},
                   0,
                   0,
                   L->log()};
  }
  S.hook = findHook(Type.empty() ? S.program.section : Type);
  if (!S.hook) {
    auto ByType = hooksForProgType(L->progType());
    if (!ByType.empty())
      S.hook = ByType.front();
  }
  if (!S.hook)
    return Failure::environment(S.label + ": no hook profile for program type " + L->progType() +
                                " (section '" + S.program.section + "')");
  if (!S.hook->testRun.supported || S.hook->testRun.input != TestRunInput::Packet)
    return Failure::environment(S.label + ": BPF_PROG_TEST_RUN cannot run packets through " +
                                std::string(S.hook->name) + " programs on this kernel");
  S.loaded.emplace(std::move(*L));
  return true;
}

/// Offset of the network header in a test-run's output. Hooks that see L3 still get the whole
/// frame back, with the 14 bytes of the Ethernet header zeroed (measured: a 74-byte IPv4 frame
/// comes back as 74 bytes at cgroup_skb), so their network header is at 14 too.
size_t l3Offset(const std::vector<std::uint8_t> &Frame, PacketBase Base) {
  if (Base == PacketBase::L3)
    return std::min<size_t>(14, Frame.size());
  for (const Layer &L : decodeLayers(Frame, Base::L2))
    if (L.name == "ipv4" || L.name == "ipv6")
      return L.offset;
  return std::min<size_t>(14, Frame.size());
}

std::vector<std::uint8_t> fromOffset(const std::vector<std::uint8_t> &V, size_t Off) {
  return std::vector<std::uint8_t>(V.begin() + static_cast<long>(std::min(Off, V.size())), V.end());
}

bool packetGoesOn(const HookProfile &H, std::int64_t Ret) {
  ReturnMeaning M = verdictMeaning(H, Ret);
  return M == ReturnMeaning::Pass || M == ReturnMeaning::Tx || M == ReturnMeaning::Redirect;
}

std::string describeMapDifference(const MapContents &A, const MapContents &B) {
  for (const auto &[K, V] : A.entries) {
    auto It = B.entries.find(K);
    if (It == B.entries.end())
      return "key " + toHex(K) + " only in A";
    if (It->second != V)
      return "key " + toHex(K) + ": A " + toHex(V) + ", B " + toHex(It->second);
  }
  for (const auto &[K, V] : B.entries)
    if (!A.entries.count(K))
      return "key " + toHex(K) + " only in B";
  return "equal";
}

/// Frame I's outcomes on both sides (HA and HB their hooks), counted into Rep. False when only
/// one side ran it.
bool compareOutcomes(const HookProfile &HA, const RunOutcome &RA, const HookProfile &HB,
                     const RunOutcome &RB, const Packet &P, size_t I, DiffRunReport &Rep) {
  ++Rep.packets;
  if (!RA.ran || !RB.ran) {
    ++Rep.notComparable;
    std::string Why = !RA.ran && !RB.ran ? "both: " + explainRunError(HA, RA.err, P.bytes)
                      : !RA.ran          ? "A: " + explainRunError(HA, RA.err, P.bytes)
                                         : "B: " + explainRunError(HB, RB.err, P.bytes);
    ++Rep.notComparableReasons[Why];
    return RA.ran == RB.ran;
  }
  ++Rep.compared;
  bool Same = sameVerdict(HA, RA.retval, HB, RB.retval);
  std::optional<size_t> DiffAt;
  std::string Detail;
  if (Same && packetGoesOn(HA, RA.retval)) {
    std::vector<std::uint8_t> OutA = RA.dataOut, OutB = RB.dataOut;
    Base At = Base::L2;
    if (HA.packetBase != HB.packetBase) {
      OutA = fromOffset(OutA, l3Offset(OutA, HA.packetBase));
      OutB = fromOffset(OutB, l3Offset(OutB, HB.packetBase));
      At = Base::L3;
    }
    if (auto D = firstDifference(OutA, OutB, At)) {
      DiffAt = D->offset;
      Detail = describeDifference(OutA, OutB, At);
    }
  } else if (!Same) {
    Detail = "verdict " + verdictName(HA, RA.retval) + " vs " + verdictName(HB, RB.retval) +
             " (= " + mapVerdict(HB, RB.retval, HA) + " at " + std::string(HA.name) + ")";
  }
  if (Same && !DiffAt) {
    ++Rep.matched;
    return true;
  }
  ++Rep.divergent;
  Rep.divergentIndices.push_back(I);
  if (!Rep.firstDivergence) {
    Divergence D;
    D.index = I;
    D.packet = P.name;
    std::string Path;
    for (const Layer &L : decodeLayers(P.bytes, Base::L2))
      Path += (Path.empty() ? "" : "\n") + L.summary;
    D.layers = Path;
    D.verdictA = verdictName(HA, RA.retval);
    D.verdictB = verdictName(HB, RB.retval);
    D.mappedB = mapVerdict(HB, RB.retval, HA);
    D.bytesDifferAt = DiffAt;
    D.detail = Detail;
    Rep.firstDivergence = D;
  }
  return true;
}

/// Frame I through both sides, counted into Rep. False when only one side ran it: that side's
/// maps then hold a frame the other never saw.
bool compareFrame(const Side &A, const Side &B, const Packet &P, size_t I, DiffRunReport &Rep) {
  RunOutcome RA = testRunFrame(A.loaded->fd(), *A.hook, P.bytes);
  RunOutcome RB = testRunFrame(B.loaded->fd(), *B.hook, P.bytes);
  return compareOutcomes(*A.hook, RA, *B.hook, RB, P, I, Rep);
}

/// The helpers of S whose results differ from run to run, noted in Rep.
void noteNondeterministic(const Side &S, DiffRunReport &Rep) {
  for (std::uint32_t Id : S.loaded->helperIds())
    if (std::find(std::begin(NondeterministicHelpers), std::end(NondeterministicHelpers), Id) !=
        std::end(NondeterministicHelpers)) {
      std::string Name = std::string(helperName(Id));
      std::string Entry = S.label + " calls " + (Name.empty() ? std::to_string(Id) : Name);
      if (std::find(Rep.nondeterministicHelpers.begin(), Rep.nondeterministicHelpers.end(),
                    Entry) == Rep.nondeterministicHelpers.end())
        Rep.nondeterministicHelpers.push_back(Entry);
    }
}

/// The maps of both sides after every frame ran: compared by name where both have them.
void compareMaps(const Side &A, const Side &B, DiffRunReport &Rep) {
  Rep.mapsA = dumpMaps(A.loaded->object());
  Rep.mapsB = dumpMaps(B.loaded->object());
  for (const Side *S : {&A, &B})
    noteNondeterministic(*S, Rep);
  bool AllEqual = true;
  for (const auto &[Name, CA] : Rep.mapsA) {
    auto It = Rep.mapsB.find(Name);
    if (It == Rep.mapsB.end())
      continue;
    // Global data (.bss, .data, .rodata) holds every program's variables of its object: when A is
    // a whole monolith and B one program's slice, the two sections hold different variables.
    if (!Name.empty() && Name[0] == '.' && CA.valueSize != It->second.valueSize) {
      Rep.maps.push_back({Name, true,
                          "not compared: A and B hold different variables (" +
                              std::to_string(CA.valueSize) + " vs " +
                              std::to_string(It->second.valueSize) + " bytes)"});
      continue;
    }
    MapComparison C{Name, CA.entries == It->second.entries, describeMapDifference(CA, It->second)};
    AllEqual &= C.equal;
    Rep.maps.push_back(C);
  }
  // Equal maps are equal whatever the helpers; a difference is only conclusive when no
  // nondeterministic helper (ktime, prandom, smp_processor_id) can explain it.
  if (AllEqual || Rep.nondeterministicHelpers.empty())
    Rep.mapsEqual = AllEqual;
}

} // namespace

Result<DiffRunReport> diffRunFrames(const std::string &ObjA, const std::string &ObjB,
                                    const DiffRunOptions &O, const std::vector<Packet> &Frames,
                                    const std::optional<MapSeed> &Seed) {
  const std::vector<Packet> *Packets = &Frames;
  Side A{"A", ObjA, {}, {}, nullptr, std::nullopt};
  Side B{"B", ObjB, {}, {}, nullptr, std::nullopt};
  if (auto R = prepare(A, O.programA, O.typeA); !R)
    return R.failure();
  if (auto R = prepare(B, O.programB.empty() ? O.programA : O.programB, O.typeB); !R) {
    // B's program may be named differently: retry with its only program.
    if (O.programB.empty() && !O.programA.empty()) {
      if (auto R2 = prepare(B, "", O.typeB); !R2)
        return R.failure();
    } else {
      return R.failure();
    }
  }

  DiffRunReport Rep;
  Rep.programA = A.program.name;
  Rep.programB = B.program.name;
  Rep.hookA = std::string(A.hook->name);
  Rep.hookB = std::string(B.hook->name);

  auto SeedBoth = [&]() -> Result<bool> {
    if (!Seed)
      return true;
    auto SA = applyMapSeed(A.loaded->object(), *Seed);
    if (!SA)
      return SA.failure();
    auto SB = applyMapSeed(B.loaded->object(), *Seed);
    if (!SB)
      return SB.failure();
    for (const auto &[Name, Entries] : Seed->maps)
      if (std::find(SA->begin(), SA->end(), Name) == SA->end() &&
          std::find(SB->begin(), SB->end(), Name) == SB->end())
        return Failure::badInput("map seed '" + Seed->path + "' names map '" + Name +
                                 "', which neither A nor B has");
    return true;
  };
  if (auto R = SeedBoth(); !R)
    return R.failure();

  std::vector<size_t> BothRan;
  for (size_t I = 0; I < Packets->size(); ++I) {
    if (compareFrame(A, B, (*Packets)[I], I, Rep))
      BothRan.push_back(I); // or neither: a second run fails the same way
    else
      ++Rep.oneSidedFrames;
  }
  // A frame one side ran and the other refused (an IPv6 frame a socket filter takes, too short
  // for cgroup_skb) changed only one side's maps: the maps are compared after a second pass on
  // fresh programs, identically seeded, over the frames both sides ran.
  if (Rep.oneSidedFrames) {
    if (auto R = prepare(A, A.program.name, O.typeA); !R)
      return R.failure();
    if (auto R = prepare(B, B.program.name, O.typeB); !R)
      return R.failure();
    if (auto R = SeedBoth(); !R)
      return R.failure();
    for (size_t I : BothRan) {
      testRunFrame(A.loaded->fd(), *A.hook, (*Packets)[I].bytes);
      testRunFrame(B.loaded->fd(), *B.hook, (*Packets)[I].bytes);
    }
  }
  compareMaps(A, B, Rep);
  return Rep;
}

namespace {

/// Frame P through the chain: each stage's output frame to the next while the packet goes on.
RunOutcome runChain(const std::vector<Side> &A, const Packet &P, const HookProfile *&Last) {
  RunOutcome R;
  std::vector<std::uint8_t> Frame = P.bytes;
  SkbCarry Carry; // an skb part's mark, priority and cb[] reach the next skb part
  for (size_t S = 0; S < A.size(); ++S) {
    R = testRunFrame(A[S].loaded->fd(), *A[S].hook, Frame, &Carry);
    Last = A[S].hook;
    if (!R.ran || S + 1 == A.size())
      break;
    ReturnMeaning M = verdictMeaning(*A[S].hook, R.retval);
    if (M != ReturnMeaning::Pass && M != ReturnMeaning::Next)
      break;
    Frame = R.dataOut;
  }
  return R;
}

/// Each stage's maps against B's under their names there.
void compareChainMaps(const std::vector<Side> &A, const std::vector<ChainStage> &Stages,
                      const Side &B, DiffRunReport &Rep) {
  Rep.mapsB = dumpMaps(B.loaded->object());
  std::map<std::string, int> Uses;
  for (size_t S = 0; S < A.size(); ++S)
    for (const auto &[Name, Contents] : dumpMaps(A[S].loaded->object()))
      ++Uses[Stages[S].mapNames.count(Name) ? Stages[S].mapNames.at(Name) : Name];
  bool AllEqual = true;
  for (size_t S = 0; S < A.size(); ++S) {
    noteNondeterministic(A[S], Rep);
    for (const auto &[Name, CA] : dumpMaps(A[S].loaded->object())) {
      std::string InB = Stages[S].mapNames.count(Name) ? Stages[S].mapNames.at(Name) : Name;
      std::string Label = "part " + std::to_string(S + 1) + ": " + Name;
      Rep.mapsA[Label] = CA;
      auto It = Rep.mapsB.find(InB);
      if (It == Rep.mapsB.end())
        continue;
      if (Name[0] == '.' || Uses[InB] > 1) {
        Rep.maps.push_back({Label, true,
                            Name[0] == '.' ? "not compared: each object's global data"
                                           : "not compared: shared by several parts as " + InB});
        continue;
      }
      MapComparison C{Label + " = " + InB, CA.entries == It->second.entries,
                      describeMapDifference(CA, It->second)};
      AllEqual &= C.equal;
      Rep.maps.push_back(C);
    }
  }
  noteNondeterministic(B, Rep);
  if (AllEqual || Rep.nondeterministicHelpers.empty())
    Rep.mapsEqual = AllEqual;
}

} // namespace

namespace {
/// Seed, which names maps as B does, written into B and into every part under its own names.
Result<bool> seedChain(const std::vector<Side> &A, const std::vector<ChainStage> &Stages,
                       const Side &B, const MapSeed &Seed) {
  auto InB = applyMapSeed(B.loaded->object(), Seed);
  if (!InB)
    return InB.failure();
  for (const auto &[Name, Entries] : Seed.maps)
    if (std::find(InB->begin(), InB->end(), Name) == InB->end())
      return Failure::badInput("map seed '" + Seed.path + "' names map '" + Name +
                               "', which the composed program does not have");
  for (size_t S = 0; S < A.size(); ++S) {
    MapSeed Part{Seed.path, {}};
    bpf_map *M;
    bpf_object__for_each_map(M, A[S].loaded->object()) {
      std::string Name = bpf_map__name(M);
      auto Renamed = Stages[S].mapNames.find(Name);
      auto It = Seed.maps.find(Renamed != Stages[S].mapNames.end() ? Renamed->second : Name);
      if (It != Seed.maps.end())
        Part.maps[Name] = It->second;
    }
    if (auto R = applyMapSeed(A[S].loaded->object(), Part); !R)
      return R.failure();
  }
  return true;
}
} // namespace

Result<DiffRunReport> diffRunChainFrames(const std::vector<ChainStage> &Stages,
                                         const std::string &ObjB, const DiffRunOptions &O,
                                         const std::vector<Packet> &Frames,
                                         const std::optional<MapSeed> &Seed) {
  if (Stages.empty())
    return Failure::internal("a chain without parts");
  std::vector<Side> A;
  A.reserve(Stages.size());
  DiffRunReport Rep;
  for (const ChainStage &St : Stages) {
    A.push_back(
        Side{"part " + std::to_string(A.size() + 1), St.object, {}, {}, nullptr, std::nullopt});
    if (auto R = prepare(A.back(), St.program, St.type); !R)
      return R.failure();
    Rep.programA += (Rep.programA.empty() ? "" : " -> ") + A.back().program.name;
    Rep.hookA += (Rep.hookA.empty() ? "" : " -> ") + std::string(A.back().hook->name);
  }
  Side B{"B", ObjB, {}, {}, nullptr, std::nullopt};
  if (auto R = prepare(B, O.programB, O.typeB); !R)
    return R.failure();
  Rep.a = "the chain of " + std::to_string(Stages.size()) + " original parts";
  Rep.b = ObjB;
  Rep.programB = B.program.name;
  Rep.hookB = std::string(B.hook->name);
  if (Seed)
    if (auto R = seedChain(A, Stages, B, *Seed); !R)
      return R.failure();
  for (size_t I = 0; I < Frames.size(); ++I) {
    const HookProfile *Last = A.front().hook;
    RunOutcome RA = runChain(A, Frames[I], Last);
    RunOutcome RB = testRunFrame(B.loaded->fd(), *B.hook, Frames[I].bytes);
    if (!compareOutcomes(*Last, RA, *B.hook, RB, Frames[I], I, Rep))
      ++Rep.oneSidedFrames;
  }
  compareChainMaps(A, Stages, B, Rep);
  if (Rep.oneSidedFrames)
    Rep.mapsEqual.reset(); // a frame one side ran changed its maps only: reported, not judged
  return Rep;
}

int diffRunExitCode(const DiffRunReport &R) {
  return R.divergent > 0 || (R.mapsEqual && !*R.mapsEqual) ? 1 : 0;
}

std::string diffRunJson(const DiffRunReport &R) {
  ordered_json J = {{"a", R.a},
                    {"b", R.b},
                    {"program_a", R.programA},
                    {"program_b", R.programB},
                    {"hook_a", R.hookA},
                    {"hook_b", R.hookB},
                    {"packets", R.packets},
                    {"compared", R.compared},
                    {"matched", R.matched},
                    {"divergent", R.divergent},
                    {"not_comparable", R.notComparable},
                    {"one_sided_frames", R.oneSidedFrames}};
  ordered_json Reasons = ordered_json::object();
  for (const auto &[Why, N] : R.notComparableReasons)
    Reasons[Why] = N;
  J["not_comparable_reasons"] = Reasons;
  J["maps_equal"] = R.mapsEqual ? ordered_json(*R.mapsEqual) : ordered_json(nullptr);
  ordered_json Maps = ordered_json::array();
  for (const MapComparison &M : R.maps)
    Maps.push_back({{"name", M.name}, {"equal", M.equal}, {"detail", M.detail}});
  J["maps"] = Maps;
  J["nondeterministic_helpers"] = R.nondeterministicHelpers;
  if (R.firstDivergence) {
    const Divergence &D = *R.firstDivergence;
    std::vector<std::string> Layers;
    std::stringstream SS(D.layers);
    for (std::string L; std::getline(SS, L);)
      Layers.push_back(L);
    J["first_divergence"] = {{"index", D.index},
                             {"packet", D.packet},
                             {"layers", Layers},
                             {"verdict_a", D.verdictA},
                             {"verdict_b", D.verdictB},
                             {"mapped_b", D.mappedB},
                             {"bytes_differ_at", D.bytesDifferAt ? ordered_json(*D.bytesDifferAt)
                                                                 : ordered_json(nullptr)},
                             {"detail", D.detail}};
  } else {
    J["first_divergence"] = nullptr;
  }
  return J.dump(2) + "\n";
}

std::string diffRunText(const DiffRunReport &R) {
  std::ostringstream O;
  O << "A: " << R.a << " " << R.programA << " (" << R.hookA << ")\n"
    << "B: " << R.b << " " << R.programB << " (" << R.hookB << ")\n"
    << R.packets << " packets: " << R.compared << " compared, " << R.matched << " matched, "
    << R.divergent << " divergent, " << R.notComparable << " not comparable\n";
  for (const auto &[Why, N] : R.notComparableReasons)
    O << "  not comparable x" << N << ": " << Why << "\n";
  std::string Over = R.oneSidedFrames
                         ? " (over the frames both sides ran; " + std::to_string(R.oneSidedFrames) +
                               " ran on one side only)"
                         : "";
  if (R.mapsEqual)
    O << "maps: " << (*R.mapsEqual ? "equal" : "differ") << Over << "\n";
  else
    O << "maps: reported, not compared (" <<
        [&] {
          std::string S;
          for (const std::string &H : R.nondeterministicHelpers)
            S += (S.empty() ? "" : ", ") + H;
          return S;
        }()
      << ")\n";
  for (const MapComparison &M : R.maps)
    if (!M.equal || !R.mapsEqual)
      O << "  " << M.name << ": " << M.detail << "\n";
  if (R.firstDivergence) {
    const Divergence &D = *R.firstDivergence;
    O << "first divergence: packet #" << D.index << " " << D.packet << "\n"
      << "  A " << D.verdictA << ", B " << D.verdictB << " (= " << D.mappedB << ")\n";
    if (!D.detail.empty())
      O << "  " << D.detail << "\n";
    std::stringstream SS(D.layers);
    std::string Line;
    while (std::getline(SS, Line))
      O << "    " << Line << "\n";
  }
  return O.str();
}

} // namespace bpfcarve::verifier
