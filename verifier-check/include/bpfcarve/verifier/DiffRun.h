//===- DiffRun.h - run two programs on the same frames and compare -*- C++ -*-===//
//
// A and B are loaded as separate objects, their maps seeded identically, then every frame runs
// through both (BPF_PROG_TEST_RUN, context aligned). Verdicts are compared by what they do
// (hooks.md §2: TC_ACT_SHOT ~ XDP_DROP), output bytes where the packet goes on, and every map's
// contents at the end. Frames one side cannot test-run (hooks.md §6) are "not comparable".
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Result.h"
#include "bpfcarve/verifier/MapState.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bpfcarve::verifier {

struct Packet;

struct DiffRunOptions {
  std::string programA, programB; ///< empty: the object's only program
  /// The hook of A's (B's) program when its SEC() is one libbpf does not know (`--type`):
  /// loaded as that hook's program type and run as that hook; empty: from SEC().
  std::string typeA, typeB;
  std::string packets = "gen:all";
  std::string seedPath;           ///< empty: no seeding
};

struct Divergence {
  size_t index = 0;
  std::string packet;   ///< the frame's name
  std::string layers;   ///< the input decoded layer by layer, e.g. eth/ipv4/udp/gue/ipv4/tcp
  std::string verdictA, verdictB;
  std::string mappedB;  ///< B's verdict in A's terms
  std::optional<size_t> bytesDifferAt;
  std::string detail;   ///< one line: what differs, where
};

struct MapComparison {
  std::string name;
  bool equal = false;
  std::string detail;
};

struct DiffRunReport {
  std::string a, b;         ///< inputs as given
  std::string programA, programB, hookA, hookB;
  size_t packets = 0, compared = 0, matched = 0, divergent = 0, notComparable = 0;
  std::map<std::string, size_t> notComparableReasons;
  /// Frames one side ran and the other refused: maps are compared over a second run of the
  /// frames both sides ran, on freshly loaded and seeded programs.
  size_t oneSidedFrames = 0;
  std::optional<bool> mapsEqual; ///< nullopt when not compared (nondeterministic helpers)
  std::vector<MapComparison> maps;
  std::vector<std::string> nondeterministicHelpers; ///< why maps were only reported
  std::map<std::string, MapContents> mapsA, mapsB;  ///< final contents, for reports
  std::optional<Divergence> firstDivergence;
  std::vector<size_t> divergentIndices; ///< every divergent frame, by index in the packet set
};

/// ObjA/ObjB are BPF object files (the CLI compiles .c inputs first). Loads Options.packets
/// and Options.seedPath, then diffRunFrames.
Result<DiffRunReport> diffRun(const std::string &ObjA, const std::string &ObjB,
                              const DiffRunOptions &Options);

/// The run itself, on frames and a seed already read (Options.packets and seedPath unused): what
/// the guest agent runs for `diff-run --kernel`, with the frames the host hands over.
Result<DiffRunReport> diffRunFrames(const std::string &ObjA, const std::string &ObjB,
                                    const DiffRunOptions &Options,
                                    const std::vector<Packet> &Frames,
                                    const std::optional<MapSeed> &Seed);

/// One original part of a composed program (docs/compose.md): its object and program, and the
/// names its maps have in the composed object (a map not listed keeps its name).
struct ChainStage {
  std::string object, program, type;
  std::map<std::string, std::string> mapNames;
};
/// A is the chain of original parts: a frame runs through each part's own program in turn, the
/// output frame handed to the next while the verdict lets the packet on (Pass or Next); the
/// chain's verdict and frame are the last part's that ran. B is the composed program. Maps are
/// compared part by part under their names in B; a map that several parts share in B is
/// reported, not compared, and so are the parts' global data sections. What an skb part leaves
/// in its ctx that the test run gives back (skb->mark, priority, cb[]) is handed to the next skb
/// part of A, across XDP parts between them, as the composed program's one skb carries it.
Result<DiffRunReport> diffRunChain(const std::vector<ChainStage> &A, const std::string &ObjB,
                                   const DiffRunOptions &Options);
/// diffRunChain on frames already read. Seed (Options.seedPath, read) names maps as B does: B's
/// maps get it as they are, each part's map the entries of its name in B (mapNames).
Result<DiffRunReport> diffRunChainFrames(const std::vector<ChainStage> &A, const std::string &ObjB,
                                         const DiffRunOptions &Options,
                                         const std::vector<Packet> &Frames,
                                         const std::optional<MapSeed> &Seed = std::nullopt);
std::string diffRunText(const DiffRunReport &R);
std::string diffRunJson(const DiffRunReport &R);
/// 1 when behaviour differs (a divergent packet or unequal maps), else 0.
int diffRunExitCode(const DiffRunReport &R);

} // namespace bpfcarve::verifier
