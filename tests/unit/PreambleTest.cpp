//===- PreambleTest.cpp - the self-check's cached preamble -----------------===//
//
// parseOnly(..., UsePreamble) reads a file's leading #include lines from a cached precompiled
// preamble. These tests pin down that the answer never changes because of it: a broken file
// still fails (with the full parse's message), a header edited after caching is seen, a corrupt
// or unwritable cache is rebuilt or skipped, and a file whose include lines differ gets its own.
#include "PreambleCache.h"

#include "bpfcarve/extractor/Extract.h"
#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/extractor/ModelFormat.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include "llvm/Support/xxhash.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <optional>
#include <sys/stat.h>
#include <utime.h>

namespace fs = std::filesystem;
using namespace bpfcarve;
using namespace bpfcarve::extractor;

namespace {

void writeFile(const std::string &Path, const std::string &Text) {
  std::ofstream(Path, std::ios::binary | std::ios::trunc) << Text;
}

/// Sets an environment variable for the lifetime of the object, restoring the old value.
class ScopedEnv {
public:
  ScopedEnv(const char *Name, const std::optional<std::string> &Value) : Name(Name) {
    if (const char *Old = std::getenv(Name))
      Saved = Old;
    if (Value)
      ::setenv(Name, Value->c_str(), 1);
    else
      ::unsetenv(Name);
  }
  ~ScopedEnv() {
    if (Saved)
      ::setenv(Name, Saved->c_str(), 1);
    else
      ::unsetenv(Name);
  }

private:
  const char *Name;
  std::optional<std::string> Saved;
};

/// A private cache directory, a header on disk (hdr/mine.h) and the flags to find it.
class Preamble : public ::testing::Test {
protected:
  void SetUp() override {
    auto D = toolchain::TempDir::create("bpfcarve-preamble-test");
    ASSERT_TRUE(D) << D.failure().message;
    Dir.emplace(D.take());
    Cache.emplace("BPFCARVE_CACHE_DIR", Dir->path() + "/cache");
    Switch.emplace("BPFCARVE_PREAMBLE_CACHE", std::nullopt);
    fs::create_directories(Dir->path() + "/hdr");
    Header = Dir->path() + "/hdr/mine.h";
    writeFile(Header, "#pragma once\nstruct mine { int a; };\n#define MINE_VAL 3\n");
    auto Clang = toolchain::clangInstallation();
    ASSERT_TRUE(Clang) << Clang.failure().message;
    Flags = toolchain::defaultBpfFlags(*Clang);
    Flags.push_back("-I" + Dir->path() + "/hdr");
  }

  ParseOptions options(const std::string &Text) const {
    ParseOptions O;
    O.file = Dir->path() + "/out.c";
    O.contents = Text;
    O.flags = Flags;
    return O;
  }

  Result<bool> check(const std::string &Text, ParseReport &R, bool UsePreamble = true) const {
    return parseOnly(options(Text), UsePreamble, &R);
  }

  std::vector<fs::path> cached() const {
    std::vector<fs::path> Files;
    std::error_code EC;
    for (const auto &E : fs::directory_iterator(Dir->path() + "/cache/preamble", EC))
      if (E.path().extension() == ".pch")
        Files.push_back(E.path());
    return Files;
  }

  /// Checks Text twice: the first time its include lines are only noted (full parse), the
  /// second time the preamble is built and cached.
  void warm(const std::string &Text) const {
    ParseReport R;
    ASSERT_TRUE(check(Text, R)) << R.note;
    EXPECT_EQ(R.preamble, PreambleUse::FullParse) << R.note;
    EXPECT_NE(R.note.find("first use"), std::string::npos) << R.note;
    ASSERT_TRUE(check(Text, R)) << R.note;
    EXPECT_EQ(R.preamble, PreambleUse::Built) << R.note;
  }

  std::optional<toolchain::TempDir> Dir;
  std::optional<ScopedEnv> Cache, Switch;
  std::string Header;
  std::vector<std::string> Flags;
};

const std::string kIncludes = "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n"
                              "#include <mine.h>\n";
const std::string kGoodBody = "\nstatic int use(struct mine *m) { return m->a + MINE_VAL; }\n"
                              "SEC(\"xdp\") int prog(struct xdp_md *ctx) { return XDP_PASS; }\n";

} // namespace

