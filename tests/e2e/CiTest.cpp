//===- CiTest.cpp - bpfcarve ci: jobs, matrices, baselines, reports --------===//
//
// Job files written at test time over the samples and a small program with knobs and a feature
// macro: all-pass runs exit 0 with no SARIF result; a rejected program is a SARIF result at its
// failing line; a baseline flags instruction growth and pass->fail and reports improvements;
// a defines x set matrix is verified whole, the knobs really written; parses and compiles are
// counted; bad job files fail at the YAML's file:line and write nothing. (ci on another kernel,
// booted once: KernelMatrixTest; on the public corpus: tests/corpus.)
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

using nlohmann::json;
using namespace bpfcarve;
namespace fs = std::filesystem;

namespace {

const std::string Samples = BPFCARVE_SOURCE_DIR "/bpf-samples";

void write(const std::string &Path, const std::string &Text) { std::ofstream(Path) << Text; }

std::string slurp(const std::string &Path) {
  std::ifstream F(Path);
  std::stringstream SS;
  SS << F.rdbuf();
  return SS.str();
}

/// A program with two knobs and a feature macro. Rounds is the loop bound the source is written
/// with (the knob `rounds` caps it); with Unsafe the knob `unsafe` guards a read of a scalar.
/// Line 18 is the unsafe read.
std::string knobProgram(int Rounds, bool Unsafe) {
  return "#include <linux/bpf.h>\n"                                      // 1
         "#include <bpf/bpf_helpers.h>\n"                                // 2
         "\n"                                                            // 3
         "const volatile __u32 unsafe = " +                              // 4
         std::string(Unsafe ? "1" : "0") +
         ";\n"
         "const volatile __u32 rounds = 1;\n"                            // 5
         "\n"                                                            // 6
         "SEC(\"xdp\")\n"                                                // 7
         "int knobbed(struct xdp_md *ctx)\n"                             // 8
         "{\n"                                                           // 9
         "\t__u32 sum = 0;\n"                                            // 10
         "\n"                                                            // 11
         "\tfor (__u32 i = 0; i < rounds && i < " +                      // 12
         std::to_string(Rounds) +
         "; i++)\n"
         "\t\tsum += i * ctx->ingress_ifindex;\n"                        // 13
         "#ifdef EXTRA\n"                                                // 14
         "\tsum += ctx->rx_queue_index;\n"                               // 15
         "#endif\n"                                                      // 16
         "\tif (unsafe)\n\t\treturn *(volatile int *)(long)sum;\n"       // 17, 18
         "\treturn sum & 1 ? XDP_PASS : XDP_DROP;\n"                     // 19
         "}\n\n"
         "char LICENSE[] SEC(\"license\") = \"GPL\";\n";
}

struct Outcome {
  int code = -1;
  std::string out, err;
};

Outcome ci(const std::vector<std::string> &Args) {
  std::vector<std::string> Argv{BPFCARVE_BIN};
  Argv.insert(Argv.end(), Args.begin(), Args.end());
  auto R = toolchain::runProcess(Argv);
  EXPECT_TRUE(static_cast<bool>(R));
  if (!R)
    return {};
  return {R->exitCode, R->out, R->err};
}

class Ci : public ::testing::Test {
protected:
  void SetUp() override {
    auto T = toolchain::TempDir::create("bpfcarve-ci-test");
    ASSERT_TRUE(static_cast<bool>(T));
    Dir = std::make_unique<toolchain::TempDir>(T.take());
    D = Dir->path();
  }
  bool root() const { return geteuid() == 0; }
  std::unique_ptr<toolchain::TempDir> Dir;
  std::string D;
};

/// The rows of a JSON report by "job|configuration|kernel|program".
std::map<std::string, json> rows(const json &J) {
  std::map<std::string, json> Out;
  for (const json &R : J["results"])
    Out[R["job"].get<std::string>() + "|" + R["configuration"].get<std::string>() + "|" +
        R["kernel"].get<std::string>() + "|" + R["program"].get<std::string>()] = R;
  return Out;
}

TEST_F(Ci, AllPassingJobsExitZeroWithAnEmptySarifResultList) {
  if (!root())
    GTEST_SKIP() << "verifying needs root (CAP_BPF)";
  write(D + "/knob.c", knobProgram(8, false));
  write(D + "/edge.yaml", "name: edge\nhook: tc\nparts:\n"
                          "  - file: " + Samples + "/tc-firewall/firewall.bpf.c\n"
                          "    program: fw_ingress\n"
                          "  - file: " + Samples + "/l4lb/balancer.bpf.c\n"
                          "    program: gue_decap_only\n");
  write(D + "/jobs.yaml", "jobs:\n"
                          "  - name: knob\n    verify:\n      file: knob.c\n"
                          "  - name: decap-tc\n    carve:\n"
                          "      file: " + Samples + "/l4lb/balancer.bpf.c\n"
                          "      program: gue_decap_only\n      to: tc\n"
                          "  - name: edge\n    compose: edge.yaml\n");
  Outcome R = ci({"ci", D + "/jobs.yaml", "--sarif", D + "/ci.sarif", "--markdown", D + "/ci.md",
                  "--format", "json"});
  ASSERT_EQ(R.code, 0) << R.err;
  json J = json::parse(R.out);
  auto Rs = rows(J);
  EXPECT_EQ(Rs["knob|default|host|knobbed"]["verdict"], "pass");
  EXPECT_EQ(Rs["decap-tc|default|host|gue_decap_only"]["verdict"], "pass");
  // The carve's differential run is a row of its own: the result behaves as the original.
  EXPECT_EQ(Rs["decap-tc|default|host|(diff-run)"]["verdict"], "pass");
  EXPECT_EQ(Rs["decap-tc|default|host|(diff-run)"]["diff_run"]["divergent"], 0);
  EXPECT_EQ(Rs["edge|default|host|edge"]["verdict"], "pass") << R.out;
  EXPECT_EQ(Rs["edge|default|host|(diff-run)"]["verdict"], "pass") << R.out;
  json S = json::parse(slurp(D + "/ci.sarif"));
  EXPECT_EQ(S["version"], "2.1.0");
  ASSERT_EQ(S["runs"].size(), 1u);
  EXPECT_TRUE(S["runs"][0]["results"].is_array());
  EXPECT_TRUE(S["runs"][0]["results"].empty()) << S.dump();
  EXPECT_EQ(slurp(D + "/ci.md").rfind("## bpfcarve ci: passed\n", 0), 0u);
}

TEST_F(Ci, ARejectedProgramExitsOneWithASarifResultAtItsFailingLine) {
  if (!root())
    GTEST_SKIP() << "verifying needs root (CAP_BPF)";
  write(D + "/knob.c", knobProgram(8, true));
  write(D + "/jobs.yaml", "jobs:\n  - name: knob\n    verify:\n      file: knob.c\n");
  Outcome R = ci({"ci", D + "/jobs.yaml", "--format", "sarif"});
  EXPECT_EQ(R.code, 1) << R.err;
  json S = json::parse(R.out);
  const json &Results = S["runs"][0]["results"];
  ASSERT_EQ(Results.size(), 1u) << R.out;
  const json &Loc = Results[0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(fs::path(Loc["artifactLocation"]["uri"].get<std::string>()).filename(), "knob.c");
  EXPECT_EQ(Loc["region"]["startLine"], 18) << Results[0].dump();
  EXPECT_EQ(Results[0]["properties"]["job"], "knob");
  // The first line on stderr is clang style, at the same place.
  EXPECT_NE(R.err.substr(0, R.err.find('\n')).find("knob.c:18:"), std::string::npos) << R.err;
}

TEST_F(Ci, ABaselineFlagsGrowthAndPassToFailAndReportsAnImprovementWithoutFailing) {
  if (!root())
    GTEST_SKIP() << "verifying needs root (CAP_BPF)";
  write(D + "/jobs.yaml", "jobs:\n  - name: knob\n    verify:\n      file: knob.c\n"
                          "      set: {rounds: 64}\n");
  // The baseline: the loop bound the source is written with is 8.
  write(D + "/knob.c", knobProgram(8, false));
  Outcome Base = ci({"ci", D + "/jobs.yaml", "--report", D + "/base.json"});
  ASSERT_EQ(Base.code, 0) << Base.err;
  auto Insns = [](const json &J) {
    return rows(J)["knob|rounds=64|host|knobbed"]["insns_processed"].get<std::uint64_t>();
  };
  const std::uint64_t Before = Insns(json::parse(slurp(D + "/base.json")));

  // Growth: the bound becomes 32, many more instructions processed.
  write(D + "/knob.c", knobProgram(32, false));
  Outcome Grown = ci({"ci", D + "/jobs.yaml", "--baseline", D + "/base.json", "--format", "json"});
  EXPECT_EQ(Grown.code, 1) << Grown.err;
  json G = json::parse(Grown.out);
  ASSERT_EQ(G["changes"].size(), 1u) << G["changes"].dump();
  EXPECT_EQ(G["changes"][0]["change"], "regression");
  EXPECT_NE(G["changes"][0]["reason"].get<std::string>().find(
                "processed insns " + std::to_string(Before) + " -> "),
            std::string::npos);
  EXPECT_GT(Insns(G), Before * 11 / 10);
  EXPECT_NE(Grown.err.find("error: regression: knob [rounds=64] knobbed on host"),
            std::string::npos)
      << Grown.err;
  // The same growth under a larger threshold is not one.
  EXPECT_EQ(ci({"ci", D + "/jobs.yaml", "--baseline", D + "/base.json", "--max-insns-growth",
                "100000"})
                .code,
            0);

  // Pass -> fail.
  write(D + "/knob.c", knobProgram(8, true));
  Outcome Failed = ci({"ci", D + "/jobs.yaml", "--baseline", D + "/base.json", "--format", "json"});
  EXPECT_EQ(Failed.code, 1);
  json F = json::parse(Failed.out);
  ASSERT_FALSE(F["changes"].empty());
  EXPECT_EQ(F["changes"][0]["change"], "regression");
  EXPECT_EQ(F["changes"][0]["reason"].get<std::string>().rfind("pass -> fail", 0), 0u);

  // Improvement: against the grown program's report, the bound of 8 processes fewer.
  write(D + "/knob.c", knobProgram(32, false));
  ASSERT_EQ(ci({"ci", D + "/jobs.yaml", "--report", D + "/grown.json"}).code, 0);
  write(D + "/knob.c", knobProgram(8, false));
  Outcome Better =
      ci({"ci", D + "/jobs.yaml", "--baseline", D + "/grown.json", "--format", "markdown"});
  EXPECT_EQ(Better.code, 0) << Better.err;
  EXPECT_NE(Better.out.find("| improvement | knob | rounds=64 | `knobbed` | host |"),
            std::string::npos)
      << Better.out;
}

TEST_F(Ci, ADefinesTimesSetMatrixIsVerifiedWholeWithTheKnobsWritten) {
  if (!root())
    GTEST_SKIP() << "verifying needs root (CAP_BPF)";
  write(D + "/knob.c", knobProgram(64, false));
  write(D + "/jobs.yaml", "jobs:\n  - name: knob\n    verify:\n      file: knob.c\n"
                          "      defines: [[], [-DEXTRA]]\n"
                          "      set: [{rounds: [1, 32]}, {unsafe: 1}]\n");
  Outcome R = ci({"ci", D + "/jobs.yaml", "--format", "json"});
  EXPECT_EQ(R.code, 1) << R.err; // unsafe=1 is rejected, in both define configurations
  auto Rs = rows(json::parse(R.out));
  ASSERT_EQ(Rs.size(), 6u) << R.out;
  for (const std::string Def : {"", "-DEXTRA; "}) {
    const json &One = Rs["knob|" + Def + "rounds=1|host|knobbed"];
    const json &Many = Rs["knob|" + Def + "rounds=32|host|knobbed"];
    const json &Unsafe = Rs["knob|" + Def + "unsafe=1|host|knobbed"];
    EXPECT_EQ(One["verdict"], "pass") << Def;
    EXPECT_EQ(Many["verdict"], "pass") << Def;
    // The knob reached the kernel: the verifier walked 32 rounds instead of one, and the
    // branch that unsafe=0 made dead was live with unsafe=1.
    EXPECT_GT(Many["insns_processed"].get<int>(), 4 * One["insns_processed"].get<int>()) << Def;
    EXPECT_EQ(Unsafe["verdict"], "fail") << Def;
    EXPECT_EQ(Unsafe["error"]["line"], 18);
  }
  // The define reached the compiler: EXTRA adds the rx_queue_index read.
  EXPECT_GT(Rs["knob|-DEXTRA; rounds=1|host|knobbed"]["insns_processed"].get<int>(),
            Rs["knob|rounds=1|host|knobbed"]["insns_processed"].get<int>());
}

TEST_F(Ci, EachInputIsParsedAndCompiledOncePerFlagSet) {
  if (!root())
    GTEST_SKIP() << "verifying needs root (CAP_BPF)";
  const std::string Lb = Samples + "/l4lb/balancer.bpf.c";
  // Three carves of the balancer under its default flags and one with a define, and a compose
  // of the balancer and the firewall: three parses (the balancer twice, the firewall once).
  // Two verifies of the firewall under one flag set: one compile, besides the five results'.
  write(D + "/edge.yaml", "name: edge\nhook: tc\nparts:\n"
                          "  - file: " + Samples + "/tc-firewall/firewall.bpf.c\n"
                          "    program: fw_ingress\n"
                          "  - file: " + Lb + "\n    program: gue_decap_only\n");
  write(D + "/jobs.yaml",
        "jobs:\n"
        "  - name: decap\n    carve: {file: " + Lb + ", program: gue_decap_only}\n"
        "  - name: decap-tc\n    carve: {file: " + Lb + ", program: gue_decap_only, to: tc,"
        " diff_run: false}\n"
        "  - name: ingress\n    carve: {file: " + Lb + ", program: balancer_ingress}\n"
        "  - name: debug\n    carve: {file: " + Lb + ", program: gue_decap_only,"
        " defines: [[-DLB_DEBUG]]}\n"
        "  - name: fw\n    verify: {file: " + Samples + "/tc-firewall/firewall.bpf.c}\n"
        "  - name: fw-ingress\n    verify: {file: " + Samples + "/tc-firewall/firewall.bpf.c,"
        " program: fw_ingress}\n"
        "  - name: edge\n    compose: {recipe: edge.yaml, diff_run: false}\n");
  Outcome R = ci({"-v", "ci", D + "/jobs.yaml", "--format", "json"});
  ASSERT_EQ(R.code, 0) << R.err;
  json C = json::parse(R.out)["counts"];
  EXPECT_EQ(C["jobs"], 7);
  EXPECT_EQ(C["parses"], 3) << C.dump();
  EXPECT_EQ(C["compiles"], 6) << C.dump();
  EXPECT_EQ(C["boots"], 0);
  EXPECT_NE(R.err.find("parsed 3 inputs, compiled 6 objects, booted 0 kernels"),
            std::string::npos)
      << R.err;
}

TEST_F(Ci, BadJobFilesFailAtTheirLineAndWriteNothing) {
  write(D + "/knob.c", knobProgram(8, false));
  write(D + "/nothing.yaml", "name: chain\nhook: xdp\nparts:\n  - file: knob.c\n");
  struct Case {
    std::string yaml, where, message;
  } Cases[] = {
      {"jobs:\n  - name: a\n    verify:\n      file: knob.c\n      progam: knobbed\n", ":5:7:",
       "unknown key 'progam' in a verify job"},
      {"jobs:\n  - name: a\n    verify:\n      file: missing.c\n", ":4:13:", "no such file"},
      {"jobs:\n  - name: a\n    carve:\n      file: knob.c\n      to: tc\n", ":4:7:",
       "a carve job selects exactly one of program:, function:, lines: or map:"},
      {"jobs:\n  - name: a\n    compose: nothing.yaml\n", "nothing.yaml:4:5:",
       "a part selects exactly one of program:, function:, lines: or map:"},
      {"jobs:\n  - name: a\n    verify: {file: knob.c\n", ":4:1:", "YAML: "},
      {"jobs:\n  - name: a\n    verify:\n      file: knob.c\n      set: {rounds: [1, {}]}\n",
       ":5:25:", "a value of 'set' is an integer"},
      {"jobs:\n  - name: a\n    verify:\n      file: knob.c\n      defines: [[-O3]]\n", ":5:18:",
       "a define is a -DNAME[=VALUE] or -UNAME flag"},
      {"kernels: [host, 6.l]\njobs:\n  - name: a\n    verify: {file: knob.c}\n", ":1:10:",
       "kernel '"},
      {"jobs:\n  - name: a\n    carve: {file: knob.c, program: knobbed, output: knob.c}\n",
       ":3:53:", "output '"},
  };
  for (const Case &C : Cases) {
    write(D + "/jobs.yaml", C.yaml);
    Outcome R = ci({"ci", D + "/jobs.yaml", "--report", D + "/r.json", "--sarif", D + "/s.sarif"});
    EXPECT_EQ(R.code, 2) << C.yaml << R.err;
    const std::string First = R.err.substr(0, R.err.find('\n'));
    const std::string File = C.where[0] == ':' ? D + "/jobs.yaml" + C.where : D + "/" + C.where;
    EXPECT_EQ(First.rfind(File + " error: " + C.message, 0), 0u) << C.yaml << First;
    EXPECT_FALSE(fs::exists(D + "/r.json"));
    EXPECT_FALSE(fs::exists(D + "/s.sarif"));
  }
}

TEST_F(Ci, AKnobTheObjectDoesNotHaveIsAnErrorNamingIt) {
  if (!root())
    GTEST_SKIP() << "verifying needs root (CAP_BPF)";
  write(D + "/knob.c", knobProgram(8, false));
  write(D + "/jobs.yaml", "jobs:\n  - name: a\n    verify:\n      file: knob.c\n"
                          "      set: {round: 3}\n");
  Outcome R = ci({"ci", D + "/jobs.yaml", "--format", "json"});
  EXPECT_EQ(R.code, 2) << R.err;
  EXPECT_NE(R.err.find("no global variable 'round'; did you mean 'rounds'?"), std::string::npos)
      << R.err;
}

} // namespace
