//===- FuzzFrontend.cpp - source text -> ProgramModel -> slices -> emitted C -------===//
//
// The input is a BPF C file (in memory, next to the sample headers). It is parsed into a
// ProgramModel, printed in every inspect format, and sliced three ways: the first program, the
// first function defined in the file, the first map of the file. Each slice is emitted with its
// manifest; the program slice also goes through the extract self-check (the emitted text parsed
// again), whose failure is an Internal error and so a finding.
//
//===----------------------------------------------------------------------===//
#include "FuzzSupport.h"

#include "bpfcarve/extractor/Extract.h"
#include "bpfcarve/extractor/ModelFormat.h"

using namespace bpfcarve;
using namespace bpfcarve::extractor;

namespace {

void slice(const ProgramModel &M, const ParseOptions &O, Selection::Kind K,
           const std::string &Name, bool SelfCheck) {
  Selection S;
  S.kind = K;
  S.names = {Name};
  auto Sl = computeSlice(M, S);
  fuzz::note(S.describe() + ": " + (Sl ? std::to_string(Sl->kept.size()) + " entities kept"
                                       : Sl.failure().firstLine()));
  if (!Sl) {
    if (Sl.failure().kind == FailureKind::Internal)
      fuzz::finding("computeSlice(" + S.describe() + "): " + Sl.failure().firstLine());
    return;
  }
  std::string Text = emitSlice(M, *Sl, EmitOptions{});
  std::string Manifest = sliceManifestJson(M, *Sl, "out.c");
  if (Manifest.empty())
    fuzz::finding("empty manifest for " + S.describe());
  if (!SelfCheck)
    return;
  auto C = selfCheck(M, O, Text, "extracted code", "out.c");
  if (!C)
    fuzz::finding("self-check of " + S.describe() + ": " + C.failure().firstLine() + "\n" +
                  C.failure().details);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  ParseOptions O;
  O.file = fuzz::MainFile;
  O.contents = std::string(reinterpret_cast<const char *>(Data), Size);
  O.virtualFiles = fuzz::sampleHeaders();
  auto M = buildProgramModel(O);
  fuzz::note(M ? std::to_string(M->programs.size()) + " programs, " +
                     std::to_string(M->functions.size()) + " functions"
               : M.failure().firstLine());
  if (!M) {
    if (M.failure().kind == FailureKind::Internal)
      fuzz::finding("buildProgramModel: " + M.failure().firstLine());
    return 0;
  }
  (void)toText(*M);
  (void)toJson(*M);
  (void)toDot(*M);
  for (const Program &P : M->programs)
    (void)summarize(*M, P);

  if (!M->programs.empty())
    slice(*M, O, Selection::Kind::Programs, M->programs.front().name, /*SelfCheck=*/true);
  for (const Function &F : M->functions)
    if (F.origin == Origin::Main && F.definition) {
      slice(*M, O, Selection::Kind::Functions, F.name, false);
      break;
    }
  for (const Map &Mp : M->maps)
    if (Mp.origin == Origin::Main) {
      slice(*M, O, Selection::Kind::Map, Mp.name, false);
      break;
    }
  return 0;
}