TEST(PreambleLines, OnlyWholePlainIncludeLines) {
  using preamble::leadingIncludeLines;
  EXPECT_EQ(leadingIncludeLines("#include <a.h>\n#include \"b.h\"\nint x;\n"),
            "#include <a.h>\n#include \"b.h\"\n");
  EXPECT_EQ(leadingIncludeLines("  #  include <a.h>  \r\nint x;\n"), "  #  include <a.h>  \r\n");
  EXPECT_EQ(leadingIncludeLines("#include <a.h>"), ""); // no newline: not a whole line
  EXPECT_EQ(leadingIncludeLines("int x;\n#include <a.h>\n"), "");
  // A comment may run on past the line, a splice joins the next one, a macro is not a file.
  EXPECT_EQ(leadingIncludeLines("#include <a.h> /* x\n*/ int y;\n"), "");
  EXPECT_EQ(leadingIncludeLines("#include <a.h> // x\n"), "");
  EXPECT_EQ(leadingIncludeLines("#include <a.h>\\\n\n"), "");
  EXPECT_EQ(leadingIncludeLines("#include HDR\n"), "");
  EXPECT_EQ(leadingIncludeLines("#include <a.h> int\n"), "");
  // An output's licence comment, blank lines and comments come before and between the lines.
  EXPECT_EQ(leadingIncludeLines("// SPDX-License-Identifier: GPL-2.0\n\n/* a\n b */\n"
                                "#include <a.h>\n\n#include \"b.h\"\nint x;\n"),
            "// SPDX-License-Identifier: GPL-2.0\n\n/* a\n b */\n#include <a.h>\n\n"
            "#include \"b.h\"\n");
  EXPECT_EQ(leadingIncludeLines("// SPDX-License-Identifier: GPL-2.0\nint x;\n"), "");
  // Plain #define and #undef lines among them (a project header configuring vmlinux.h); one
  // with a comment or a splice ends the run, and the model's prefix stops at any.
  EXPECT_EQ(leadingIncludeLines("#define X 1\n#include <a.h>\n#undef X\n#include <b.h>\n"
                                "#define Y 2\nint x;\n"),
            "#define X 1\n#include <a.h>\n#undef X\n#include <b.h>\n");
  EXPECT_EQ(leadingIncludeLines("#include <a.h>\n#define X 1 // one\n"), "#include <a.h>\n");
  EXPECT_EQ(leadingIncludeLines("#include <a.h>\n#define X \\\n 1\n"), "#include <a.h>\n");
  EXPECT_EQ(leadingIncludeLines("#include <a.h>\n#defined X\n#define\n"), "#include <a.h>\n");
}

TEST_F(Preamble, DefinesAmongTheIncludeLinesArePartOfTheKey) {
  // `#define` lines before an include configure the header (btf_ptr.h before vmlinux.h): they
  // are in the preamble, and another value is another entry, never the stale one.
  auto text = [](int V) {
    return "#define MINE_EXTRA " + std::to_string(V) + "\n" + kIncludes +
           "_Static_assert(MINE_EXTRA == " +
           std::to_string(V) + ", \"the defined value\");\n" + kGoodBody;
  };
  warm(text(7));
  ParseReport R;
  ASSERT_TRUE(check(text(7), R)) << R.note;
  EXPECT_EQ(R.preamble, PreambleUse::Loaded) << R.note;
  ASSERT_TRUE(check(text(8), R)) << R.note;
  EXPECT_EQ(R.preamble, PreambleUse::FullParse) << R.note;
  EXPECT_NE(R.note.find("first use"), std::string::npos) << R.note;
}

TEST_F(Preamble, BuiltOnceThenLoaded) {
  ParseReport R;
  ASSERT_TRUE(check(kIncludes + kGoodBody, R)) << R.note;
  EXPECT_EQ(R.preamble, PreambleUse::FullParse) << R.note;
  EXPECT_TRUE(cached().empty()); // a one-off check builds nothing
  ASSERT_TRUE(check(kIncludes + kGoodBody, R)) << R.note;
  EXPECT_EQ(R.preamble, PreambleUse::Built) << R.note;
  ASSERT_EQ(cached().size(), 1u);
  ASSERT_TRUE(check(kIncludes + kGoodBody, R)) << R.note;
  EXPECT_EQ(R.preamble, PreambleUse::Loaded) << R.note;
  // Another body behind the same include lines uses the same preamble.
  ASSERT_TRUE(check(kIncludes + "\nint other(void) { return MINE_VAL; }\n", R)) << R.note;
  EXPECT_EQ(R.preamble, PreambleUse::Loaded) << R.note;
  EXPECT_EQ(cached().size(), 1u);
}

