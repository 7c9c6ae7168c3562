//===- Pipeline.h - carve as one library call -------------------*- C++ -*-===//
//
// extract -> retarget -> compile -> verify -> diff-run, each stage handed the model and text of
// the one before (docs/architecture.md, "The data flow of one carve"). The CLI's carve parses
// flags and formats this result; compose and ci reuse it. The transformer floor holds it because
// it is the one floor that sees both the extractor and verifier-check.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/extractor/Extract.h"
#include "bpfcarve/transformer/Retarget.h"
#include "bpfcarve/verifier/DiffRun.h"
#include "bpfcarve/verifier/Loader.h"

#include <optional>
#include <string>
#include <vector>

namespace bpfcarve::transformer {

/// The extractor's view of a hook, from verifier-check's hook profiles. Any hook whose ctx is a
/// fixed struct can have a harness (the entry takes `struct CTX *ctx`); packet parameters are
/// refused by the generator where the hook has no direct packet access (socket, sockops).
Result<extractor::HarnessHook> harnessHookFor(const std::string &Name);

struct CarveOptions {
  extractor::ParseOptions input;
  extractor::Selection selection;
  /// Hook of the harness for a selection that is not programs; empty: `to`, else xdp.
  std::string harness;
  std::string to; ///< retarget to this hook; empty: keep the hook
  /// The selected program's hook when its SEC() is one libbpf does not know (`--type`).
  std::string type;
  std::string direction = "ingress";
  std::string socketOffsets = "l3"; ///< as RetargetOptions::socketOffsets
  bool allowApprox = false;
  bool diffRun = true;             ///< with `to`: run the carved original and the result
  std::string packets = "gen:all"; ///< frames of the differential run
  std::string seed;                ///< map seed of the differential run; empty: none
  std::string output;              ///< where the result is written (atomically)
  /// A directory that receives every intermediate (docs/cli.md, carve --keep-stages); empty:
  /// none. Stages are written as they finish, so a run that stops shows how far it got.
  std::string keepStages;
  /// The model of `input` when the caller built it already (ci: one parse per input and flag
  /// set, however many jobs carve from it); null: carve parses the input itself.
  const extractor::ProgramModel *model = nullptr;
};

struct CarveResult {
  extractor::ExtractResult extract;
  std::optional<RetargetReport> retarget;
  verifier::ObjectReport verify;
  std::optional<verifier::DiffRunReport> diffRun;
  std::string diffRunSkipped; ///< why the differential run could not run on this machine
  int exitCode = 0;           ///< verify's, raised by the differential run's
  std::vector<std::string> flags; ///< the output's compile flags (as verify compiled it)
};

/// The whole carve. Bad packets or seed are bad input before anything is written. A retarget
/// refusal is its Rejected failure (its details list the other refusals); the output is then not
/// written.
Result<CarveResult> carve(const CarveOptions &O);

/// The names carve --keep-stages gives the intermediates, in the order they are written.
namespace stage {
inline constexpr const char *Slice = "1-slice.c";
inline constexpr const char *Manifest = "1-slice.manifest.json";
inline constexpr const char *Retargeted = "2-retargeted.c";
inline constexpr const char *Object = "3-result.o";
inline constexpr const char *VerifierLog = "4-verifier.log";
inline constexpr const char *OriginalObject = "5-original.o";
inline constexpr const char *Diverged = "5-diverged.pcap";
} // namespace stage

} // namespace bpfcarve::transformer
