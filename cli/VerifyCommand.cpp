//===- VerifyCommand.cpp - bpfcarve verify --------------------------------===//
#include "Command.h"

#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/verifier/Compiler.h"
#include "bpfcarve/verifier/Guest.h"
#include "bpfcarve/verifier/Kernels.h"
#include "bpfcarve/verifier/Loader.h"
#include "bpfcarve/verifier/Packets.h"
#include "bpfcarve/verifier/ReportFormat.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sys/utsname.h>

namespace bpfcarve::cli {

namespace {
struct VerifyCliOptions {
  std::vector<std::string> files;
  std::string program, type, format = "text", packets, kernels = "host";
  unsigned kernelTimeout = 600;
  bool referenceLoad = false;
};

/// The first line of each failing program on stderr, clang style, located by BTF line info.
void reportPrograms(const verifier::ObjectReport &R, const std::string &On,
                    const CommandContext &Ctx) {
  for (const verifier::ProgramReport &P : R.programs) {
    if (!P.error)
      continue;
    Failure F{P.verdict == "skipped" ? FailureKind::Environment : FailureKind::Rejected,
              P.name + ": " + P.error->message + " [" + P.error->cls + "]" + On,
              P.error->file,
              P.error->line,
              0,
              P.log};
    report(F, Ctx);
  }
}

/// One `verify` call: its inputs compiled once, then verified on every kernel named.
class VerifyRun {
public:
  VerifyRun(const VerifyCliOptions &O, const CommandContext &Ctx, bool Matrix)
      : O(O), Ctx(Ctx), Matrix(Matrix) {}

  /// Every input compiled (and its --program checked) on the host before any kernel boots.
  int prepare(const std::string &ScratchDir) {
    for (size_t I = 0; I < O.files.size(); ++I) {
      std::string Dir = ScratchDir + "/" + std::to_string(I);
      std::filesystem::create_directories(Dir);
      auto Object = objectFor(O.files[I], Ctx, Dir, &Modernized);
      if (!Object)
        return report(Object.failure(), Ctx);
      auto Info = verifier::readObject(*Object);
      if (!Info)
        return report(Info.failure(), Ctx);
      if (Info->programs.empty())
        return report(
            Failure::badInput("'" + O.files[I] + "' holds no BPF program (no SEC() function)"),
            Ctx);
      Info->path = O.files[I]; // messages name the input, not its object
      if (auto Sel = verifier::selectPrograms(*Info, O.program); !Sel)
        return report(Sel.failure(), Ctx);
      Objects.push_back(*Object);
    }
    if (!O.packets.empty()) {
      auto Loaded = verifier::loadPackets(O.packets);
      if (!Loaded)
        return report(Loaded.failure(), Ctx);
      Packets = Loaded.take();
    }
    return 0;
  }

  /// Verifies every input on the kernel Name; 0, or the exit code of what stopped it.
  int on(const std::string &Name) {
    auto K = kernelNamed(Name);
    if (!K)
      return strongerExit(Code, report(K.failure(), Ctx));
    return K->host ? onHost(Name) : inGuest(Name, *K);
  }

  int finish() {
    std::string Out;
    if (!Matrix) {
      if (Matrixed.entries.empty())
        return Code;
      const verifier::ObjectReport &R = Matrixed.entries.front().report;
      Out = O.format == "json"    ? verifier::reportJson(R)
            : O.format == "sarif" ? verifier::reportSarif(R, O.files.front())
                                  : verifier::reportText(R);
    } else {
      Out = O.format == "json"    ? verifier::reportJson(Matrixed)
            : O.format == "sarif" ? verifier::reportSarif(Matrixed)
                                  : verifier::reportText(Matrixed);
    }
    if (int E = emit(Out, Ctx))
      return E;
    return Code;
  }

  int Code = 0;

private:
  const std::vector<verifier::Packet> *packets() const {
    return O.packets.empty() ? nullptr : &Packets;
  }

  int onHost(const std::string &Name) {
    struct utsname U{};
    ::uname(&U);
    Matrixed.kernels.push_back({Name, U.release, "", 0, ""});
    for (size_t I = 0; I < Objects.size(); ++I) {
      verifier::VerifyOptions VO{O.program, O.type, packets(), O.files[I]};
      auto Start = std::chrono::steady_clock::now();
      auto Report = verifier::verifyObject(Objects[I], VO);
      if (!Report)
        return report(Report.failure(), Ctx);
      if (O.referenceLoad)
        Matrixed.references.push_back(
            {O.files[I], Name, verifier::loadWhole(Objects[I]),
             static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::steady_clock::now() - Start)
                                            .count())});
      collect(Name, O.files[I], std::move(*Report));
    }
    return 0;
  }