TEST_F(Preamble, ALeadingLicenceCommentKeepsThePreamble) {
  // What an output of a file with an SPDX line starts with (the licence comment is kept).
  const std::string Text = "// SPDX-License-Identifier: GPL-2.0\n\n" + kIncludes + kGoodBody;
  ParseReport R;
  warm(Text);
  ASSERT_TRUE(check(Text, R)) << R.note;
  EXPECT_EQ(R.preamble, PreambleUse::Loaded) << R.note;
  EXPECT_FALSE(check(Text + "int z = nope;\n", R));
}

TEST_F(Preamble, BrokenFileStillFailsWithTheFullParsesMessage) {
  ParseReport R;
  warm(kIncludes + kGoodBody);
  const std::string Broken = kIncludes + kGoodBody + "int broken(void) { return undeclared_x; }\n";
  auto Without = check(Broken, R, /*UsePreamble=*/false);
  ASSERT_FALSE(Without);
  auto With = check(Broken, R);
  ASSERT_FALSE(With);
  EXPECT_EQ(R.preamble, PreambleUse::FullParse) << R.note;
  EXPECT_EQ(With.failure().firstLine(), Without.failure().firstLine());
  EXPECT_EQ(With.failure().line, Without.failure().line);
  EXPECT_NE(With.failure().message.find("undeclared_x"), std::string::npos);
  // And the cache still answers correctly afterwards.
  ASSERT_TRUE(check(kIncludes + kGoodBody, R)) << R.note;
}

TEST_F(Preamble, MissingIncludeStillFails) {
  ParseReport R;
  warm(kIncludes + kGoodBody);
  // Without <mine.h> the include lines differ: the cached preamble is not used, and the file
  // fails as it must (struct mine and MINE_VAL are undeclared).
  std::string NoMine = "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n" + kGoodBody;
  auto C = check(NoMine, R);
  ASSERT_FALSE(C);
  EXPECT_NE(R.preamble, PreambleUse::Loaded) << R.note;
  EXPECT_NE(C.failure().message.find("struct mine"), std::string::npos) << C.failure().message;
}

TEST_F(Preamble, DifferentIncludeLinesGetTheirOwn) {
  ParseReport R;
  warm(kIncludes + kGoodBody);
  std::string Reordered = "#include <mine.h>\n#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n";
  warm(Reordered + kGoodBody);
  EXPECT_EQ(cached().size(), 2u);
  // A file that does not start with include lines does not try at all.
  ASSERT_TRUE(check("int x;\n", R)) << R.note;
  EXPECT_EQ(R.preamble, PreambleUse::NotTried) << R.note;
  // Other flags are another key.
  Flags.push_back("-DEXTRA=1");
  warm(kIncludes + kGoodBody);
}

TEST_F(Preamble, EditedHeaderIsSeen) {
  ParseReport R;
  warm(kIncludes + kGoodBody);
  // The header loses MINE_VAL after the preamble was cached: a stale preamble would let the
  // body pass.
  writeFile(Header, "#pragma once\nstruct mine { int a; };\n");
  struct stat St {};
  ASSERT_EQ(::stat(Header.c_str(), &St), 0);
  utimbuf Times{St.st_atime, St.st_mtime + 10};
  ASSERT_EQ(::utime(Header.c_str(), &Times), 0);
  auto C = check(kIncludes + kGoodBody, R);
  ASSERT_FALSE(C) << R.note;
  EXPECT_NE(R.preamble, PreambleUse::Loaded) << R.note;
  // Seen before clang is asked (clang's PCH reader, told not to validate, notices it too).
  EXPECT_NE(R.note.find("a header changed"), std::string::npos) << R.note;
  EXPECT_NE(C.failure().message.find("MINE_VAL"), std::string::npos) << C.failure().message;
}

