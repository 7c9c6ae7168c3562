//===- CiRun.cpp - bpfcarve ci: running the jobs --------------------------===//
//
// Two phases. Building: every job in every `defines:` configuration becomes one object (a verify
// job's input compiled, a carve job's result, a compose job's result), with each input parsed
// (carve) and compiled (verify) once per flag set however many jobs name it. Verifying: every
// object in every `set:` configuration on every kernel of its job, the host's loads here and
// each other kernel's in one boot for the whole run.
//
//===----------------------------------------------------------------------===//
#include "CiJobs.h"

#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/toolchain/Toolchain.h"
#include "bpfcarve/transformer/Compose.h"
#include "bpfcarve/transformer/Pipeline.h"
#include "bpfcarve/verifier/Compiler.h"
#include "bpfcarve/verifier/Guest.h"
#include "bpfcarve/verifier/Kernels.h"
#include "bpfcarve/verifier/Packets.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sys/utsname.h>

namespace bpfcarve::cli::ci {

namespace {

namespace fs = std::filesystem;

/// One job in one `defines:` configuration, built.
struct Artifact {
  size_t job = 0, defines = 0;
  std::string configuration; ///< the defines part of the label
  std::string object;        ///< the compiled object ("" when building failed)
  std::string source;        ///< what its rows call it
  std::string program, type; ///< what verify loads of it
  std::optional<Failure> failure;
  /// carve and compose verify their result on the host themselves: reused for the host's rows
  /// of the empty `set:` configuration.
  std::optional<verifier::ObjectReport> hostReport;
  std::optional<verifier::DiffRunReport> diffRun;
  std::string diffRunSkipped;
};

std::string label(const std::vector<std::string> &Defines, const verifier::GlobalValues &Set) {
  std::string L;
  for (const std::string &D : Defines)
    L += (L.empty() ? "" : " ") + D;
  std::string S;
  for (const auto &[K, V] : Set)
    S += (S.empty() ? "" : " ") + K + "=" + V;
  if (!S.empty())
    L += (L.empty() ? "" : "; ") + S;
  return L.empty() ? "default" : L;
}

bool isElf(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  char Magic[4] = {};
  In.read(Magic, 4);
  return In.gcount() == 4 && Magic[0] == 0x7f && Magic[1] == 'E' && Magic[2] == 'L' &&
         Magic[3] == 'F';
}

class Runner {
public:
  Runner(const JobFile &F, const RunOptions &O, const CommandContext &Ctx, std::string Scratch)
      : F(F), O(O), Ctx(Ctx), Scratch(std::move(Scratch)) {}

  void buildAll() {
    for (size_t J = 0; J < F.jobs.size(); ++J) {
      ++Counted.jobs;
      for (size_t D = 0; D < F.jobs[J].defines.size(); ++D) {
        Artifact A;
        A.job = J;
        A.defines = D;
        A.configuration = label(F.jobs[J].defines[D], {});
        if (Ctx.verbose)
          std::cerr << "bpfcarve: ci: building " << F.jobs[J].name << " (" << A.configuration
                    << ")\n";
        if (auto B = build(F.jobs[J], A); !B)
          A.failure = B.failure();
        Artifacts.push_back(std::move(A));
      }
    }
  }

  Result<bool> verifyAll() {
    for (const std::string &K : kernelsInOrder()) {
      auto Image = kernelNamed(K);
      if (!Image) {
        failEverywhere(K, Image.failure());
        continue;
      }
      Out.kernels.push_back(K);
      if (Image->host)
        onHost();
      else
        inGuest(*Image);
    }
    return true;
  }

  RunResult take() {
    Out.counts = Counted;
    return std::move(Out);
  }

private:
  /// The kernels a job runs on: --kernel, else its own, else the file's, else the host.
  std::vector<std::string> kernelsOf(const Job &J) const {
    if (!O.kernels.empty())
      return O.kernels;
    if (!J.kernels.empty())
      return J.kernels;
    if (!F.kernels.empty())
      return F.kernels;
    return {"host"};
  }

  std::vector<std::string> kernelsInOrder() const {
    std::vector<std::string> All;
    for (const Job &J : F.jobs)
      for (const std::string &K : kernelsOf(J))
        if (std::find(All.begin(), All.end(), K) == All.end())
          All.push_back(K);
    if (auto Host = std::find(All.begin(), All.end(), "host"); Host != All.end())
      std::rotate(All.begin(), Host, Host + 1); // the host first, the others in order
    return All;
  }

  bool runsOn(const Artifact &A, const std::string &Kernel) const {
    auto Ks = kernelsOf(F.jobs[A.job]);
    return std::find(Ks.begin(), Ks.end(), Kernel) != Ks.end();
  }

