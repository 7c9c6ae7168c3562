//===- CorpusKernelsTest.cpp - every compiling corpus object on Debian's 6.1 and 6.12 ---===//
//
// One `bpfcarve verify *.o --kernel K --reference-load` per kernel (one boot each): every object
// the corpus compiles gets a report on K, and the per-program verdicts agree with the bare
// loader's whole-object load in the same guest (the live reference, the rules of
// CorpusVerifyTest's checkAgainstReference). The outcomes are written per package version to
// <build>/corpus-kernels/<package>_<version>.json; when corpus/records/kernels holds a record of
// the same package measured from the same vmlinux.h, they must equal it. Skips, saying why,
// without root, QEMU, the corpus or the kernel package.
//
//===----------------------------------------------------------------------===//
#include "CorpusSupport.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;
using namespace bpfcarve::corpus_test;

namespace {

std::string fileHash(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  std::string Bytes((std::istreambuf_iterator<char>(In)), std::istreambuf_iterator<char>());
  return std::to_string(std::hash<std::string>{}(Bytes));
}

class CorpusKernels : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusKernels, EveryCompilingObjectAgreesWithTheBareLoaderInTheGuest) {
  const std::string Kernel = GetParam();
  if (::geteuid() != 0)
    GTEST_SKIP() << "verify loads programs (the host side too): needs root (CAP_BPF)";
  if (!toolchain::runProcess({"qemu-system-x86_64", "--version"}))
    GTEST_SKIP() << "qemu-system-x86_64 is not installed (scripts/setup.sh installs it)";
  json Layout = readJson(corpusDir() + "/layout.json");
  if (!Layout.is_object())
    GTEST_SKIP() << "corpus not available at " << corpusDir();
  auto Clang = toolchain::clangInstallation();
  ASSERT_TRUE(Clang) << Clang.failure().message;
  auto Scratch = toolchain::TempDir::create("bpfcarve-corpus-kernels");
  ASSERT_TRUE(Scratch);

  // The objects, compiled as make-manifest.sh compiles them (the manifest's flags).
  std::vector<std::string> Args = {BPFCARVE_BIN, "verify"};
  std::map<std::string, std::string> PathOf; // object -> corpus path
  std::map<std::string, std::set<std::string>> AutoloadOff;
  for (const json &F : manifest()["files"]) {
    if (F["compile"] != "ok")
      continue;
    std::string Path = F["path"];
    std::string Object = Scratch->path() + "/" + fs::path(Path).stem().string() + ".o";
    std::vector<std::string> Argv{Clang->clang};
    for (const std::string &Flag : fileFlags(F, Layout))
      Argv.push_back(Flag);
    Argv.insert(Argv.end(), {"-c", Layout["source_root"].get<std::string>() + "/" + Path, "-o",
                             Object});
    auto C = toolchain::runProcess(Argv);
    ASSERT_TRUE(C && C->ok()) << Path << ": " << (C ? C->err : "cannot run clang");
    Args.push_back(Object);
    PathOf[Object] = Path;
    for (const json &P : F["programs"])
      if (!P.value("autoload", true))
        AutoloadOff[Object].insert(P["name"].get<std::string>());
  }
  ASSERT_GT(PathOf.size(), 50u) << "the corpus compiles too little to be a test";
  Args.insert(Args.end(), {"--kernel", Kernel, "--reference-load", "--format", "json"});
  auto R = toolchain::runProcess(Args);
  ASSERT_TRUE(R);
  json Report = json::parse(R->out, nullptr, false);
  if (R->exitCode == 3 && Report.is_discarded())
    GTEST_SKIP() << "kernel " << Kernel << " cannot be had here: " << firstLine(R->err);
  ASSERT_TRUE(R->exitCode == 0 || R->exitCode == 1) << "exit " << R->exitCode << "\n" << R->err;
  ASSERT_FALSE(Report.is_discarded()) << R->out.substr(0, 500);
  ASSERT_EQ(Report["kernels"].size(), 1u);
  const json &K = Report["kernels"][0];
  std::cout << "corpus on " << K["package"].get<std::string>() << " (" << K["release"]
            << "), booted in " << K["boot_ms"] << " ms under " << K["accelerator"] << "\n";

