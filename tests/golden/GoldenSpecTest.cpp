//===- GoldenSpecTest.cpp - the golden runners reject keys they do not know -===//
//
// GoldenSpec.h's readers, fed expectation files with a misspelt or invented key: each must fail
// with a message naming the file and the key, where the old readers silently dropped the line.
// Then every committed golden file of the three runners must read without an error.
//
//===----------------------------------------------------------------------===//
#include "GoldenSpec.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace bpfcarve::golden;
using nlohmann::json;

namespace {

const std::string Golden = BPFCARVE_SOURCE_DIR "/tests/golden";

std::string slurp(const fs::path &P) {
  std::ifstream I(P);
  std::stringstream S;
  S << I.rdbuf();
  return S.str();
}

/// The files of Dir whose names end in Suffix, sorted.
std::vector<fs::path> filesOf(const std::string &Dir, const std::string &Suffix) {
  std::vector<fs::path> Out;
  for (const auto &E : fs::directory_iterator(Dir)) {
    std::string N = E.path().filename().string();
    if (N.size() > Suffix.size() && N.compare(N.size() - Suffix.size(), Suffix.size(), Suffix) == 0)
      Out.push_back(E.path());
  }
  std::sort(Out.begin(), Out.end());
  return Out;
}

TEST(AnnotationKey, OnlyUpperCaseKeysAtTheStartOfALine) {
  EXPECT_EQ(annotationKey("// KEEP: x"), "KEEP");
  EXPECT_EQ(annotationKey("// KEPP: x"), "KEPP");
  EXPECT_EQ(annotationKey("// L4_PORT:"), "L4_PORT");
  EXPECT_EQ(annotationKey("// Note: an ordinary comment"), std::nullopt);
  EXPECT_EQ(annotationKey("// the port: 80"), std::nullopt);
  EXPECT_EQ(annotationKey("  // KEEP: indented"), std::nullopt);
  EXPECT_EQ(annotationKey("/* KEEP: block */"), std::nullopt);
  EXPECT_EQ(annotationKey("// KEEP:x"), std::nullopt);
  EXPECT_EQ(annotationKey("// 4KEEP: x"), std::nullopt);
  EXPECT_EQ(annotationKey("return x; // KEEP: trailing"), std::nullopt);
}

TEST(ExtractSpec, ReadsTheKnownAnnotations) {
  ExtractSpec S = readExtractSpec("// ARGS: --program p -o x\n// KEEP: a\\(\n// DROP: b\n"
                                  "// VERIFY: pass\n// an ordinary comment: here\nint x;\n",
                                  "case.bpf.c");
  EXPECT_EQ(S.error, "");
  EXPECT_EQ(S.args, (std::vector<std::string>{"--program", "p", "-o", "x"}));
  EXPECT_EQ(S.keep, std::vector<std::string>{"a\\("});
  EXPECT_EQ(S.drop, std::vector<std::string>{"b"});
  EXPECT_TRUE(S.verify);
}

TEST(ExtractSpec, RejectsAnUnknownKeyNamingFileAndKey) {
  ExtractSpec S = readExtractSpec("// ARGS: --program p\n// KEPP: lost\n", "dir/case.bpf.c");
  EXPECT_EQ(S.error, "dir/case.bpf.c:2: unknown annotation 'KEPP:' (the extract golden runner "
                     "knows ARGS, DROP, KEEP, VERIFY)");
  // REFUSE belongs to the retarget runner, not to this one.
  EXPECT_NE(readExtractSpec("// REFUSE: x\n", "e.bpf.c").error.find("'REFUSE:'"),
            std::string::npos);
}

TEST(ExtractSpec, VerifyTakesPass) {
  EXPECT_EQ(readExtractSpec("// VERIFY: fail\n", "v.bpf.c").error,
            "v.bpf.c:1: VERIFY takes 'pass', not 'fail'");
}

TEST(RetargetSpec, ReadsTheKnownAnnotations) {
  RetargetSpec S = readRetargetSpec("// ARGS: --to tc\n// KEEP: k\n// DROP: d\n"
                                    "// DIFFRUN: pass --maps ${DIR}/seed.json\n// DIFFRUN: pass\n",
                                    "r.bpf.c", "/g");
  EXPECT_EQ(S.error, "");
  EXPECT_EQ(S.args, (std::vector<std::string>{"--to", "tc"}));
  ASSERT_EQ(S.diffRuns.size(), 2u);
  EXPECT_EQ(S.diffRuns[0], (std::vector<std::string>{"--maps", "/g/seed.json"}));
  EXPECT_TRUE(S.diffRuns[1].empty());
  EXPECT_EQ(readRetargetSpec("// REFUSE: ^x$\n", "r.bpf.c", "/g").refuse, "^x$");
}

TEST(RetargetSpec, RejectsAnUnknownKeyNamingFileAndKey) {
  RetargetSpec S = readRetargetSpec("// ARGS: --to tc\n\n// DIFF_RUN: pass\n", "g/r.bpf.c", "g");
  EXPECT_EQ(S.error, "g/r.bpf.c:3: unknown annotation 'DIFF_RUN:' (the retarget golden runner "
                     "knows ARGS, DIFFRUN, DROP, KEEP, REFUSE)");
  EXPECT_NE(readRetargetSpec("// VERIFY: pass\n", "r.c", "g").error.find("'VERIFY:'"),
            std::string::npos);
}

TEST(RetargetSpec, DiffRunTakesPassAndOneRefusal) {
  EXPECT_EQ(readRetargetSpec("// DIFFRUN: --packets gen:all\n", "r.c", "g").error,
            "r.c:1: DIFFRUN takes 'pass' and then diff-run arguments, not '--packets gen:all'");
  EXPECT_EQ(readRetargetSpec("// REFUSE: a\n// REFUSE: b\n", "r.c", "g").error,
            "r.c:2: a second REFUSE line (one refusal per case)");
}

TEST(CorpusSpec, RejectsAnUnknownKeyNamingFileAndKey) {
  json Good = json::parse(R"({"functionality": "f", "file": "a.c", "args": ["--function", "f"],
      "kept": {"function": ["f"], "type": []}, "absent": {"map": ["m"]}, "notes": "n"})");
  EXPECT_EQ(corpusSpecError(Good, "c.json"), "");