  /// The job's flags in one defines configuration: its flags:/compile_commands: (else the BPF
  /// defaults) with the defines after them; nullopt when it gives neither and defines none.
  Result<std::optional<std::vector<std::string>>> flagsOf(const Job &J,
                                                          const std::vector<std::string> &D) {
    CommandContext JC = Ctx;
    JC.buildDir = J.compileCommands;
    JC.flags = J.flags;
    if (D.empty())
      return compileFlagsFor(J.file, JC);
    auto Flags = compileFlagsOrDefaults(J.file, JC);
    if (!Flags)
      return Flags.failure();
    Flags->insert(Flags->end(), D.begin(), D.end());
    return std::optional<std::vector<std::string>>(Flags.take());
  }

  static std::string keyOf(const std::string &File,
                           const std::optional<std::vector<std::string>> &Flags) {
    std::string K = fs::absolute(File).lexically_normal().string();
    if (Flags)
      for (const std::string &S : *Flags)
        K += '\0' + S;
    return K;
  }

  Result<bool> build(const Job &J, Artifact &A) {
    A.source = J.file;
    if (J.kind == JobKind::Verify)
      return buildVerify(J, A);
    if (J.kind == JobKind::Carve)
      return buildCarve(J, A);
    return buildCompose(J, A);
  }

  Result<bool> buildVerify(const Job &J, Artifact &A) {
    const std::vector<std::string> &D = J.defines[A.defines];
    A.program = J.programs;
    A.type = J.type;
    if (isElf(J.file)) {
      if (!D.empty())
        return Failure::badInput("defines: apply to a C input, not the object '" + J.file + "'",
                                 J.at.file, J.at.line, J.at.column);
      A.object = J.file;
      return true;
    }
    auto Flags = flagsOf(J, D);
    if (!Flags)
      return Flags.failure();
    std::string Key = keyOf(J.file, *Flags);
    auto It = Objects.find(Key);
    if (It == Objects.end()) {
      std::string Dir = Scratch + "/obj" + std::to_string(Objects.size());
      fs::create_directories(Dir);
      ++Counted.compiles;
      It = Objects.emplace(Key, verifier::compileBpf(J.file, *Flags, Dir)).first;
    }
    if (!It->second)
      return It->second.failure();
    A.object = *It->second;
    return true;
  }

  /// The model of File under Flags, parsed once for the whole run.
  Result<const extractor::ProgramModel *> modelOf(const extractor::ParseOptions &P) {
    std::string Key = keyOf(P.file, P.flags) + '\1' + P.buildDir;
    auto It = Models.find(Key);
    if (It == Models.end()) {
      ++Counted.parses;
      if (Ctx.verbose)
        std::cerr << "bpfcarve: ci: parsing " << P.file << "\n";
      It = Models
               .emplace(Key, std::make_unique<Result<extractor::ProgramModel>>(
                                 extractor::buildProgramModel(P, true)))
               .first;
    }
    if (!*It->second)
      return It->second->failure();
    return &**It->second;
  }

  /// Where a carve or compose job writes its result: --out-dir, the job's output:, or scratch.
  std::string resultPath(const Job &J, const Artifact &A, const std::string &Stem) {
    std::string Suffix = J.defines.size() > 1 ? "." + std::to_string(A.defines + 1) : "";
    if (!J.output.empty()) {
      fs::path P(J.output);
      return (P.parent_path() / (P.stem().string() + Suffix + P.extension().string())).string();
    }
    std::string Dir = !O.outDir.empty() ? O.outDir : Scratch + "/" + J.name + Suffix;
    fs::create_directories(Dir);
    return Dir + "/" + (O.outDir.empty() ? Stem : J.name + Suffix) + ".c";
  }

  Result<bool> compileResult(const std::string &Output, const std::vector<std::string> &Flags,
                             Artifact &A) {
    std::string Dir = Scratch + "/result" + std::to_string(Results++);
    fs::create_directories(Dir);
    ++Counted.compiles;
    auto Obj = verifier::compileBpf(Output, Flags, Dir);
    if (!Obj)
      return Obj.failure();
    A.object = *Obj;
    A.source = Output;
    return true;
  }