TEST_F(Preamble, CorruptCacheFileIsRebuilt) {
  ParseReport R;
  warm(kIncludes + kGoodBody);
  ASSERT_EQ(cached().size(), 1u);
  fs::path File = cached().front();
  auto Size = fs::file_size(File);
  {
    // Flip bytes in the middle of the PCH, keeping the size.
    std::fstream F(File, std::ios::in | std::ios::out | std::ios::binary);
    F.seekp(static_cast<std::streamoff>(Size / 2));
    F.write("garbage!garbage!", 16);
  }
  ASSERT_TRUE(check(kIncludes + kGoodBody, R)) << R.note;
  EXPECT_EQ(R.preamble, PreambleUse::Built) << R.note;
  EXPECT_NE(R.note.find("corrupt"), std::string::npos) << R.note;
  // Truncated, then a file that is not a cache entry at all.
  fs::resize_file(File, Size / 3);
  ASSERT_TRUE(check(kIncludes + kGoodBody, R)) << R.note;
  EXPECT_EQ(R.preamble, PreambleUse::Built) << R.note;
  writeFile(File.string(), "not a preamble\n");
  ASSERT_TRUE(check(kIncludes + kGoodBody, R)) << R.note;
  EXPECT_EQ(R.preamble, PreambleUse::Built) << R.note;
  ASSERT_TRUE(check(kIncludes + kGoodBody, R)) << R.note;
  EXPECT_EQ(R.preamble, PreambleUse::Loaded) << R.note;
  // Broken files fail the same with a corrupt entry in the way.
  writeFile(File.string(), "not a preamble\n");
  EXPECT_FALSE(check(kIncludes + kGoodBody + "int z = nope;\n", R));
}

TEST_F(Preamble, SwitchedOffOrUnwritableCacheFallsBackSilently) {
  ParseReport R;
  {
    ScopedEnv Off("BPFCARVE_PREAMBLE_CACHE", "0");
    ASSERT_TRUE(check(kIncludes + kGoodBody, R)) << R.note;
    EXPECT_EQ(R.preamble, PreambleUse::NotTried) << R.note;
    EXPECT_FALSE(check(kIncludes + kGoodBody + "int z = nope;\n", R));
  }
  EXPECT_TRUE(cached().empty());
  // A cache directory that cannot exist (under a regular file): built each time, never stored.
  writeFile(Dir->path() + "/plain", "x");
  ScopedEnv Unwritable("BPFCARVE_CACHE_DIR", Dir->path() + "/plain/cache");
  for (int I = 0; I < 2; ++I) {
    ASSERT_TRUE(check(kIncludes + kGoodBody, R)) << R.note;
    EXPECT_EQ(R.preamble, PreambleUse::Built) << R.note;
  }
  EXPECT_FALSE(check(kIncludes + kGoodBody + "int z = nope;\n", R));
}

TEST_F(Preamble, SelfCheckRejectsABrokenOutputWithAWarmCache) {
  // What extract does with an output: the self-check of a good text warms the cache, a broken
  // text with the same include lines still fails as an internal error.
  ProgramModel M;
  M.inputDir = Dir->path();
  M.flags = {"clang"};
  M.flags.insert(M.flags.end(), Flags.begin(), Flags.end());
  ParseOptions In;
  In.file = Dir->path() + "/in.c";
  ScopedEnv Tmp("TMPDIR", Dir->path());
  ParseReport R;
  for (PreambleUse Expected : {PreambleUse::FullParse, PreambleUse::Built, PreambleUse::Loaded}) {
    ASSERT_TRUE(selfCheck(M, In, kIncludes + kGoodBody, "extracted code", "out.c", {}, &R)) << R.note;
    EXPECT_EQ(R.preamble, Expected) << R.note;
  }
  auto C = selfCheck(M, In, kIncludes + "\nint f(void) { return missing_decl; }\n",
                     "extracted code", "out.c", {}, &R);
  ASSERT_FALSE(C);
  EXPECT_EQ(C.failure().kind, FailureKind::Internal);
  EXPECT_NE(C.failure().message.find("fails its self-check"), std::string::npos);
}

//===----------------------------------------------------------------------===//
// The model parse with a preamble (buildProgramModel(..., UsePreamble)): the same model.
//===----------------------------------------------------------------------===//

