//===- ToolchainTest.cpp - clang-19 facts, flags, vmlinux.h, processes ----===//
#include "bpfcarve/toolchain/CorpusManifest.h"
#include "bpfcarve/toolchain/Names.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <csignal>
#include <cstdlib>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace bpfcarve::toolchain;

TEST(Toolchain, ClangInstallationFactsAreReal) {
  auto C = clangInstallation();
  ASSERT_TRUE(static_cast<bool>(C)) << C.failure().firstLine();
  EXPECT_TRUE(fs::exists(C->clang));
  // The resource dir holds clang's builtin headers, which LibTooling cannot find by itself.
  EXPECT_TRUE(fs::exists(C->resourceDir + "/include/stddef.h")) << C->resourceDir;
  EXPECT_TRUE(fs::exists(C->multiarchDir + "/asm/types.h")) << C->multiarchDir;
  EXPECT_NE(C->version.find("clang version 19"), std::string::npos) << C->version;
}

TEST(Toolchain, InstallationFactsAreCachedOnDisk) {
  auto C = clangInstallation();
  ASSERT_TRUE(static_cast<bool>(C));
  bool Found = false;
  for (const auto &E : fs::directory_iterator(cacheDir())) {
    std::string Name = E.path().filename().string();
    if (Name.rfind("clang-", 0) != 0)
      continue;
    std::ifstream In(E.path());
    std::string Clang, Resource;
    std::getline(In, Clang);
    std::getline(In, Resource);
    Found |= Clang == C->clang && Resource == C->resourceDir;
  }
  EXPECT_TRUE(Found) << "no cache file in " << cacheDir() << " records " << C->clang;
}

TEST(Toolchain, ShimMakesGlibcHeadersWorkUnderTargetBpf) {
  EXPECT_TRUE(fs::exists(shimIncludeDir() + "/gnu/stubs-32.h")) << shimIncludeDir();
  auto C = clangInstallation();
  ASSERT_TRUE(static_cast<bool>(C));
  char Tmpl[] = "/tmp/bpfcarve-shim-XXXXXX";
  ASSERT_NE(::mkdtemp(Tmpl), nullptr);
  std::string Src = std::string(Tmpl) + "/s.c";
  std::ofstream(Src) << "#include <string.h>\n#include <linux/bpf.h>\nint x;\n";
  std::vector<std::string> Argv{C->clang};
  for (const std::string &F : defaultBpfFlags(*C))
    Argv.push_back(F);
  Argv.insert(Argv.end(), {"-fsyntax-only", Src});
  auto With = runProcess(Argv);
  ASSERT_TRUE(static_cast<bool>(With));
  EXPECT_EQ(With->exitCode, 0) << With->err;
  // Without the shim the same parse fails: the shim is what makes it work.
  std::vector<std::string> NoShim;
  for (const std::string &A : Argv)
    if (A != "-I" + shimIncludeDir())
      NoShim.push_back(A);
  auto Without = runProcess(NoShim);
  ASSERT_TRUE(static_cast<bool>(Without));
  EXPECT_NE(Without->exitCode, 0);
  EXPECT_NE(Without->err.find("gnu/stubs-32.h"), std::string::npos) << Without->err;
  fs::remove_all(Tmpl);
}

TEST(Toolchain, DefaultFlagsTargetBpf) {
  auto C = clangInstallation();
  ASSERT_TRUE(static_cast<bool>(C));
  auto F = defaultBpfFlags(*C);
  for (const char *Want : {"--target=bpf", "-O2", "-g"})
    EXPECT_NE(std::find(F.begin(), F.end(), Want), F.end()) << Want;
}

