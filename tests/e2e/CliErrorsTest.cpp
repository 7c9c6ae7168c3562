//===- CliErrorsTest.cpp - bad input gets one first line and exit code 2 --===//
//
// Runs the real bpfcarve binary by argv. Each case asserts the documented exit code, the exact
// shape of the first stderr line (docs/cli-errors.md), an empty stdout, and an untouched input.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;
using bpfcarve::toolchain::runProcess;

namespace {

class CliErrors : public ::testing::Test {
protected:
  void SetUp() override {
    char Tmpl[] = "/tmp/bpfcarve-cli-XXXXXX";
    ASSERT_NE(::mkdtemp(Tmpl), nullptr);
    Dir = Tmpl;
  }
  void TearDown() override { fs::remove_all(Dir); }

  std::string write(const std::string &Name, const std::string &Text) {
    std::string P = Dir + "/" + Name;
    std::ofstream(P, std::ios::binary) << Text;
    return P;
  }
  static std::string slurp(const std::string &P) {
    std::ifstream I(P, std::ios::binary);
    std::stringstream S;
    S << I.rdbuf();
    return S.str();
  }

  struct Outcome {
    int code;
    std::string firstLine, out, err;
  };
  Outcome run(std::vector<std::string> Args) {
    Args.insert(Args.begin(), BPFCARVE_BIN);
    auto R = runProcess(Args);
    EXPECT_TRUE(static_cast<bool>(R));
    if (!R)
      return {-1, "", "", ""};
    return {R->exitCode, R->err.substr(0, R->err.find('\n')), R->out, R->err};
  }

  /// Exit 2, nothing on stdout, and a first line matching Pattern.
  void expectBadInput(const Outcome &O, const std::string &Pattern) {
    EXPECT_EQ(O.code, 2) << O.err;
    EXPECT_TRUE(O.out.empty()) << O.out;
    EXPECT_TRUE(std::regex_match(O.firstLine, std::regex(Pattern)))
        << "first line: " << O.firstLine << "\npattern: " << Pattern;
  }