  Result<bool> buildCarve(const Job &J, Artifact &A) {
    auto Sel = selectionFrom(J.functions, J.programs, J.lines, J.map);
    if (!Sel)
      return Sel.failure();
    auto Flags = flagsOf(J, J.defines[A.defines]);
    if (!Flags)
      return Flags.failure();
    transformer::CarveOptions CO;
    CO.input = parseOptionsFor(J.file, Ctx);
    CO.input.buildDir.clear();
    CO.input.flags = *Flags;
    auto Model = modelOf(CO.input);
    if (!Model)
      return Model.failure();
    CO.model = *Model;
    CO.selection = *Sel;
    CO.to = J.to;
    CO.type = J.type;
    CO.direction = J.direction;
    CO.allowApprox = J.allowApprox;
    CO.diffRun = J.diffRun;
    CO.packets = J.packets;
    CO.seed = J.seed;
    CO.output = resultPath(J, A, fs::path(J.file).stem().string() + ".carved");
    auto Carved = transformer::carve(CO);
    if (!Carved)
      return Carved.failure();
    for (const std::string &W : Carved->extract.warnings)
      std::cerr << "bpfcarve: warning: " << J.name << ": " << W << "\n";
    A.program = Carved->extract.entryProgram;
    A.type = Carved->retarget || Sel->kind != extractor::Selection::Kind::Programs ? "" : J.type;
    A.hostReport = Carved->verify;
    A.diffRun = Carved->diffRun;
    A.diffRunSkipped = Carved->diffRunSkipped;
    return compileResult(CO.output, Carved->flags, A);
  }

  Result<bool> buildCompose(const Job &J, Artifact &A) {
    auto Recipe = readRecipe(J.file, Ctx);
    if (!Recipe)
      return Recipe.failure();
    Recipe->output = resultPath(J, A, Recipe->name);
    Recipe->packets = J.diffRun ? J.packets : "";
    Recipe->seed = J.seed;
    Recipe->models = [this](const extractor::ParseOptions &P) { return modelOf(P); };
    auto R = transformer::compose(*Recipe);
    if (!R)
      return R.failure();
    A.program = Recipe->name;
    A.hostReport = R->verify;
    A.diffRun = R->diffRun;
    A.diffRunSkipped = R->diffRunSkipped;
    return compileResult(Recipe->output, R->flags, A);
  }

  Row rowOf(const Artifact &A, const verifier::GlobalValues &Set, const std::string &Kernel) const {
    Row R;
    const Job &J = F.jobs[A.job];
    R.job = J.name;
    R.kind = kindName(J.kind);
    R.configuration = label(J.defines[A.defines], Set);
    R.kernel = Kernel;
    R.source = A.source;
    return R;
  }

  void errorRow(Row R, const Failure &Fail) {
    R.verdict = "error";
    R.message = Fail.message;
    R.errorFile = Fail.file;
    R.errorLine = Fail.line;
    R.exit = Fail.exitCode();
    Out.rows.push_back(std::move(R));
  }

  void programRows(const Row &Base, const verifier::ObjectReport &Report) {
    for (const verifier::ProgramReport &P : Report.programs) {
      Row R = Base;
      R.program = P.name;
      R.testRun = P.testRun;
      R.verdict = P.verdict;
      R.insns = P.stats.insnsProcessed;
      if (P.error) {
        R.errorClass = P.error->cls;
        R.message = P.error->message;
        R.errorFile = P.error->file;
        R.errorLine = P.error->line;
      }
      R.exit = P.verdict == "pass" ? 0 : P.verdict == "skipped" ? 3 : 1;
      Out.rows.push_back(std::move(R));
    }
  }

  /// The differential run of a carve or compose, once per artifact, on the host's row set.
  void diffRunRow(const Artifact &A) {
    if (!A.diffRun && A.diffRunSkipped.empty())
      return;
    Row R = rowOf(A, {}, "host");
    R.program = "(diff-run)";
    R.diffRun = A.diffRun;
    R.diffRunSkipped = A.diffRunSkipped;
    if (A.diffRun) {
      R.exit = verifier::diffRunExitCode(*A.diffRun);
      R.verdict = R.exit == 0 ? "pass" : "fail";
      R.message = std::to_string(A.diffRun->compared) + " of " +
                  std::to_string(A.diffRun->packets) + " frames compared, " +
                  std::to_string(A.diffRun->divergent) + " divergent";
    } else {
      R.verdict = "skipped";
      R.message = A.diffRunSkipped;
    }
    Out.rows.push_back(std::move(R));
  }

  void onHost() {
    struct utsname U{};
    ::uname(&U);
    Out.releases.emplace_back("host", U.release);
    for (const Artifact &A : Artifacts) {
      if (!runsOn(A, "host"))
        continue;
      const Job &J = F.jobs[A.job];
      if (A.failure) {
        errorRow(rowOf(A, {}, "host"), *A.failure);
        continue;
      }
      for (const verifier::GlobalValues &Set : J.sets) {
        ++Counted.configurations;
        Row Base = rowOf(A, Set, "host");
        if (Set.empty() && A.hostReport) {
          programRows(Base, *A.hostReport);
          continue;
        }
        ++Counted.loads;
        auto Report =
            verifier::verifyObject(A.object, {A.program, A.type, framesOf(J), A.source, Set});
        if (!Report)
          errorRow(Base, Report.failure());
        else
          programRows(Base, *Report);
      }
      diffRunRow(A);
    }
  }

