//===- ResidueTest.cpp - nothing left in the kernel, also when killed -----===//
//
// bpfcarve pins nothing and holds programs and maps only through its own file descriptors, so the
// kernel frees everything when the process ends, however it ends. These tests kill `verify
// --packets` while its programs are loaded and running frames (SIGINT, SIGTERM, SIGKILL) and
// check that no program of the input is still loaded and /sys/fs/bpf is unchanged; and they kill
// `verify` while the kernel verifier is still walking a program (SIGINT, SIGTERM) and check that
// the object's map is gone, no program is left and the scratch directory is removed.
//
//===----------------------------------------------------------------------===//
#include "NoResidue.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/verifier/Packets.h"

#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

std::set<std::string> bpffsListing() {
  std::set<std::string> S;
  std::error_code EC;
  for (const auto &E : fs::directory_iterator("/sys/fs/bpf", EC))
    S.insert(E.path().filename().string());
  return S;
}

/// Programs whose (15-character) name starts with Prefix.
int loadedWithPrefix(const std::string &Prefix) {
  int N = 0;
  __u32 Id = 0;
  while (bpf_prog_get_next_id(Id, &Id) == 0) {
    int Fd = bpf_prog_get_fd_by_id(Id);
    if (Fd < 0)
      continue;
    bpf_prog_info Info{};
    __u32 Len = sizeof Info;
    if (bpf_obj_get_info_by_fd(Fd, &Info, &Len) == 0 &&
        std::string(Info.name).rfind(Prefix, 0) == 0)
      ++N;
    ::close(Fd);
  }
  return N;
}

/// Waits for Pid; one that has not ended within Seconds is killed (so a hang fails the test instead
/// of stalling the run) and reported as not ended.
bool endsWithin(pid_t Pid, int Seconds, int &Status) {
  for (int I = 0; I < Seconds * 50; ++I) {
    if (::waitpid(Pid, &Status, WNOHANG) == Pid)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(Pid, SIGKILL);
  ::waitpid(Pid, &Status, 0);
  return false;
}

class Residue : public ::testing::TestWithParam<int> {};

TEST_P(Residue, KilledWhileItsProgramsRunLeavesNothing) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "loading programs needs root (CAP_BPF); not root here";
  auto Before = bpffsListing();
  // Enough frames to keep the loaded programs busy in BPF_PROG_TEST_RUN for seconds.
  auto Tmp = bpfcarve::toolchain::TempDir::create();
  ASSERT_TRUE(static_cast<bool>(Tmp));
  auto Frames = bpfcarve::verifier::generatePackets("ipv4");
  ASSERT_TRUE(static_cast<bool>(Frames));
  std::vector<bpfcarve::verifier::Packet> Many;
  for (int I = 0; I < 20000; ++I)
    Many.insert(Many.end(), Frames->begin(), Frames->end());
  std::string Pcap = Tmp->path() + "/many.pcap";
  ASSERT_TRUE(static_cast<bool>(bpfcarve::verifier::writePcap(Pcap, Many)));
  std::string Input = BPFCARVE_SOURCE_DIR "/tests/inputs/verify/mixed.bpf.c";
  pid_t Pid = ::fork();
  ASSERT_GE(Pid, 0);
  if (Pid == 0) {
    // A killed bpfcarve cannot remove its scratch directory: keep it inside the test's own.
    ::setenv("TMPDIR", Tmp->path().c_str(), 1);
    ::freopen("/dev/null", "w", stdout);
    ::freopen("/dev/null", "w", stderr);
    ::execl(BPFCARVE_BIN, BPFCARVE_BIN, "verify", Input.c_str(), "--packets", Pcap.c_str(),
            static_cast<char *>(nullptr));
    ::_exit(127);
  }
  // Wait until one of its programs is loaded.
  for (int I = 0; I < 400 && loadedWithPrefix("bpfcarve_t_") == 0; ++I) {
    int Status;
    if (::waitpid(Pid, &Status, WNOHANG) == Pid)
      FAIL() << "bpfcarve ended before it could be killed";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(loadedWithPrefix("bpfcarve_t_"), 0) << "never saw the program loaded";
  ::kill(Pid, GetParam());
  int Status = 0;
  ASSERT_TRUE(endsWithin(Pid, 30, Status))
      << "bpfcarve did not end within 30 s of " << strsignal(GetParam());
  EXPECT_TRUE(WIFSIGNALED(Status) || WIFEXITED(Status));
  // The kernel releases a program when its last reference goes; allow it a moment.
  int Left = 0;
  for (int I = 0; I < 100 && (Left = loadedWithPrefix("bpfcarve_t_")) != 0; ++I)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(Left, 0) << "a program is still loaded after " << strsignal(GetParam());
  EXPECT_EQ(bpffsListing(), Before) << "/sys/fs/bpf changed";
  // SIGINT and SIGTERM also remove bpfcarve's scratch directory (SIGKILL cannot be caught).
  if (GetParam() != SIGKILL)
    for (const auto &E : fs::directory_iterator(Tmp->path()))
      EXPECT_NE(E.path().filename().string().rfind("bpfcarve-", 0), 0u)
          << "left behind: " << E.path();
}

/// Maps whose (15-character) name starts with Prefix.
int mapsWithPrefix(const std::string &Prefix) {
  int N = 0;
  __u32 Id = 0;
  while (bpf_map_get_next_id(Id, &Id) == 0) {
    int Fd = bpf_map_get_fd_by_id(Id);
    if (Fd < 0)
      continue;
    bpf_map_info Info{};
    __u32 Len = sizeof Info;
    if (bpf_obj_get_info_by_fd(Fd, &Info, &Len) == 0 &&
        std::string(Info.name).rfind(Prefix, 0) == 0)
      ++N;
    ::close(Fd);
  }
  return N;
}

/// A program the verifier walks for seconds before it gives up (a loop it cannot bound runs into
/// the 1M-instruction limit); libbpf creates its map just before the load starts.
const char *Endless = R"(#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bpfcarve_t_vmap SEC(".maps");

static __attribute__((noinline)) int depth(volatile int n)
{
	if (n <= 0)
		return 0;
	return 1 + depth(n - 1);
}

SEC("xdp")
int bpfcarve_t_slow(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&bpfcarve_t_vmap, &k);
	if (v)
		*v += 1;
	return depth(ctx->ingress_ifindex) > 3 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
)";

