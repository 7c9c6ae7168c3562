//===- VerifyCommand.cpp - bpfcarve verify --------------------------------===//
#include "Command.h"

#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/verifier/Compiler.h"
#include "bpfcarve/verifier/Loader.h"
#include "bpfcarve/verifier/Packets.h"
#include "bpfcarve/verifier/ReportFormat.h"

#include <fstream>
#include <iostream>
#include <memory>

namespace bpfcarve::cli {

namespace {
struct VerifyCliOptions {
  std::string file, program, type, format = "text", packets;
};

int runVerify(const VerifyCliOptions &O, const CommandContext &Ctx) {
  auto Scratch = toolchain::TempDir::create("bpfcarve-verify");
  if (!Scratch)
    return report(Scratch.failure(), Ctx);
  std::vector<std::string> Modernized;
  auto Object = objectFor(O.file, Ctx, Scratch->path(), &Modernized);
  if (!Object)
    return report(Object.failure(), Ctx);
  std::vector<verifier::Packet> Packets;
  if (!O.packets.empty()) {
    auto Loaded = verifier::loadPackets(O.packets);
    if (!Loaded)
      return report(Loaded.failure(), Ctx);
    Packets = Loaded.take();
  }
  verifier::VerifyOptions VO{O.program, O.type, O.packets.empty() ? nullptr : &Packets, O.file};
  auto Report = verifier::verifyObject(*Object, VO);
  if (!Report)
    return report(Report.failure(), Ctx);
  if (Report->programs.empty())
    return report(Failure::badInput("'" + O.file + "' holds no BPF program (no SEC() function)"),
                  Ctx);
  Report->object = O.file;
  for (const std::string &Sized : Report->loaderSizedMaps)
    std::cerr << "bpfcarve: note: map " << Sized
              << ": its definition leaves max_entries to the loader; created so for the verifier\n";
  if (Ctx.modernizeMaps)
    Report->modernized = Modernized;
  int Code = verifier::reportExitCode(*Report);
  // Failures also get the one clang-style first line on stderr, located by BTF line info.
  for (const verifier::ProgramReport &P : Report->programs) {
    if (!P.error)
      continue;
    Failure F{P.verdict == "skipped" ? FailureKind::Environment : FailureKind::Rejected,
              P.name + ": " + P.error->message + " [" + P.error->cls + "]",
              P.error->file,
              P.error->line,
              0,
              P.log};
    report(F, Ctx);
  }
  std::string Out = O.format == "json"    ? verifier::reportJson(*Report)
                    : O.format == "sarif" ? verifier::reportSarif(*Report, O.file)
                                          : verifier::reportText(*Report);
  if (int E = emit(Out, Ctx))
    return E;
  return Code;
}
} // namespace

void addVerifyCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<VerifyCliOptions>();
  CLI::App *Sub = App.add_subcommand(
      "verify", "Compile (for a .c) and load every program through the kernel verifier; report "
                "verdict, statistics, failure class and source line");
  Sub->add_option("FILE", O->file, "BPF C source or BPF object (.o)")->required();
  Sub->add_option("--program", O->program, "only this program (function or unique section)");
  Sub->add_option("--type", O->type,
                  "hook overriding SEC(): xdp, tc, socket, cgroup_skb/ingress, ...");
  Sub->add_option("--format", O->format, "output format")
      ->check(CLI::IsMember({"text", "json", "sarif"}));
  Sub->add_option("--packets", O->packets,
                  "run every passing program on these frames: pcap file or gen:NAME");
  addModernizeMapsFlag(Sub, Ctx);
  Sub->add_option("-p", Ctx.buildDir, "directory holding compile_commands.json");
  Sub->footer("Each program is loaded alone with its own type; pinning is off, so nothing is\n"
              "left in /sys/fs/bpf, and everything is unloaded before exit.\n"
              "Exit: 0 all pass, 1 a program was rejected, 3 none rejected, some skipped (not "
              "permitted here).\n"
              "Examples:\n"
              "  bpfcarve verify balancer.bpf.c\n"
              "  bpfcarve verify prog.o --program xdp_main --format json\n"
              "  bpfcarve verify filter.c --type socket --format sarif > verify.sarif");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runVerify(*O, Ctx); });
}

} // namespace bpfcarve::cli
