//===- ComposeCorpusTest.cpp - compose parts of three projects and hooks --===//
//
// Issue 17's acceptance: three programs of different projects (our samples and the kernel's
// selftests from the public corpus) and hooks, composed into one XDP and one tc program that
// the running kernel's verifier accepts. The recipes are written at test time with the corpus's
// own flags (layout.json).
//
//===----------------------------------------------------------------------===//
#include "CorpusSupport.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <unistd.h>

using nlohmann::json;
using namespace bpfcarve;

namespace {

const std::string Samples = BPFCARVE_SOURCE_DIR "/bpf-samples";

struct Corpus {
  std::string progs;
  std::string flags; ///< as a YAML flow list
};

std::optional<Corpus> corpus() {
  json L = corpus_test::readJson(corpus_test::corpusDir() + "/layout.json");
  if (!L.is_object() || !L.contains("progs_dir"))
    return std::nullopt;
  Corpus C{L["progs_dir"], "["};
  for (const json &F : L["default_flags"])
    C.flags += (C.flags.size() > 1 ? ", " : "") + json(F.get<std::string>()).dump();
  return C.flags += "]", C;
}

json compose(const std::string &Yaml) {
  auto T = toolchain::TempDir::create("bpfcarve-compose");
  EXPECT_TRUE(static_cast<bool>(T));
  const std::string Y = T->path() + "/chain.yaml";
  std::ofstream(Y) << Yaml;
  auto R = toolchain::runProcess(
      {BPFCARVE_BIN, "compose", Y, "-o", T->path() + "/chain.bpf.c", "--format", "json"});
  EXPECT_TRUE(static_cast<bool>(R));
  if (!R)
    return nullptr;
  EXPECT_EQ(R->exitCode, 0) << R->err;
  return json::parse(R->out, nullptr, false);
}

/// Every part's hook and whether it was retargeted, and the verdict.
void expectComposed(const json &J, const std::vector<std::string> &Hooks,
                    const std::string &Type) {
  ASSERT_TRUE(J.is_object());
  ASSERT_EQ(J["parts"].size(), Hooks.size());
  for (size_t I = 0; I < Hooks.size(); ++I)
    EXPECT_EQ(J["parts"][I]["hook"], Hooks[I]) << I;
  ASSERT_EQ(J["verify"]["programs"].size(), 1u);
  EXPECT_EQ(J["verify"]["programs"][0]["name"], "chain");
  EXPECT_EQ(J["verify"]["programs"][0]["type"], Type);
  EXPECT_EQ(J["verify"]["programs"][0]["verdict"], "pass") << J["verify"].dump();
  // The composed program behaves as the chain of the original parts on every frame compared,
  // and at least 90 % of the frames are compared.
  const json &D = J["diff_run"];
  ASSERT_TRUE(D.is_object()) << J["diff_run_skipped"];
  EXPECT_EQ(D["divergent"], 0) << D.dump();
  EXPECT_GE(D["compared"].get<double>(), 0.9 * D["packets"].get<double>()) << D.dump();
  EXPECT_NE(D["maps_equal"], false) << D.dump();
}

TEST(ComposeCorpus, ThreeProjectsAndHooksAsOneTcProgram) {
  if (geteuid() != 0)
    GTEST_SKIP() << "verifying the composed program needs root (CAP_BPF)";
  auto C = corpus();
  if (!C)
    GTEST_SKIP() << "the corpus is not downloaded (corpus/fetch.sh)";
  json J = compose("name: chain\nhook: tc\nparts:\n"
                   "  - file: " + Samples + "/tc-firewall/firewall.bpf.c\n"
                   "    program: fw_ingress\n"
                   "  - file: " + C->progs + "/test_xdp.c\n"
                   "    program: _xdp_tx_iptunnel\n"
                   "    flags: " + C->flags + "\n"
                   "  - file: " + Samples + "/l4lb/balancer.bpf.c\n"
                   "    program: gue_decap_only\n");
  expectComposed(J, {"tc", "xdp", "xdp"}, "sched_cls");
}

TEST(ComposeCorpus, ThreeProjectsAndHooksAsOneXdpProgram) {
  if (geteuid() != 0)
    GTEST_SKIP() << "verifying the composed program needs root (CAP_BPF)";
  auto C = corpus();
  if (!C)
    GTEST_SKIP() << "the corpus is not downloaded (corpus/fetch.sh)";
  // The third part is a function of a tc project, called by an xdp harness.
  json J = compose("name: chain\nhook: xdp\nparts:\n"
                   "  - file: " + Samples + "/l4lb/balancer.bpf.c\n"
                   "    program: gue_decap_only\n"
                   "  - file: " + C->progs + "/test_tc_neigh.c\n"
                   "    program: tc_chk\n"
                   "    flags: " + C->flags + "\n"
                   "  - file: " + Samples + "/tc-firewall/firewall.bpf.c\n"
                   "    function: parse_packet\n");
  expectComposed(J, {"xdp", "tc", "xdp"}, "xdp");
  EXPECT_TRUE(J["parts"][1]["retargeted"].get<bool>());
  EXPECT_EQ(J["parts"][2]["selection"], "--function parse_packet");
}

} // namespace

