//===- HostileInputTest.cpp - valid but hostile inputs must work ----------===//
//
// Inputs generated at run time into a private directory: a 100k-line file, macros nested 60
// deep, paths with spaces and non-ASCII characters, 100k-character lines, CRLF line endings and
// 300 maps. Each is carved with the real binary; the slice keeps exactly what the selection needs
// (checked through the --manifest) and the kernel verifier accepts it.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;

namespace {

const char *Head = "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n\n";
const char *License = "char LICENSE[] SEC(\"license\") = \"GPL\";\n";

std::string slurp(const std::string &P) {
  std::ifstream I(P, std::ios::binary);
  std::stringstream S;
  S << I.rdbuf();
  return S.str();
}

class HostileInput : public ::testing::Test {
protected:
  void SetUp() override {
    auto D = toolchain::TempDir::create("bpfcarve-hostile");
    ASSERT_TRUE(static_cast<bool>(D));
    Tmp.emplace(D.take());
    Dir = Tmp->path();
  }
  std::string write(const std::string &Path, const std::string &Text) {
    fs::create_directories(fs::path(Path).parent_path());
    std::ofstream(Path, std::ios::binary) << Text;
    return Path;
  }
  toolchain::ProcessResult run(std::vector<std::string> Args) {
    Args.insert(Args.begin(), BPFCARVE_BIN);
    auto R = toolchain::runProcess(Args);
    EXPECT_TRUE(static_cast<bool>(R));
    return R ? *R : toolchain::ProcessResult{};
  }
  /// extract with -o and --manifest; returns the manifest's kept names by kind, only those from
  /// the project (origin main or local).
  std::map<std::string, std::set<std::string>> extract(const std::string &Input,
                                                       std::vector<std::string> Selection,
                                                       const std::string &Out,
                                                       std::vector<std::string> Extra = {}) {
    std::string Manifest = Dir + "/manifest.json";
    std::vector<std::string> Args{"extract", Input};
    Args.insert(Args.end(), Selection.begin(), Selection.end());
    Args.insert(Args.end(), {"-o", Out, "--manifest", Manifest});
    Args.insert(Args.end(), Extra.begin(), Extra.end());
    auto R = run(Args);
    EXPECT_EQ(R.exitCode, 0) << R.err;
    std::map<std::string, std::set<std::string>> Kept;
    json M = json::parse(slurp(Manifest), nullptr, false);
    EXPECT_TRUE(M.is_object()) << "no manifest";
    if (!M.is_object())
      return Kept;
    for (const json &K : M["kept"]) {
      if (K["origin"] == "system")
        continue;
      std::string Id = K["id"];
      size_t Colon = Id.find(':'), At = Id.find('@');
      Kept[K["kind"]].insert(Id.substr(Colon + 1, At - Colon - 1));
    }
    return Kept;
  }
  /// verify passes every program of File (needs root; without it the caller skips).
  void expectVerifies(const std::string &File, std::vector<std::string> Extra = {}) {
    if (::geteuid() != 0) {
      std::cout << "[ note ] not root: " << File << " was not loaded into the verifier\n";
      return;
    }
    std::vector<std::string> Args{"verify", File, "--format", "json"};
    Args.insert(Args.end(), Extra.begin(), Extra.end());
    auto R = run(Args);
    EXPECT_EQ(R.exitCode, 0) << R.err;
    json J = json::parse(R.out, nullptr, false);
    ASSERT_TRUE(J.is_object()) << R.out;
    ASSERT_FALSE(J["programs"].empty());
    for (const json &P : J["programs"])
      EXPECT_EQ(P["verdict"], "pass") << P.dump();
  }

