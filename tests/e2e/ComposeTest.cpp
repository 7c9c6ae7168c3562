//===- ComposeTest.cpp - bpfcarve compose: parts chained into one program ---===//
//
// Recipes written at test time over the samples and small inputs of their own: the composed
// program verifies in the running kernel; a name two parts define differently is renamed in the
// later part, one they define identically is emitted once; maps stay per part unless shared;
// knob and licence clashes are refused by name; bad recipes fail at the YAML's file:line and
// write nothing. (The corpus composition, three projects and hooks, is tests/corpus.)
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/verifier/Compiler.h"
#include "bpfcarve/verifier/DiffRun.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using nlohmann::json;
using namespace bpfcarve;
namespace fs = std::filesystem;

namespace {

const std::string Samples = BPFCARVE_SOURCE_DIR "/bpf-samples";

toolchain::ProcessResult run(std::vector<std::string> Args) {
  Args.insert(Args.begin(), BPFCARVE_BIN);
  auto R = toolchain::runProcess(Args);
  EXPECT_TRUE(static_cast<bool>(R));
  return R ? *R : toolchain::ProcessResult{};
}

void write(const std::string &Path, const std::string &Text) { std::ofstream(Path) << Text; }

std::string slurp(const std::string &Path) {
  std::ifstream F(Path);
  std::stringstream SS;
  SS << F.rdbuf();
  return SS.str();
}

std::string firstLine(const std::string &S) { return S.substr(0, S.find('\n')); }

/// A counter program in the style of one project: Value is its counter struct's body, Limit
/// its knob's default, License its licence; `ident` and MAGIC are the same in every variant.
std::string counterProgram(const std::string &Entry, const std::string &Value,
                           const std::string &Limit, const std::string &License) {
  return "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n\n"
         "#define MAGIC 42\n\n"
         "struct counter {\n" +
         Value +
         "};\n\n"
         "struct {\n\t__uint(type, BPF_MAP_TYPE_ARRAY);\n\t__uint(max_entries, 1);\n"
         "\t__type(key, __u32);\n\t__type(value, struct counter);\n} stats SEC(\".maps\");\n\n"
         "const volatile __u32 limit = " +
         Limit +
         ";\n\n"
         "static __attribute__((noinline)) int ident(int x)\n{\n\treturn x + MAGIC - MAGIC;\n}\n\n"
         "static __attribute__((noinline)) int bump(void)\n{\n\t__u32 k = 0;\n"
         "\tstruct counter *c = bpf_map_lookup_elem(&stats, &k);\n\n"
         "\tif (c && c->packets < limit)\n\t\tc->packets++;\n\treturn ident(XDP_PASS);\n}\n\n"
         "SEC(\"xdp\")\nint " +
         Entry + "(struct xdp_md *ctx)\n{\n\treturn bump();\n}\n\n"
                 "char LICENSE[] SEC(\"license\") = \"" +
         License + "\";\n";
}

struct Recipe {
  std::unique_ptr<toolchain::TempDir> dir;
  std::string path, out;
};

/// Two counter parts (a.c, b.c) and a recipe composing them at xdp, with Extra recipe lines.
Recipe twoCounters(const std::string &BValue, const std::string &BLimit,
                   const std::string &BLicense, const std::string &Extra = "") {
  auto T = toolchain::TempDir::create("bpfcarve-compose");
  EXPECT_TRUE(static_cast<bool>(T));
  Recipe R{std::make_unique<toolchain::TempDir>(T.take()), "", ""};
  const std::string D = R.dir->path();
  write(D + "/a.c", counterProgram("count_a", "\t__u64 packets;\n", "10", "GPL"));
  write(D + "/b.c", counterProgram("count_b", BValue, BLimit, BLicense));
  R.path = D + "/recipe.yaml";
  R.out = D + "/out/chain.bpf.c";
  fs::create_directories(D + "/out");
  write(R.path, "name: chain\nhook: xdp\nparts:\n  - file: a.c\n    program: count_a\n"
                "    name: a\n  - file: b.c\n    program: count_b\n    name: b\n" +
                    Extra);
  return R;
}

TEST(Compose, NamesThatDifferAreRenamedAndIdenticalOnesEmittedOnce) {
  if (geteuid() != 0)
    GTEST_SKIP() << "verifying the composed program needs root (CAP_BPF)";
  // b's counter has another layout: struct counter is renamed in b, and so is everything whose
  // text then differs (bump); the map is per part anyway; ident and MAGIC are the same.
  Recipe R = twoCounters("\t__u32 packets;\n\t__u32 bytes;\n", "10", "Dual BSD/GPL");
  auto C = run({"compose", R.path, "-o", R.out, "--format", "json"});
  ASSERT_EQ(C.exitCode, 0) << C.err;
  json J = json::parse(C.out);
  std::set<std::string> Renamed;
  for (const json &N : J["renamed"]) {
    EXPECT_EQ(N["part"], "b");
    Renamed.insert(N["from"].get<std::string>() + "->" + N["to"].get<std::string>());
  }
  EXPECT_EQ(Renamed, (std::set<std::string>{"counter->b_counter", "stats->b_stats",
                                            "bump->b_bump"}));
  std::set<std::string> Merged(J["merged"].begin(), J["merged"].end());
  EXPECT_TRUE(Merged.count("ident") && Merged.count("MAGIC") && Merged.count("limit"))
      << J["merged"].dump();
  EXPECT_EQ(J["license"], "GPL"); // GPL and Dual BSD/GPL: the strictest
  ASSERT_EQ(J["parts"].size(), 2u);
  EXPECT_EQ(J["parts"][1]["entry"], "count_b");
  EXPECT_EQ(J["verify"]["programs"][0]["name"], "chain");
  EXPECT_EQ(J["verify"]["programs"][0]["verdict"], "pass");
  // Against the chain of a's and b's own programs: each part's map holds what it held there.
  ASSERT_TRUE(J["diff_run"].is_object()) << J["diff_run_skipped"];
  EXPECT_EQ(J["diff_run"]["divergent"], 0);
  EXPECT_EQ(J["diff_run"]["maps_equal"], true) << J["diff_run"]["maps"].dump();
  bool ComparedBStats = false;
  for (const json &Map : J["diff_run"]["maps"])
    ComparedBStats |= Map["name"] == "part 2: stats = b_stats" && Map["equal"] == true;
  EXPECT_TRUE(ComparedBStats) << J["diff_run"]["maps"].dump();

  std::string Out = slurp(R.out);
  EXPECT_NE(Out.find("struct b_counter *c = bpf_map_lookup_elem(&b_stats, &k);"),
            std::string::npos);
  EXPECT_EQ(Out.find("SEC(\"xdp\")"), std::string::npos) << "the parts' entries are functions";
  // One definition of ident, one of MAGIC; the chain calls a's entry, then b's on XDP_PASS.
  EXPECT_EQ(Out.find("int ident(int x)"), Out.rfind("int ident(int x)"));
  EXPECT_EQ(Out.find("#define MAGIC 42"), Out.rfind("#define MAGIC 42"));
  EXPECT_NE(Out.find("verdict = count_a(ctx);\n\tif (verdict != 2)\n\t\treturn verdict;\n\n"
                     "\tverdict = count_b(ctx);"),
            std::string::npos)
      << Out.substr(Out.find("The composed program"));
}

TEST(Compose, MapsArePerPartUnlessSharedAndSharedOnesMustMatch) {
  if (geteuid() != 0)
    GTEST_SKIP() << "verifying the composed program needs root (CAP_BPF)";
  // Identical parts: everything merges but the map, which each part keeps ...
  Recipe Same = twoCounters("\t__u64 packets;\n", "10", "GPL");
  auto C = run({"compose", Same.path, "-o", Same.out, "--format", "json"});
  ASSERT_EQ(C.exitCode, 0) << C.err;
  json J = json::parse(C.out);
  ASSERT_EQ(J["renamed"].size(), 2u) << J["renamed"].dump(); // stats, and bump that names it
  EXPECT_EQ(J["renamed"][0]["to"], "b_bump");
  EXPECT_EQ(J["renamed"][1]["to"], "b_stats");
  // ... unless shared: then one map, and bump is the same function of both.
  Recipe Shared = twoCounters("\t__u64 packets;\n", "10", "GPL", "share: [stats]\n");
  C = run({"compose", Shared.path, "-o", Shared.out, "--format", "json"});
  ASSERT_EQ(C.exitCode, 0) << C.err;
  J = json::parse(C.out);
  EXPECT_TRUE(J["renamed"].empty()) << J["renamed"].dump();
  std::string Out = slurp(Shared.out);
  EXPECT_EQ(Out.find("} stats SEC(\".maps\");"), Out.rfind("} stats SEC(\".maps\");"));
  // A shared map the parts define differently is refused, at the part, writing nothing.
  Recipe Differ = twoCounters("\t__u32 packets;\n", "10", "GPL", "share: [stats]\n");
  C = run({"compose", Differ.path, "-o", Differ.out});
  EXPECT_EQ(C.exitCode, 2) << C.err;
  EXPECT_EQ(firstLine(C.err), Differ.path + ":7:5: error: map 'stats' is shared but parts 'a' "
                                            "and 'b' define it differently");
  EXPECT_FALSE(fs::exists(Differ.out));
}

TEST(Compose, KnobAndLicenceClashesAreRefusedByName) {
  Recipe Knob = twoCounters("\t__u64 packets;\n", "20", "GPL");
  auto C = run({"compose", Knob.path, "-o", Knob.out});
  EXPECT_EQ(C.exitCode, 2) << C.err;
  EXPECT_EQ(firstLine(C.err), Knob.path + ":7:5: error: knob 'limit' is defined differently by "
                                          "parts 'a' and 'b': a composed program has one value "
                                          "for it");
  EXPECT_FALSE(fs::exists(Knob.out));

  Recipe Lic = twoCounters("\t__u64 packets;\n", "10", "Proprietary");
  C = run({"compose", Lic.path, "-o", Lic.out});
  EXPECT_EQ(C.exitCode, 2) << C.err;
  EXPECT_EQ(firstLine(C.err), Lic.path + ":1:1: error: licence \"Proprietary\" of part 'b' "
                                         "cannot be combined with \"GPL\" of the parts before it");
  EXPECT_FALSE(fs::exists(Lic.out));
}

TEST(Compose, BadRecipesFailAtTheirLineAndWriteNothing) {
  auto T = toolchain::TempDir::create("bpfcarve-compose");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string D = T->path(), Y = D + "/r.yaml", Out = D + "/out.c";
  const std::string Fw = Samples + "/tc-firewall/firewall.bpf.c";
  struct Case {
    std::string yaml, error;
  } Cases[] = {
      {"name: c\nhook: tc\nparts:\n  - file: " + Fw + "\n    program: fw_ingress\n    colour: red\n",
       ":6:5: error: unknown key 'colour' in a part (keys: compile_commands, file, flags, "
       "function, lines, map, name, program, type)"},
      {"name: c\nhook: tc\nparts:\n  - file: missing.c\n    program: p\n",
       ":4:11: error: cannot read '" + D + "/missing.c': No such file or directory"},
      {"name: c\nhook: tc\nparts:\n  - file: " + Fw + "\n    program: no_such_prog\n",
       ": error: part 'no_such_prog': "},
      {"name: c\nhook: tc\nparts:\n  - file: " + Fw + "\n    program: [oops\n",
       ":6:1: error: YAML: "},
      {"name: c\nhook: tc\nparts: []\n", ":3:8: error: parts: must list at least one part"},
      {"name: c\nhook: tc\nparts:\n  - file: " + Fw + "\n", 
       ":4:5: error: a part selects exactly one of program:, function:, lines: or map:"},
  };
  for (const Case &K : Cases) {
    write(Y, K.yaml);
    auto C = run({"compose", Y, "-o", Out});
    EXPECT_EQ(C.exitCode, 2) << K.yaml << C.err;
    EXPECT_NE(firstLine(C.err).find(K.error), std::string::npos)
        << "expected " << K.error << "\ngot " << firstLine(C.err);
    EXPECT_FALSE(fs::exists(Out)) << K.yaml;
  }
}

TEST(Compose, SamplePartsOfTwoHooksBecomeOneTcProgram) {
  if (geteuid() != 0)
    GTEST_SKIP() << "verifying the composed program needs root (CAP_BPF)";
  auto T = toolchain::TempDir::create("bpfcarve-compose");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Y = T->path() + "/edge.yaml", Out = T->path() + "/edge.bpf.c";
  write(Y, "name: edge_chain\nhook: tc\nparts:\n"
           "  - file: " + Samples + "/tc-firewall/firewall.bpf.c\n    program: fw_ingress\n"
           "  - file: " + Samples + "/l4lb/balancer.bpf.c\n    program: gue_decap_only\n");
  auto C = run({"compose", Y, "-o", Out, "--format", "json"});
  ASSERT_EQ(C.exitCode, 0) << C.err;
  json J = json::parse(C.out);
  ASSERT_EQ(J["parts"].size(), 2u);
  EXPECT_FALSE(J["parts"][0]["retargeted"].get<bool>());
  EXPECT_TRUE(J["parts"][1]["retargeted"].get<bool>());
  EXPECT_EQ(J["parts"][1]["hook"], "xdp");
  EXPECT_EQ(J["verify"]["programs"][0]["type"], "sched_cls");
  EXPECT_EQ(J["verify"]["programs"][0]["verdict"], "pass");
  ASSERT_TRUE(J["diff_run"].is_object()) << J["diff_run_skipped"];
  EXPECT_EQ(J["diff_run"]["divergent"], 0) << J["diff_run"].dump();
  EXPECT_EQ(J["diff_run"]["hook_a"], "tc -> xdp");
  // tc hands on at TC_ACT_OK and TC_ACT_UNSPEC.
  EXPECT_NE(slurp(Out).find("if (verdict != 0 && verdict != -1)"), std::string::npos);
}

/// An XDP program: Body runs with `unsigned char *d` at the frame and `end` past it.
std::string xdpProgram(const std::string &Name, const std::string &Body) {
  return "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n\nSEC(\"xdp\")\nint " + Name +
         "(struct xdp_md *ctx)\n{\n\tunsigned char *d = (void *)(long)ctx->data;\n"
         "\tunsigned char *end = (void *)(long)ctx->data_end;\n\n\tif (d + 1 > end)\n"
         "\t\treturn XDP_PASS;\n" +
         Body + "}\n\nchar LICENSE[] SEC(\"license\") = \"GPL\";\n";
}

TEST(ComposeChainRun, TheChainStopsAtAVerdictAndHandsItsOutputFrameOn) {
  // The run the composed program is proved by: each part's verdict decides whether the next
  // runs, and the next sees the frame the one before left. B here is not a composition of A,
  // so that the run has to tell them apart.
  if (geteuid() != 0)
    GTEST_SKIP() << "test runs need root (CAP_BPF)";
  auto T = toolchain::TempDir::create("bpfcarve-chain");
  ASSERT_TRUE(static_cast<bool>(T));
  auto build = [&](const std::string &Name, const std::string &Body) {
    auto O = verifier::compileText(xdpProgram(Name, Body), T->path() + "/" + Name, Name + ".c",
                                   std::nullopt);
    EXPECT_TRUE(static_cast<bool>(O)) << (O ? "" : O.failure().message + O.failure().details);
    return O ? *O : std::string();
  };
  const std::string Mark = build("mark", "\td[0] = 0xab;\n\treturn XDP_PASS;\n");
  const std::string DropMarked =
      build("drop_marked", "\treturn d[0] == 0xab ? XDP_DROP : XDP_PASS;\n");
  const std::string Drop = build("drop", "\treturn XDP_DROP;\n");
  auto chain = [&](std::vector<std::string> Objs, const std::string &B) {
    std::vector<verifier::ChainStage> Stages;
    for (const std::string &O : Objs)
      Stages.push_back({O, "", "", {}});
    verifier::DiffRunOptions DO;
    DO.packets = "gen:ipv4";
    auto R = verifier::diffRunChain(Stages, B, DO);
    EXPECT_TRUE(static_cast<bool>(R)) << (R ? "" : R.failure().message);
    return R ? *R : verifier::DiffRunReport{};
  };
  // mark -> drop_marked drops what mark passes on: the second part saw the first's output.
  auto Fed = chain({Mark, DropMarked}, Mark);
  ASSERT_GT(Fed.compared, 0u);
  EXPECT_EQ(Fed.divergent, Fed.compared);
  EXPECT_EQ(chain({Mark, DropMarked}, Drop).divergent, 0u);
  // drop -> mark stops at the drop: the chain is the drop, whatever comes after.
  auto Stopped = chain({Drop, Mark}, Drop);
  EXPECT_EQ(Stopped.divergent, 0u);
  EXPECT_EQ(Stopped.matched, Stopped.compared);
  EXPECT_EQ(chain({Drop, Mark}, Mark).divergent, Stopped.compared);
}

} // namespace