TEST(PreambleLines, ModelPrefixIsTheLeadingSystemIncludes) {
  using preamble::leadingSystemIncludeLines;
  // Comments and blank lines before and between; cut before "..." or anything else.
  EXPECT_EQ(leadingSystemIncludeLines("// x\n/* a\n b */\n#include <a.h>\n\n#include <b.h>\n"
                                      "#include \"c.h\"\n#include <d.h>\n"),
            "// x\n/* a\n b */\n#include <a.h>\n\n#include <b.h>\n");
  EXPECT_EQ(leadingSystemIncludeLines("#include <a.h>\n#define X 1\n#include <b.h>\n"),
            "#include <a.h>\n");
  EXPECT_EQ(leadingSystemIncludeLines("#include \"a.h\"\n#include <b.h>\n"), "");
  EXPECT_EQ(leadingSystemIncludeLines("int x;\n#include <a.h>\n"), "");
  EXPECT_EQ(leadingSystemIncludeLines("/* x */ int y;\n#include <a.h>\n"), "");
  // A splice or an unterminated comment ends the run.
  EXPECT_EQ(leadingSystemIncludeLines("#include <a.h>\n// x \\\n#include <b.h>\n"),
            "#include <a.h>\n");
  EXPECT_EQ(leadingSystemIncludeLines("#include <a.h>\n/* open\n"), "#include <a.h>\n");
  EXPECT_EQ(leadingSystemIncludeLines("/* a */ #include <a.h>\n"), "");
  EXPECT_EQ(leadingSystemIncludeLines("#include <a.h>"), "");
}

namespace {

/// The model of File (default flags unless given) as JSON, with or without the preamble.
std::string modelJson(const std::string &File, bool UsePreamble, PreambleUse *Use = nullptr,
                      const std::optional<std::vector<std::string>> &Flags = std::nullopt) {
  ParseOptions O;
  O.file = File;
  O.flags = Flags;
  ParseReport R;
  auto M = buildProgramModel(O, UsePreamble, &R);
  if (Use)
    *Use = R.preamble;
  if (!M)
    return "error: " + M.failure().message;
  // The names generated code may write, where the translation unit declares them
  // (ProgramModel::provided): not part of the model's JSON, compared all the same.
  std::string Provided;
  for (const auto &[Key, P] : M->provided)
    Provided += Key + "=" + P.entity + "|" + P.include + "|" + P.conflict + "\n";
  return toJson(*M) + "\n" + Provided;
}

} // namespace

TEST_F(Preamble, ModelIsTheSameForEveryGoldenInput) {
  // Every input of tests/golden/extract: the model without the cache, then with it on a fresh
  // cache three times (include lines noted, entry built and used, entry loaded).
  size_t Used = 0;
  for (const auto &E : fs::directory_iterator(BPFCARVE_SOURCE_DIR "/tests/golden/extract")) {
    if (E.path().extension() != ".c")
      continue;
    SCOPED_TRACE(E.path().string());
    std::error_code EC;
    fs::remove_all(Dir->path() + "/cache", EC);
    std::string Off;
    {
      ScopedEnv NoCache("BPFCARVE_PREAMBLE_CACHE", std::string("0"));
      Off = modelJson(E.path().string(), true);
    }
    ASSERT_EQ(Off.rfind("error", 0), std::string::npos) << Off;
    EXPECT_EQ(modelJson(E.path().string(), false), Off);
    PreambleUse U1, U2, U3;
    EXPECT_EQ(modelJson(E.path().string(), true, &U1), Off);
    EXPECT_EQ(modelJson(E.path().string(), true, &U2), Off);
    EXPECT_EQ(modelJson(E.path().string(), true, &U3), Off);
    if (U1 == PreambleUse::NotTried) // does not start with #include <...> lines
      continue;
    EXPECT_EQ(U1, PreambleUse::FullParse);
    EXPECT_EQ(U2, PreambleUse::Built);
    EXPECT_EQ(U3, PreambleUse::Loaded);
    ++Used;
  }
  EXPECT_GE(Used, 10u); // most golden inputs start with system includes
}

TEST_F(Preamble, ModelOfAProjectHeaderInTheIncludeLinesIsTheFullParses) {
  // <mine.h> is found through -I: a project header, whose declarations and macros the model
  // records, so the preamble's record is not usable and the model comes from the full parse.
  std::string File = Dir->path() + "/prog.c";
  writeFile(File, kIncludes + kGoodBody);
  std::string Off = modelJson(File, false, nullptr, Flags);
  ASSERT_EQ(Off.rfind("error", 0), std::string::npos) << Off;
  EXPECT_NE(Off.find("MINE_VAL"), std::string::npos);
  for (int I = 0; I < 3; ++I) {
    PreambleUse U;
    EXPECT_EQ(modelJson(File, true, &U, Flags), Off);
    EXPECT_EQ(U, PreambleUse::FullParse);
  }
}

