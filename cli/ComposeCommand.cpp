//===- ComposeCommand.cpp - bpfcarve compose RECIPE.yaml -o OUT.c ---------===//
//
// Reads a recipe (docs/compose.md; schema docs/schemas/compose-recipe.schema.json), carves and
// merges its parts with transformer::compose, and reports. Every mistake in the recipe is an
// error at the YAML's file:line:column, before anything is carved or written.
//
//===----------------------------------------------------------------------===//
#include "Command.h"
#include "YamlInput.h"

#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/transformer/Compose.h"
#include "bpfcarve/verifier/DiffRun.h"
#include "bpfcarve/verifier/ReportFormat.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

namespace bpfcarve::cli {

namespace {

namespace fs = std::filesystem;

struct ComposeCliOptions {
  std::string recipe, output, report, format = "text", packets = "gen:all", seed;
  bool noDiffRun = false;
};

transformer::RecipeLocation at(const std::string &File, const YAML::Node &N) {
  yaml::Location L = yaml::at(File, N);
  return {L.file, L.line, L.column};
}

Failure bad(const transformer::RecipeLocation &L, const std::string &Message) {
  return Failure::badInput(Message, L.file, L.line, L.column);
}

using yaml::isIdentifier;
using yaml::onlyKeys;
using yaml::scalar;

Result<transformer::ComposePart> readPart(const std::string &File, const YAML::Node &N,
                                          size_t Index, const CommandContext &Ctx) {
  if (!N.IsMap())
    return bad(at(File, N), "a part must be a mapping (file:, program: ...)");
  if (auto K = onlyKeys(File, N,
                        {"name", "file", "program", "function", "lines", "map", "type", "flags",
                         "compile_commands"},
                        "a part");
      !K)
    return K.failure();
  transformer::ComposePart P;
  P.at = at(File, N);
  std::string Sel[4];
  const char *SelKeys[4] = {"function", "program", "lines", "map"};
  int Given = 0;
  for (int I = 0; I < 4; ++I) {
    auto V = scalar(File, N, SelKeys[I], false);
    if (!V)
      return V.failure();
    Sel[I] = *V;
    Given += !Sel[I].empty();
  }
  if (Given != 1)
    return bad(P.at, "a part selects exactly one of program:, function:, lines: or map:");
  auto Path = scalar(File, N, "file", true);
  if (!Path)
    return Path.failure();
  std::string Source = yaml::beside(File, *Path);
  if (auto Ok = extractor::checkSourceFile(Source); !Ok)
    return bad(at(File, N["file"]), Ok.failure().message);
  if (!Sel[2].empty() && Sel[2].find(':') == std::string::npos)
    Sel[2] = Source + ":" + Sel[2]; // lines: A-B of the part's own file
  auto S = selectionFrom(Sel[0], Sel[1], Sel[2], Sel[3]);
  if (!S)
    return bad(at(File, N), S.failure().message);
  P.selection = *S;
  P.input = parseOptionsFor(Source, Ctx);
  P.input.buildDir.clear();
  P.input.flags.reset();
  if (YAML::Node F = N["flags"]) {
    if (!F.IsSequence())
      return bad(at(File, F), "'flags' must be a list of compiler flags");
    std::vector<std::string> Flags;
    for (const YAML::Node &X : F) {
      if (!X.IsScalar())
        return bad(at(File, X), "a flag must be a string");
      Flags.push_back(X.Scalar());
    }
    P.input.flags = Flags;
  }
  auto DB = scalar(File, N, "compile_commands", false);
  if (!DB)
    return DB.failure();
  if (!DB->empty())
    P.input.buildDir = yaml::beside(File, *DB);
  auto Type = scalar(File, N, "type", false);
  auto Name = scalar(File, N, "name", false);
  if (!Type || !Name)
    return (!Type ? Type : Name).failure();
  P.type = *Type;
  P.name = !Name->empty()               ? *Name
           : !P.selection.names.empty() ? P.selection.names.front()
                                        : "part" + std::to_string(Index + 1);
  if (!isIdentifier(P.name))
    return bad(at(File, N["name"] ? N["name"] : N), "part name '" + P.name +
                                                        "' is not a C identifier (it prefixes "
                                                        "renamed names)");
  return P;
}

} // namespace

Result<transformer::ComposeOptions> readRecipe(const std::string &File, const CommandContext &Ctx) {
  auto Loaded = yaml::load(File);
  if (!Loaded)
    return Loaded.failure();
  YAML::Node Root = *Loaded;
  if (!Root.IsMap())
    return bad(at(File, Root), "a recipe is a mapping with name:, hook: and parts:");
  if (auto K = onlyKeys(File, Root, {"name", "hook", "direction", "allow_approx", "parts", "share"},
                        "a recipe");
      !K)
    return K.failure();
  transformer::ComposeOptions O;
  O.at = at(File, Root);
  auto Name = scalar(File, Root, "name", true);
  auto Hook = scalar(File, Root, "hook", true);
  auto Dir = scalar(File, Root, "direction", false);
  for (auto *R : {&Name, &Hook, &Dir})
    if (!*R)
      return R->failure();
  if (!isIdentifier(*Name))
    return bad(at(File, Root["name"]), "name '" + *Name + "' is not a C identifier");
  O.name = *Name;
  O.hook = *Hook;
  if (!Dir->empty()) {
    if (*Dir != "ingress" && *Dir != "egress")
      return bad(at(File, Root["direction"]), "direction is ingress or egress");
    O.direction = *Dir;
  }
  if (YAML::Node A = Root["allow_approx"]) {
    bool V = false;
    if (!A.IsScalar() || !YAML::convert<bool>::decode(A, V))
      return bad(at(File, A), "allow_approx is true or false");
    O.allowApprox = V;
  }
  YAML::Node Parts = Root["parts"];
  if (!Parts || !Parts.IsSequence() || Parts.size() == 0)
    return bad(at(File, Parts ? Parts : Root), "parts: must list at least one part");
  std::set<std::string> Names;
  for (size_t I = 0; I < Parts.size(); ++I) {
    auto P = readPart(File, Parts[I], I, Ctx);
    if (!P)
      return P.failure();
    if (!Names.insert(P->name).second)
      return bad(P->at, "two parts are named '" + P->name + "': give one a name:");
    O.parts.push_back(P.take());
  }
  if (YAML::Node S = Root["share"]) {
    if (!S.IsSequence())
      return bad(at(File, S), "share: lists map names");
    for (const YAML::Node &M : S) {
      if (!M.IsScalar())
        return bad(at(File, M), "share: lists map names");
      O.share.push_back(M.Scalar());
    }
  }
  return O;
}

namespace {

std::string composeJson(const transformer::ComposeResult &R) {
  nlohmann::ordered_json J;
  J["parts"] = nlohmann::ordered_json::array();
  for (const transformer::ComposedPart &P : R.parts)
    J["parts"].push_back({{"name", P.name},
                          {"file", P.file},
                          {"selection", P.selection},
                          {"hook", P.fromHook},
                          {"retargeted", P.retargeted},
                          {"entry", P.entry}});
  J["renamed"] = nlohmann::ordered_json::array();
  for (const transformer::Renaming &N : R.renamed)
    J["renamed"].push_back({{"part", N.part}, {"space", N.space}, {"from", N.from}, {"to", N.to}});
  J["merged"] = R.merged;
  J["license"] = R.license;
  J["flags"] = R.flags;
  J["verify"] = nlohmann::ordered_json::parse(verifier::reportJson(R.verify));
  if (R.diffRun)
    J["diff_run"] = nlohmann::ordered_json::parse(verifier::diffRunJson(*R.diffRun));
  else
    J["diff_run"] = nullptr;
  J["diff_run_skipped"] = R.diffRunSkipped;
  return J.dump(2) + "\n";
}

int runCompose(const ComposeCliOptions &O, const CommandContext &Ctx) {
  if (auto R = refuseOutputsOverInput({O.output, O.report}, O.recipe); !R)
    return report(R.failure(), Ctx);
  auto Recipe = readRecipe(O.recipe, Ctx);
  if (!Recipe)
    return report(Recipe.failure(), Ctx);
  for (const transformer::ComposePart &P : Recipe->parts)
    if (auto R = refuseOutputsOverInput({O.output, O.report}, P.input.file); !R)
      return report(R.failure(), Ctx);
  for (const std::string &Out : {O.output, O.report})
    if (!Out.empty())
      if (auto W = toolchain::checkWritable(Out); !W)
        return report(W.failure(), Ctx);
  Recipe->output = O.output;
  Recipe->packets = O.noDiffRun ? "" : O.packets;
  Recipe->seed = O.seed;
  auto R = transformer::compose(*Recipe);
  if (!R) {
    if (R.failure().kind != FailureKind::Rejected)
      return report(R.failure(), Ctx);
    std::cerr << R.failure().firstLine() << "\n" << R.failure().details;
    return R.failure().exitCode();
  }
  std::string Json = composeJson(*R);
  if (!O.report.empty())
    if (auto W = toolchain::writeFileAtomically(O.report, Json); !W)
      return report(W.failure(), Ctx);
  if (O.format == "json") {
    if (int EC = emit(Json, Ctx))
      return EC;
    return R->exitCode;
  }
  std::ostringstream T;
  T << "compose " << Recipe->name << " (" << Recipe->hook << ") from " << O.recipe << " -> "
    << O.output << "\n\nparts, in chain order:\n";
  for (const transformer::ComposedPart &P : R->parts)
    T << "  " << P.name << ": " << P.selection << " of " << P.file
      << (P.retargeted ? " (retargeted from " + P.fromHook + ")" : "") << " -> " << P.entry
      << "()\n";
  for (const transformer::Renaming &N : R->renamed)
    T << "renamed in " << N.part << ": " << N.from << " -> " << N.to << "\n";
  if (!R->merged.empty()) {
    T << "emitted once:";
    for (const std::string &M : R->merged)
      T << " " << M;
    T << "\n";
  }
  T << "licence: " << (R->license.empty() ? "(none)" : R->license) << "\n\nverify:\n"
    << verifier::reportText(R->verify);
  if (R->diffRun)
    T << "\ndiff-run against the chain of the original parts (" << O.packets << "):\n"
      << verifier::diffRunText(*R->diffRun);
  else if (!R->diffRunSkipped.empty())
    T << "\ndiff-run skipped: " << R->diffRunSkipped << "\n";
  if (int EC = emit(T.str(), Ctx))
    return EC;
  return R->exitCode;
}

} // namespace

void addComposeCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<ComposeCliOptions>();
  CLI::App *Sub = App.add_subcommand(
      "compose", "Carve parts of several programs and chain them into one program, verified");
  Sub->add_option("RECIPE", O->recipe, "the recipe (YAML; docs/compose.md)")->required();
  Sub->add_option("-o", O->output, "output file")->required();
  Sub->add_option("--report", O->report, "write the whole report as JSON");
  Sub->add_option("--format", O->format, "output format")->check(CLI::IsMember({"text", "json"}));
  Sub->add_option("--packets", O->packets,
                  "frames of the run against the chain of the original parts (pcap or gen:NAME)");
  Sub->add_option("--maps", O->seed,
                  "SEED.json written into the maps of both sides of that run (maps named as in "
                  "the composed program: a renamed one as <part>_<map>)");
  Sub->add_flag("--no-diff-run", O->noDiffRun, "skip the run against the original parts");
  Sub->footer("Exit: 0 composed, verified and behaving as the chain of its parts; 1 rejected,\n"
              "refused or different; 2 bad recipe or input;\n"
              "3 the kernel cannot do it here; 4 internal error.\n"
              "Examples:\n"
              "  bpfcarve compose edge.yaml -o edge.bpf.c\n"
              "  bpfcarve compose edge.yaml -o edge.bpf.c --report edge.json --format json\n"
              "A recipe:\n"
              "  name: edge_chain\n"
              "  hook: tc\n"
              "  parts:\n"
              "    - file: fw.bpf.c\n"
              "      program: fw_ingress\n"
              "    - file: balancer.bpf.c\n"
              "      program: gue_decap_only\n");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runCompose(*O, Ctx); });
}

} // namespace bpfcarve::cli