  void inGuest(const verifier::KernelImage &K) {
    verifier::GuestJob GJ;
    GJ.timeoutSeconds = O.kernelTimeout;
    std::vector<std::pair<const Artifact *, const verifier::GlobalValues *>> Pairs;
    for (const Artifact &A : Artifacts) {
      if (!runsOn(A, K.name))
        continue;
      if (A.failure) {
        errorRow(rowOf(A, {}, K.name), *A.failure);
        continue;
      }
      for (const verifier::GlobalValues &Set : F.jobs[A.job].sets) {
        GJ.objects.push_back({A.object, A.source, A.program, A.type, Set, {}});
        Pairs.emplace_back(&A, &Set);
      }
    }
    if (Pairs.empty())
      return;
    // One boot for all: the frames of every job's packets: one after the other, each object
    // test-run on its own job's range of them.
    std::vector<verifier::Packet> AllFrames;
    std::map<std::string, std::pair<size_t, size_t>> Ranges;
    for (size_t I = 0; I < Pairs.size(); ++I) {
      const Job &J = F.jobs[Pairs[I].first->job];
      const std::vector<verifier::Packet> *Frames = framesOf(J);
      if (!Frames) {
        GJ.objects[I].packetRange = std::pair<size_t, size_t>{0, 0};
        continue;
      }
      if (!Ranges.count(J.packets)) {
        Ranges[J.packets] = {AllFrames.size(), Frames->size()};
        AllFrames.insert(AllFrames.end(), Frames->begin(), Frames->end());
      }
      GJ.objects[I].packetRange = Ranges[J.packets];
    }
    if (!AllFrames.empty())
      GJ.packets = &AllFrames;
    if (Ctx.verbose)
      std::cerr << "bpfcarve: ci: booting " << K.name << " for " << Pairs.size() << " objects\n";
    ++Counted.boots;
    Counted.booted.push_back(K.name);
    Counted.loads += static_cast<unsigned>(Pairs.size());
    Counted.configurations += static_cast<unsigned>(Pairs.size());
    auto Run = verifier::runInGuest(K, GJ);
    for (size_t I = 0; I < Pairs.size(); ++I) {
      Row Base = rowOf(*Pairs[I].first, *Pairs[I].second, K.name);
      if (!Run)
        errorRow(Base, Run.failure());
      else if (!Run->reports[I])
        errorRow(Base, Run->reports[I].failure());
      else
        programRows(Base, *Run->reports[I]);
    }
    if (Run)
      Out.releases.emplace_back(K.name, Run->release);
  }

  /// A verify job's frames, read once per spec for the run; null when it test-runs nothing.
  const std::vector<verifier::Packet> *framesOf(const Job &J) {
    if (J.kind != JobKind::Verify || J.packets.empty())
      return nullptr;
    auto It = Frames.find(J.packets);
    if (It == Frames.end()) {
      auto Loaded = verifier::loadPackets(J.packets); // read at the job file's check already
      It =
          Frames.emplace(J.packets, Loaded ? Loaded.take() : std::vector<verifier::Packet>{}).first;
    }
    return &It->second;
  }

  void failEverywhere(const std::string &Kernel, const Failure &Fail) {
    for (const Artifact &A : Artifacts)
      if (runsOn(A, Kernel))
        errorRow(rowOf(A, {}, Kernel), Fail);
  }

  const JobFile &F;
  const RunOptions &O;
  const CommandContext &Ctx;
  std::string Scratch;
  Counts Counted;
  RunResult Out;
  std::vector<Artifact> Artifacts;
  std::map<std::string, Result<std::string>> Objects;
  std::map<std::string, std::vector<verifier::Packet>> Frames;
  std::map<std::string, std::unique_ptr<Result<extractor::ProgramModel>>> Models;
  unsigned Results = 0;
};

} // namespace

Result<RunResult> runJobs(const JobFile &F, const RunOptions &O, const CommandContext &Ctx) {
  auto Scratch = toolchain::TempDir::create("bpfcarve-ci");
  if (!Scratch)
    return Scratch.failure();
  if (!O.outDir.empty()) {
    std::error_code EC;
    fs::create_directories(O.outDir, EC);
    if (EC)
      return Failure::badInput("cannot create --out-dir '" + O.outDir + "': " + EC.message());
  }
  Runner R(F, O, Ctx, Scratch->path());
  R.buildAll();
  if (auto V = R.verifyAll(); !V)
    return V.failure();
  return R.take();
}

} // namespace bpfcarve::cli::ci
