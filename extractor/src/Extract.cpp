//===- Extract.cpp --------------------------------------------------------===//
#include "bpfcarve/extractor/Extract.h"
#include "bpfcarve/extractor/Declarations.h"
#include "bpfcarve/toolchain/Names.h"

#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <filesystem>
#include <fstream>

namespace bpfcarve::extractor {

Result<bool> selfCheck(const ProgramModel &Model, const ParseOptions &Input,
                       const std::string &Text, const std::string &What,
                       const std::string &FileName, const std::string &InDir, ParseReport *Report) {
  ParseOptions Check;
  Check.file = (InDir.empty() ? Model.inputDir : InDir) + "/" +
               std::filesystem::path(Input.file).stem().string() + ".bpfcarve-self-check.c";
  Check.contents = Text;
  Check.virtualFiles = Input.virtualFiles;
  Check.flags = flagsOfCommand(Model.flags, Input.file);
  auto Reparsed = parseOnly(Check, /*UsePreamble=*/true, Report);
  if (Reparsed)
    return true;
  auto Dir = toolchain::TempDir::create("bpfcarve-self-check-failed");
  std::string Where = "(no temporary directory could be created)";
  if (Dir) {
    Dir->keep();
    Where = Dir->path() + "/" + std::filesystem::path(FileName).filename().string();
    std::ofstream(Where) << Text;
  }
  Failure F = Failure::internal("the " + What + " fails its self-check (" +
                                Reparsed.failure().message + "); output kept in " + Where);
  F.details = Reparsed.failure().details;
  return F;
}

namespace {
/// Text with In's line endings (withInputLineEndings).
std::string withLineEndingsOf(std::string Text, const std::string &In) {
  size_t Lines = 0, Crlf = 0;
  for (size_t I = 0; I < In.size(); ++I)
    if (In[I] == '\n') {
      ++Lines;
      Crlf += I > 0 && In[I - 1] == '\r';
    }
  if (Lines == 0 || Crlf != Lines)
    return Text;
  std::string Out;
  Out.reserve(Text.size() + Text.size() / 16);
  for (size_t I = 0; I < Text.size(); ++I) {
    if (Text[I] == '\n' && (I == 0 || Text[I - 1] != '\r'))
      Out += '\r';
    Out += Text[I];
  }
  return Out;
}
} // namespace

std::string withInputLineEndings(std::string Text, const ParseOptions &Input) {
  if (Input.contents)
    return withLineEndingsOf(std::move(Text), *Input.contents);
  std::ifstream F(Input.file, std::ios::binary);
  std::string In((std::istreambuf_iterator<char>(F)), std::istreambuf_iterator<char>());
  return withLineEndingsOf(std::move(Text), In);
}

Result<ExtractResult> extract(const ParseOptions &Input, const Selection &S,
                              const ExtractOptions &E, const std::string &OutputName) {
  // The model parse reads the leading #include <...> lines' headers from the preamble cache
  // when an entry with the record of their preprocessor events is there (the same model).
  auto Model = buildProgramModel(Input, /*UsePreamble=*/true);
  if (!Model)
    return Model.failure();
  auto R = extractFromModel(*Model, Input, S, E, OutputName);
  if (!R)
    return R.failure();
  R->model = Model.take();
  return R;
}

Result<ExtractResult> extractFromModel(const ProgramModel &Model, const ParseOptions &Input,
                                       const Selection &S, const ExtractOptions &E,
                                       const std::string &OutputName) {
  Selection Sel = S;
  Sel.completeParams = E.harness.has_value();
  auto Sl = computeSlice(Model, Sel);
  if (!Sl)
    return Sl.failure();
  ExtractResult R;
  std::string Harness;
  if (E.harness) {
    std::vector<const Function *> Selected;
    std::string Entry;
    for (const std::string &Id : Sl->seeds)
      for (const Function &F : Model.functions)
        if (F.id == Id) {
          Selected.push_back(&F);
          for (const Program &P : Model.programs)
            if (P.function == F.id)
              Entry = F.name;
        }
    if (!Entry.empty()) {
      R.warnings.push_back("no harness generated: '" + Entry + "' is an entry program already");
    } else if (Selected.empty()) {
      return Failure::badInput("--harness needs selected functions (--function or --lines)");
    } else {
      auto H = generateHarness(Model, Selected, *E.harness);
      if (!H)
        return H.failure();
      // The input's declarations of what the harness writes join the slice; bpfcarve
      // declares the rest.
      auto P = provide(Model, H->needs);
      if (!P)
        return P.failure();
      if (!P->conflicts.empty())
        return Failure::badInput("cannot generate " + toolchain::withArticle(E.harness->name) +
                                 " harness: it calls " + P->conflicts.front().name +
                                 ", which the file declares as " + P->conflicts.front().what);
      if (!P->keep.empty() || !H->entities.empty()) {
        Sel.generated = P->keep;
        Sel.generated.insert(Sel.generated.end(), H->entities.begin(), H->entities.end());
        Sl = computeSlice(Model, Sel);
        if (!Sl)
          return Sl.failure();
      }
      Harness =
          "\n" + H->comment + P->declarations + (P->declarations.empty() ? "" : "\n") + H->body;
      R.entryProgram = HarnessEntry;
    }
  }
  R.warnings.insert(R.warnings.begin(), Sl->warnings.begin(), Sl->warnings.end());
  // Written to -o, the output's "..." includes are spelt for -o's directory.
  EmitOptions EO = E.emit;
  if (EO.outputDir.empty() && !OutputName.empty())
    EO.outputDir = toolchain::directoryOf(OutputName);
  R.text = emitSlice(Model, *Sl, EO) + Harness;
  if (E.manifest)
    R.manifest = sliceManifestJson(Model, *Sl, OutputName);
  if (S.kind == Selection::Kind::Programs && !S.names.empty())
    if (auto P = Model.findProgram(S.names.front()))
      R.entryProgram = (*P)->name;

  // The model holds the input's text as it was parsed (no second read per slice).
  const SourceFile *Main = Model.findFile(Model.mainFile);
  R.text = Main ? withLineEndingsOf(std::move(R.text), Main->text)
                : withInputLineEndings(std::move(R.text), Input);
  if (E.selfCheck)
    if (auto C = selfCheck(Model, Input, R.text, "extracted code",
                           OutputName.empty() ? "out.c" : OutputName, EO.outputDir, &R.check);
        !C)
      return C.failure();
  R.slice = Sl.take();
  return R;
}

} // namespace bpfcarve::extractor
