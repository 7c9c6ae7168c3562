//===- CarveCommand.cpp - bpfcarve carve: extract, retarget, verify, diff-run -===//
//
// The whole job in one command, for people and CI: carve a feature out of a monolith, move it to
// another hook, prove the result in the kernel verifier, and show it behaves like the carved
// original on packets. Each stage is a library call; this file only chains them and reports.
//
//===----------------------------------------------------------------------===//
#include "Command.h"

#include "bpfcarve/extractor/Extract.h"
#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/transformer/Retarget.h"
#include "bpfcarve/verifier/Compiler.h"
#include "bpfcarve/verifier/DiffRun.h"
#include "bpfcarve/verifier/Loader.h"
#include "bpfcarve/verifier/MapState.h"
#include "bpfcarve/verifier/Packets.h"
#include "bpfcarve/verifier/ReportFormat.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

namespace bpfcarve::cli {

namespace {
struct CarveCliOptions {
  std::string file, functions, programs, lines, map, to, direction = "ingress", output, report,
      format = "text", packets = "gen:all", seed, harness;
  bool allowApprox = false, noDiffRun = false;
};

int runCarve(const CarveCliOptions &O, const CommandContext &Ctx) {
  using nlohmann::ordered_json;
  auto Sel = selectionFrom(O.functions, O.programs, O.lines, O.map);
  if (!Sel)
    return report(Sel.failure(), Ctx);
  if (O.output.empty())
    return report(Failure::badInput("carve needs -o OUT.c"), Ctx);
  if (auto R = refuseOutputsOverInput({O.output, O.report}, O.file); !R)
    return report(R.failure(), Ctx);
  for (const std::string &Out : {O.output, O.report})
    if (!Out.empty())
      if (auto W = toolchain::checkWritable(Out); !W)
        return report(W.failure(), Ctx);
  // Bad packet or seed inputs are bad input before anything is written, not after -o exists.
  if (!O.to.empty() && !O.noDiffRun) {
    if (auto Packets = verifier::loadPackets(O.packets); !Packets)
      return report(Packets.failure(), Ctx);
    if (!O.seed.empty())
      if (auto Seed = verifier::readMapSeed(O.seed); !Seed)
        return report(Seed.failure(), Ctx);
  }

  // 1. extract (a harness for functions that are not programs, for the target hook or xdp/tc)
  extractor::ParseOptions P = parseOptionsFor(O.file, Ctx);
  extractor::EmitOptions E;
  if (Sel->kind != extractor::Selection::Kind::Programs) {
    auto H = harnessHookFor(!O.harness.empty() ? O.harness : !O.to.empty() ? O.to : "xdp");
    if (!H)
      return report(H.failure(), Ctx);
    E.harness = *H;
  }
  auto Ex = extractor::extract(P, *Sel, E, O.output);
  if (!Ex)
    return report(Ex.failure(), Ctx);
  for (const std::string &W : Ex->warnings)
    std::cerr << "bpfcarve: warning: " << W << "\n";

  // The carved slice stands where the input stands, so its includes resolve the same way.
  std::string SliceName = std::filesystem::path(O.file).parent_path().string();
  SliceName = (SliceName.empty() ? std::string(".") : SliceName) + "/" +
              std::filesystem::path(O.file).stem().string() + ".carved.c";
  std::vector<std::string> Flags = extractor::flagsOfCommand(Ex->model.flags, O.file);
  Flags.push_back("-I" + Ex->model.inputDir);

  // The program the slice holds: the selected one, or the generated harness.
  std::string Program = "bpfcarve_harness";
  if (Sel->kind == extractor::Selection::Kind::Programs)
    Program = Sel->names.front();
  else if (Ex->text.find("int bpfcarve_harness(") == std::string::npos && !Ex->model.programs.empty())
    Program = ""; // a selection that contains its own entry

  // 2. retarget
  std::string Final = Ex->text;
  std::optional<transformer::RetargetReport> Retargeted;
  if (!O.to.empty()) {
    // A program is retargeted from the input itself (retarget slices it the same way), so the
    // report points into the input; a harness exists only in the carved slice.
    extractor::ParseOptions SP = P;
    if (Sel->kind != extractor::Selection::Kind::Programs) {
      SP = extractor::ParseOptions();
      SP.file = SliceName;
      SP.contents = Ex->text;
      SP.flags = Flags;
    }
    transformer::RetargetOptions RO;
    RO.program = Program;
    RO.to = O.to;
    RO.direction = O.direction;
    RO.allowApprox = O.allowApprox;
    auto R = transformer::retarget(SP, RO);
    if (!R) {
      std::cerr << R.failure().firstLine() << "\n";
      if (R.failure().kind == FailureKind::Rejected)
        std::cerr << R.failure().details;
      return R.failure().exitCode();
    }
    Final = R->text;
    Retargeted = R->report;
  }
  if (auto W = toolchain::writeFileAtomically(O.output, Final); !W)
    return report(W.failure(), Ctx);

  // 3. verify the result in the kernel
  auto Scratch = toolchain::TempDir::create("bpfcarve-carve");
  if (!Scratch)
    return report(Scratch.failure(), Ctx);
  auto Obj = verifier::compileBpf(O.output, Flags, Scratch->path());
  if (!Obj) {
    Failure F = Failure::internal("the carved output does not compile: " + Obj.failure().message);
    F.details = Obj.failure().details;
    return report(F, Ctx);
  }
  auto Verified = verifier::verifyObject(*Obj, {Program, ""});
  if (!Verified)
    return report(Verified.failure(), Ctx);
  Verified->object = O.output;
  int Code = verifier::reportExitCode(*Verified);

  // 4. diff-run the carved original against the retarget
  std::optional<verifier::DiffRunReport> Diff;
  std::string DiffSkipped;
  if (Retargeted && !O.noDiffRun && Code == 0) {
    std::string OrigDir = Scratch->path() + "/original";
    std::filesystem::create_directory(OrigDir);
    std::string OrigSrc = OrigDir + "/" + std::filesystem::path(SliceName).filename().string();
    if (auto W = toolchain::writeFileAtomically(OrigSrc, Ex->text); !W)
      return report(W.failure(), Ctx);
    auto OrigObj = verifier::compileBpf(OrigSrc, Flags, OrigDir);
    if (!OrigObj)
      return report(OrigObj.failure(), Ctx);
    verifier::DiffRunOptions DO;
    DO.programA = Program;
    DO.packets = O.packets;
    DO.seedPath = O.seed;
    auto D = verifier::diffRun(*OrigObj, *Obj, DO);
    if (!D) {
      if (D.failure().kind != FailureKind::Environment)
        return report(D.failure(), Ctx);
      DiffSkipped = D.failure().message;
    } else {
      D->a = "carved " + O.file;
      D->b = O.output;
      Diff = *D;
      if (int C = verifier::diffRunExitCode(*D))
        Code = std::max(Code == 3 ? 0 : Code, C);
    }
  }

  ordered_json J;
  J["input"] = O.file;
  J["selection"] = Sel->describe();
  J["output"] = O.output;
  unsigned Local = 0;
  for (const extractor::KeptEntity &K : Ex->slice.kept)
    Local += K.origin != extractor::Origin::System;
  J["extract"] = {{"kept", Ex->slice.kept.size()},
                  {"kept_from_the_project", Local},
                  {"warnings", Ex->warnings}};
  if (Retargeted)
    J["retarget"] = nlohmann::ordered_json::parse(transformer::reportJson(*Retargeted));
  else
    J["retarget"] = nullptr;
  J["verify"] = nlohmann::ordered_json::parse(verifier::reportJson(*Verified));
  if (Diff)
    J["diff_run"] = nlohmann::ordered_json::parse(verifier::diffRunJson(*Diff));
  else
    J["diff_run"] = nullptr;
  J["diff_run_skipped"] = DiffSkipped;
  std::string ReportJson = J.dump(2) + "\n";
  if (!O.report.empty())
    if (auto W = toolchain::writeFileAtomically(O.report, ReportJson); !W)
      return report(W.failure(), Ctx);

  if (O.format == "json") {
    if (int EC = emit(ReportJson, Ctx))
      return EC;
    return Code;
  }
  std::ostringstream T;
  T << "carve " << Sel->describe() << " from " << O.file << " -> " << O.output << "\n\n"
    << "extract:  kept " << Ex->slice.kept.size() << " entities (" << Local
    << " from the project, the rest behind #include)\n";
  if (Retargeted) {
    T << "retarget: " << Retargeted->fromHook << " -> " << Retargeted->toHook << " ("
      << Retargeted->direction << "), " << Retargeted->rewrites.size() << " rewrites\n";
    for (const transformer::Rewrite &W : Retargeted->rewrites)
      T << "  " << W.at.file << ":" << W.at.line << ":" << W.at.column << "  " << W.rule << ": "
        << W.before << " -> " << W.after << "\n";
    for (const std::string &C : Retargeted->caveats)
      T << "  caveat: " << C << "\n";
  }
  T << "\nverify:\n" << verifier::reportText(*Verified);
  if (Diff)
    T << "\ndiff-run (" << O.packets << (O.seed.empty() ? "" : ", maps from " + O.seed) << "):\n"
      << verifier::diffRunText(*Diff);
  else if (!DiffSkipped.empty())
    T << "\ndiff-run skipped: " << DiffSkipped << "\n";
  if (int EC = emit(T.str(), Ctx))
    return EC;
  return Code;
}
} // namespace

void addCarveCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<CarveCliOptions>();
  CLI::App *Sub = App.add_subcommand(
      "carve", "Extract a feature, retarget it (--to), verify it in the kernel and diff-run it "
               "against the carved original");
  Sub->add_option("FILE", O->file, "BPF C source file")->required();
  Sub->add_option("--function", O->functions, "functions F[,F...] (a harness entry is generated)");
  Sub->add_option("--program", O->programs, "a program (name or unique section)");
  Sub->add_option("--lines", O->lines, "declarations touching FILE:A-B");
  Sub->add_option("--map", O->map, "every function that reads or writes map M");
  Sub->add_option("--to", O->to, "retarget to this hook (xdp, tc, ...)");
  Sub->add_option("--direction", O->direction, "tc direction: ingress (default) or egress")
      ->check(CLI::IsMember({"ingress", "egress"}));
  Sub->add_flag("--allow-approx", O->allowApprox, "allow approximate rewrites");
  Sub->add_option("--harness", O->harness, "hook of the harness for --function (default: --to, else xdp)");
  Sub->add_option("--packets", O->packets, "frames for the differential run (pcap or gen:NAME)");
  Sub->add_option("--maps", O->seed, "SEED.json written into both programs' maps before the run");
  Sub->add_flag("--no-diff-run", O->noDiffRun, "skip the differential run");
  Sub->add_option("-o", O->output, "output file")->required();
  Sub->add_option("--report", O->report, "write the whole report as JSON");
  Sub->add_option("--format", O->format, "output format")->check(CLI::IsMember({"text", "json"}));
  Sub->add_option("-p", Ctx.buildDir, "directory holding compile_commands.json");
  Sub->footer("Exit: 0 carved, verified and (with --to) behaving the same; 1 rejected, refused or\n"
              "different; 2 bad input; 3 the kernel cannot do it here; 4 internal error.\n"
              "Examples:\n"
              "  bpfcarve carve balancer.bpf.c --program gue_decap_only --to tc -o gue_tc.bpf.c\n"
              "  bpfcarve carve balancer.bpf.c --function flow_hash -o hash.bpf.c\n"
              "  bpfcarve carve fw.bpf.c --program fw --to xdp --maps seed.json --format json");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runCarve(*O, Ctx); });
}

} // namespace bpfcarve::cli