class ResidueInVerifier : public ::testing::TestWithParam<int> {};

TEST_P(ResidueInVerifier, KilledInsideTheVerifierLeavesNothing) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "loading programs needs root (CAP_BPF); not root here";
  auto Before = bpffsListing();
  auto Tmp = bpfcarve::toolchain::TempDir::create();
  ASSERT_TRUE(static_cast<bool>(Tmp));
  std::string Input = Tmp->path() + "/slow.bpf.c";
  FILE *F = std::fopen(Input.c_str(), "w");
  ASSERT_NE(F, nullptr);
  std::fputs(Endless, F);
  std::fclose(F);
  pid_t Pid = ::fork();
  ASSERT_GE(Pid, 0);
  if (Pid == 0) {
    ::setenv("TMPDIR", Tmp->path().c_str(), 1);
    ::freopen("/dev/null", "w", stdout);
    ::freopen("/dev/null", "w", stderr);
    ::execl(BPFCARVE_BIN, BPFCARVE_BIN, "verify", Input.c_str(), static_cast<char *>(nullptr));
    ::_exit(127);
  }
  // The map exists once libbpf has created it, right before BPF_PROG_LOAD; the load itself takes
  // seconds.
  for (int I = 0; I < 600 && mapsWithPrefix("bpfcarve_t_vmap") == 0; ++I) {
    int Status;
    if (::waitpid(Pid, &Status, WNOHANG) == Pid)
      FAIL() << "bpfcarve ended before it could be killed";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GT(mapsWithPrefix("bpfcarve_t_vmap"), 0) << "never saw the map created";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(Pid, GetParam());
  int Status = 0;
  ASSERT_TRUE(endsWithin(Pid, 30, Status))
      << "bpfcarve did not end within 30 s of " << strsignal(GetParam());
  EXPECT_TRUE(WIFSIGNALED(Status)) << "bpfcarve did not die of the signal";
  int Left = 0;
  for (int I = 0; I < 100 && (Left = mapsWithPrefix("bpfcarve_t_vmap") +
                                     loadedWithPrefix("bpfcarve_t_slow")) != 0;
       ++I)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(Left, 0) << "a map or program is still loaded after " << strsignal(GetParam());
  EXPECT_EQ(bpffsListing(), Before) << "/sys/fs/bpf changed";
  for (const auto &E : fs::directory_iterator(Tmp->path()))
    EXPECT_NE(E.path().filename().string().rfind("bpfcarve-", 0), 0u)
        << "left behind: " << E.path();
}

