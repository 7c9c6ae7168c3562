//===- DiffRunCommand.cpp - bpfcarve diff-run -----------------------------===//
#include "Command.h"

#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/verifier/DiffRun.h"
#include "bpfcarve/verifier/Guest.h"
#include "bpfcarve/verifier/Kernels.h"
#include "bpfcarve/verifier/MapState.h"
#include "bpfcarve/verifier/Packets.h"

#include <nlohmann/json.hpp>

#include <iostream>

#include <memory>

namespace bpfcarve::cli {

namespace {
struct DiffRunCliOptions {
  std::string a, b, program, programB, type, typeB, packets = "gen:all", seed, format = "text",
                                                    kernel = "host";
};

/// The first line of a run that differs.
void reportDifference(int Code, size_t Divergent, size_t Compared, const std::string &On,
                      const CommandContext &Ctx) {
  if (!Code)
    return;
  report(Failure{FailureKind::Rejected,
                 (Divergent ? std::to_string(Divergent) + " of " + std::to_string(Compared) +
                                  " compared packets behave differently"
                            : std::string("map contents differ after the run")) +
                     On,
                 {},
                 0,
                 0,
                 {}},
         Ctx);
}

/// --kernel K: both objects run inside K, on the frames and seed read here.
int runInKernel(const DiffRunCliOptions &O, const std::string &Name, const std::string &ObjA,
                const std::string &ObjB, const verifier::DiffRunOptions &DO,
                const CommandContext &Ctx) {
  auto Packets = verifier::loadPackets(O.packets);
  if (!Packets)
    return report(Packets.failure(), Ctx);
  if (!O.seed.empty())
    if (auto S = verifier::readMapSeed(O.seed); !S)
      return report(S.failure(), Ctx);
  auto K = kernelNamed(Name);
  if (!K)
    return report(K.failure(), Ctx);
  verifier::GuestJob Job;
  Job.packets = &*Packets;
  Job.diffRun = verifier::GuestDiffRun{ObjA, ObjB, O.a, O.b, DO, O.seed};
  auto Run = verifier::runInGuest(*K, Job);
  if (!Run)
    return report(Run.failure(), Ctx);
  if (!Run->diffRunOutput)
    return report(Failure::internal("the guest agent wrote no diff-run report"), Ctx);
  if (!*Run->diffRunOutput)
    return report(Run->diffRunOutput->failure(), Ctx);
  const auto &[Text, Json] = **Run->diffRunOutput;
  auto J = nlohmann::ordered_json::parse(Json, nullptr, false);
  std::string On = " (kernel " + Name + ", " + Run->release + ")";
  if (Run->diffRunExit && J.is_object())
    reportDifference(Run->diffRunExit, J.value("divergent", size_t{0}),
                     J.value("compared", size_t{0}), On, Ctx);
  std::string Out;
  if (O.format == "json" && J.is_object()) {
    J["kernel"] = {{"name", Name},
                   {"release", Run->release},
                   {"package", K->package.empty() ? "" : K->package + " " + K->version}};
    Out = J.dump(2) + "\n";
  } else {
    Out = "kernel " + Name + ": " + Run->release + "\n" + Text;
  }
  if (int E = emit(Out, Ctx))
    return E;
  return Run->diffRunExit;
}

int runDiffRun(const DiffRunCliOptions &O, const CommandContext &Ctx) {
  auto Scratch = toolchain::TempDir::create("bpfcarve-diffrun");
  if (!Scratch)
    return report(Scratch.failure(), Ctx);
  auto ObjA = objectFor(O.a, Ctx, Scratch->path());
  if (!ObjA)
    return report(ObjA.failure(), Ctx);
  // Both inputs may share a file name: compile B into its own directory.
  std::string DirB = Scratch->path() + "/b";
  std::filesystem::create_directory(DirB);
  auto ObjB = objectFor(O.b, Ctx, DirB);
  if (!ObjB)
    return report(ObjB.failure(), Ctx);
  verifier::DiffRunOptions DO;
  DO.programA = O.program;
  DO.programB = O.programB;
  DO.typeA = O.type;
  DO.typeB = O.typeB;
  DO.packets = O.packets;
  DO.seedPath = O.seed;
  auto Names = verifier::splitKernelList(O.kernel);
  if (!Names)
    return report(Names.failure(), Ctx);
  if (Names->size() != 1)
    return report(Failure::badInput("diff-run --kernel takes one kernel; run it once per kernel"),
                  Ctx);
  if (Names->front() != "host")
    return runInKernel(O, Names->front(), *ObjA, *ObjB, DO, Ctx);
  auto R = verifier::diffRun(*ObjA, *ObjB, DO);
  if (!R)
    return report(R.failure(), Ctx);
  R->a = O.a;
  R->b = O.b;
  int Code = verifier::diffRunExitCode(*R);
  reportDifference(Code, R->divergent, R->compared, "", Ctx);
  if (int E = emit(O.format == "json" ? verifier::diffRunJson(*R) : verifier::diffRunText(*R), Ctx))
    return E;
  return Code;
}
} // namespace

void addDiffRunCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<DiffRunCliOptions>();
  CLI::App *Sub = App.add_subcommand(
      "diff-run", "Run two programs (e.g. an original and its retarget) on the same packets with "
                  "identically seeded maps and compare verdicts, output bytes and maps");
  Sub->add_option("A", O->a, "first program: BPF C source or object")->required();
  Sub->add_option("B", O->b, "second program: BPF C source or object")->required();
  Sub->add_option("--program", O->program, "program in A (and in B unless --program-b)");
  Sub->add_option("--program-b", O->programB, "program in B when its name differs");
  Sub->add_option("--type", O->type,
                  "hook of A's program when its SEC() is one libbpf does not know (tc, xdp, ...)");
  Sub->add_option("--type-b", O->typeB, "hook of B's program, likewise");
  Sub->add_option("--packets", O->packets,
                  "pcap file or gen:NAME (gen:all, gen:ipv4, gen:ipv6, "
                  "gen:vlan, gen:tunnels, gen:icmp, gen:malformed)");
  Sub->add_option("--maps", O->seed, "SEED.json: map entries written into both before the run");
  Sub->add_option("--format", O->format, "output format")->check(CLI::IsMember({"text", "json"}));
  Sub->add_option("--kernel", O->kernel,
                  "run both inside this kernel: host, a Debian series (6.1, 6.12), a "
                  "linux-image-*.deb or a vmlinuz (booted once under QEMU)")
      ->default_str("host");
  Sub->add_option("-p", Ctx.buildDir, "directory holding compile_commands.json");
  addModernizeMapsFlag(Sub, Ctx); // an iproute2 original against its modernized retarget
  Sub->footer("Exit: 0 same behaviour, 1 a packet or a map differs, 2 bad input, 3 this kernel\n"
              "cannot test-run the program type.\n"
              "Examples:\n"
              "  bpfcarve diff-run filter_xdp.c filter_tc.c --packets gen:all\n"
              "  bpfcarve diff-run lb.o lb_tc.o --program balancer --maps seed.json --format json\n"
              "  bpfcarve diff-run a.c b.c --packets capture.pcap\n"
              "  bpfcarve diff-run filter_xdp.c filter_tc.c --kernel 6.1");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runDiffRun(*O, Ctx); });
}

} // namespace bpfcarve::cli