  int inGuest(const std::string &Name, const verifier::KernelImage &K) {
    if (Ctx.verbose)
      std::cerr << "bpfcarve: booting " << Name << " (" << K.package << " " << K.version << ")\n";
    verifier::GuestJob Job;
    for (size_t I = 0; I < Objects.size(); ++I)
      Job.objects.push_back({Objects[I], O.files[I], O.program, O.type});
    Job.packets = packets();
    Job.timeoutSeconds = O.kernelTimeout;
    Job.reference = O.referenceLoad;
    auto Run = verifier::runInGuest(K, Job);
    if (!Run) {
      Code = strongerExit(Code, report(Run.failure(), Ctx));
      return 0; // the other kernels are still verified and reported
    }
    Matrixed.kernels.push_back({Name, Run->release,
                                K.package.empty() ? "" : K.package + " " + K.version, Run->bootMs,
                                Run->accelerator});
    for (size_t I = 0; I < Objects.size(); ++I) {
      if (!Run->reports[I]) {
        Code = strongerExit(Code, report(Run->reports[I].failure(), Ctx));
        continue;
      }
      collect(Name, O.files[I], std::move(*Run->reports[I]));
      if (Run->wholeLoads[I])
        Matrixed.references.push_back({O.files[I], Name, *Run->wholeLoads[I], Run->verifyUs[I]});
    }
    for (const std::string &Note : Run->notes)
      std::cerr << "bpfcarve: note: " << Note << "\n";
    return 0;
  }

  void collect(const std::string &Kernel, const std::string &File, verifier::ObjectReport R) {
    R.object = File;
    for (const std::string &Sized : R.loaderSizedMaps)
      if (std::find(SizedNoted.begin(), SizedNoted.end(), Sized) == SizedNoted.end()) {
        SizedNoted.push_back(Sized);
        std::cerr << "bpfcarve: note: map " << Sized
                  << ": its definition leaves max_entries to the loader; created so for the "
                     "verifier\n";
      }
    if (Ctx.modernizeMaps)
      R.modernized = Modernized;
    Code = strongerExit(Code, verifier::reportExitCode(R));
    reportPrograms(R, Matrix ? " (kernel " + Kernel + ")" : "", Ctx);
    Matrixed.entries.push_back({File, Kernel, std::move(R)});
  }

  const VerifyCliOptions &O;
  const CommandContext &Ctx;
  const bool Matrix;
  std::vector<std::string> Objects, Modernized, SizedNoted;
  std::vector<verifier::Packet> Packets;
  verifier::MatrixReport Matrixed;
};

int runVerify(const VerifyCliOptions &O, const CommandContext &Ctx) {
  auto KernelNames = verifier::splitKernelList(O.kernels);
  if (!KernelNames)
    return report(KernelNames.failure(), Ctx);
  bool Matrix =
      O.files.size() > 1 || O.referenceLoad || *KernelNames != std::vector<std::string>{"host"};
  if (Ctx.modernizeMaps && O.files.size() > 1)
    return report(Failure::badInput("--modernize-maps takes one input"), Ctx);
  auto Scratch = toolchain::TempDir::create("bpfcarve-verify");
  if (!Scratch)
    return report(Scratch.failure(), Ctx);
  VerifyRun Run(O, Ctx, Matrix);
  if (int E = Run.prepare(Scratch->path()))
    return E;
  for (const std::string &Name : *KernelNames)
    if (int E = Run.on(Name))
      return E;
  return Run.finish();
}
} // namespace

void addVerifyCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<VerifyCliOptions>();
  CLI::App *Sub = App.add_subcommand(
      "verify", "Compile (for a .c) and load every program through the kernel verifier; report "
                "verdict, statistics, failure class and source line");
  Sub->add_option("FILE", O->files, "BPF C sources or BPF objects (.o)")->required();
  Sub->add_option("--program", O->program, "only this program (function or unique section)");
  Sub->add_option("--type", O->type,
                  "hook overriding SEC(): xdp, tc, socket, cgroup_skb/ingress, ...");
  Sub->add_option("--format", O->format, "output format")
      ->check(CLI::IsMember({"text", "json", "sarif"}));
  Sub->add_option("--packets", O->packets,
                  "run every passing program on these frames: pcap file or gen:NAME");
  Sub->add_option("--kernel", O->kernels,
                  "kernels to verify on, comma-separated: host, a Debian series (6.1, 6.12), a "
                  "linux-image-*.deb or a vmlinuz; each other kernel boots once under QEMU")
      ->default_str("host");
  Sub->add_option("--kernel-timeout", O->kernelTimeout,
                  "seconds one boot of another kernel may take, loads included")
      ->default_str("600")
      ->check(CLI::Range(1u, 86400u));
  Sub->add_flag("--reference-load", O->referenceLoad,
                "also load each object whole, as bpftool prog loadall does (one bpf_object__load, "
                "pinning off), on every kernel, and report it beside the per-program verdicts");
  addModernizeMapsFlag(Sub, Ctx);
  Sub->add_option("-p", Ctx.buildDir, "directory holding compile_commands.json");
  Sub->footer("Each program is loaded alone with its own type; pinning is off, so nothing is\n"
              "left in /sys/fs/bpf, and everything is unloaded before exit.\n"
              "Exit: 0 all pass, 1 a program was rejected, 3 none rejected, some skipped (not "
              "permitted here).\n"
              "Examples:\n"
              "  bpfcarve verify balancer.bpf.c\n"
              "  bpfcarve verify prog.o --program xdp_main --format json\n"
              "  bpfcarve verify filter.c --type socket --format sarif > verify.sarif\n"
              "  bpfcarve verify a.c b.o --kernel host,6.1,6.12 --format json\n"
              "Other kernels are Debian's linux-image-*-cloud-amd64 packages, fetched with\n"
              "apt-get download and cached under ~/.cache/bpfcarve/kernels; each boots once per\n"
              "call under QEMU (KVM when it works, else TCG). A kernel that cannot be fetched or\n"
              "booted: exit 3, named (-v prints the console's tail).");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runVerify(*O, Ctx); });
}

} // namespace bpfcarve::cli