TEST_F(Preamble, ModelSeesAHeaderEditedAfterCaching) {
  // System headers only through -isystem; edited after the entry is cached: rebuilt, and the
  // model is the edited header's.
  std::string File = Dir->path() + "/prog.c";
  std::vector<std::string> SysFlags = Flags;
  SysFlags.back() = "-isystem" + Dir->path() + "/hdr";
  writeFile(File, kIncludes + kGoodBody);
  for (int I = 0; I < 2; ++I)
    modelJson(File, true, nullptr, SysFlags);
  PreambleUse U;
  std::string Before = modelJson(File, true, &U, SysFlags);
  EXPECT_EQ(U, PreambleUse::Loaded);
  EXPECT_EQ(Before, modelJson(File, false, nullptr, SysFlags));
  writeFile(Header, "#pragma once\nstruct mine { int a; long b; };\n#define MINE_VAL 4\n");
  struct utimbuf Times {1000000000, 1000000000}; // a different modification time for sure
  ::utime(Header.c_str(), &Times);
  std::string After = modelJson(File, true, &U, SysFlags);
  EXPECT_EQ(U, PreambleUse::Built);
  EXPECT_EQ(After, modelJson(File, false, nullptr, SysFlags));
  EXPECT_NE(After, Before);
}

TEST_F(Preamble, ModelRecordThatDoesNotMatchTheParseGivesTheFullParse) {
  // An entry whose record names a file the loaded preamble does not have where it says (here a
  // header's name altered, the entry's hash made valid again): the model is the full parse's.
  std::string File = Dir->path() + "/prog.c";
  std::vector<std::string> SysFlags = Flags;
  SysFlags.back() = "-isystem" + Dir->path() + "/hdr";
  writeFile(File, kIncludes + kGoodBody);
  std::string Off = modelJson(File, false, nullptr, SysFlags);
  for (int I = 0; I < 2; ++I)
    EXPECT_EQ(modelJson(File, true, nullptr, SysFlags), Off);
  auto Entries = cached();
  ASSERT_EQ(Entries.size(), 1u);
  std::string Text;
  {
    std::ifstream In(Entries[0], std::ios::binary);
    std::stringstream SS;
    SS << In.rdbuf();
    Text = SS.str();
  }
  // Header lines: magic, key, "pch SIZE HASH", "index SIZE", "deps N", N lines, an empty line.
  std::vector<size_t> Ends;
  for (size_t P = 0; Ends.size() < 5 && (P = Text.find('\n', P)) != std::string::npos; ++P)
    Ends.push_back(P);
  ASSERT_EQ(Ends.size(), 5u);
  size_t Deps = std::stoul(Text.substr(Ends[3] + 6, Ends[4] - Ends[3] - 6));
  size_t Body = Ends[4] + 1;
  for (size_t I = 0; I <= Deps; ++I)
    Body = Text.find('\n', Body) + 1;
  size_t At = Text.find("\t0\t/usr/include/", Body);
  ASSERT_NE(At, std::string::npos);
  Text[At + 3 + 11] = 'f'; // "/usr/include/" -> "/usr/includf/"
  std::string PchLine = Text.substr(Ends[1] + 1, Ends[2] - Ends[1] - 1);
  std::string NewPchLine = PchLine.substr(0, PchLine.rfind(' ') + 1) +
                           llvm::utohexstr(llvm::xxh3_64bits(llvm::StringRef(Text).drop_front(Body)),
                                           /*LowerCase=*/true);
  Text = Text.substr(0, Ends[1] + 1) + NewPchLine + Text.substr(Ends[2]);
  writeFile(Entries[0].string(), Text);
  PreambleUse U;
  EXPECT_EQ(modelJson(File, true, &U, SysFlags), Off);
  EXPECT_EQ(U, PreambleUse::FullParse);
  ParseOptions O;
  O.file = File;
  O.flags = SysFlags;
  ParseReport R;
  ASSERT_TRUE(buildProgramModel(O, true, &R));
  EXPECT_NE(R.note.find("does not match"), std::string::npos) << R.note;
}

