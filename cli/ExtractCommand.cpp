//===- ExtractCommand.cpp - bpfcarve extract ------------------------------===//
#include "Command.h"

#include "bpfcarve/transformer/Pipeline.h"

#include "bpfcarve/extractor/Extract.h"
#include "bpfcarve/toolchain/Names.h"
#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/verifier/HookProfile.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace bpfcarve::cli {

namespace {
struct ExtractCliOptions {
  std::string file, functions, programs, lines, map, output, manifest, harness, format = "text";
  bool keepLocalIncludes = false, noSelfCheck = false;
  /// --each, --each-function, --each-program: one output per selection from one parse.
  bool each = false, eachFunction = false, eachProgram = false;
  bool manifestGiven = false; ///< --manifest appeared (under --each it takes no file)
  int jobs = 0;               ///< -j: threads for --each* (0: the CPUs)
};

std::vector<std::string> splitList(const std::string &S) {
  std::vector<std::string> Out;
  std::stringstream SS(S);
  std::string Item;
  while (std::getline(SS, Item, ','))
    if (!Item.empty())
      Out.push_back(Item);
  return Out;
}
} // namespace

Result<extractor::Selection> selectionFrom(const std::string &Functions,
                                           const std::string &Programs, const std::string &Lines,
                                           const std::string &Map) {
  int Given = !Functions.empty() + !Programs.empty() + !Lines.empty() + !Map.empty();
  if (Given != 1)
    return Failure::badInput("give exactly one selection: --function F[,F...], --program "
                             "P[,P...], --lines FILE:A-B or --map M");
  extractor::Selection S;
  if (!Functions.empty()) {
    S.kind = extractor::Selection::Kind::Functions;
    S.names = splitList(Functions);
  } else if (!Programs.empty()) {
    S.kind = extractor::Selection::Kind::Programs;
    S.names = splitList(Programs);
  } else if (!Map.empty()) {
    S.kind = extractor::Selection::Kind::Map;
    S.names = {Map};
  } else {
    std::smatch M;
    static const std::regex Range(R"(^(.+):(\d+)-(\d+)$)");
    if (!std::regex_match(Lines, M, Range))
      return Failure::badInput("--lines takes FILE:A-B (1-based, inclusive), not '" + Lines + "'");
    S.kind = extractor::Selection::Kind::Lines;
    S.file = M[1];
    S.first = static_cast<unsigned>(std::stoul(M[2]));
    S.last = static_cast<unsigned>(std::stoul(M[3]));
  }
  return S;
}