  std::string Dir;
};

TEST_F(CliErrors, MissingFile) {
  auto O = run({"inspect", Dir + "/nope.c"});
  expectBadInput(O, "bpfcarve: error: cannot read '.*/nope.c': No such file or directory");
}

TEST_F(CliErrors, Directory) {
  auto O = run({"inspect", Dir});
  expectBadInput(O, "bpfcarve: error: '.*' is a directory, not a C file");
}

TEST_F(CliErrors, BinaryBytesAreNotC) {
  std::string Garbage = "\x7f" "ELF\x02\x01\x01\x00\xff\xfe\x00\x01 garbage \x80\x81\n";
  std::string P = write("garbage.c", Garbage);
  auto O = run({"inspect", P});
  expectBadInput(O, ".*/garbage.c:1:[0-9]+: error: .+");
  EXPECT_EQ(slurp(P), Garbage) << "input must stay untouched";
}

TEST_F(CliErrors, SyntaxErrorNamesFileLineColumn) {
  std::string P = write("syntax.c", "#include <linux/bpf.h>\n\nint f(void) {\n  return 1 +;\n}\n");
  auto O = run({"inspect", P});
  expectBadInput(O, ".*/syntax.c:4:[0-9]+: error: expected expression");
}

TEST_F(CliErrors, MissingHeader) {
  std::string P = write("hdr.c", "#include \"does_not_exist.h\"\nint x;\n");
  auto O = run({"inspect", P});
  expectBadInput(O, ".*/hdr.c:1:10: error: 'does_not_exist.h' file not found");
}

TEST_F(CliErrors, ErrorInsideLocalHeaderNamesTheHeader) {
  write("broken.h", "struct s { int a; };\nstruct s { int b; };\n");
  std::string P = write("main.c", "#include \"broken.h\"\nint x;\n");
  auto O = run({"inspect", P});
  expectBadInput(O, ".*/broken.h:2:8: error: redefinition of .s.");
}

TEST_F(CliErrors, VerboseAddsClangDiagnosticsAfterTheFirstLine) {
  std::string P = write("syntax.c", "int f(void) {\n  return 1 +;\n}\n");
  auto Quiet = run({"inspect", P});
  auto Verbose = run({"-v", "inspect", P});
  EXPECT_EQ(Quiet.code, 2);
  EXPECT_EQ(Verbose.code, 2);
  EXPECT_EQ(Quiet.firstLine, Verbose.firstLine);
  EXPECT_EQ(Quiet.err, Quiet.firstLine + "\n") << "without -v only the first line";
  EXPECT_NE(Verbose.err.find("^"), std::string::npos) << "clang's caret line with -v";
}

TEST_F(CliErrors, UnknownOption) {
  std::string P = write("ok.c", "int x;\n");
  auto O = run({"inspect", P, "--bogus"});
  expectBadInput(O, "bpfcarve: error: .*--bogus.*");
}

TEST_F(CliErrors, UnknownFormat) {
  std::string P = write("ok.c", "int x;\n");
  auto O = run({"inspect", P, "--format", "xml"});
  expectBadInput(O, "bpfcarve: error: --format: xml not in .*");
}

TEST_F(CliErrors, NoSubcommand) {
  auto O = run({});
  expectBadInput(O, "bpfcarve: error: .*subcommand.*");
}

TEST_F(CliErrors, BuildDirWithoutCompilationDatabase) {
  std::string P = write("ok.c", "int x;\n");
  auto O = run({"inspect", P, "-p", Dir});
  expectBadInput(O, "bpfcarve: error: cannot read '.*/compile_commands.json': No such file or "
                    "directory");
}

TEST_F(CliErrors, MalformedCompilationDatabase) {
  std::string P = write("ok.c", "int x;\n");
  write("compile_commands.json", "[{\"directory\": \"/tmp\", \"file\": ");
  auto O = run({"inspect", P, "-p", Dir});
  expectBadInput(O, "bpfcarve: error: malformed compilation database '.*': .+");
}

TEST_F(CliErrors, CompilationDatabaseWithoutTheFile) {
  std::string P = write("ok.c", "int x;\n");
  write("compile_commands.json",
        "[{\"directory\": \"" + Dir + "\", \"file\": \"other.c\", \"arguments\": "
        "[\"clang\", \"-c\", \"other.c\"]}]");
  auto O = run({"inspect", P, "-p", Dir});
  expectBadInput(O, "bpfcarve: error: no compile command for '.*ok.c' in '.*'");
}

TEST_F(CliErrors, CompilationDatabaseFlagsAreUsed) {
  // The define comes only from compile_commands.json: without it the #error fires.
  std::string P = write("cfg.c", "#ifndef FROM_DB\n#error not from the database\n#endif\n"
                                 "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n"
                                 "SEC(\"xdp\") int prog(struct xdp_md *ctx) { return XDP_PASS; }\n");
  write("compile_commands.json",
        "[{\"directory\": \"" + Dir + "\", \"file\": \"cfg.c\", \"arguments\": "
        "[\"clang-19\", \"--target=bpf\", \"-O2\", \"-DFROM_DB\", \"-c\", \"cfg.c\"]}]");
  auto WithDb = run({"inspect", P, "-p", Dir, "--format", "json"});
  EXPECT_EQ(WithDb.code, 0) << WithDb.err;
  EXPECT_NE(WithDb.out.find("\"name\": \"prog\""), std::string::npos);
  auto Without = run({"inspect", P});
  expectBadInput(Without, ".*/cfg.c:2:2: error: not from the database");
  auto WithFlags = run({"inspect", P, "--", "--target=bpf", "-DFROM_DB"});
  EXPECT_EQ(WithFlags.code, 0) << WithFlags.err;
}

} // namespace