TEST_F(Preamble, GeneratedNamesAreFoundThroughALoadedPreamble) {
  // A precompiled preamble's lookup table of a C translation unit lists no enumerators: the
  // model finds them through their enum (Declarations.h, GeneratedDeclaration::enumName).
  std::string File = Dir->path() + "/names.c";
  writeFile(File, "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n"
                  "SEC(\"xdp\") int prog(struct xdp_md *ctx) { return XDP_PASS; }\n");
  const std::string Off = modelJson(File, false);
  for (const char *Key : {"constant:BPF_MAP_TYPE_ARRAY=|include:", "constant:XDP_DROP=|include:",
                          "struct:xdp_md=|include:", "struct:__sk_buff=|include:",
                          "macro:SEC=|include:", "helper:bpf_map_lookup_elem=|include:",
                          "typedef:__u32=|include:"})
    EXPECT_NE(Off.find(Key), std::string::npos) << Key << "\n" << Off.substr(Off.rfind("}"));
  // Not declared by these headers: bpfcarve declares them when generated code needs them.
  EXPECT_EQ(Off.find("constant:TC_ACT_OK"), std::string::npos);
  PreambleUse U1, U2, U3;
  EXPECT_EQ(modelJson(File, true, &U1), Off);
  EXPECT_EQ(modelJson(File, true, &U2), Off);
  EXPECT_EQ(modelJson(File, true, &U3), Off);
  EXPECT_EQ(U3, PreambleUse::Loaded);
}

TEST_F(Preamble, SelfCheckReadsTheModelsPreambleOfTheSameIncludeLines) {
  // As the bpfcarve command runs (command mode): an output whose leading #include <...> lines are
  // the input's (without the blank line between them, as extract writes them) is checked with
  // the model's preamble and writes no entry of its own. __LINE__ keeps the output's own line
  // numbers, and a broken output still fails; other include lines get their own entry.
  std::string File = Dir->path() + "/in.c";
  const std::string Sys = "#include <linux/bpf.h>\n\n#include <bpf/bpf_helpers.h>\n";
  const std::string Body = "SEC(\"xdp\") int prog(struct xdp_md *ctx) { return XDP_PASS; }\n";
  writeFile(File, Sys + Body);
  ParseOptions In;
  In.file = File;
  In.flags = Flags;
  struct CommandMode {
    CommandMode() { preamble::enableCommandMode(); }
    ~CommandMode() { preamble::endCommandMode(); }
  };
  // First use noted, second built beside the parse, third loaded.
  for (PreambleUse Expected : {PreambleUse::FullParse, PreambleUse::FullParse}) {
    CommandMode Command;
    ParseReport R;
    ASSERT_TRUE(buildProgramModel(In, true, &R)) << R.note;
    EXPECT_EQ(R.preamble, Expected) << R.note;
  }
  ASSERT_EQ(cached().size(), 1u);
  CommandMode Command;
  ParseReport R;
  auto Model = buildProgramModel(In, true, &R);
  ASSERT_TRUE(Model) << R.note;
  ASSERT_EQ(R.preamble, PreambleUse::Loaded) << R.note;
  Model->inputDir = Dir->path();
  ScopedEnv Tmp("TMPDIR", Dir->path());
  const std::string Out = "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n";
  const std::string Line = "_Static_assert(__LINE__ == 4, \"the output's own line numbers\");\n";
  for (const std::string &Text : {Out + Body, Out + "\n" + Line + Body}) {
    ASSERT_TRUE(selfCheck(*Model, In, Text, "extracted code", "out.c", {}, &R)) << R.note;
    EXPECT_EQ(R.preamble, PreambleUse::Loaded) << R.note;
    EXPECT_NE(R.note.find("the model's preamble"), std::string::npos) << R.note;
  }
  EXPECT_FALSE(selfCheck(*Model, In, Out + "\n\n" + Line + Body, "extracted code", "out.c",
                         {}, &R));
  auto Broken = selfCheck(*Model, In, Out + "\nint f(void) { return missing_decl; }\n",
                          "extracted code", "out.c", {}, &R);
  ASSERT_FALSE(Broken);
  EXPECT_EQ(Broken.failure().kind, FailureKind::Internal);
  EXPECT_NE(Broken.failure().details.find("missing_decl"), std::string::npos);
  // Other include lines (one header fewer): not the model's, noted for an entry of their own.
  ASSERT_TRUE(selfCheck(*Model, In, std::string("#include <linux/bpf.h>\n") + "int g(struct xdp_md *c) { return XDP_PASS; }\n",
                        "extracted code", "out.c", {}, &R));
  EXPECT_EQ(R.note.find("the model's preamble"), std::string::npos) << R.note;
  EXPECT_EQ(cached().size(), 1u);
}
