//===- IncludePolicyTest.cpp - which headers an output #includes ------------===//
//
// A project laid out as users lay theirs out, written at test time: a `.git` marks its root;
// include/ holds its own header, a copy of the system's <linux/bpf.h> (3,000 lines of helper
// documentation) and a `vmlinux.h` symlink to the vmlinux_x86.h bpftool wrote; a header of
// another checkout sits outside the root, reached by -I. The project's header is expanded; the
// vendored copy, the renamed vmlinux.h and the outside header stay #included;
// --keep-include / --expand-include / --project-root change that per header; the leading
// licence comment always stays (docs/extract.md, "Headers").
//
//===----------------------------------------------------------------------===//
#include "NoResidue.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;

namespace {

const char *Prog = R"(// SPDX-License-Identifier: GPL-2.0
/* Copyright (c) the authors of this test */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "common.h"
#include "ext.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("xdp")
int count_all(struct xdp_md *ctx)
{
	__u32 k = ext_slot(COUNT_SLOT);
	__u64 *c = bpf_map_lookup_elem(&counts, &k);
	if (c)
		*c += 1;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
)";

const char *Common = R"(#ifndef COMMON_H
#define COMMON_H
#define COUNT_SLOT 1
#define UNUSED_IN_COMMON 2
#endif
)";

const char *Ext = R"(#ifndef EXT_H
#define EXT_H
static __always_inline __u32 ext_slot(__u32 s) { return s & 3; }
#endif
)";

const char *Vm = R"(// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int pass_all(struct xdp_md *ctx)
{
	__be16 unused = 0;
	return XDP_PASS + unused;
}

char _license[] SEC("license") = "GPL";
)";

class IncludePolicy : public ::testing::Test {
protected:
  void SetUp() override {
    auto T = toolchain::TempDir::create("bpfcarve-include-policy");
    ASSERT_TRUE(static_cast<bool>(T)) << T.failure().firstLine();
    Tmp.emplace(T.take());
    Root = Tmp->path() + "/proj";
    Outside = Tmp->path() + "/other-checkout";
    fs::create_directories(Root + "/.git");
    fs::create_directories(Root + "/src");
    fs::create_directories(Root + "/include/linux");
    fs::create_directories(Outside);
    std::ofstream(Root + "/src/prog.c") << Prog;
    std::ofstream(Root + "/src/vm.c") << Vm;
    std::ofstream(Root + "/include/common.h") << Common;
    std::ofstream(Outside + "/ext.h") << Ext;
    fs::copy_file("/usr/include/linux/bpf.h", Root + "/include/linux/bpf.h");
  }

  toolchain::ProcessResult extract(const std::string &File, std::vector<std::string> Extra) {
    std::vector<std::string> Argv{BPFCARVE_BIN, "extract", Root + "/src/" + File};
    Argv.insert(Argv.end(), Extra.begin(), Extra.end());
    for (const std::string &F : {"--", "-O2", "-g", "--target=bpf", "-D__TARGET_ARCH_x86",
                                 "-I/usr/include/x86_64-linux-gnu"})
      Argv.push_back(F);
    Argv.push_back("-I" + Root + "/include");
    Argv.push_back("-I" + Outside);
    auto R = toolchain::runProcess(Argv);
    EXPECT_TRUE(static_cast<bool>(R));
    return R ? *R : toolchain::ProcessResult{};
  }

  std::optional<toolchain::TempDir> Tmp;
  std::string Root, Outside;
};

long lineCount(const std::string &S) { return std::count(S.begin(), S.end(), '\n'); }

// The leading licence comments stay; a description of the whole file after them documents no
// kept declaration and goes (a 23-line file description was most of a 55-line carve).
TEST_F(IncludePolicy, TheLicenceCommentStaysTheFilesDescriptionGoes) {
  std::ofstream(Root + "/src/described.c") << R"(// SPDX-License-Identifier: GPL-2.0
/*
 * described.c - what the whole file does, at length:
 * the programs, the maps, how user space drives them.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Twice x. */
static __attribute__((noinline)) int twice(int x) { return 2 * x; }

char LICENSE[] SEC("license") = "GPL";
)";
  auto R = extract("described.c", {"--function", "twice"});
  ASSERT_EQ(R.exitCode, 0) << R.err;
  EXPECT_EQ(R.out.rfind("// SPDX-License-Identifier: GPL-2.0\n\n", 0), 0u) << R.out;
  EXPECT_EQ(R.out.find("what the whole file does"), std::string::npos) << R.out;
  EXPECT_NE(R.out.find("/* Twice x. */\nstatic"), std::string::npos) << R.out;
}

