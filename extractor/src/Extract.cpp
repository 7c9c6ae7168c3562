//===- Extract.cpp --------------------------------------------------------===//
#include "bpfcarve/extractor/Extract.h"

#include "bpfcarve/toolchain/TempDir.h"

#include <filesystem>
#include <fstream>

namespace bpfcarve::extractor {

Result<ExtractResult> extract(const ParseOptions &Input, const Selection &S, const EmitOptions &E,
                              const std::string &OutputName, bool SelfCheck) {
  auto Model = buildProgramModel(Input);
  if (!Model)
    return Model.failure();
  auto Sl = computeSlice(*Model, S);
  if (!Sl)
    return Sl.failure();
  ExtractResult R;
  R.text = emitSlice(*Model, *Sl, E);
  R.manifest = sliceManifestJson(*Model, *Sl, OutputName);
  R.warnings = Sl->warnings;
  if (E.harness) {
    std::vector<const Function *> Selected;
    std::string Entry;
    for (const std::string &Id : Sl->seeds)
      for (const Function &F : Model->functions)
        if (F.id == Id) {
          Selected.push_back(&F);
          for (const Program &P : Model->programs)
            if (P.function == F.id)
              Entry = F.name;
        }
    if (!Entry.empty()) {
      R.warnings.push_back("no harness generated: '" + Entry + "' is an entry program already");
    } else if (Selected.empty()) {
      return Failure::badInput("--harness needs selected functions (--function or --lines)");
    } else {
      auto H = generateHarness(*Model, Selected, *E.harness);
      if (!H)
        return H.failure();
      R.text += "\n" + *H;
    }
  }

  // Self-check: the output must parse with the same flags and macro configuration, from the
  // input's directory (where its "..." includes resolve).
  ParseOptions Check;
  Check.file = Model->inputDir + "/" +
               std::filesystem::path(Input.file).stem().string() + ".bpfcarve-self-check.c";
  Check.contents = R.text;
  Check.virtualFiles = Input.virtualFiles;
  Check.flags = flagsOfCommand(Model->flags, Input.file);
  if (!SelfCheck) {
    R.model = Model.take();
    R.slice = Sl.take();
    return R;
  }
  auto Reparsed = buildProgramModel(Check);
  if (!Reparsed) {
    auto Dir = toolchain::TempDir::create("bpfcarve-extract-failed");
    std::string Where = "(no temporary directory could be created)";
    if (Dir) {
      Dir->keep();
      Where = Dir->path() + "/" + std::filesystem::path(OutputName.empty() ? "out.c" : OutputName)
                                      .filename()
                                      .string();
      std::ofstream(Where) << R.text;
    }
    Failure F = Failure::internal("the extracted code fails its self-check (" +
                                  Reparsed.failure().message + "); output kept in " + Where);
    F.details = Reparsed.failure().details;
    return F;
  }
  R.model = Model.take();
  R.slice = Sl.take();
  return R;
}

} // namespace bpfcarve::extractor
