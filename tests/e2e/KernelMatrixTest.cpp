//===- KernelMatrixTest.cpp - verify --kernel: Debian's kernels under QEMU --===//
//
// Boots Debian's linux-image-6.1 (fetched with apt-get download on first use, cached) and checks
// what only another kernel shows: kfuncs 6.1 lacks fail there as unresolved_ksym at the line of
// their first call and pass on the host; a module's kfuncs (nf_conntrack) are found; a portable
// program passes on both; an unbootable kernel is exit 3 naming it; SIGTERM during a boot leaves
// no process and no file. Needs root (the host side loads too) and QEMU; when either is missing or
// the package cannot be fetched, the tests skip and say why.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;

namespace {

const std::string Inputs = BPFCARVE_SOURCE_DIR "/tests/inputs/kernels/";

struct Outcome {
  int code = -1;
  json report;
  std::string out, err;
};

Outcome bpfcarve(std::vector<std::string> Args) {
  Args.insert(Args.begin(), BPFCARVE_BIN);
  auto R = toolchain::runProcess(Args);
  Outcome Out;
  if (!R)
    return Out;
  Out.code = R->exitCode;
  Out.out = R->out;
  Out.err = R->err;
  Out.report = json::parse(R->out, nullptr, false);
  return Out;
}

/// Why the 6.1 tests cannot run here, or empty. Decided once: the first call fetches the package.
const std::string &skipReason() {
  static const std::string Reason = [] {
    if (::geteuid() != 0)
      return std::string("verify loads programs into the kernel verifier: needs root (CAP_BPF)");
    if (!toolchain::runProcess({"qemu-system-x86_64", "--version"}))
      return std::string("qemu-system-x86_64 is not installed (scripts/setup.sh installs it)");
    Outcome R = bpfcarve({"verify", Inputs + "portable.c", "--kernel", "6.1", "--format", "json"});
    if (R.code == 3 && R.report.is_discarded())
      return "Debian's 6.1 kernel cannot be had here: " + R.err.substr(0, R.err.find('\n'));
    return std::string();
  }();
  return Reason;
}

class KernelMatrix : public ::testing::Test {
protected:
  void SetUp() override {
    if (!skipReason().empty())
      GTEST_SKIP() << skipReason();
  }
  static const json &program(const json &Report, const std::string &Kernel) {
    for (const json &P : Report["programs"])
      if (P["kernel_name"] == Kernel)
        return P;
    static json Null;
    ADD_FAILURE() << "nothing verified on " << Kernel << " in " << Report.dump();
    return Null;
  }
  /// The line of the first call to Symbol in File (its extern declaration is not a call).
  static unsigned firstCallLine(const std::string &File, const std::string &Symbol) {
    std::ifstream In(File);
    unsigned N = 0;
    for (std::string L; std::getline(In, L);) {
      ++N;
      if (L.find(Symbol + "(") != std::string::npos && L.find("__ksym") == std::string::npos &&
          L.find("extern") == std::string::npos)
        return N;
    }
    return 0;
  }
  /// A kfunc the kernel lacks: a fail on 6.1 as unresolved_ksym at the line of the first call to
  /// the symbol libbpf names, and a pass on the host.
  void expectMissingOn61(const std::string &Input, const std::string &SymbolPrefix) {
    Outcome R = bpfcarve({"verify", Inputs + Input, "--kernel", "host,6.1", "--format", "json"});
    EXPECT_EQ(R.code, 1) << R.err;
    ASSERT_FALSE(R.report.is_discarded()) << R.out;
    EXPECT_EQ(program(R.report, "host")["verdict"], "pass");
    const json &Old = program(R.report, "6.1");
    EXPECT_EQ(Old["verdict"], "fail");
    ASSERT_TRUE(Old["error"].is_object()) << Old.dump();
    EXPECT_EQ(Old["error"]["class"], "unresolved_ksym");
    std::string Message = Old["error"]["message"];
    size_t Q = Message.find('\'');
    ASSERT_NE(Q, std::string::npos) << Message;
    std::string Symbol = Message.substr(Q + 1, Message.find('\'', Q + 1) - Q - 1);
    EXPECT_EQ(Symbol.rfind(SymbolPrefix, 0), 0u) << Message;
    unsigned Want = firstCallLine(Inputs + Input, Symbol);
    ASSERT_GT(Want, 0u) << "no call to " << Symbol << " in " << Input;
    EXPECT_EQ(Old["error"]["line"], Want) << "the line of the first call to " << Symbol;
    EXPECT_TRUE(Old["kernel"].get<std::string>().rfind("6.1.", 0) == 0) << Old["kernel"];
    EXPECT_NE(R.err.find(Input + ":" + std::to_string(Want) + ":1: error: "), std::string::npos)
        << R.err;
  }
};

TEST_F(KernelMatrix, OpenCodedNumericIteratorFailsOn61AndPassesOnHost) {
  expectMissingOn61("iter_num.c", "bpf_iter_num_");
}

TEST_F(KernelMatrix, RcuReadLockKfuncFailsOn61AndPassesOnHost) {
  expectMissingOn61("rcu_lock.c", "bpf_rcu_read_");
}

TEST_F(KernelMatrix, PortableProgramPassesOnBothAndTheReportNamesTheKernels) {
  Outcome R = bpfcarve({"verify", Inputs + "portable.c", Inputs + "ct_lookup.c", "--kernel",
                    "host,6.1", "--format", "json"});
  EXPECT_EQ(R.code, 0) << R.err;
  ASSERT_FALSE(R.report.is_discarded()) << R.out;
  ASSERT_EQ(R.report["kernels"].size(), 2u);
  const json &K = R.report["kernels"][1];
  EXPECT_EQ(K["name"], "6.1");
  EXPECT_EQ(K["release"].get<std::string>().rfind("6.1.", 0), 0u) << K.dump();
  EXPECT_EQ(K["package"].get<std::string>().rfind("linux-image-6.1.", 0), 0u) << K.dump();
  EXPECT_GT(K["boot_ms"].get<int>(), 0);
  ASSERT_EQ(R.report["programs"].size(), 4u) << "two inputs on two kernels";
  for (const json &P : R.report["programs"]) {
    EXPECT_EQ(P["verdict"], "pass") << P.dump();
    EXPECT_TRUE(P["file"].get<std::string>().ends_with(".c")) << P.dump();
    EXPECT_FALSE(P["kernel"].get<std::string>().empty()) << P.dump();
  }
  // The text table has a kernel column and a line per input and kernel.
  Outcome T = bpfcarve({"verify", Inputs + "portable.c", "--kernel", "6.1,host"});
  EXPECT_EQ(T.code, 0) << T.err;
  EXPECT_NE(T.out.find("kernel"), std::string::npos) << T.out;
  EXPECT_NE(T.out.find("portable.c on 6.1: 1 passed"), std::string::npos) << T.out;
  EXPECT_NE(T.out.find("portable.c on host: 1 passed"), std::string::npos) << T.out;
}

TEST_F(KernelMatrix, ModuleKfuncsAreFoundInTheKernelPackagesOwnModules) {
  // bpf_xdp_ct_lookup lives in nf_conntrack.ko, which nothing in the guest loads by itself.
  Outcome R = bpfcarve({"verify", Inputs + "ct_lookup.c", "--kernel", "6.1", "--format", "json"});
  EXPECT_EQ(R.code, 0) << R.err;
  EXPECT_EQ(program(R.report, "6.1")["verdict"], "pass") << R.out;
}

TEST_F(KernelMatrix, SarifHasOneResultPerFailingProgramAndKernel) {
  Outcome R = bpfcarve({"verify", Inputs + "iter_num.c", Inputs + "rcu_lock.c", "--kernel", "6.1",
                    "--format", "sarif"});
  EXPECT_EQ(R.code, 1) << R.err;
  ASSERT_FALSE(R.report.is_discarded());
  const json &Results = R.report["runs"][0]["results"];
  ASSERT_EQ(Results.size(), 2u) << R.out;
  for (const json &Res : Results) {
    EXPECT_EQ(Res["ruleId"], "unresolved_ksym");
    EXPECT_EQ(Res["properties"]["kernel"].get<std::string>().rfind("6.1 6.1.", 0), 0u);
    EXPECT_GT(Res["locations"][0]["physicalLocation"]["region"]["startLine"].get<int>(), 0);
  }
}

TEST_F(KernelMatrix, AKernelThatDoesNotBootIsExit3NamingIt) {
  // A file that is no kernel image: QEMU refuses it.
  Outcome R = bpfcarve({"verify", Inputs + "portable.c", "--kernel", Inputs + "portable.c"});
  EXPECT_EQ(R.code, 3) << R.err;
  EXPECT_EQ(R.err.rfind("bpfcarve: error: kernel " + Inputs + "portable.c did not boot", 0), 0u)
      << R.err;
  Outcome Bad = bpfcarve({"verify", Inputs + "portable.c", "--kernel", "6.1,,host"});
  EXPECT_EQ(Bad.code, 2) << Bad.err;
  Outcome Unknown = bpfcarve({"verify", Inputs + "portable.c", "--kernel", "no-such-kernel"});
  EXPECT_EQ(Unknown.code, 2) << Unknown.err;
}

/// PIDs of processes whose parent is Parent.
std::vector<pid_t> childrenOf(pid_t Parent) {
  std::vector<pid_t> Out;
  for (const auto &E : fs::directory_iterator("/proc")) {
    std::string Name = E.path().filename().string();
    if (Name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream In(E.path() / "stat");
    std::string Stat;
    std::getline(In, Stat);
    size_t Close = Stat.rfind(')');
    if (Close == std::string::npos)
      continue;
    std::istringstream Rest(Stat.substr(Close + 2));
    char State;
    pid_t PPid = 0;
    Rest >> State >> PPid;
    if (PPid == Parent)
      Out.push_back(std::stoi(Name));
  }
  return Out;
}

TEST_F(KernelMatrix, SigtermDuringABootLeavesNoProcessAndNoFile) {
  auto Tmp = toolchain::TempDir::create("bpfcarve-sigterm-test");
  ASSERT_TRUE(Tmp);
  pid_t Child = ::fork();
  ASSERT_GE(Child, 0);
  if (Child == 0) {
    ::setenv("TMPDIR", Tmp->path().c_str(), 1);
    int Null = ::open("/dev/null", O_WRONLY);
    ::dup2(Null, 1);
    ::dup2(Null, 2);
    ::execl(BPFCARVE_BIN, BPFCARVE_BIN, "verify", (Inputs + "portable.c").c_str(), "--kernel",
            "6.1", static_cast<char *>(nullptr));
    ::_exit(127);
  }
  // Wait for QEMU to be running under it.
  pid_t Qemu = 0;
  for (int I = 0; I < 3000 && !Qemu; ++I) {
    for (pid_t P : childrenOf(Child)) {
      std::ifstream Comm("/proc/" + std::to_string(P) + "/comm");
      std::string C;
      std::getline(Comm, C);
      if (C.rfind("qemu-system", 0) == 0)
        Qemu = P;
    }
    if (!Qemu)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_NE(Qemu, 0) << "QEMU never started under bpfcarve";
  // Let it load the kernel and initramfs first: killed before that, QEMU would stop by itself on
  // the files bpfcarve removes as it dies, and the test would prove nothing.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(Child, SIGTERM);
  int Status = 0;
  ::waitpid(Child, &Status, 0);
  EXPECT_TRUE(WIFSIGNALED(Status) && WTERMSIG(Status) == SIGTERM) << "status " << Status;
  // SIGKILL reaches QEMU as bpfcarve dies; a QEMU left running would take its boot's 1-2 s.
  bool Gone = false;
  for (int I = 0; I < 20 && !Gone; ++I) {
    std::ifstream Stat("/proc/" + std::to_string(Qemu) + "/stat");
    std::string S;
    std::getline(Stat, S);
    // Gone, or a zombie waiting for init to reap it.
    Gone = !Stat.is_open() || S.find(") Z ") != std::string::npos;
    if (!Gone)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_TRUE(Gone) << "QEMU " << Qemu << " outlived bpfcarve";
  EXPECT_TRUE(fs::is_empty(Tmp->path())) << "scratch files left in " << Tmp->path();
}

} // namespace

namespace {

TEST_F(KernelMatrix, ProbeOf61LacksWhat61Lacks) {
  // bpf_cgrp_storage_get (helper 210) came with 6.2: Debian's 6.1 has no such helper.
  Outcome Old = bpfcarve({"probe", "--kernel", "6.1", "--format", "json"});
  ASSERT_EQ(Old.code, 0) << Old.err;
  Outcome Host = bpfcarve({"probe", "--format", "json"});
  ASSERT_EQ(Host.code, 0) << Host.err;
  EXPECT_EQ(Old.report["kernel"]["release"].get<std::string>().rfind("6.1.", 0), 0u);
  auto Has = [](const json &Probe, const std::string &Helper) {
    for (const json &N : Probe["helper_names"])
      if (N == Helper)
        return true;
    return false;
  };
  EXPECT_FALSE(Has(Old.report, "bpf_cgrp_storage_get"));
  EXPECT_LT(Old.report["kernel"]["helper_id_max"].get<int>(), 210);
  if (Host.report["kernel"]["helper_id_max"].get<int>() >= 210)
    EXPECT_TRUE(Has(Host.report, "bpf_cgrp_storage_get"));
  // Measured once per kernel package, then read from the cache.
  EXPECT_TRUE(bpfcarve({"probe", "--kernel", "6.1", "--format", "json"}).report["from_cache"]);
}

TEST_F(KernelMatrix, RetargetRefusesAKfunc61LacksAndWritesNothing) {
  auto Out = toolchain::TempDir::create("bpfcarve-kernel-retarget");
  ASSERT_TRUE(Out);
  std::string C = Out->path() + "/rcu_egress.c", Report = Out->path() + "/r.json";
  Outcome R = bpfcarve({"retarget", Inputs + "rcu_lock.c", "--to", "tc", "--direction", "egress",
                        "--kernel", "6.1", "-o", C, "--report", Report});
  EXPECT_EQ(R.code, 1) << R.err;
  EXPECT_NE(R.err.find("has no kfunc or kernel symbol bpf_rcu_read_"), std::string::npos) << R.err;
  EXPECT_FALSE(fs::exists(C)) << "a refused retarget writes no output";
  EXPECT_FALSE(fs::exists(Report));
  // The same retarget for the host and 6.12 (which has the kfuncs) is written and reported.
  Outcome Ok = bpfcarve({"retarget", Inputs + "rcu_lock.c", "--to", "tc", "--direction",
                         "egress", "--kernel", "host,6.12", "-o", C, "--report", Report});
  EXPECT_EQ(Ok.code, 0) << Ok.err;
  std::ifstream In(Report);
  json J = json::parse(In, nullptr, false);
  ASSERT_TRUE(J.is_object());
  ASSERT_EQ(J["kernels"].size(), 1u) << "host is the retarget's own; 6.12 is checked";
  EXPECT_EQ(J["kernels"][0]["name"], "6.12");
  EXPECT_TRUE(J["kernels"][0]["refusals"].empty());
  EXPECT_EQ(J["kernels"][0]["verify"]["programs"][0]["verdict"], "pass");
}

TEST_F(KernelMatrix, RetargetRefusesAHelper61ForbidsAtTheHookByName) {
  // 6.1's probe: tc programs may not call bpf_get_netns_cookie (the host's may).
  auto Out = toolchain::TempDir::create("bpfcarve-kernel-helper");
  ASSERT_TRUE(Out);
  std::string C = Out->path() + "/cookie.c";
  Outcome R = bpfcarve({"retarget", Inputs + "netns_cookie.c", "--to", "tc", "--direction",
                        "egress", "--kernel", "6.1", "-o", C});
  EXPECT_EQ(R.code, 1) << R.err;
  EXPECT_EQ(R.err.rfind("bpfcarve: error: bpfcarve_t_cookie: kernel 6.1 (6.1.", 0), 0u) << R.err;
  EXPECT_NE(R.err.find("does not let tc programs call bpf_get_netns_cookie (helper 122)"),
            std::string::npos)
      << R.err;
  EXPECT_FALSE(fs::exists(C));
}

TEST_F(KernelMatrix, DiffRunInside61MatchesAndFindsADifference) {
  const std::string D = BPFCARVE_SOURCE_DIR "/tests/inputs/diffrun/";
  Outcome Same = bpfcarve({"diff-run", D + "filter_xdp.bpf.c", D + "filter_tc.bpf.c", "--maps",
                           D + "seed.json", "--kernel", "6.1", "--format", "json"});
  EXPECT_EQ(Same.code, 0) << Same.err;
  ASSERT_TRUE(Same.report.is_object()) << Same.out;
  EXPECT_EQ(Same.report["kernel"]["release"].get<std::string>().rfind("6.1.", 0), 0u);
  EXPECT_GT(Same.report["compared"].get<int>(), 100);
  EXPECT_EQ(Same.report["divergent"], 0);
  EXPECT_EQ(Same.report["maps_equal"], true);
  Outcome Wrong = bpfcarve({"diff-run", D + "filter_xdp.bpf.c", D + "filter_tc_wrong_codes.bpf.c",
                            "--maps", D + "seed.json", "--kernel", "6.1", "--format", "json"});
  EXPECT_EQ(Wrong.code, 1) << Wrong.err;
  EXPECT_GT(Wrong.report["divergent"].get<int>(), 0) << Wrong.out;
  EXPECT_NE(Wrong.err.find("(kernel 6.1, 6.1."), std::string::npos) << Wrong.err;
}

} // namespace

namespace {

TEST_F(KernelMatrix, CarveChecksTheResultOn61) {
  auto Out = toolchain::TempDir::create("bpfcarve-kernel-carve");
  ASSERT_TRUE(Out);
  Outcome R = bpfcarve({"carve", BPFCARVE_SOURCE_DIR "/bpf-samples/l4lb/balancer.bpf.c",
                        "--program", "gue_decap_only", "--to", "tc", "--kernel", "6.1", "-o",
                        Out->path() + "/gue_tc.c", "--no-diff-run", "--format", "json"});
  EXPECT_EQ(R.code, 0) << R.err;
  ASSERT_TRUE(R.report.is_object()) << R.out;
  ASSERT_EQ(R.report["kernels"].size(), 1u);
  const json &K = R.report["kernels"][0];
  EXPECT_EQ(K["release"].get<std::string>().rfind("6.1.", 0), 0u);
  EXPECT_TRUE(K["refusals"].empty()) << K.dump();
  EXPECT_EQ(K["verify"]["programs"][0]["verdict"], "pass") << K.dump();
  EXPECT_EQ(K["verify"]["object"], Out->path() + "/gue_tc.c");
}

} // namespace

namespace {

TEST_F(KernelMatrix, ABootOverItsTimeoutIsExit3NamingTheKernel) {
  Outcome R = bpfcarve({"verify", Inputs + "portable.c", "--kernel", "6.1", "--kernel-timeout", "1"});
  EXPECT_EQ(R.code, 3) << R.err;
  EXPECT_EQ(R.err.rfind("bpfcarve: error: kernel 6.1 (linux-image-6.1.", 0), 0u) << R.err;
  EXPECT_NE(R.err.find("did not finish within 1 s"), std::string::npos) << R.err;
}

TEST_F(KernelMatrix, AnAgentThatCrashesIsExit4) {
  // A stand-in agent: says hello on the data port as the real one does, then dies as PID 1.
  auto Dir = toolchain::TempDir::create("bpfcarve-crashing-agent");
  ASSERT_TRUE(Dir);
  std::string Source = Dir->path() + "/crash.c", Agent = Dir->path() + "/agent";
  std::ofstream(Source) << R"(#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
int main(void) {
  mount("devtmpfs", "/dev", "devtmpfs", 0, 0);
  int fd = open("/dev/ttyS1", O_WRONLY);
  const char *hello = "@bpfcarve {\"hello\":{\"release\":\"x\",\"uptime_ms\":1}}\n";
  write(fd, hello, strlen(hello));
  fsync(fd);
  *(volatile int *)0 = 0;
  return 0;
}
)";
  auto C = toolchain::runProcess({"clang-19", "-static", "-O1", Source, "-o", Agent});
  ASSERT_TRUE(C && C->ok()) << (C ? C->err : "no clang-19");
  ::setenv("BPFCARVE_AGENT", Agent.c_str(), 1);
  Outcome R = bpfcarve({"verify", Inputs + "portable.c", "--kernel", "6.1"});
  ::unsetenv("BPFCARVE_AGENT");
  EXPECT_EQ(R.code, 4) << R.err;
  EXPECT_EQ(R.err.rfind("bpfcarve: error: the guest agent failed on kernel 6.1", 0), 0u) << R.err;
}

} // namespace

namespace {

TEST_F(KernelMatrix, AnLsmHarnessVerifiesOn61) {
  // The host may refuse lsm programs to root (TracingHooksTest asks its probe); Debian's 6.1
  // loads them, so the harness of a function an lsm program calls is proven there.
  auto T = toolchain::TempDir::create("bpfcarve-kernels");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Harness = T->path() + "/harness.c";
  Outcome E = bpfcarve({"extract", BPFCARVE_SOURCE_DIR "/tests/inputs/tracing/lsm_deny.c",
                        "--function", "magic_denied", "--harness", "lsm/file_open", "-o",
                        Harness});
  ASSERT_EQ(E.code, 0) << E.err;
  // The body BPF_PROG writes dereferences its file directly: the harness passes the entry's own
  // ctx[0], the same target's typed argument (a number from the map would not verify).
  const std::string Body = T->path() + "/body.c";
  E = bpfcarve({"extract", BPFCARVE_SOURCE_DIR "/tests/inputs/tracing/lsm_deny.c", "--function",
                "____deny_fs", "--harness", "lsm/file_open", "-o", Body});
  ASSERT_EQ(E.code, 0) << E.err;
  Outcome R =
      bpfcarve({"verify", Harness, Body, "--kernel", "6.1", "--program", "bpfcarve_harness",
                "--format", "json"});
  EXPECT_EQ(R.code, 0) << R.err;
  ASSERT_TRUE(R.report.is_object()) << R.out;
  ASSERT_EQ(R.report["programs"].size(), 2u) << R.out;
  for (const json &P : R.report["programs"]) {
    EXPECT_EQ(P["name"], "bpfcarve_harness");
    EXPECT_EQ(P["verdict"], "pass") << P.dump();
  }
}

TEST_F(KernelMatrix, AVerifierFailureOn61HasItsSourceLine) {
  // 6.1's log names the source text without " @ file:line"; the line comes from the object.
  const std::string In = BPFCARVE_SOURCE_DIR "/tests/inputs/verify/packet_bounds.bpf.c";
  Outcome R = bpfcarve({"verify", In, "--kernel", "host,6.1", "--format", "json"});
  EXPECT_EQ(R.code, 1) << R.err;
  ASSERT_TRUE(R.report.is_object()) << R.out;
  const json &Host = program(R.report, "host"), &Old = program(R.report, "6.1");
  EXPECT_EQ(Old["error"]["class"], "packet_bounds") << Old.dump();
  EXPECT_GT(Host["error"]["line"].get<int>(), 0);
  EXPECT_EQ(Old["error"]["line"], Host["error"]["line"]) << Old.dump();
  EXPECT_EQ(Old["error"]["file"], Host["error"]["file"]);
}

} // namespace

namespace {

TEST_F(KernelMatrix, CiBootsEachKernelOncePerRunForEveryJobAndConfiguration) {
  // Three jobs on host and 6.1 — a verify in two define configurations, a verify of a program 6.1
  // refuses, a carve — and one job on the host only: 6.1 boots once for all of them.
  auto T = toolchain::TempDir::create("bpfcarve-ci-kernels");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Jobs = T->path() + "/jobs.yaml";
  std::ofstream(Jobs) << "kernels: [host, 6.1]\njobs:\n"
                         "  - name: portable\n    verify:\n      file: " + Inputs + "portable.c\n"
                         "      defines: [[], [-DUNUSED]]\n      packets: gen:ipv4\n"
                         "  - name: iter\n    verify: {file: " + Inputs + "iter_num.c}\n"
                         "  - name: decap\n    carve:\n      file: " BPFCARVE_SOURCE_DIR
                         "/bpf-samples/l4lb/balancer.bpf.c\n      program: gue_decap_only\n"
                         "  - name: host-only\n    verify:\n      file: " + Inputs +
                         "portable.c\n      kernels: [host]\n";
  Outcome R = bpfcarve({"-v", "ci", Jobs, "--format", "json"});
  EXPECT_EQ(R.code, 1) << R.err; // iter_num's open-coded iterator is not in 6.1
  ASSERT_TRUE(R.report.is_object()) << R.out;
  const json &C = R.report["counts"];
  EXPECT_EQ(C["boots"], 1) << C.dump();
  EXPECT_EQ(C["booted"], json::array({"6.1"}));
  EXPECT_NE(R.err.find("booted 1 kernels"), std::string::npos) << R.err;
  std::map<std::string, std::string> Verdicts; // job|configuration|kernel -> verdict
  for (const json &Row : R.report["results"])
    if (Row["program"] != "(diff-run)")
      Verdicts[Row["job"].get<std::string>() + "|" + Row["configuration"].get<std::string>() +
               "|" + Row["kernel"].get<std::string>()] = Row["verdict"];
  EXPECT_EQ(Verdicts, (std::map<std::string, std::string>{{"portable|default|host", "pass"},
                                                          {"portable|-DUNUSED|host", "pass"},
                                                          {"portable|default|6.1", "pass"},
                                                          {"portable|-DUNUSED|6.1", "pass"},
                                                          {"iter|default|host", "pass"},
                                                          {"iter|default|6.1", "fail"},
                                                          {"decap|default|host", "pass"},
                                                          {"decap|default|6.1", "pass"},
                                                          {"host-only|default|host", "pass"}}));
  // Each job's own frames reach the guest: portable's are test-run there as on the host, the
  // other jobs' programs are test-run nowhere.
  for (const json &Row : R.report["results"]) {
    if (Row["job"] == "portable") {
      ASSERT_TRUE(Row.contains("test_run")) << Row.dump();
      EXPECT_GT(Row["test_run"]["packets"].get<int>(), 0);
      EXPECT_EQ(Row["test_run"]["verdicts"].size(), 1u) << Row.dump();
    } else {
      EXPECT_FALSE(Row.contains("test_run")) << Row.dump();
    }
  }
  bool Release61 = false;
  for (const json &K : R.report["kernels"])
    Release61 |= K["name"] == "6.1" && K["release"].get<std::string>().rfind("6.1.", 0) == 0;
  EXPECT_TRUE(Release61) << R.report["kernels"].dump();
}

} // namespace