// The listener every e2e test runs under must see what a test leaves loaded: a map this process
// still holds is residue; once closed (and freed by the kernel) it is not.
TEST(NoResidueListener, SeesAMapTheTestStillHoldsAndNotOnceItIsClosed) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "creating a map needs root (CAP_BPF); not root here";
  auto Before = bpfcarve::testing::takeKernelSnapshot();
  ASSERT_TRUE(Before.idsReadable);
  int Fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bpfcarve_t_resi", 4, 4, 1, nullptr);
  ASSERT_GE(Fd, 0) << strerror(errno);
  auto Left = bpfcarve::testing::residueSince(Before);
  ASSERT_EQ(Left.size(), 1u);
  EXPECT_NE(Left.begin()->find("map "), std::string::npos);
  EXPECT_NE(Left.begin()->find("bpfcarve_t_resi"), std::string::npos) << *Left.begin();
  ::close(Fd);
  EXPECT_TRUE(bpfcarve::testing::residueSince(Before).empty());
}

// An object another live process holds is not the test's, even when it appeared during the test
// (other test binaries load programs at the same time).
TEST(NoResidueListener, IgnoresWhatAnotherLiveProcessHolds) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "creating a map needs root (CAP_BPF); not root here";
  auto Before = bpfcarve::testing::takeKernelSnapshot();
  int Ready[2], Done[2];
  ASSERT_EQ(::pipe(Ready), 0);
  ASSERT_EQ(::pipe(Done), 0);
  pid_t Pid = ::fork();
  ASSERT_GE(Pid, 0);
  if (Pid == 0) {
    int Fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bpfcarve_t_othr", 4, 4, 1, nullptr);
    char C = Fd >= 0 ? 'y' : 'n';
    (void)!::write(Ready[1], &C, 1);
    (void)!::read(Done[0], &C, 1); // hold the map until the parent has looked
    ::_exit(0);
  }
  char C = 0;
  ASSERT_EQ(::read(Ready[0], &C, 1), 1);
  ASSERT_EQ(C, 'y') << "the child could not create its map";
  auto Now = bpfcarve::testing::takeKernelSnapshot();
  bool Appeared = false;
  for (const auto &[Id, Name] : Now.maps)
    Appeared |= !Before.maps.count(Id) && Name == "bpfcarve_t_othr";
  EXPECT_TRUE(Appeared) << "the child's map is loaded";
  EXPECT_TRUE(bpfcarve::testing::residueSince(Before).empty()) << "held by the child, not ours";
  (void)!::write(Done[1], &C, 1);
  int Status = 0;
  ::waitpid(Pid, &Status, 0);
  for (int Fd : {Ready[0], Ready[1], Done[0], Done[1]})
    ::close(Fd);
}

std::string signalName(const ::testing::TestParamInfo<int> &Info) {
  return Info.param == SIGINT ? "SIGINT" : Info.param == SIGTERM ? "SIGTERM" : "SIGKILL";
}

INSTANTIATE_TEST_SUITE_P(Signals, Residue, ::testing::Values(SIGINT, SIGTERM, SIGKILL), signalName);
INSTANTIATE_TEST_SUITE_P(Signals, ResidueInVerifier, ::testing::Values(SIGINT, SIGTERM), signalName);

} // namespace