namespace {

TEST(ComposeCorpus, PartsWhoseHeadersConflictAreRefusedNamingTheirIncludes) {
  // The l4lb sample is written on the UAPI headers, the selftest on vmlinux.h: both define
  // __kernel_size_t, differently, and no one translation unit can hold both.
  auto C = corpus();
  if (!C)
    GTEST_SKIP() << "the corpus is not downloaded (corpus/fetch.sh)";
  auto T = toolchain::TempDir::create("bpfcarve-compose");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Y = T->path() + "/chain.yaml", Out = T->path() + "/chain.bpf.c";
  std::ofstream(Y) << "name: chain\nhook: xdp\nparts:\n"
                      "  - file: " + Samples + "/l4lb/balancer.bpf.c\n"
                      "    program: gue_decap_only\n"
                      "  - file: " + C->progs + "/for_each_hash_map_elem.c\n"
                      "    program: test_pkt_access\n"
                      "    flags: " + C->flags + "\n";
  auto R = toolchain::runProcess({BPFCARVE_BIN, "compose", Y, "-o", Out, "--no-diff-run"});
  ASSERT_TRUE(static_cast<bool>(R));
  EXPECT_EQ(R->exitCode, 2) << R->err;
  const std::string First = R->err.substr(0, R->err.find('\n'));
  EXPECT_EQ(First.rfind(Y + ":1:1: error: the parts' headers cannot be compiled together: ", 0), 0u)
      << First;
  EXPECT_NE(First.find("part 'gue_decap_only' includes <linux/bpf.h>"), std::string::npos) << First;
  EXPECT_NE(First.find("part 'test_pkt_access' includes \"vmlinux.h\""), std::string::npos) << First;
  EXPECT_FALSE(std::filesystem::exists(Out));
}

} // namespace

namespace {

TEST(CiCorpus, AJobFileOverSamplesAndTheCorpusVerifiesCarvesAndComposesThemAll) {
  // Issue 17: `bpfcarve ci` on a job file that composes and verifies parts of bpf-samples/ and
  // of the public corpus, with the corpus's own flags.
  if (geteuid() != 0)
    GTEST_SKIP() << "verifying needs root (CAP_BPF)";
  auto C = corpus();
  if (!C)
    GTEST_SKIP() << "the corpus is not downloaded (corpus/fetch.sh)";
  auto T = toolchain::TempDir::create("bpfcarve-ci-corpus");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string D = T->path();
  std::ofstream(D + "/chain.yaml") << "name: chain\nhook: tc\nparts:\n"
                                      "  - file: " + Samples + "/tc-firewall/firewall.bpf.c\n"
                                      "    program: fw_ingress\n"
                                      "  - file: " + C->progs + "/test_xdp.c\n"
                                      "    program: _xdp_tx_iptunnel\n"
                                      "    flags: " + C->flags + "\n"
                                      "  - file: " + Samples + "/l4lb/balancer.bpf.c\n"
                                      "    program: gue_decap_only\n";
  std::ofstream(D + "/jobs.yaml") << "jobs:\n"
                                     "  - name: xdp-tunnel\n    verify:\n"
                                     "      file: " + C->progs + "/test_xdp.c\n"
                                     "      flags: " + C->flags + "\n"
                                     "  - name: tunnel-at-tc\n    carve:\n"
                                     "      file: " + C->progs + "/test_xdp.c\n"
                                     "      program: _xdp_tx_iptunnel\n      to: tc\n"
                                     "      flags: " + C->flags + "\n"
                                     "  - name: l4lb\n    verify:\n"
                                     "      file: " + Samples + "/l4lb/balancer.bpf.c\n"
                                     "  - name: chain\n    compose: chain.yaml\n";
  auto R = toolchain::runProcess({BPFCARVE_BIN, "-v", "ci", D + "/jobs.yaml", "--format", "json",
                                  "--sarif", D + "/ci.sarif"});
  ASSERT_TRUE(static_cast<bool>(R));
  EXPECT_EQ(R->exitCode, 0) << R->err;
  json J = json::parse(R->out, nullptr, false);
  ASSERT_TRUE(J.is_object()) << R->out;
  std::set<std::string> Jobs;
  for (const json &Row : J["results"]) {
    Jobs.insert(Row["job"].get<std::string>());
    EXPECT_EQ(Row["verdict"], "pass") << Row.dump();
    if (Row.contains("diff_run"))
      EXPECT_EQ(Row["diff_run"]["divergent"], 0) << Row.dump();
  }
  EXPECT_EQ(Jobs, (std::set<std::string>{"xdp-tunnel", "tunnel-at-tc", "l4lb", "chain"}));
  // test_xdp.c is parsed once for the carve and the composed part (the same flags), the
  // samples once each.
  EXPECT_EQ(J["counts"]["parses"], 3) << J["counts"].dump();
  json S = json::parse(std::ifstream(D + "/ci.sarif"), nullptr, false);
  EXPECT_TRUE(S["runs"][0]["results"].empty()) << S.dump();
}

} // namespace
