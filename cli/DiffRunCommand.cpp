//===- DiffRunCommand.cpp - bpfcarve diff-run -----------------------------===//
#include "Command.h"

#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/verifier/DiffRun.h"

#include <memory>

namespace bpfcarve::cli {

namespace {
struct DiffRunCliOptions {
  std::string a, b, program, programB, type, typeB, packets = "gen:all", seed, format = "text";
};

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
  auto R = verifier::diffRun(*ObjA, *ObjB, DO);
  if (!R)
    return report(R.failure(), Ctx);
  R->a = O.a;
  R->b = O.b;
  int Code = verifier::diffRunExitCode(*R);
  if (Code)
    report(Failure{FailureKind::Rejected,
                   R->divergent
                       ? std::to_string(R->divergent) + " of " + std::to_string(R->compared) +
                             " compared packets behave differently"
                       : "map contents differ after the run",
                   {},
                   0,
                   0,
                   {}},
           Ctx);
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
  Sub->add_option("-p", Ctx.buildDir, "directory holding compile_commands.json");
  addModernizeMapsFlag(Sub, Ctx); // an iproute2 original against its modernized retarget
  Sub->footer("Exit: 0 same behaviour, 1 a packet or a map differs, 2 bad input, 3 this kernel\n"
              "cannot test-run the program type.\n"
              "Examples:\n"
              "  bpfcarve diff-run filter_xdp.c filter_tc.c --packets gen:all\n"
              "  bpfcarve diff-run lb.o lb_tc.o --program balancer --maps seed.json --format json\n"
              "  bpfcarve diff-run a.c b.c --packets capture.pcap");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runDiffRun(*O, Ctx); });
}

} // namespace bpfcarve::cli