// A project header copied into the output loses its include guard (the copy is one), and keeps
// its other conditionals (a feature default) and a run of #defines without blank lines between.
TEST_F(IncludePolicy, ACopiedHeaderLosesItsIncludeGuard) {
  std::ofstream(Root + "/include/guarded.h") << R"(/* guarded.h */
#ifndef GUARDED_H
#define GUARDED_H

#ifndef SLOTS
#define SLOTS 4
#endif
#define LO 1
#define HI 2

struct slot { int v; };
#endif /* GUARDED_H */
)";
  std::ofstream(Root + "/src/guarded.c") << R"(#include <linux/bpf.h>
#include "guarded.h"

static __attribute__((noinline)) int pick(struct slot *s) { return s->v % SLOTS + LO + HI; }
)";
  auto R = extract("guarded.c", {"--function", "pick"});
  ASSERT_EQ(R.exitCode, 0) << R.err;
  EXPECT_EQ(R.out.find("GUARDED_H"), std::string::npos) << R.out;
  EXPECT_NE(R.out.find("#ifndef SLOTS\n"), std::string::npos) << R.out;
  EXPECT_NE(R.out.find("#define LO 1\n#define HI 2\n"), std::string::npos) << R.out;
  EXPECT_NE(R.out.find("struct slot { int v; };"), std::string::npos) << R.out;
}

TEST_F(IncludePolicy, ProjectHeadersExpandOthersStayIncluded) {
  auto R = extract("prog.c", {"--program", "count_all"});
  ASSERT_EQ(R.exitCode, 0) << R.err;
  EXPECT_EQ(R.out.rfind("// SPDX-License-Identifier: GPL-2.0\n/* Copyright", 0), 0u) << R.out;
  EXPECT_NE(R.out.find("#include <linux/bpf.h>"), std::string::npos) << R.out;
  EXPECT_EQ(R.out.find("__BPF_FUNC_MAPPER"), std::string::npos) << "vendored bpf.h copied";
  EXPECT_NE(R.out.find("#include \"ext.h\""), std::string::npos) << R.out;
  EXPECT_EQ(R.out.find("return s & 3;"), std::string::npos) << "outside header copied";
  EXPECT_NE(R.out.find("#define COUNT_SLOT 1"), std::string::npos) << R.out;
  EXPECT_EQ(R.out.find("UNUSED_IN_COMMON"), std::string::npos) << R.out;
  EXPECT_EQ(R.out.find("#include \"common.h\""), std::string::npos) << R.out;
  EXPECT_LT(lineCount(R.out), 60) << R.out;
}

TEST_F(IncludePolicy, InspectNamesEachHeadersClass) {
  std::vector<std::string> Argv{BPFCARVE_BIN,   "inspect", Root + "/src/prog.c", "--format",
                                "json",         "--",      "-O2",       "-g",
                                "--target=bpf", "-I/usr/include/x86_64-linux-gnu",
                                "-I" + Root + "/include",  "-I" + Outside};
  auto R = toolchain::runProcess(Argv);
  ASSERT_TRUE(R && R->exitCode == 0) << (R ? R->err : "");
  std::map<std::string, std::string> Class;
  json Model = json::parse(R->out);
  ASSERT_TRUE(Model["includes"].is_array()) << R->out.substr(0, 2000);
  for (const json &I : Model["includes"])
    Class[I["spelled"].get<std::string>()] = I["class"].get<std::string>();
  EXPECT_EQ(Class["<linux/bpf.h>"], "vendored");
  EXPECT_EQ(Class["<bpf/bpf_helpers.h>"], "libbpf");
  EXPECT_EQ(Class["\"common.h\""], "local");
  EXPECT_EQ(Class["\"ext.h\""], "external");
}