namespace {
/// The hook the options' --harness names, or none.
Result<std::optional<extractor::HarnessHook>> harnessOf(const ExtractCliOptions &O) {
  if (O.harness.empty())
    return std::optional<extractor::HarnessHook>();
  auto H = transformer::harnessHookFor(O.harness);
  if (!H)
    return H.failure();
  return std::optional<extractor::HarnessHook>(*H);
}

/// The options of one output per selection that need no parse: bad usage, or the names given
/// (none for --each-function and --each-program, which select from the model).
Result<std::optional<extractor::Selection>> checkEach(const ExtractCliOptions &O) {
  if (O.each + O.eachFunction + O.eachProgram > 1)
    return Failure::badInput("give one of --each, --each-function and --each-program");
  if (O.each && (!O.lines.empty() || !O.map.empty()))
    return Failure::badInput("--each takes the names of --function F1,F2,... or "
                             "--program P1,P2,...: one output per name");
  if (!O.each &&
      (!O.functions.empty() || !O.programs.empty() || !O.lines.empty() || !O.map.empty()))
    return Failure::badInput(std::string(O.eachFunction ? "--each-function" : "--each-program") +
                             " selects by itself: give no --function, --program, --lines or "
                             "--map");
  if (O.output.empty())
    return Failure::badInput("one file per selection needs a directory: -o DIR");
  if (!O.manifest.empty())
    return Failure::badInput("with one file per selection, --manifest takes no file: each "
                             "manifest is written as DIR/<name>.manifest.json");
  if (O.format != "text" && O.format != "json")
    return Failure::badInput("--format takes text or json, not '" + O.format + "'");
  std::error_code EC;
  if (std::filesystem::exists(O.output, EC) && !std::filesystem::is_directory(O.output, EC))
    return Failure::badInput("-o '" + O.output +
                             "' is not a directory: one file per selection is written into -o "
                             "DIR");
  if (!O.each)
    return std::optional<extractor::Selection>();
  auto Sel = selectionFrom(O.functions, O.programs, "", "");
  if (!Sel)
    return Sel.failure();
  return std::optional<extractor::Selection>(*Sel);
}

/// The names to slice, each once: those given, or every program / own function that is not a
/// program, in the file's order.
std::vector<std::string> eachName(const ExtractCliOptions &O,
                                  const std::optional<extractor::Selection> &Listed,
                                  const extractor::ProgramModel &M) {
  std::vector<std::string> Names;
  if (Listed) {
    Names = Listed->names;
  } else if (O.eachProgram) {
    for (const extractor::Program &Pr : M.programs)
      Names.push_back(Pr.name);
  } else {
    std::set<std::string> Entries;
    for (const extractor::Program &Pr : M.programs)
      Entries.insert(Pr.function);
    for (const extractor::Function &F : M.functions)
      if (F.origin != extractor::Origin::System && F.definition && !Entries.count(F.id))
        Names.push_back(F.name);
  }
  std::vector<std::string> Unique;
  for (const std::string &N : Names)
    if (std::find(Unique.begin(), Unique.end(), N) == Unique.end())
      Unique.push_back(N);
  return Unique;
}

/// Slices, emits and self-checks selections on Jobs threads (the model is only read; each
/// self-check is a parse of its own); take(I) waits for selection I's result.
class SliceWorkers {
public:
  using Sliced = Result<extractor::ExtractResult>;
  SliceWorkers(const extractor::ProgramModel &M, const extractor::ParseOptions &P,
               const extractor::ExtractOptions &E, std::vector<extractor::Selection> Sels,
               std::vector<std::string> Outs, unsigned Jobs)
      : M(M), P(P), E(E), Sels(std::move(Sels)), Outs(std::move(Outs)), Slots(this->Sels.size()) {
    for (unsigned J = 0; J < std::min<size_t>(Jobs, this->Sels.size()); ++J)
      Workers.emplace_back([this] { work(); });
  }
  ~SliceWorkers() {
    for (std::thread &W : Workers)
      W.join();
  }
  Sliced take(size_t I) {
    std::unique_lock<std::mutex> L(Lock);
    Ready.wait(L, [&] { return Slots[I].has_value(); });
    Sliced Taken = std::move(*Slots[I]);
    Slots[I].reset();
    return Taken;
  }

private:
  void work() {
    for (size_t I; (I = Next++) < Sels.size();) {
      std::optional<Sliced> R;
      try {
        R.emplace(extractor::extractFromModel(M, P, Sels[I], E, Outs[I]));
      } catch (const std::exception &X) {
        R.emplace(Failure::internal(std::string("an exception: ") + X.what()));
      }
      {
        std::lock_guard<std::mutex> L(Lock);
        Slots[I] = std::move(R);
      }
      Ready.notify_all();
    }
  }
  const extractor::ProgramModel &M;
  const extractor::ParseOptions &P;
  const extractor::ExtractOptions &E;
  std::vector<extractor::Selection> Sels;
  std::vector<std::string> Outs;
  std::vector<std::optional<Sliced>> Slots;
  std::mutex Lock;
  std::condition_variable Ready;
  std::atomic<size_t> Next{0};
  std::vector<std::thread> Workers;
};

/// `extract --each`, `--each-function`, `--each-program`: the file is parsed once and each
/// selection sliced, emitted and self-checked from that model into DIR/<name>.c (and
/// DIR/<name>.manifest.json). A selection that fails writes nothing and is reported; the exit
/// code is the strongest of all (ARCHITECTURE.md).
int runEach(const ExtractCliOptions &O, const CommandContext &Ctx) {
  auto Listed = checkEach(O);
  if (!Listed)
    return report(Listed.failure(), Ctx);
  auto Hook = harnessOf(O);
  if (!Hook)
    return report(Hook.failure(), Ctx);
  auto In = inputFor(O.file, Ctx);
  if (!In)
    return report(In.failure(), Ctx);
  auto Model = extractor::buildProgramModel(*In, /*UsePreamble=*/true);
  if (!Model)
    return report(Model.failure(), Ctx);
  const auto Kind =
      O.eachProgram || (*Listed && (*Listed)->kind == extractor::Selection::Kind::Programs)
          ? extractor::Selection::Kind::Programs
          : extractor::Selection::Kind::Functions;
  const std::vector<std::string> Names = eachName(O, *Listed, *Model);
  std::error_code EC;
  if (Names.empty())
    std::cerr << "bpfcarve: note: '" << O.file << "' has no "
              << (O.eachProgram ? "program" : "function other than its programs")
              << ": nothing to write\n";
  else
    std::filesystem::create_directories(O.output, EC);

  // Where each selection goes. A program named by its section is written under its name.
  std::vector<extractor::Selection> Sels;
  std::vector<std::string> Outs, Manifests;
  for (const std::string &Name : Names) {
    std::string Stem = Name;
    if (Kind == extractor::Selection::Kind::Programs)
      if (auto Pr = Model->findProgram(Name))
        Stem = (*Pr)->name;
    std::replace(Stem.begin(), Stem.end(), '/', '_');
    auto Path = [&](const char *Ext) {
      return (std::filesystem::path(O.output) / (Stem + Ext)).string();
    };
    Outs.push_back(Path(".c"));
    Manifests.push_back(O.manifestGiven ? Path(".manifest.json") : "");
    Sels.emplace_back();
    Sels.back().kind = Kind;
    Sels.back().names = {Name};
  }
  extractor::ExtractOptions E;
  E.emit.keepLocalIncludes = O.keepLocalIncludes;
  E.selfCheck = !O.noSelfCheck;
  E.manifest = O.manifestGiven;
  E.harness = *Hook;
  SliceWorkers Workers(*Model, *In, E, std::move(Sels), Outs,
                       O.jobs > 0 ? static_cast<unsigned>(O.jobs)
                                  : std::max(1u, std::thread::hardware_concurrency()));

  // Written and reported in order, as each result comes.
  const bool Progress = ::isatty(2) && !Ctx.verbose;
  size_t Kept = 0, Loaded = 0, Full = 0, Written = 0; // the self-checks' preambles (for -v)
  int Exit = 0;
  nlohmann::json Outputs = nlohmann::json::array();
  std::string Text;
  for (size_t I = 0; I < Names.size(); ++I) {
    if (Progress)
      std::cerr << "\r\033[K[" << I + 1 << "/" << Names.size() << "] " << Names[I] << std::flush;
    SliceWorkers::Sliced R = Workers.take(I);
    if (Progress && (!R || !R->warnings.empty()))
      std::cerr << "\r\033[K";
    int Code = 0;
    std::string Error;
    if (R) {
      const extractor::ParseReport &C = R->check;
      ++(C.preamble != extractor::PreambleUse::Loaded ? Full
         : C.note.rfind("kept in memory", 0) == 0     ? Kept
                                                      : Loaded);
      Code = writeOutputs(R->warnings, Manifests[I], R->manifest, Outs[I], R->text, Ctx);
    } else {
      Error = R.failure().firstLine();
      Code = report(R.failure(), Ctx);
    }
    Exit = strongerExit(Exit, Code);
    Written += Code == 0;
    auto OrNull = [&](const std::string &S) {
      return Code == 0 && !S.empty() ? nlohmann::json(S) : nlohmann::json(nullptr);
    };
    Outputs.push_back({{"selection", Names[I]},
                       {"file", OrNull(Outs[I])},
                       {"manifest", OrNull(Manifests[I])},
                       {"exit_code", Code},
                       {"error", Error.empty() ? nlohmann::json(nullptr) : nlohmann::json(Error)}});
    Text += Names[I] +
            (Code == 0 ? ": " + Outs[I] : ": failed (exit " + std::to_string(Code) + ")") + "\n";
  }
  if (Progress && !Names.empty())
    std::cerr << "\r\033[K" << std::flush;
  if (Ctx.verbose && !O.noSelfCheck)
    std::cerr << "bpfcarve: note: 1 parse of '" << O.file << "' for " << Names.size()
              << " selections; self-checks: " << Kept << " with a preamble kept in memory, "
              << Loaded << " loaded from the cache, " << Full << " without one\n";
  Text += std::to_string(Written) + " of " + std::to_string(Names.size()) + " written to " +
          O.output + "\n";
  return strongerExit(
      Exit,
      emit(O.format == "json" ? nlohmann::json({{"outputs", Outputs}}).dump(2) + "\n" : Text, Ctx));
}

int runExtract(const ExtractCliOptions &O, const CommandContext &Ctx) {
  if (O.each || O.eachFunction || O.eachProgram)
    return runEach(O, Ctx);
  if (O.manifestGiven && O.manifest.empty())
    return report(Failure::badInput("--manifest needs a file (it takes none only with --each)"),
                  Ctx);
  if (O.format != "text")
    return report(Failure::badInput("--format applies to --each's summary only"), Ctx);
  auto Sel = selectionFrom(O.functions, O.programs, O.lines, O.map);
  if (!Sel)
    return report(Sel.failure(), Ctx);
  if (auto R = refuseOutputsOverInput({O.output, O.manifest}, O.file); !R)
    return report(R.failure(), Ctx);
  auto In = inputFor(O.file, Ctx);
  if (!In)
    return report(In.failure(), Ctx);
  const extractor::ParseOptions &P = *In;
  extractor::ExtractOptions E;
  E.emit.keepLocalIncludes = O.keepLocalIncludes;
  E.selfCheck = !O.noSelfCheck;
  E.manifest = !O.manifest.empty();
  auto Hook = harnessOf(O);
  if (!Hook)
    return report(Hook.failure(), Ctx);
  E.harness = *Hook;
  auto R = extractor::extract(P, *Sel, E, O.output);
  if (!R)
    return report(R.failure(), Ctx);
  return writeOutputs(R->warnings, O.manifest, R->manifest, O.output, R->text, Ctx);
}
} // namespace

void addExtractCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<ExtractCliOptions>();
  CLI::App *Sub = App.add_subcommand(
      "extract", "Slice a BPF C file by functionality: the selection plus everything it needs "
                 "(callees, maps, globals, types, macros, includes, license), as original text");
  Sub->add_option("FILE", O->file, "BPF C source file")->required();
  Sub->add_option("--function", O->functions, "functions F[,F...]");
  Sub->add_option("--program", O->programs, "programs P[,P...] (name or unique section)");
  Sub->add_option("--lines", O->lines, "declarations touching FILE:A-B (1-based, inclusive)");
  Sub->add_option("--map", O->map, "every function that reads or writes map M");
  Sub->add_option("--harness", O->harness,
                  "add an entry program for HOOK that calls the selected functions with unknown "
                  "inputs (xdp, tc, socket, cgroup_skb/ingress, sockops, ...)");
  Sub->add_option("-o", O->output,
                  "output file (default: standard output); with --each*, the directory that "
                  "receives <name>.c per selection");
  Sub->add_option("--manifest", O->manifest,
                  "write what was kept and why as JSON; with --each*, no file: "
                  "DIR/<name>.manifest.json per selection")
      ->expected(0, 1);
  Sub->add_flag("--each", O->each,
                "one output per name of --function or --program, all from one parse: "
                "-o DIR/ receives DIR/<name>.c");
  Sub->add_flag("--each-function", O->eachFunction,
                "as --each, for every function of the file's own code that is not a program");
  Sub->add_flag("--each-program", O->eachProgram, "as --each, for every program of the file");
  Sub->add_option("--format", O->format, "--each's summary on stdout: text or json");
  Sub->add_option("-j,--jobs", O->jobs,
                  "with --each*, selections sliced and self-checked at once (default: the CPUs)")
      ->check(CLI::PositiveNumber);
  Sub->add_flag("--keep-local-includes", O->keepLocalIncludes,
                "keep #include \"...\" of the project's headers instead of copying from them");
  Sub->add_flag("--no-self-check", O->noSelfCheck,
                "skip parsing the output again before writing it (for benchmarks)");
  addModernizeMapsFlag(Sub, Ctx);
  addIncludePolicyFlags(Sub, Ctx);
  Sub->add_option("-p", Ctx.buildDir, "directory holding compile_commands.json");
  Sub->footer("Examples:\n"
              "  bpfcarve extract balancer.bpf.c --program gue_decap_only -o gue.bpf.c\n"
              "  bpfcarve extract balancer.bpf.c --function flow_hash --manifest kept.json\n"
              "  bpfcarve extract balancer.bpf.c --lines balancer.bpf.c:120-180\n"
              "  bpfcarve extract balancer.bpf.c --map ch_rings -- --target=bpf -O2 -DLB_STATS=0\n"
              "  bpfcarve extract balancer.bpf.c --each-function --harness xdp -o parts/\n"
              "  bpfcarve extract balancer.bpf.c --function flow_hash,parse_udp --each -o parts/ "
              "--manifest");
  Sub->callback([O, Sub, &Ctx] {
    O->manifestGiven = Sub->count("--manifest") > 0;
    Ctx.exitCode = runExtract(*O, Ctx);
  });
}

} // namespace bpfcarve::cli
