//===- DiffRunInputs.cpp - diff-run's packets and seed, read on the host ----===//
//
// Apart from DiffRun.cpp so that the guest agent, which is handed raw frames, links the run
// without the capture reader (libpcap).
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/verifier/DiffRun.h"
#include "bpfcarve/verifier/Packets.h"

namespace bpfcarve::verifier {

Result<DiffRunReport> diffRun(const std::string &ObjA, const std::string &ObjB,
                              const DiffRunOptions &O) {
  auto Packets = loadPackets(O.packets);
  if (!Packets)
    return Packets.failure();
  std::optional<MapSeed> Seed;
  if (!O.seedPath.empty()) {
    auto S = readMapSeed(O.seedPath);
    if (!S)
      return S.failure();
    Seed = *S;
  }
  return diffRunFrames(ObjA, ObjB, O, *Packets, Seed);
}

Result<DiffRunReport> diffRunChain(const std::vector<ChainStage> &A, const std::string &ObjB,
                                   const DiffRunOptions &O) {
  auto Packets = loadPackets(O.packets);
  if (!Packets)
    return Packets.failure();
  std::optional<MapSeed> Seed;
  if (!O.seedPath.empty()) {
    auto S = readMapSeed(O.seedPath);
    if (!S)
      return S.failure();
    Seed = S.take();
  }
  return diffRunChainFrames(A, ObjB, O, *Packets, Seed);
}

} // namespace bpfcarve::verifier