TEST(Toolchain, KbuildFlagsDefineTheKernelAndNameNoBpfTarget) {
  using bpfcarve::toolchain::kbuildFlags;
  EXPECT_TRUE(kbuildFlags({"-nostdinc", "-D__KERNEL__", "-O2"}));
  EXPECT_TRUE(kbuildFlags({"-D", "__KERNEL__"}));
  EXPECT_TRUE(kbuildFlags({"-D__KERNEL__=1", "--target=x86_64-linux-gnu"}));
  EXPECT_FALSE(kbuildFlags({"-D__KERNEL__", "--target=bpf"})); // the user compiles for BPF
  EXPECT_FALSE(kbuildFlags({"-target", "bpfel", "-D__KERNEL__"}));
  EXPECT_FALSE(kbuildFlags({"--target=bpf", "-O2", "-D__TARGET_ARCH_x86"}));
  EXPECT_FALSE(kbuildFlags({"-D__KERNEL_STRICT_NAMES"}));
  EXPECT_FALSE(kbuildFlags({}));
}

TEST(Names, ArticleAsTheNameIsReadAloud) {
  EXPECT_EQ(bpfcarve::toolchain::withArticle("xdp"), "an xdp");
  EXPECT_EQ(bpfcarve::toolchain::withArticle("tc"), "a tc");
  EXPECT_EQ(bpfcarve::toolchain::withArticle("sk_msg"), "an sk_msg");
  EXPECT_EQ(bpfcarve::toolchain::withArticle("lsm/file_open"), "an lsm/file_open");
  EXPECT_EQ(bpfcarve::toolchain::withArticle("socket"), "a socket");
  EXPECT_EQ(bpfcarve::toolchain::withArticle("raw_tp"), "a raw_tp");
  EXPECT_EQ(bpfcarve::toolchain::withArticle("fentry"), "an fentry");
}

TEST(Toolchain, VmlinuxHeaderFromKernelBtf) {
  if (!fs::exists("/sys/kernel/btf/vmlinux"))
    GTEST_SKIP() << "this kernel exposes no BTF at /sys/kernel/btf/vmlinux";
  auto Dir = vmlinuxIncludeDir();
  ASSERT_TRUE(static_cast<bool>(Dir)) << Dir.failure().firstLine();
  std::ifstream In(*Dir + "/vmlinux.h");
  std::stringstream S;
  S << In.rdbuf();
  std::string Text = S.str();
  EXPECT_NE(Text.find("struct task_struct {"), std::string::npos);
  EXPECT_NE(Text.find("struct xdp_md {"), std::string::npos);
  EXPECT_NE(Text.find("preserve_access_index"), std::string::npos);
  // A second call reuses the cached file.
  auto T0 = fs::last_write_time(*Dir + "/vmlinux.h");
  auto Again = vmlinuxIncludeDir();
  ASSERT_TRUE(static_cast<bool>(Again));
  EXPECT_EQ(*Again, *Dir);
  EXPECT_EQ(fs::last_write_time(*Dir + "/vmlinux.h"), T0);
}

TEST(Toolchain, VmlinuxHeaderWithoutBtfIsAnEnvironmentFailure) {
  ::setenv("BPFCARVE_BTF", "/nonexistent/btf", 1);
  auto Dir = vmlinuxIncludeDir();
  ::unsetenv("BPFCARVE_BTF");
  ASSERT_FALSE(static_cast<bool>(Dir));
  EXPECT_EQ(Dir.failure().exitCode(), 3);
}

TEST(Process, CapturesOutputAndExitCodeWithoutAShell) {
  // A shell would expand $HOME and split on spaces; argv must arrive verbatim.
  auto R = runProcess({"printf", "%s|%s", "$HOME", "a b"});
  ASSERT_TRUE(static_cast<bool>(R));
  EXPECT_EQ(R->exitCode, 0);
  EXPECT_EQ(R->out, "$HOME|a b");
  auto F = runProcess({"sh", "-c", "echo oops >&2; exit 7"});
  ASSERT_TRUE(static_cast<bool>(F));
  EXPECT_EQ(F->exitCode, 7);
  EXPECT_EQ(F->err, "oops\n");
}

