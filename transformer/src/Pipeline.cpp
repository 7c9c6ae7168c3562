//===- Pipeline.cpp - carve: extract, retarget, verify, diff-run -----------===//
#include "bpfcarve/transformer/Pipeline.h"

#include "bpfcarve/toolchain/Names.h"
#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/verifier/Compiler.h"
#include "bpfcarve/verifier/HookProfile.h"
#include "bpfcarve/verifier/MapState.h"
#include "bpfcarve/verifier/Packets.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <system_error>

namespace bpfcarve::transformer {

namespace {

/// A harness in a section libbpf types but no hook profile describes (iter/tcp, lsm.s/bpf,
/// fmod_ret/F, cgroup/sysctl, struct_ops/F, ...): the section as named, so libbpf gives the
/// entry the program type, attach type and sleepable flag of the callers' programs; the entry
/// takes `void *ctx` and passes it where the callers pass theirs; what the profiles know of a
/// hook (return codes, helpers, packet access) is left to the verifier, which decides.
std::optional<extractor::HarnessHook> harnessHookOfSection(const std::string &Section) {
  bpf_prog_type Type{};
  bpf_attach_type Attach{};
  if (libbpf_prog_type_by_name(Section.c_str(), &Type, &Attach) != 0)
    return std::nullopt;
  extractor::HarnessHook H;
  H.name = Section;
  H.section = Section;
  const char *TypeName = libbpf_bpf_prog_type_str(Type);
  H.progType = TypeName ? TypeName : std::to_string(Type);
  H.passValue = 0;
  H.passName = "no hook profile says what " + Section + " reads in it";
  H.scalarKernelPointers = true;
  // libbpf's sleepable sections are the ones whose kind ends in ".s": lsm.s/, fentry.s/, ...
  std::string Kind = Section.substr(0, Section.find('/'));
  H.sleepable = Kind.size() > 2 && Kind.compare(Kind.size() - 2, 2, ".s") == 0;
  H.argsCtx = Type == BPF_PROG_TYPE_TRACING || Type == BPF_PROG_TYPE_LSM ||
              Type == BPF_PROG_TYPE_RAW_TRACEPOINT || Type == BPF_PROG_TYPE_STRUCT_OPS ||
              Type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE;
  return H;
}

} // namespace

Result<extractor::HarnessHook> harnessHookFor(const std::string &Name) {
  const verifier::HookProfile *P = verifier::findHook(Name);
  if (!P) {
    if (auto H = harnessHookOfSection(Name))
      return *H;
    return toolchain::unknownName("unknown harness hook", Name, verifier::hookNames(),
                                  toolchain::everyName(verifier::hookNames()) +
                                      ", or a section libbpf knows");
  }
  extractor::HarnessHook H;
  H.name = std::string(P->name);
  H.section = P->sectionToWrite();
  // A hook that loads only against a target (lsm, fentry, fexit, tp_btf) keeps the one named:
  // `--harness lsm/file_open` writes SEC("lsm/file_open").
  if (!P->probeTarget.empty()) {
    if (Name == P->name)
      return Failure::badInput(toolchain::withArticle(std::string(P->name)) +
                               " harness needs the " + std::string(P->name) +
                               " target it loads against: --harness " + std::string(P->name) +
                               "/<target>, as the calling program's "
                               "section names it (e.g. " +
                               std::string(P->name) + "/" + std::string(P->probeTarget) + ")");
    H.section = Name;
  }
  H.ctxStruct = std::string(P->ctxStruct);
  H.progType = std::string(P->progTypeName);
  H.directPacketAccess = P->packetAccess != verifier::PacketAccess::None;
  H.scalarKernelPointers = P->scalarKernelPointers;
  H.argsCtx = !P->argsOf.empty();
  const verifier::ReturnCode *Pass = P->returnCodeFor(verifier::ReturnMeaning::Pass);
  if (!Pass) // raw_tp: the kernel ignores the value
    Pass = P->returnCodeFor(verifier::ReturnMeaning::Ignored);
  H.passValue = Pass ? Pass->value : 0;
  H.passName = Pass ? std::string(Pass->name) : "0";
  for (const verifier::ReturnCode &C : P->returnCodes)
    H.actionNames.emplace_back(C.name);
  for (const verifier::HookProfile &Other : verifier::hookProfiles())
    if (!Other.ctxStruct.empty() && Other.ctxStruct != P->ctxStruct &&
        std::find(H.foreignCtxStructs.begin(), H.foreignCtxStructs.end(), Other.ctxStruct) ==
            H.foreignCtxStructs.end())
      H.foreignCtxStructs.emplace_back(Other.ctxStruct);
  return H;
}

namespace {

namespace fs = std::filesystem;

/// The --keep-stages directory; every call does nothing when none was asked for.
class StageDir {
public:
  static Result<StageDir> open(const std::string &Dir) {
    StageDir S;
    if (Dir.empty())
      return S;
    std::error_code EC;
    fs::create_directories(Dir, EC);
    if (EC || !fs::is_directory(Dir))
      return Failure::badInput("--keep-stages '" + Dir +
                               "' is not a directory bpfcarve can create" +
                               (EC ? ": " + EC.message() : std::string()));
    S.Dir = Dir;
    return S;
  }
  Result<bool> write(const char *Name, const std::string &Text) const {
    if (Dir.empty())
      return true;
    return toolchain::writeFileAtomically(Dir + "/" + Name, Text);
  }
  Result<bool> copy(const char *Name, const std::string &From) const {
    if (Dir.empty())
      return true;
    std::error_code EC;
    fs::copy_file(From, Dir + "/" + Name, fs::copy_options::overwrite_existing, EC);
    if (EC)
      return Failure::environment("cannot write '" + Dir + "/" + Name + "': " + EC.message());
    return true;
  }
  /// The frames of the differential run that diverged, as a pcap.
  Result<bool> writeDiverged(const std::string &PacketSpec,
                             const verifier::DiffRunReport &D) const {
    if (Dir.empty() || D.divergentIndices.empty())
      return true;
    auto Frames = verifier::loadPackets(PacketSpec);
    if (!Frames)
      return Frames.failure();
    std::vector<verifier::Packet> Diverged;
    for (size_t I : D.divergentIndices)
      if (I < Frames->size())
        Diverged.push_back((*Frames)[I]);
    return verifier::writePcap(Dir + "/" + stage::Diverged, Diverged);
  }

private:
  std::string Dir;
};

/// Every program's verdict and verifier log, one after the other.
std::string verifierLogs(const verifier::ObjectReport &R) {
  std::string Out;
  for (const verifier::ProgramReport &P : R.programs)
    Out += "; program " + P.name + " (SEC(\"" + P.section + "\")): " + P.verdict + "\n" + P.log +
           (P.log.empty() || P.log.back() == '\n' ? "" : "\n");
  return Out;
}

/// The extract stage: a harness for a selection that is not programs, for the harness hook or
/// the target hook, else xdp.
Result<extractor::ExtractResult> extractStage(const CarveOptions &O, const StageDir &Stages) {
  extractor::ExtractOptions E;
  if (O.selection.kind != extractor::Selection::Kind::Programs) {
    auto H = harnessHookFor(!O.harness.empty() ? O.harness : !O.to.empty() ? O.to : "xdp");
    if (!H)
      return H.failure();
    E.harness = *H;
  }
  auto Ex = O.model ? extractor::extractFromModel(*O.model, O.input, O.selection, E, O.output)
                    : extractor::extract(O.input, O.selection, E, O.output);
  if (!Ex)
    return Ex.failure();
  if (auto W = Stages.write(stage::Slice, Ex->text); !W)
    return W.failure();
  if (auto W = Stages.write(stage::Manifest, Ex->manifest); !W)
    return W.failure();
  return Ex;
}

} // namespace

namespace {
/// Why the carved original and its retarget cannot be run side by side, "" when they can.
std::string diffRunImpossible(const CarveOptions &O, const RetargetReport &R) {
  // BPF_PROG_TEST_RUN gives a socket filter its packet from L3: a filter that reads L2 cannot be
  // run as it runs on its AF_PACKET socket.
  if (O.socketOffsets == "l2" && (R.fromHook == "socket" || R.toHook == "socket"))
    return "--socket-offsets l2: BPF_PROG_TEST_RUN runs socket filters on L3, not on the L2 "
           "frames an AF_PACKET socket's filter reads";
  return "";
}
} // namespace

Result<CarveResult> carve(const CarveOptions &O) {
  // Bad packet or seed inputs are bad input before anything is written, not after -o exists.
  if (!O.to.empty() && O.diffRun) {
    if (auto Packets = verifier::loadPackets(O.packets); !Packets)
      return Packets.failure();
    if (!O.seed.empty())
      if (auto Seed = verifier::readMapSeed(O.seed); !Seed)
        return Seed.failure();
  }
  auto Stages = StageDir::open(O.keepStages);
  if (!Stages)
    return Stages.failure();

  CarveResult Res;
  auto Ex = extractStage(O, *Stages);
  if (!Ex)
    return Ex.failure();
  Res.extract = Ex.take();
  const extractor::ExtractResult &X = Res.extract;
  const extractor::ProgramModel &Model = O.model ? *O.model : X.model;

  // The carved slice stands where it is written: its "..." includes are spelt for -o's
  // directory (EmitOptions::outputDir), which the compiles of its copies elsewhere search.
  const std::string OutDir = toolchain::directoryOf(O.output);
  std::string SliceName = OutDir + "/" + fs::path(O.input.file).stem().string() + ".carved.c";
  std::vector<std::string> Flags = extractor::flagsOfCommand(Model.flags, O.input.file);
  Flags.push_back("-I" + OutDir);
  Res.flags = Flags;

  std::string Final = X.text;
  if (!O.to.empty()) {
    RetargetOptions RO;
    RO.program = X.entryProgram;
    RO.to = O.to;
    RO.from = O.type;
    RO.direction = O.direction;
    RO.socketOffsets = O.socketOffsets;
    RO.allowApprox = O.allowApprox;
    RO.outputDir = OutDir;
    // A program is retargeted from the input itself, whose model extract built (the report
    // points into the input); a harness exists only in the carved slice, which is parsed.
    Result<RetargetResult> R = Failure::internal("not retargeted");
    if (O.selection.kind == extractor::Selection::Kind::Programs) {
      R = retarget(Model, O.input, RO);
    } else {
      extractor::ParseOptions SP;
      SP.file = SliceName;
      SP.contents = X.text;
      SP.flags = Flags;
      R = retarget(SP, RO);
    }
    if (!R)
      return R.failure();
    Final = R->text;
    Res.retarget = R->report;
    if (auto W = Stages->write(stage::Retargeted, Final); !W)
      return W.failure();
  }
  if (auto W = toolchain::writeFileAtomically(O.output, Final); !W)
    return W.failure();

  // Verify the result in the kernel, compiled where it was written.
  auto Scratch = toolchain::TempDir::create("bpfcarve-carve");
  if (!Scratch)
    return Scratch.failure();
  auto Obj = verifier::compileBpf(O.output, Flags, Scratch->path());
  if (!Obj) {
    Failure F = Failure::internal("the carved output does not compile: " + Obj.failure().message);
    F.details = Obj.failure().details;
    return F;
  }
  if (auto C = Stages->copy(stage::Object, *Obj); !C)
    return C.failure();
  // A retargeted result is in its hook's own section; a kept program keeps its SEC().
  // A retargeted result is in its hook's own section, a harness in its own; a kept program
  // keeps its SEC(), which --type may have to name.
  const bool KeptProgram = O.selection.kind == extractor::Selection::Kind::Programs;
  auto Verified = verifier::verifyObject(
      *Obj,
      {X.entryProgram, Res.retarget || !KeptProgram ? std::string() : O.type, nullptr, O.output});
  if (!Verified)
    return Verified.failure();
  Verified->object = O.output;
  Res.verify = Verified.take();
  if (auto W = Stages->write(stage::VerifierLog, verifierLogs(Res.verify)); !W)
    return W.failure();
  Res.exitCode = verifier::reportExitCode(Res.verify);
  if (!Res.retarget || !O.diffRun || Res.exitCode != 0)
    return Res;
  if (Res.diffRunSkipped = diffRunImpossible(O, *Res.retarget); !Res.diffRunSkipped.empty())
    return Res;

  // Run the carved original and the result on the same frames.
  auto OrigObj = verifier::compileText(X.text, Scratch->path() + "/original",
                                       fs::path(SliceName).filename().string(), Flags);
  if (!OrigObj)
    return OrigObj.failure();
  if (auto C = Stages->copy(stage::OriginalObject, *OrigObj); !C)
    return C.failure();
  verifier::DiffRunOptions DO;
  DO.programA = X.entryProgram;
  DO.typeA = KeptProgram ? O.type : std::string();
  DO.packets = O.packets;
  DO.seedPath = O.seed;
  auto D = verifier::diffRun(*OrigObj, *Obj, DO);
  if (!D) {
    if (D.failure().kind != FailureKind::Environment)
      return D.failure();
    Res.diffRunSkipped = D.failure().message;
    return Res;
  }
  D->a = "carved " + O.input.file;
  D->b = O.output;
  if (auto W = Stages->writeDiverged(O.packets, *D); !W)
    return W.failure();
  if (int C = verifier::diffRunExitCode(*D))
    Res.exitCode = std::max(Res.exitCode == 3 ? 0 : Res.exitCode, C);
  Res.diffRun = D.take();
  return Res;
}

} // namespace bpfcarve::transformer