TEST_F(IncludePolicy, PerHeaderOptionsAndProjectRoot) {
  auto Expanded = extract("prog.c", {"--program", "count_all", "--expand-include", "ext.h"});
  ASSERT_EQ(Expanded.exitCode, 0) << Expanded.err;
  EXPECT_NE(Expanded.out.find("return s & 3;"), std::string::npos) << Expanded.out;
  EXPECT_EQ(Expanded.out.find("#include \"ext.h\""), std::string::npos) << Expanded.out;

  auto Kept = extract("prog.c", {"--program", "count_all", "--keep-include", "common.h"});
  ASSERT_EQ(Kept.exitCode, 0) << Kept.err;
  EXPECT_NE(Kept.out.find("#include \"common.h\""), std::string::npos) << Kept.out;
  EXPECT_EQ(Kept.out.find("#define COUNT_SLOT 1"), std::string::npos) << Kept.out;

  // A root above both checkouts makes ext.h the project's.
  auto Wide = extract("prog.c", {"--program", "count_all", "--project-root", Tmp->path()});
  ASSERT_EQ(Wide.exitCode, 0) << Wide.err;
  EXPECT_NE(Wide.out.find("return s & 3;"), std::string::npos) << Wide.out;
}

TEST_F(IncludePolicy, RenamedVmlinuxStaysIncluded) {
  if (!fs::exists("/sys/kernel/btf/vmlinux"))
    GTEST_SKIP() << "no /sys/kernel/btf/vmlinux: cannot write a vmlinux.h here";
  auto Dump = toolchain::runProcess(
      {"bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c"});
  if (!Dump || Dump->exitCode != 0)
    GTEST_SKIP() << "bpftool cannot dump the kernel's BTF here";
  std::ofstream(Root + "/include/vmlinux_x86.h") << Dump->out;
  fs::create_symlink("vmlinux_x86.h", Root + "/include/vmlinux.h");
  auto R = extract("vm.c", {"--program", "pass_all"});
  ASSERT_EQ(R.exitCode, 0) << R.err;
  EXPECT_NE(R.out.find("#include \"vmlinux.h\""), std::string::npos) << R.out;
  EXPECT_EQ(R.out.find("typedef"), std::string::npos) << "pieces of vmlinux.h copied";
  EXPECT_LT(lineCount(R.out), 25) << R.out;
}

// iproute2's examples/bpf/*.c reach its bpf_api.h as "../../include/bpf_api.h": found beside
// the including file, outside the project (the examples' directory, no .git), so kept. An output
// written elsewhere respells such includes for its own directory, also those of an expanded
// header in a subdirectory; the output then compiles where it is, with the input's flags.
TEST_F(IncludePolicy, WhatKeptIncludesNeedComesWithThem) {
  // samples/bpf's kbuild style: `#define KBUILD_MODNAME "foo"` before the kernel's headers, whose
  // own macros expand it (pr_debug's `.modname = KBUILD_MODNAME`), and `-include
  // asm_goto_workaround.h` on the command line. Here: a header of another checkout whose macro
  // names MODNAME_STR, included before <bpf/bpf_helpers.h> (kept for SEC): the #define stays,
  // it was dropped (a self-check failure, exit 4); and a project header the flags -include is
  // not copied into the output, which compiles with the same flags (it was: a redefinition).
  std::ofstream(Outside + "/dbg.h") << "#define dbg_name() MODNAME_STR\n"
                                       "static inline const char *dbg_module(void)\n"
                                       "{ return dbg_name(); }\n";
  std::ofstream(Root + "/src/forced.h") << "#define FORCED_ONE 1\n"
                                           "static __attribute__((always_inline)) inline int "
                                           "forced_one(void) { return FORCED_ONE; }\n";
  std::ofstream(Root + "/src/cfg.c") << "#define MODNAME_STR \"cfg\"\n"
                                        "#include <linux/bpf.h>\n"
                                        "#include \"dbg.h\"\n"
                                        "#include <bpf/bpf_helpers.h>\n"
                                        "SEC(\"xdp\") int pass_one(struct xdp_md *ctx)\n"
                                        "{ return XDP_PASS + forced_one() - 1; }\n"
                                        "char _license[] SEC(\"license\") = \"GPL\";\n";
  const std::string Out = Tmp->path() + "/cfg.out.c";
  auto R = toolchain::runProcess({BPFCARVE_BIN, "extract", Root + "/src/cfg.c", "--program",
                                  "pass_one", "-o", Out, "--", "-O2", "-g", "--target=bpf",
                                  "-I/usr/include/x86_64-linux-gnu", "-I" + Outside, "-include",
                                  Root + "/src/forced.h"});
  ASSERT_TRUE(static_cast<bool>(R));
  ASSERT_EQ(R->exitCode, 0) << R->err;
  std::ifstream In(Out);
  std::string Text((std::istreambuf_iterator<char>(In)), std::istreambuf_iterator<char>());
  EXPECT_NE(Text.find("#define MODNAME_STR \"cfg\"\n#include <linux/bpf.h>\n#include \"dbg.h\""),
            std::string::npos)
      << Text;
  EXPECT_EQ(Text.find("forced_one(void)"), std::string::npos) << Text;
  EXPECT_EQ(Text.find("FORCED_ONE"), std::string::npos) << Text;
}