TEST(Process, MissingProgramIsAnEnvironmentFailure) {
  auto R = runProcess({"/nonexistent/bpfcarve-no-such-tool"});
  ASSERT_FALSE(static_cast<bool>(R));
  EXPECT_EQ(R.failure().exitCode(), 3);
  EXPECT_NE(R.failure().message.find("No such file"), std::string::npos);
}

namespace {
/// Forks a child that registers a TempDir holding a small tree, installs the signal handler and
/// then allocates and frees without pause (so the signal usually lands inside malloc); the parent
/// sends Sig. Returns the child's wait status, or -1 if it had not died 20 s after the signal.
int killAllocatingChild(int Sig, const std::string &Parent, std::string &DirOut) {
  int Ready[2];
  if (::pipe(Ready) != 0)
    return -2;
  pid_t Pid = ::fork();
  if (Pid == 0) {
    ::setenv("TMPDIR", Parent.c_str(), 1);
    auto D = TempDir::create("bpfcarve-sig");
    if (!D) {
      std::fprintf(stderr, "%s\n", D.failure().firstLine().c_str());
      ::_exit(100);
    }
    fs::create_directories(D->path() + "/a/b/c");
    for (const char *F : {"/f", "/a/f", "/a/b/f", "/a/b/c/f"})
      std::ofstream(D->path() + F) << "x";
    removeTempDirsOnSignals();
    (void)!::write(Ready[1], D->path().c_str(), D->path().size());
    ::close(Ready[1]);
    for (unsigned long I = 0;; ++I) {
      auto *P = static_cast<volatile char *>(std::malloc(64 + I % 4096));
      P[0] = 1;
      std::free(const_cast<char *>(P));
    }
  }
  ::close(Ready[1]);
  char Buf[4096];
  ssize_t N = ::read(Ready[0], Buf, sizeof Buf);
  ::close(Ready[0]);
  DirOut.assign(Buf, N > 0 ? N : 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(Pid, Sig);
  int Status = 0;
  for (int I = 0; I < 1000; ++I) {
    if (::waitpid(Pid, &Status, WNOHANG) == Pid)
      return Status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(Pid, SIGKILL);
  ::waitpid(Pid, &Status, 0);
  return -1;
}
} // namespace

// The handler once forked /bin/rm: a fork from a handler that interrupted malloc waited forever on
// the allocator's lock (under ASan, whose fork interceptor takes it; seen as a CI run that hung).
TEST(TempDir, SignalDuringAllocationRemovesTheTreeAndDiesOfTheSignal) {
  // Not a TempDir itself: the children inherit the registry of live TempDirs, and their handler
  // would remove it too.
  char Pattern[] = "/tmp/bpfcarve-sigtest-XXXXXX";
  ASSERT_NE(::mkdtemp(Pattern), nullptr);
  struct Remove {
    std::string P;
    ~Remove() { fs::remove_all(P); }
  } Parent{Pattern};
  for (int Round = 0; Round < 20; ++Round)
    for (int Sig : {SIGINT, SIGTERM, SIGHUP}) {
      std::string Dir;
      int Status = killAllocatingChild(Sig, Parent.P, Dir);
      ASSERT_NE(Status, -1) << "the child did not die within 20 s of " << strsignal(Sig);
      ASSERT_TRUE(WIFSIGNALED(Status)) << "status " << Status;
      EXPECT_EQ(WTERMSIG(Status), Sig);
      ASSERT_FALSE(Dir.empty());
      EXPECT_FALSE(fs::exists(Dir)) << "left behind after " << strsignal(Sig) << ": " << Dir;
    }
}

TEST(Names, ProgramByNameElseTheOnlyOneInThatSection) {
  std::vector<std::string> Names{"first", "second", "egress"}, Sections{"xdp", "xdp", "tc"};
  auto ByName = findProgram(Names, Sections, "second", "p.c");
  ASSERT_TRUE(ByName);
  EXPECT_EQ(*ByName, 1u);
  auto BySection = findProgram(Names, Sections, "tc", "p.c");
  ASSERT_TRUE(BySection);
  EXPECT_EQ(*BySection, 2u);
  auto Ambiguous = findProgram(Names, Sections, "xdp", "p.c");
  ASSERT_FALSE(Ambiguous);
  EXPECT_EQ(Ambiguous.failure().kind, bpfcarve::FailureKind::BadInput);
  EXPECT_EQ(Ambiguous.failure().message,
            "section 'xdp' in 'p.c' holds 2 programs (first, second); name one of them");
  auto Typo = findProgram(Names, Sections, "frist", "p.c");
  ASSERT_FALSE(Typo);
  EXPECT_EQ(Typo.failure().message,
            "no program 'frist' in 'p.c'; did you mean 'first'? (programs: first, second, egress)");
  auto None = findProgram({}, {}, "main", "user.c");
  ASSERT_FALSE(None);
  EXPECT_EQ(None.failure().message, "no program 'main' in 'user.c' (programs: none)");
}

TEST(Names, UnknownNameAndLongLists) {
  bpfcarve::Failure F = unknownName("unknown hook", "xpd", {"xdp", "tc"});
  EXPECT_EQ(F.kind, bpfcarve::FailureKind::BadInput);
  EXPECT_EQ(F.message, "unknown hook 'xpd'; did you mean 'xdp'? (use xdp, tc)");
  EXPECT_EQ(unknownName("unknown hook", "zzz", {"xdp"}, "a section name").message,
            "unknown hook 'zzz' (use a section name)");
  // A closed set a user picks from is listed whole; other lists stop at a dozen names.
  std::vector<std::string> Many;
  for (int I = 0; I < 13; ++I)
    Many.push_back("m" + std::to_string(I));
  EXPECT_EQ(nameList(Many), "m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, ...");
  // A closed set a user picks from (the hooks) is listed whole.
  EXPECT_EQ(everyName(Many), "m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12");
  EXPECT_EQ(everyName({}), "none");
}

TEST(CorpusManifest, TheOneReaderChecksTheFileAndResolvesFlags) {
  auto Dir = TempDir::create("bpfcarve-manifest-test");
  ASSERT_TRUE(Dir);
  std::string D = Dir->path();
  std::ofstream(D + "/good.json")
      << R"({"common_flags": ["-I${INC}", "-O2"], "files": [{"path": "a/b.c", "flags": ["-DX=${INC}"]}]})";
  std::ofstream(D + "/nofiles.json") << R"({"files": 3})";
  std::ofstream(D + "/broken.json") << "{";
  std::ofstream(D + "/layout.json") << R"({"source_root": "/src", "vars": {"INC": "/inc"}})";
  auto M = readCorpusManifest(D + "/good.json");
  ASSERT_TRUE(M);
  auto L = readCorpusLayout(D);
  ASSERT_TRUE(L);
  EXPECT_EQ(corpusFileFlags(*M, (*M)["files"][0], *L),
            (std::vector<std::string>{"-I/inc", "-O2", "-DX=/inc"}));
  EXPECT_EQ(corpusSourcePath((*M)["files"][0], *L), "/src/a/b.c");
  auto NoFiles = readCorpusManifest(D + "/nofiles.json");
  ASSERT_FALSE(NoFiles);
  EXPECT_NE(NoFiles.failure().message.find("no \"files\" array"), std::string::npos);
  auto Broken = readCorpusManifest(D + "/broken.json");
  ASSERT_FALSE(Broken);
  EXPECT_NE(Broken.failure().message.find("malformed corpus manifest"), std::string::npos);
  auto IsDir = readCorpusManifest(D);
  ASSERT_FALSE(IsDir);
  EXPECT_NE(IsDir.failure().message.find("it is a directory"), std::string::npos);
  auto NoLayout = readCorpusLayout(D + "/missing");
  ASSERT_FALSE(NoLayout);
  EXPECT_EQ(NoLayout.failure().kind, bpfcarve::FailureKind::Environment);
}