  json Top = Good;
  Top["absnet"] = json::object();
  EXPECT_EQ(corpusSpecError(Top, "golden/c.json"),
            "golden/c.json: unknown key 'absnet' (the corpus golden runner knows absent, args, "
            "file, functionality, kept, notes)");

  json Kind = Good;
  Kind["kept"]["functions"] = {"g"};
  EXPECT_EQ(corpusSpecError(Kind, "c.json"),
            "c.json: unknown key 'kept.functions' (entity kinds: function, global, macro, map, "
            "type)");
  Kind = Good;
  Kind["absent"]["struct"] = {"s"};
  EXPECT_NE(corpusSpecError(Kind, "c.json").find("'absent.struct'"), std::string::npos);
  EXPECT_EQ(corpusSpecError(json::array(), "c.json"), "c.json: not a JSON object");
}

TEST(CarveTargets, RejectsAnUnknownKeyNamingFileAndPath) {
  json Good = json::parse(R"({"source": "s.bpf.c", "seed": "seed.json", "targets": [
      {"id": "t1", "row": "r", "functions": ["f"], "extract": {"program": ["p"]},
       "verify": {"expect": "pass"}, "known_bugs": [{"stage": "carve", "symptom": "s", "bug": "b"}],
       "retargets": [{"to": "tc", "expect": "pass", "rewrites": [],
                      "diff_run": {"packets": "gen:all", "exercised_by": {"why": "w",
                          "verdicts": {"TC_ACT_OK": 1},
                          "harness_results": {"r0": {"values": [1], "nonzero": true}}}}}]}]})");
  EXPECT_EQ(carveTargetsError(Good, "c.json"), "");

  json Bad = Good;
  Bad["targets"][0]["retargets"][0]["allow_aprox"] = true;
  EXPECT_EQ(carveTargetsError(Bad, "l4lb/carve-targets.json"),
            "l4lb/carve-targets.json: unknown key 'targets[t1].retargets[0].allow_aprox' (known "
            "there: allow_approx, diff_run, direction, error, expect, program, readme, refusal, "
            "rewrites, to, verify, why)");
  Bad = Good;
  Bad["targets"][0]["retargets"][0]["diff_run"]["exercised_by"]["harness_results"]["r0"]
     ["min_distinc"] = 2;
  EXPECT_NE(carveTargetsError(Bad, "c.json")
                .find("'targets[t1].retargets[0].diff_run.exercised_by.harness_results.r0."
                      "min_distinc'"),
            std::string::npos);
  Bad = Good;
  Bad["target"] = json::array();
  EXPECT_NE(carveTargetsError(Bad, "c.json").find("unknown key 'target'"), std::string::npos);
  Bad = Good;
  Bad["targets"][0]["known_bugs"][0]["symtom"] = "x";
  EXPECT_NE(carveTargetsError(Bad, "c.json").find("'targets[t1].known_bugs[0].symtom'"),
            std::string::npos);
}

// Every committed golden file reads cleanly: the strict readers lose none of them.
TEST(CommittedGoldenFiles, ExtractReadWithoutError) {
  auto Files = filesOf(Golden + "/extract", ".bpf.c");
  EXPECT_GE(Files.size(), 10u);
  for (const fs::path &F : Files) {
    ExtractSpec S = readExtractSpec(slurp(F), F.string());
    EXPECT_EQ(S.error, "");
    EXPECT_FALSE(S.args.empty()) << F;
  }
}

TEST(CommittedGoldenFiles, RetargetReadWithoutError) {
  auto Files = filesOf(Golden + "/retarget", ".c");
  EXPECT_GE(Files.size(), 10u);
  for (const fs::path &F : Files) {
    RetargetSpec S = readRetargetSpec(slurp(F), F.string(), Golden + "/retarget");
    EXPECT_EQ(S.error, "");
    EXPECT_FALSE(S.args.empty()) << F;
  }
}

TEST(CommittedGoldenFiles, CorpusReadWithoutError) {
  auto Files = filesOf(Golden + "/corpus", ".json");
  EXPECT_GE(Files.size(), 10u);
  for (const fs::path &F : Files)
    EXPECT_EQ(corpusSpecError(json::parse(slurp(F), nullptr, false), F.string()), "");
}

TEST(CommittedGoldenFiles, CarveTargetsReadWithoutError) {
  size_t N = 0;
  for (const auto &E : fs::directory_iterator(BPFCARVE_SOURCE_DIR "/bpf-samples")) {
    fs::path J = E.path() / "carve-targets.json";
    if (!fs::exists(J))
      continue;
    ++N;
    json Doc = json::parse(slurp(J), nullptr, false);
    ASSERT_FALSE(Doc.is_discarded()) << J;
    EXPECT_EQ(carveTargetsError(Doc, J.string()), "");
  }
  EXPECT_GE(N, 4u);
}

} // namespace
