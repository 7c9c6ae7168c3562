//===- CiJobs.cpp - bpfcarve ci: reading the job file ---------------------===//
#include "CiJobs.h"

#include "bpfcarve/transformer/Compose.h"
#include "bpfcarve/verifier/DiffRun.h"
#include "bpfcarve/verifier/Kernels.h"
#include "bpfcarve/verifier/Packets.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace bpfcarve::cli::ci {

const char *kindName(JobKind K) {
  switch (K) {
  case JobKind::Verify:
    return "verify";
  case JobKind::Carve:
    return "carve";
  case JobKind::Compose:
    return "compose";
  }
  return "?";
}

namespace {

using yaml::at;
using yaml::bad;

bool isJobName(const std::string &S) {
  return !S.empty() && std::all_of(S.begin(), S.end(), [](char C) {
    return std::isalnum(static_cast<unsigned char>(C)) || C == '_' || C == '-' || C == '.';
  });
}

/// `defines:` — a list of configurations, each a list of -D/-U flags (a string: one flag).
Result<std::vector<std::vector<std::string>>> readDefines(const std::string &File,
                                                          const YAML::Node &N) {
  std::vector<std::vector<std::string>> Out;
  if (!N)
    return Out;
  if (!N.IsSequence() || N.size() == 0)
    return bad(at(File, N), "'defines' lists configurations, each a list of -D flags: "
                            "[[], [-DA], [-DA, -DB]]");
  for (const YAML::Node &Set : N) {
    std::vector<std::string> Flags;
    auto Add = [&](const YAML::Node &F) -> Result<bool> {
      if (!F.IsScalar() || (F.Scalar().rfind("-D", 0) != 0 && F.Scalar().rfind("-U", 0) != 0) ||
          F.Scalar().size() < 3)
        return bad(at(File, F), "a define is a -DNAME[=VALUE] or -UNAME flag");
      Flags.push_back(F.Scalar());
      return true;
    };
    if (Set.IsScalar()) {
      if (auto A = Add(Set); !A)
        return A.failure();
    } else if (Set.IsSequence()) {
      for (const YAML::Node &F : Set)
        if (auto A = Add(F); !A)
          return A.failure();
    } else {
      return bad(at(File, Set), "a configuration of 'defines' is a list of -D flags");
    }
    Out.push_back(std::move(Flags));
  }
  return Out;
}

/// One mapping of `set:`: knob -> value, or knob -> [values] (each value one configuration).
Result<std::vector<verifier::GlobalValues>> readSetMapping(const std::string &File,
                                                           const YAML::Node &M) {
  std::vector<verifier::GlobalValues> Out{{}};
  for (const auto &KV : M) {
    if (!KV.first.IsScalar() || !yaml::isIdentifier(KV.first.Scalar()))
      return bad(at(File, KV.first), "a knob of 'set' is named by a C identifier");
    std::vector<std::string> Values;
    if (KV.second.IsScalar()) {
      Values.push_back(KV.second.Scalar());
    } else if (KV.second.IsSequence() && KV.second.size() > 0) {
      for (const YAML::Node &V : KV.second) {
        if (!V.IsScalar())
          return bad(at(File, V), "a value of 'set' is an integer, true/false or an enum name");
        Values.push_back(V.Scalar());
      }
    } else {
      return bad(at(File, KV.second),
                 "a value of 'set' is an integer, true/false or an enum name, or a list of them");
    }
    std::vector<verifier::GlobalValues> Next;
    for (const verifier::GlobalValues &G : Out)
      for (const std::string &V : Values) {
        Next.push_back(G);
        Next.back().emplace_back(KV.first.Scalar(), V);
      }
    Out = std::move(Next);
  }
  return Out;
}

/// `set:` — one mapping, or a list of them; a list value multiplies the configurations.
Result<std::vector<verifier::GlobalValues>> readSets(const std::string &File, const YAML::Node &N) {
  std::vector<verifier::GlobalValues> Out;
  if (!N)
    return Out;
  if (N.IsMap())
    return readSetMapping(File, N);
  if (!N.IsSequence() || N.size() == 0)
    return bad(at(File, N), "'set' is a mapping of knob values ({knob: 1}) or a list of them");
  for (const YAML::Node &M : N) {
    if (!M.IsMap())
      return bad(at(File, M), "each entry of 'set' is a mapping of knob values ({knob: 1})");
    auto Sets = readSetMapping(File, M);
    if (!Sets)
      return Sets.failure();
    Out.insert(Out.end(), Sets->begin(), Sets->end());
  }
  return Out;
}

/// `kernels:` — host, a Debian series (6.1), or a linux-image-*.deb or vmlinuz beside the file.
Result<std::vector<std::string>> readKernels(const std::string &File, const YAML::Node &Map) {
  auto Names = yaml::stringList(File, Map, "kernels");
  if (!Names)
    return Names.failure();
  for (std::string &K : *Names) {
    if (K == "host" || verifier::isKernelSeries(K))
      continue;
    K = yaml::beside(File, K);
    if (!std::filesystem::is_regular_file(K))
      return bad(at(File, Map["kernels"]),
                 "kernel '" + K + "' is not host, a Debian series (6.1, 6.12) or a file");
  }
  return Names;
}

/// The keys every kind shares: flags, compile_commands, kernels, defines, set.
Result<bool> readCommon(const std::string &File, const YAML::Node &N, Job &J) {
  if (YAML::Node F = N["flags"]) {
    auto Flags = yaml::stringList(File, N, "flags");
    if (!Flags)
      return Flags.failure();
    J.flags = *Flags;
  }
  auto DB = yaml::scalar(File, N, "compile_commands", false);
  if (!DB)
    return DB.failure();
  if (!DB->empty()) {
    J.compileCommands = yaml::beside(File, *DB);
    if (!std::filesystem::is_regular_file(J.compileCommands + "/compile_commands.json"))
      return bad(at(File, N["compile_commands"]),
                 "no compile_commands.json in '" + J.compileCommands + "'");
  }
  auto Kernels = readKernels(File, N);
  if (!Kernels)
    return Kernels.failure();
  J.kernels = *Kernels;
  auto Defines = readDefines(File, N["defines"]);
  if (!Defines)
    return Defines.failure();
  J.defines = *Defines;
  auto Sets = readSets(File, N["set"]);
  if (!Sets)
    return Sets.failure();
  J.sets = *Sets;
  if (J.defines.empty())
    J.defines.push_back({});
  if (J.sets.empty())
    J.sets.push_back({});
  return true;
}

/// verify: and carve: bodies.
Result<bool> readInputJob(const std::string &File, const YAML::Node &N, Job &J) {
  const bool Carve = J.kind == JobKind::Carve;
  std::set<std::string> Keys = {"file",    "program", "type", "flags",  "compile_commands",
                                "kernels", "defines", "set",  "packets"};
  if (Carve)
    Keys.insert({"function", "lines", "map", "to", "direction", "allow_approx", "maps", "output",
                 "diff_run"});
  else
    J.packets.clear(); // verify test-runs only when asked
  if (auto K = yaml::onlyKeys(File, N, Keys, std::string("a ") + kindName(J.kind) + " job"); !K)
    return K.failure();
  auto Path = yaml::scalar(File, N, "file", true);
  if (!Path)
    return Path.failure();
  J.file = yaml::beside(File, *Path);
  if (!std::filesystem::is_regular_file(J.file))
    return bad(at(File, N["file"]), "no such file: '" + J.file + "'");
  std::string *Fields[] = {&J.programs, &J.type,      &J.functions, &J.lines, &J.map,
                           &J.to,       &J.direction, &J.packets,   &J.seed,  &J.output};
  const char *Names[] = {"program", "type",      "function", "lines", "map",
                         "to",      "direction", "packets",  "maps",  "output"};
  for (size_t I = 0; I < std::size(Names); ++I) {
    if (!N[Names[I]])
      continue;
    auto V = yaml::scalar(File, N, Names[I], false);
    if (!V)
      return V.failure();
    *Fields[I] = *V;
  }
  if (!Carve && !J.packets.empty()) {
    if (J.packets.rfind("gen:", 0) != 0)
      J.packets = yaml::beside(File, J.packets);
    if (auto P = verifier::loadPackets(J.packets); !P)
      return bad(at(File, N["packets"]), P.failure().message);
  }
  if (Carve) {
    int Given = !J.functions.empty() + !J.programs.empty() + !J.lines.empty() + !J.map.empty();
    if (Given != 1)
      return bad(at(File, N), "a carve job selects exactly one of program:, function:, lines: or "
                              "map:");
    if (!J.lines.empty() && J.lines.find(':') == std::string::npos)
      J.lines = J.file + ":" + J.lines;
    if (J.direction != "ingress" && J.direction != "egress")
      return bad(at(File, N["direction"]), "direction is ingress or egress");
    for (auto [Key, Field] : {std::pair{"maps", &J.seed}, {"output", &J.output}})
      if (!Field->empty())
        *Field = yaml::beside(File, *Field);
    if (auto R = refuseOutputsOverInput({J.output}, J.file); !R)
      return bad(at(File, N["output"]), R.failure().message);
    if (!J.seed.empty())
      if (auto S = verifier::readMapSeed(J.seed); !S)
        return bad(at(File, N["maps"]), S.failure().message);
    if (J.packets.rfind("gen:", 0) != 0)
      J.packets = yaml::beside(File, J.packets);
    if (auto P = verifier::loadPackets(J.packets); !P)
      return bad(at(File, N["packets"] ? N["packets"] : N), P.failure().message);
    auto Approx = yaml::boolean(File, N, "allow_approx", false);
    auto Diff = yaml::boolean(File, N, "diff_run", true);
    if (!Approx || !Diff)
      return (!Approx ? Approx : Diff).failure();
    J.allowApprox = *Approx;
    J.diffRun = *Diff;
  }
  return readCommon(File, N, J);
}

/// compose: a recipe path, or {recipe:, kernels:, set:, packets:, output:, diff_run:}.
Result<bool> readComposeJob(const std::string &File, const YAML::Node &N, Job &J,
                            const CommandContext &Ctx) {
  YAML::Node Body = N;
  std::string Recipe;
  if (N.IsScalar()) {
    Recipe = N.Scalar();
    Body = YAML::Node(YAML::NodeType::Map);
  } else {
    if (!N.IsMap())
      return bad(at(File, N), "compose: is a recipe path, or a mapping with recipe:");
    if (auto K = yaml::onlyKeys(
            File, N, {"recipe", "kernels", "set", "packets", "maps", "output", "diff_run"},
            "a compose job");
        !K)
      return K.failure();
    auto R = yaml::scalar(File, N, "recipe", true);
    if (!R)
      return R.failure();
    Recipe = *R;
    if (auto P = yaml::scalar(File, N, "packets", false); !P)
      return P.failure();
    else if (!P->empty())
      J.packets = P->rfind("gen:", 0) == 0 ? *P : yaml::beside(File, *P);
    if (auto M = yaml::scalar(File, N, "maps", false); !M)
      return M.failure();
    else if (!M->empty())
      J.seed = yaml::beside(File, *M);
    if (!J.seed.empty())
      if (auto S = verifier::readMapSeed(J.seed); !S)
        return bad(at(File, N["maps"]), S.failure().message);
    if (auto O = yaml::scalar(File, N, "output", false); !O)
      return O.failure();
    else if (!O->empty())
      J.output = yaml::beside(File, *O);
    auto Diff = yaml::boolean(File, N, "diff_run", true);
    if (!Diff)
      return Diff.failure();
    J.diffRun = *Diff;
  }
  J.file = yaml::beside(File, Recipe);
  if (!std::filesystem::is_regular_file(J.file))
    return bad(at(File, N.IsScalar() ? N : N["recipe"]), "no such recipe: '" + J.file + "'");
  // The recipe is checked now, so its mistakes stop the run before any job starts.
  auto R = readRecipe(J.file, Ctx);
  if (!R)
    return R.failure();
  for (const std::string &Input : [&] {
         std::vector<std::string> In{J.file};
         for (const transformer::ComposePart &P : R->parts)
           In.push_back(P.input.file);
         return In;
       }())
    if (auto Over = refuseOutputsOverInput({J.output}, Input); !Over)
      return bad(at(File, N["output"]), Over.failure().message);
  if (auto P = verifier::loadPackets(J.packets); !P)
    return bad(at(File, N), P.failure().message);
  return readCommon(File, Body, J);
}

Result<Job> readJob(const std::string &File, const YAML::Node &N, const CommandContext &Ctx) {
  if (!N.IsMap())
    return bad(at(File, N), "a job is a mapping with name: and one of verify:, carve:, compose:");
  if (auto K = yaml::onlyKeys(File, N, {"name", "verify", "carve", "compose"}, "a job"); !K)
    return K.failure();
  Job J;
  J.at = at(File, N);
  auto Name = yaml::scalar(File, N, "name", true);
  if (!Name)
    return Name.failure();
  if (!isJobName(*Name))
    return bad(at(File, N["name"]),
               "job name '" + *Name + "' may hold letters, digits, '_', '-' and '.' only");
  J.name = *Name;
  int Kinds = !!N["verify"] + !!N["carve"] + !!N["compose"];
  if (Kinds != 1)
    return bad(J.at, "job '" + J.name + "' has exactly one of verify:, carve:, compose:");
  if (N["compose"]) {
    J.kind = JobKind::Compose;
    if (auto R = readComposeJob(File, N["compose"], J, Ctx); !R)
      return R.failure();
    return J;
  }
  J.kind = N["carve"] ? JobKind::Carve : JobKind::Verify;
  YAML::Node Body = N[kindName(J.kind)];
  if (!Body.IsMap())
    return bad(at(File, Body), std::string(kindName(J.kind)) + ": is a mapping (file:, ...)");
  if (auto R = readInputJob(File, Body, J); !R)
    return R.failure();
  return J;
}

} // namespace

Result<JobFile> readJobs(const std::string &Path, const CommandContext &Ctx) {
  auto Root = yaml::load(Path);
  if (!Root)
    return Root.failure();
  JobFile F;
  F.path = Path;
  if (!Root->IsMap())
    return bad(at(Path, *Root), "a job file is a mapping with jobs:");
  if (auto K = yaml::onlyKeys(Path, *Root, {"jobs", "kernels"}, "a job file"); !K)
    return K.failure();
  auto Kernels = readKernels(Path, *Root);
  if (!Kernels)
    return Kernels.failure();
  F.kernels = *Kernels;
  YAML::Node Jobs = (*Root)["jobs"];
  if (!Jobs || !Jobs.IsSequence() || Jobs.size() == 0)
    return bad(at(Path, Jobs ? Jobs : *Root), "jobs: must list at least one job");
  std::set<std::string> Names;
  for (const YAML::Node &N : Jobs) {
    auto J = readJob(Path, N, Ctx);
    if (!J)
      return J.failure();
    if (!Names.insert(J->name).second)
      return bad(J->at, "two jobs are named '" + J->name + "'");
    F.jobs.push_back(J.take());
  }
  return F;
}

} // namespace bpfcarve::cli::ci