  std::optional<toolchain::TempDir> Tmp;
  std::string Dir;
};

TEST_F(HostileInput, HundredThousandLineFileCarvesOneFunctionMinimally) {
  // 2,000 filler functions of 50 lines, a map and two programs; carve_me needs two helpers.
  std::ostringstream S;
  S << Head;
  S << "struct {\n\t__uint(type, BPF_MAP_TYPE_ARRAY);\n\t__uint(max_entries, 4);\n"
       "\t__type(key, __u32);\n\t__type(value, __u64);\n} filler_map SEC(\".maps\");\n\n";
  S << "static __attribute__((noinline)) int helper_a(int x)\n{\n\treturn x * 7 + 1;\n}\n\n"
       "static __attribute__((noinline)) int helper_b(int x)\n{\n\treturn x ^ 0x5a;\n}\n\n"
       "static __attribute__((noinline)) int carve_me(int x)\n{\n"
       "\treturn helper_a(x) + helper_b(x);\n}\n\n";
  for (int F = 0; F < 2000; ++F) {
    S << "static __attribute__((noinline, unused)) int filler_" << F << "(int x)\n{\n";
    for (int L = 0; L < 45; ++L)
      S << "\tx = x * 3 + " << (F * 45 + L) % 1000 << ";\n";
    S << "\treturn x;\n}\n\n";
  }
  S << "SEC(\"xdp\")\nint big_prog(struct xdp_md *ctx)\n{\n\t__u32 k = 0;\n"
       "\t__u64 *v = bpf_map_lookup_elem(&filler_map, &k);\n\tif (v)\n\t\t*v += filler_7(1);\n"
       "\treturn carve_me(ctx->ingress_ifindex) ? XDP_PASS : XDP_DROP;\n}\n\n"
    << License;
  std::string Text = S.str();
  size_t Lines = std::count(Text.begin(), Text.end(), '\n');
  ASSERT_GE(Lines, 100000u);
  std::string In = write(Dir + "/huge.bpf.c", Text);
  std::string Out = Dir + "/carved.bpf.c";
  auto Kept = extract(In, {"--function", "carve_me", "--harness", "xdp"}, Out);
  EXPECT_EQ(Kept["function"], (std::set<std::string>{"carve_me", "helper_a", "helper_b"}));
  EXPECT_EQ(Kept["map"], std::set<std::string>{}) << "the map only the program uses is dropped";
  std::string Carved = slurp(Out);
  size_t OutLines = std::count(Carved.begin(), Carved.end(), '\n');
  EXPECT_LT(OutLines, 80u) << "a slice of three small functions and a harness";
  EXPECT_EQ(Carved.find("filler_"), std::string::npos);
  EXPECT_EQ(slurp(In), Text) << "input modified";
  expectVerifies(Out);
}

TEST_F(HostileInput, MacrosNestedSixtyDeep) {
  std::ostringstream S;
  S << Head << "#define DEEP_0(x) (x)\n#define UNUSED_0(x) (x)\n";
  for (int I = 1; I < 60; ++I) {
    S << "#define DEEP_" << I << "(x) DEEP_" << I - 1 << "((x) + 1)\n";
    S << "#define UNUSED_" << I << "(x) UNUSED_" << I - 1 << "((x) + 2)\n";
  }
  S << "\nSEC(\"xdp\")\nint deep(struct xdp_md *ctx)\n{\n"
       "\treturn DEEP_59(0) == 59 ? XDP_PASS : XDP_DROP;\n}\n\n"
    << License;
  std::string In = write(Dir + "/deep.bpf.c", S.str());
  std::string Out = Dir + "/deep.out.c";
  auto Kept = extract(In, {"--program", "deep"}, Out);
  std::set<std::string> Want;
  for (int I = 0; I < 60; ++I)
    Want.insert("DEEP_" + std::to_string(I));
  EXPECT_EQ(Kept["macro"], Want) << "the whole chain, none of the unused one";
  expectVerifies(Out);
}

TEST_F(HostileInput, PathsWithSpacesAndNonAscii) {
  std::string Src = std::string(Head) +
                    "SEC(\"xdp\")\nint odd_path(struct xdp_md *ctx)\n{\n\treturn XDP_PASS;\n}\n\n" +
                    License;
  std::string Base = Dir + "/sp ace/ünïcødé ✓";
  std::string In = write(Base + "/prøg ram.bpf.c", Src);
  std::string Build = Base + "/bü ild dir";
  json Db = json::array({{{"directory", Base},
                          {"file", In},
                          {"arguments", {"clang-19", "--target=bpf", "-O2", "-g",
                                         "-D__TARGET_ARCH_x86", "-c", In}}}});
  write(Build + "/compile_commands.json", Db.dump());
  std::string Out = Base + "/öut dir/carved filé.c";
  fs::create_directories(fs::path(Out).parent_path());
  auto Kept = extract(In, {"--program", "odd_path"}, Out, {"-p", Build});
  EXPECT_EQ(Kept["function"], std::set<std::string>{"odd_path"});
  EXPECT_NE(slurp(Out).find("int odd_path(struct xdp_md *ctx)"), std::string::npos);
  auto Inspect = run({"inspect", In, "-p", Build, "--format", "json"});
  EXPECT_EQ(Inspect.exitCode, 0) << Inspect.err;
  EXPECT_NE(Inspect.out.find("prøg ram.bpf.c"), std::string::npos);
  expectVerifies(Out);
  expectVerifies(In, {"-p", Build});
}

TEST_F(HostileInput, HundredThousandCharacterLines) {
  std::string Wide = "static __always_inline int wide(int x)\n{\n\treturn x";
  for (int I = 0; Wide.size() < 100000; ++I)
    Wide += " ^ " + std::to_string(I % 977);
  Wide += ";\n}\n";
  std::string Table = "static const volatile int unused_table[] = {0";
  for (int I = 1; Table.size() < 100000; ++I)
    Table += ", " + std::to_string(I);
  Table += "};\n";
  std::string Src = std::string(Head) + Table + "\n" + Wide +
                    "\nSEC(\"xdp\")\nint long_lines(struct xdp_md *ctx)\n{\n"
                    "\treturn wide(ctx->ingress_ifindex) & 1 ? XDP_PASS : XDP_DROP;\n}\n\n" +
                    License;
  std::string In = write(Dir + "/wide.bpf.c", Src);
  std::string Out = Dir + "/wide.out.c";
  auto Kept = extract(In, {"--program", "long_lines"}, Out);
  EXPECT_EQ(Kept["function"], (std::set<std::string>{"long_lines", "wide"}));
  std::string Carved = slurp(Out);
  EXPECT_NE(Carved.find(Wide), std::string::npos) << "the 100k-character line is kept whole";
  EXPECT_EQ(Carved.find("unused_table"), std::string::npos);
  expectVerifies(Out);
}

TEST_F(HostileInput, CrlfLineEndingsAreKept) {
  std::string Lf = std::string(Head) +
                   "/* counts packets */\nstruct {\n\t__uint(type, BPF_MAP_TYPE_ARRAY);\n"
                   "\t__uint(max_entries, 1);\n\t__type(key, __u32);\n\t__type(value, __u64);\n"
                   "} crlf_hits SEC(\".maps\");\n\n"
                   "static __always_inline int bump(void)\n{\n\t__u32 k = 0;\n"
                   "\t__u64 *v = bpf_map_lookup_elem(&crlf_hits, &k);\n\tif (v)\n\t\t*v += 1;\n"
                   "\treturn 0;\n}\n\n"
                   "SEC(\"xdp\")\nint crlf(struct xdp_md *ctx)\n{\n\tbump();\n\treturn XDP_PASS;\n}\n\n"
                   "SEC(\"xdp\")\nint other(struct xdp_md *ctx)\n{\n\treturn XDP_DROP;\n}\n\n" +
                   License;
  std::string Crlf;
  for (char C : Lf)
    Crlf += C == '\n' ? std::string("\r\n") : std::string(1, C);
  std::string In = write(Dir + "/crlf.bpf.c", Crlf);
  std::string Out = Dir + "/crlf.out.c";
  auto Kept = extract(In, {"--program", "crlf"}, Out);
  EXPECT_EQ(Kept["function"], (std::set<std::string>{"crlf", "bump"}));
  EXPECT_EQ(Kept["map"], std::set<std::string>{"crlf_hits"});
  std::string Carved = slurp(Out);
  for (const char *Kept : {"/* counts packets */\r\nstruct {\r\n", "} crlf_hits SEC(\".maps\");\r\n",
                           "SEC(\"xdp\")\r\nint crlf(struct xdp_md *ctx)\r\n{\r\n\tbump();\r\n"})
    EXPECT_NE(Carved.find(Kept), std::string::npos) << "CRLF text not kept: " << Kept;
  EXPECT_EQ(Carved.find("int other("), std::string::npos);
  auto loneLf = [](const std::string &T) {
    for (size_t I = 0; I < T.size(); ++I)
      if (T[I] == '\n' && (I == 0 || T[I - 1] != '\r'))
        return I;
    return std::string::npos;
  };
  EXPECT_EQ(loneLf(Carved), std::string::npos) << "the lines bpfcarve adds end in CRLF too";
  std::string Tc = Dir + "/crlf.tc.c";
  auto R = run({"retarget", In, "--program", "crlf", "--to", "tc", "-o", Tc});
  EXPECT_EQ(R.exitCode, 0) << R.err;
  std::string Retargeted = slurp(Tc);
  EXPECT_NE(Retargeted.find("SEC(\"tc\")\r\n"), std::string::npos);
  EXPECT_EQ(loneLf(Retargeted), std::string::npos);
  EXPECT_EQ(slurp(In), Crlf);
  expectVerifies(Out);
  expectVerifies(Tc);
  expectVerifies(In, {"--program", "crlf"});
}

TEST_F(HostileInput, ThreeHundredMapsKeepOnlyTheUsedOnes) {
  std::ostringstream S;
  S << Head;
  for (int I = 0; I < 300; ++I)
    S << "struct {\n\t__uint(type, BPF_MAP_TYPE_ARRAY);\n\t__uint(max_entries, 1);\n"
         "\t__type(key, __u32);\n\t__type(value, __u64);\n} map_"
      << I << " SEC(\".maps\");\n\n";
  S << "static __always_inline void bump(void *map)\n{\n\t__u32 k = 0;\n"
       "\t__u64 *v = bpf_map_lookup_elem(map, &k);\n\tif (v)\n\t\t*v += 1;\n}\n\n";
  S << "SEC(\"xdp\")\nint few_maps(struct xdp_md *ctx)\n{\n\tbump(&map_7);\n\tbump(&map_42);\n"
       "\tbump(&map_299);\n\treturn XDP_PASS;\n}\n\n";
  S << "SEC(\"tc\")\nint many_maps(struct __sk_buff *skb)\n{\n";
  for (int I = 0; I < 300; I += 3)
    S << "\tbump(&map_" << I << ");\n";
  S << "\treturn 0;\n}\n\n" << License;
  std::string In = write(Dir + "/maps.bpf.c", S.str());
  std::string Out = Dir + "/maps.out.c";
  auto Kept = extract(In, {"--program", "few_maps"}, Out);
  EXPECT_EQ(Kept["map"], (std::set<std::string>{"map_7", "map_42", "map_299"}));
  EXPECT_EQ(Kept["function"], (std::set<std::string>{"few_maps", "bump"}));
  expectVerifies(Out);
}

} // namespace