  std::map<std::string, std::vector<json>> Programs;
  for (const json &P : Report["programs"])
    Programs[P["file"].get<std::string>()].push_back(P);
  std::map<std::string, json> Whole;
  for (const json &W : Report["reference_loads"])
    Whole[W["file"].get<std::string>()] = W;
  bool ModuleNote = R->err.find("could not be loaded") != std::string::npos;
  unsigned Pass = 0, Fail = 0, WholeOk = 0;
  json Record = {{"package", K["package"]},
                 {"release", K["release"]},
                 {"vmlinux_h", fileHash(Layout["vars"]["INC"].get<std::string>() + "/vmlinux.h")},
                 {"files", json::object()}};
  for (const auto &[Object, Path] : PathOf) {
    ASSERT_TRUE(Programs.count(Object)) << Path << ": no report on " << Kernel;
    ASSERT_TRUE(Whole.count(Object)) << Path << ": no reference load on " << Kernel;
    const json &W = Whole[Object];
    WholeOk += W["ok"].get<bool>();
    const std::string Failed = W["failed_program"];
    for (const json &P : Programs[Object]) {
      const std::string Name = P["name"];
      Pass += P["verdict"] == "pass";
      Fail += P["verdict"] == "fail";
      Record["files"][Path][Name] = {
          {"verdict", P["verdict"]},
          {"class", P["error"].is_object() ? P["error"]["class"] : json(nullptr)}};
      if (!ModuleNote)
        EXPECT_NE(P["verdict"], "skipped")
            << Path << " " << Name << ": the guest permits every program type: " << P.dump();
      if (AutoloadOff[Object].count(Name))
        continue; // the whole-object load leaves SEC("?...") programs out
      if (W["ok"] == true)
        EXPECT_EQ(P["verdict"], "pass")
            << Path << " " << Name << ": the bare loader loads this object whole on " << Kernel
            << ", so verify must not refuse the program: " << P["error"].dump();
      else if (Failed.empty())
        EXPECT_NE(P["verdict"], "pass")
            << Path << " " << Name << ": the object fails on " << Kernel
            << " before any program loads (" << W["message"] << "), verify passes a program";
      else if (Name == Failed)
        EXPECT_NE(P["verdict"], "pass")
            << Path << " " << Name << ": the whole-object load stops at it on " << Kernel
            << " (errno " << W["errno"] << "), verify passes it alone";
    }
  }
  std::cout << "corpus on " << Kernel << ": " << PathOf.size() << " objects, " << WholeOk
            << " load whole; programs: " << Pass << " pass, " << Fail << " fail\n";

  std::string Name = K["package"].get<std::string>();
  std::replace(Name.begin(), Name.end(), ' ', '_');
  fs::create_directories(BPFCARVE_BUILD_DIR "/corpus-kernels");
  std::string Out = BPFCARVE_BUILD_DIR "/corpus-kernels/" + Name + ".json";
  std::ofstream(Out) << Record.dump(1) << "\n";
  std::cout << "corpus: outcomes recorded in " << Out << "\n";
  json Committed = readJson(BPFCARVE_SOURCE_DIR "/corpus/records/kernels/" + Name + ".json");
  if (!Committed.is_object()) {
    std::cout << "corpus: no committed record of " << Name << " to compare with\n";
  } else if (Committed["vmlinux_h"] != Record["vmlinux_h"]) {
    std::cout << "corpus: the committed record of " << Name << " was compiled from another "
              << "vmlinux.h (another host kernel): compared with the live reference only\n";
  } else {
    EXPECT_EQ(Committed["files"], Record["files"])
        << "the outcomes on " << Name << " changed from its record (same package, same "
        << "objects): compare " << Out << " with corpus/records/kernels/" << Name << ".json";
  }
}

INSTANTIATE_TEST_SUITE_P(Debian, CorpusKernels, ::testing::Values("6.1", "6.12"),
                         [](const auto &Info) {
                           std::string N = "linux_" + Info.param;
                           std::replace(N.begin(), N.end(), '.', '_');
                           return N;
                         });

} // namespace