namespace {

const char *MarkPart = "#include <linux/bpf.h>\n#include <linux/pkt_cls.h>\n"
                       "#include <bpf/bpf_helpers.h>\n\nSEC(\"tc\")\n"
                       "int mark_it(struct __sk_buff *skb)\n{\n\tskb->mark = 7;\n"
                       "\tskb->cb[0] = 3;\n\treturn TC_ACT_OK;\n}\n\n"
                       "char LICENSE[] SEC(\"license\") = \"GPL\";\n";
const char *PassPart = "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n\nSEC(\"xdp\")\n"
                       "int pass_it(struct xdp_md *ctx)\n{\n\treturn XDP_PASS;\n}\n\n"
                       "char LICENSE[] SEC(\"license\") = \"GPL\";\n";
/// Lets the packet on only when an earlier part marked it (mark 7, cb[0] 3) and its seeded limit
/// is 42; then records a hit. With Mark, the same program marks first (a composition by hand).
std::string checkPart(bool Mark) {
  return std::string("#include <linux/bpf.h>\n#include <linux/pkt_cls.h>\n"
                     "#include <bpf/bpf_helpers.h>\n\n"
                     "struct {\n\t__uint(type, BPF_MAP_TYPE_ARRAY);\n\t__uint(max_entries, 1);\n"
                     "\t__type(key, __u32);\n\t__type(value, __u32);\n} limits SEC(\".maps\");\n\n"
                     "struct {\n\t__uint(type, BPF_MAP_TYPE_HASH);\n\t__uint(max_entries, 4);\n"
                     "\t__type(key, __u32);\n\t__type(value, __u32);\n} hits SEC(\".maps\");\n\n"
                     "SEC(\"tc\")\nint check(struct __sk_buff *skb)\n{\n"
                     "\t__u32 k = 0, one = 1;\n\t__u32 *lim;\n\n") +
         (Mark ? "\tskb->mark = 7;\n\tskb->cb[0] = 3;\n" : "") +
         "\tlim = bpf_map_lookup_elem(&limits, &k);\n"
         "\tif (!lim || *lim != 42 || skb->mark != 7 || skb->cb[0] != 3)\n"
         "\t\treturn TC_ACT_SHOT;\n\tbpf_map_update_elem(&hits, &k, &one, BPF_ANY);\n"
         "\treturn TC_ACT_OK;\n}\n\nchar LICENSE[] SEC(\"license\") = \"GPL\";\n";
}
const char *LimitSeed = "{\"maps\": {\"limits\": [{\"key\": \"00000000\", \"value\": 42}]}}\n";

TEST(ComposeChainRun, AnSkbPartsMarkAndCbAndTheSeedReachTheLaterParts) {
  // mark_it (tc) -> pass_it (xdp) -> check (tc) against one program doing both: the chain
  // matches only if check sees mark_it's mark and cb[0] across the XDP part, and its limit
  // came from the seed; the hit it records shows the seed reached both sides.
  if (geteuid() != 0)
    GTEST_SKIP() << "test runs need root (CAP_BPF)";
  auto T = toolchain::TempDir::create("bpfcarve-chain");
  ASSERT_TRUE(static_cast<bool>(T));
  auto build = [&](const std::string &Name, const std::string &Text) {
    auto O = verifier::compileText(Text, T->path() + "/" + Name, Name + ".c", std::nullopt);
    EXPECT_TRUE(static_cast<bool>(O)) << (O ? "" : O.failure().message + O.failure().details);
    return O ? *O : std::string();
  };
  std::vector<verifier::ChainStage> Stages{{build("mark", MarkPart), "", "", {}},
                                           {build("pass", PassPart), "", "", {}},
                                           {build("check", checkPart(false)), "", "", {}}};
  const std::string Whole = build("whole", checkPart(true));
  write(T->path() + "/seed.json", LimitSeed);
  verifier::DiffRunOptions DO;
  DO.packets = "gen:ipv4";
  DO.seedPath = T->path() + "/seed.json";
  auto R = verifier::diffRunChain(Stages, Whole, DO);
  ASSERT_TRUE(static_cast<bool>(R)) << R.failure().message;
  ASSERT_GT(R->compared, 0u);
  EXPECT_EQ(R->divergent, 0u) << verifier::diffRunText(*R);
  EXPECT_EQ(R->mapsB["hits"].entries.size(), 1u);
  EXPECT_EQ(R->mapsA["part 3: hits"].entries.size(), 1u);
}

TEST(Compose, TheChainOfPartsCarriesTheSkbCtxAndTheMapSeed) {
  if (geteuid() != 0)
    GTEST_SKIP() << "verifying the composed program needs root (CAP_BPF)";
  auto T = toolchain::TempDir::create("bpfcarve-compose");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string D = T->path();
  write(D + "/mark.c", MarkPart);
  write(D + "/pass.c", PassPart);
  write(D + "/check.c", checkPart(false));
  write(D + "/seed.json", LimitSeed);
  write(D + "/r.yaml", "name: chain\nhook: tc\nparts:\n  - file: mark.c\n    program: mark_it\n"
                       "  - file: pass.c\n    program: pass_it\n"
                       "  - file: check.c\n    program: check\n");
  auto C = run({"compose", D + "/r.yaml", "-o", D + "/out.bpf.c", "--maps", D + "/seed.json",
                "--packets", "gen:ipv4", "--format", "json"});
  ASSERT_EQ(C.exitCode, 0) << C.err;
  json J = json::parse(C.out);
  ASSERT_TRUE(J["diff_run"].is_object()) << J["diff_run_skipped"];
  EXPECT_EQ(J["diff_run"]["divergent"], 0) << J["diff_run"].dump();
  EXPECT_GE(J["diff_run"]["compared"].get<double>(), 0.9 * J["diff_run"]["packets"].get<double>());
  EXPECT_EQ(J["diff_run"]["hook_a"], "tc -> xdp -> tc");
  // A seed naming a map the composed program lacks is bad input, before anything is written.
  write(D + "/bad.json", "{\"maps\": {\"limit\": [{\"key\": \"00000000\", \"value\": 1}]}}\n");
  auto Bad = run({"compose", D + "/r.yaml", "-o", D + "/bad.bpf.c", "--maps", D + "/bad.json"});
  EXPECT_EQ(Bad.exitCode, 2) << Bad.err;
  EXPECT_NE(Bad.err.find("names map 'limit', which the composed program does not have"),
            std::string::npos)
      << Bad.err;
}

} // namespace