TEST(QuotedIncludes, FollowTheOutputsDirectory) {
  auto T = toolchain::TempDir::create("bpfcarve-quoted-includes");
  ASSERT_TRUE(static_cast<bool>(T)) << T.failure().firstLine();
  const std::string Pkg = T->path() + "/pkg", Dir = Pkg + "/examples/bpf";
  fs::create_directories(Dir + "/sub");
  fs::create_directories(Pkg + "/include");
  fs::create_directories(T->path() + "/out");
  std::ofstream(Pkg + "/include/api.h") << "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n"
                                           "static __always_inline int api_pass(void) "
                                           "{ return XDP_PASS; }\n";
  std::ofstream(Pkg + "/include/zero.h") << "#define ZERO 0\n";
  std::ofstream(Dir + "/sub/helpers.h")
      << "#include \"../../../include/zero.h\"\n"
         "static __always_inline int helper_zero(void) { return ZERO; }\n";
  std::ofstream(Dir + "/rel.c") << "#include \"../../include/api.h\"\n#include \"sub/helpers.h\"\n"
                                   "SEC(\"xdp\") int rel(struct xdp_md *ctx)\n"
                                   "{ return api_pass() + helper_zero(); }\n"
                                   "char _license[] SEC(\"license\") = \"GPL\";\n";
  const std::vector<std::string> Flags{"--", "-O2", "--target=bpf",
                                       "-I/usr/include/x86_64-linux-gnu"};
  auto Compiles = [&](const std::string &File) {
    std::vector<std::string> Argv{"clang-19", "-fsyntax-only", File};
    Argv.insert(Argv.end(), Flags.begin() + 1, Flags.end());
    auto C = toolchain::runProcess(Argv);
    return C && C->exitCode == 0 ? std::string() : C ? C->err : std::string("clang-19 not run");
  };
  ASSERT_EQ(Compiles(Dir + "/rel.c"), "");

  for (const std::string &Out : {T->path() + "/out/rel.c", Dir + "/sub/rel.c"}) {
    std::vector<std::string> Argv{BPFCARVE_BIN, "extract", Dir + "/rel.c", "--program", "rel",
                                  "-o", Out};
    Argv.insert(Argv.end(), Flags.begin(), Flags.end());
    auto R = toolchain::runProcess(Argv);
    ASSERT_TRUE(R && R->exitCode == 0) << (R ? R->err : "");
    std::ifstream In(Out);
    std::string Text((std::istreambuf_iterator<char>(In)), std::istreambuf_iterator<char>());
    EXPECT_EQ(Text.find("\"../../include/api.h\""), std::string::npos) << Out << ":\n" << Text;
    EXPECT_EQ(Text.find("return XDP_PASS;"), std::string::npos) << "api.h copied:\n" << Text;
    EXPECT_NE(Text.find("helper_zero(void)"), std::string::npos) << "helpers.h not expanded";
    EXPECT_EQ(Compiles(Out), "") << Text;
  }

  // To standard output: spelt for the input's directory, the one include of the expanded
  // sub/helpers.h too.
  std::vector<std::string> Argv{BPFCARVE_BIN, "extract", Dir + "/rel.c", "--program", "rel"};
  Argv.insert(Argv.end(), Flags.begin(), Flags.end());
  auto R = toolchain::runProcess(Argv);
  ASSERT_TRUE(R && R->exitCode == 0) << (R ? R->err : "");
  EXPECT_NE(R->out.find("#include \"../../include/api.h\""), std::string::npos) << R->out;
  EXPECT_NE(R->out.find("#include \"../../include/zero.h\""), std::string::npos) << R->out;
}

} // namespace
