//===- ProbeTest.cpp - hook tables, the live kernel probe, comparison, report ===//
//
// The table tests run anywhere. The Kernel*/Cache*/Privileges tests load programs into the
// running kernel and skip, with the reason printed, when not root.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/verifier/Probe.h"
#include "bpfcarve/verifier/HookComparison.h"
#include "bpfcarve/verifier/HookProfile.h"
#include "bpfcarve/verifier/ProbeReport.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sys/types.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace bpfcarve::verifier;

namespace {

constexpr std::uint32_t kSkbLoadBytes = 26;
constexpr std::uint32_t kXdpAdjustHead = 44;
constexpr std::uint32_t kSockOpsCbFlagsSet = 59;

const HookProfile &hook(std::string_view Name) {
  const HookProfile *P = findHook(Name);
  EXPECT_NE(P, nullptr) << Name;
  static const HookProfile Empty;
  return P ? *P : Empty;
}

/// A probe result that agrees with the tables in every point: the baseline the comparison
/// tests then perturb one fact at a time.
ProbeResult resultFromTables() {
  ProbeResult R;
  R.kernelRelease = "6.18.0-test";
  R.btfHash = "0123456789abcdef";
  R.libbpfVersion = "v1.1";
  R.helperIdMax = maxKnownHelperId();
  R.measuredAt = "2025-01-01T00:00:00Z";
  for (const HookProfile &P : hookProfiles()) {
    MeasuredHook M;
    M.hook = std::string(P.name);
    M.progTypeName = std::string(P.progTypeName);
    M.progType = P.progType;
    M.expectedAttachType = P.expectedAttachType;
    M.loads = true;
    M.helpers = P.helpers;
    for (const CtxField &F : P.ctxFields)
      M.fields.push_back({std::string(F.name), F.offset, F.size, F.count, F.readable, F.writable});
    if (P.field("data"))
      M.packetAccess = P.packetAccess;
    for (std::int64_t V : probedReturnValues())
      (P.returnRange.accepts(V) ? M.returnAccepted : M.returnRejected).push_back(V);
    M.testRun.supported = P.testRun.supported;
    M.testRun.input = P.testRun.input;
    if (P.testRun.input == TestRunInput::Packet)
      M.testRun.packetBase = P.packetBase;
    R.hooks.push_back(std::move(M));
  }
  return R;
}

MeasuredHook &measured(ProbeResult &R, std::string_view Name) {
  for (MeasuredHook &M : R.hooks)
    if (M.hook == Name)
      return M;
  ADD_FAILURE() << "no measured hook " << Name;
  return R.hooks.front();
}

const HookComparison &comparisonFor(const std::vector<HookComparison> &All, std::string_view Name) {
  for (const HookComparison &C : All)
    if (C.profile->name == Name)
      return C;
  ADD_FAILURE() << "no comparison for " << Name;
  return All.front();
}

#define SKIP_UNLESS_ROOT()                                                                         \
  do {                                                                                             \
    if (::geteuid() != 0)                                                                          \
      GTEST_SKIP() << "needs root (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON) to load programs; "        \
                      "running as uid "                                                            \
                   << ::geteuid();                                                                 \
  } while (0)

/// Programs in the kernel whose name is the probe's: there must be none between probes.
int loadedProbePrograms() {
  int Count = 0;
  __u32 Id = 0;
  while (bpf_prog_get_next_id(Id, &Id) == 0) {
    int Fd = bpf_prog_get_fd_by_id(Id);
    if (Fd < 0)
      continue;
    bpf_prog_info Info{};
    __u32 Len = sizeof Info;
    if (bpf_obj_get_info_by_fd(Fd, &Info, &Len) == 0 &&
        std::strncmp(Info.name, "bpfcarve_probe", sizeof Info.name) == 0)
      ++Count;
    ::close(Fd);
  }
  return Count;
}

/// One real probe per test process, shared by the Kernel tests.
class Kernel : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0)
      return;
    auto R = measureKernel();
    if (!R) {
      Failure = R.failure().firstLine();
      return;
    }
    Probe = new ProbeResult(R.take());
  }
  static void TearDownTestSuite() {
    delete Probe;
    Probe = nullptr;
  }
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    ASSERT_NE(Probe, nullptr) << Failure;
  }
  static const MeasuredHook &kernelHook(std::string_view Name) {
    const MeasuredHook *M = Probe->hook(Name);
    EXPECT_NE(M, nullptr) << Name;
    static const MeasuredHook Empty;
    return M ? *M : Empty;
  }

  static inline ProbeResult *Probe = nullptr;
  static inline std::string Failure;
};

/// Points BPFCARVE_CACHE_DIR at a fresh directory for the test, and back afterwards.
class Cache : public ::testing::Test {
protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    char Tmpl[] = "/tmp/bpfcarve-probe-cache-XXXXXX";
    ASSERT_NE(::mkdtemp(Tmpl), nullptr);
    Dir = Tmpl;
    if (const char *Old = std::getenv("BPFCARVE_CACHE_DIR"))
      Saved = Old;
    ::setenv("BPFCARVE_CACHE_DIR", Dir.c_str(), 1);
  }
  void TearDown() override {
    if (Dir.empty())
      return;
    if (Saved)
      ::setenv("BPFCARVE_CACHE_DIR", Saved->c_str(), 1);
    else
      ::unsetenv("BPFCARVE_CACHE_DIR");
    std::error_code EC;
    fs::remove_all(Dir, EC);
  }
  std::string Dir;
  std::optional<std::string> Saved;
};

} // namespace

//===--- The static tables -------------------------------------------------===//

TEST(Profiles, SelfCheckIsClean) {
  std::vector<std::string> Errors = checkHookProfiles();
  std::string All;
  for (const std::string &E : Errors)
    All += E + "\n";
  EXPECT_TRUE(Errors.empty()) << All;
}

TEST(Profiles, EveryHookOfTheCliContractIsThere) {
  for (std::string_view Name : {"xdp", "tc", "socket", "cgroup_skb/ingress", "cgroup_skb/egress",
                                "lwt_in", "lwt_out", "lwt_xmit", "sockops", "raw_tp", "tracepoint",
                                "kprobe", "lsm", "fentry", "fexit", "tp_btf", "cgroup/bind4", "cgroup/bind6", "cgroup/connect4",
                                "cgroup/connect6", "cgroup/sendmsg4", "cgroup/sendmsg6",
                                "cgroup/recvmsg4", "cgroup/recvmsg6", "cgroup/sock_create",
                                "cgroup/sock_release", "cgroup/post_bind4", "cgroup/post_bind6",
                                "sk_msg", "sk_skb", "sk_skb/stream_verdict"})
    EXPECT_NE(findHook(Name), nullptr) << Name;
  EXPECT_EQ(hookProfiles().size(), 31u);
}

// cgroup_sock_addr and cgroup_sock: what a program may touch depends on its attach type.
TEST(Profiles, SocketHooksFollowTheirAttachType) {
  const HookProfile &Connect4 = hook("cgroup/connect4");
  EXPECT_EQ(Connect4.progType, BPF_PROG_TYPE_CGROUP_SOCK_ADDR);
  EXPECT_EQ(Connect4.expectedAttachType, static_cast<std::uint32_t>(BPF_CGROUP_INET4_CONNECT));
  EXPECT_EQ(Connect4.ctxStruct, "bpf_sock_addr");
  EXPECT_TRUE(Connect4.field("user_ip4")->writable);
  EXPECT_FALSE(Connect4.field("user_ip6")->readable);
  EXPECT_FALSE(Connect4.field("msg_src_ip4")->readable);
  EXPECT_TRUE(hook("cgroup/sendmsg4").field("msg_src_ip4")->writable);
  EXPECT_TRUE(hook("cgroup/sendmsg6").field("msg_src_ip6")->writable);
  EXPECT_TRUE(hook("cgroup/connect6").field("user_ip6")->writable);
  EXPECT_FALSE(Connect4.field("family")->writable);
  EXPECT_TRUE(Connect4.helperAllowed("bpf_bind"));
  EXPECT_FALSE(hook("cgroup/bind4").helperAllowed("bpf_bind"));
  EXPECT_EQ(hook("cgroup/bind4").returnRange.max, 3);
  EXPECT_EQ(hook("cgroup/recvmsg4").returnRange.min, 1);
  EXPECT_EQ(hook("cgroup/recvmsg4").returnCodeFor(ReturnMeaning::Pass)->value, 1);
  EXPECT_EQ(findHook("cgroup/sock")->name, "cgroup/sock_create"); // libbpf's alias
  EXPECT_TRUE(hook("cgroup/sock_create").field("mark")->writable);
  EXPECT_FALSE(hook("cgroup/post_bind4").field("mark")->readable);
  EXPECT_TRUE(hook("cgroup/post_bind4").field("src_ip4")->readable);
  EXPECT_FALSE(hook("cgroup/post_bind4").field("src_ip6")->readable);
  EXPECT_EQ(hook("sk_msg").packetBase, PacketBase::Payload);
  EXPECT_EQ(hook("sk_msg").field("data")->size, 8u);
  EXPECT_FALSE(hook("sk_skb/stream_verdict").field("mark")->readable);
  EXPECT_EQ(hook("sk_skb").returnCodeFor(ReturnMeaning::Pass)->name, "SK_PASS");
}

TEST(Profiles, FindHookTakesSectionsAndProgramTypeNames) {
  EXPECT_EQ(findHook("classifier")->name, "tc");
  EXPECT_EQ(findHook("sched_cls")->name, "tc");
  EXPECT_EQ(findHook("socket_filter")->name, "socket");
  EXPECT_EQ(findHook("raw_tp/sys_enter")->name, "raw_tp");
  EXPECT_EQ(findHook("raw_tracepoint/sched_switch")->name, "raw_tp");
  EXPECT_EQ(findHook("raw_tracepoint")->name, "raw_tp");
  EXPECT_EQ(findHook("tp/syscalls/sys_enter_openat")->name, "tracepoint");
  EXPECT_EQ(findHook("tracepoint/net/netif_receive_skb")->name, "tracepoint");
  EXPECT_EQ(findHook("kprobe/do_unlinkat")->name, "kprobe");
  EXPECT_EQ(findHook("sock_ops")->name, "sockops"); // libbpf's program type name
  EXPECT_EQ(findHook("sockops")->progType, BPF_PROG_TYPE_SOCK_OPS);
  EXPECT_EQ(findHook("sockops")->expectedAttachType,
            std::optional<std::uint32_t>(BPF_CGROUP_SOCK_OPS));
  EXPECT_EQ(findHook("sockops/x"), nullptr); // "sockops" is exact in libbpf
  // Ambiguous, or not a hook of the tables: no guess.
  EXPECT_EQ(findHook("cgroup_skb"), nullptr);
  EXPECT_EQ(findHook("xdp/devmap"), nullptr);
  EXPECT_EQ(findHook("xdp.frags"), nullptr);
  EXPECT_EQ(findHook("tcx/ingress"), nullptr);
  EXPECT_EQ(findHook("kprobes/x"), nullptr);
  EXPECT_EQ(findHook(""), nullptr);
  EXPECT_EQ(hooksForProgType("cgroup_skb").size(), 2u);
  EXPECT_EQ(hooksForProgType(BPF_PROG_TYPE_CGROUP_SKB).size(), 2u);
  ASSERT_EQ(hooksForProgType(BPF_PROG_TYPE_XDP).size(), 1u);
  EXPECT_EQ(hooksForProgType(BPF_PROG_TYPE_XDP).front()->name, "xdp");
}

TEST(Profiles, EveryHookHasACtxStructOrNone) {
  for (const HookProfile &P : hookProfiles()) {
    EXPECT_EQ(P.ctxStruct.empty(), P.ctxFields.empty()) << P.name;
    if (P.ctxStruct.empty())
      EXPECT_FALSE(P.ctxNote.empty()) << P.name << ": a ctx without layout must say what to read";
  }
  EXPECT_EQ(hook("xdp").ctxStruct, "xdp_md");
  EXPECT_EQ(hook("tc").ctxStruct, "__sk_buff");
  EXPECT_EQ(hook("raw_tp").ctxStruct, "bpf_raw_tracepoint_args");
  EXPECT_EQ(hook("kprobe").ctxStruct, "pt_regs");
  EXPECT_EQ(hook("sockops").ctxStruct, "bpf_sock_ops");
  EXPECT_EQ(hook("tracepoint").ctxStruct, "");
}

// struct bpf_sock_ops as 6.18's BTF lays it out; access as sock_ops_is_valid_access allows.
TEST(Profiles, SockOpsLayoutAndAccess) {
  const HookProfile &Ops = hook("sockops");
  ASSERT_EQ(Ops.ctxFields.size(), 41u);
  const CtxField *Args = Ops.field("args"); // union { args[4]; reply; replylong[4]; }
  ASSERT_NE(Args, nullptr);
  EXPECT_EQ(Args->offset, 4u);
  EXPECT_EQ(Args->count, 4u);
  EXPECT_TRUE(Args->readable);
  EXPECT_FALSE(Args->writable); // only its first word (reply) takes a store
  EXPECT_EQ(Ops.fieldAt(4, 4), Args);
  EXPECT_EQ(Ops.field("family")->offset, 20u);
  EXPECT_EQ(Ops.field("remote_ip6")->count, 4u);
  EXPECT_EQ(Ops.field("sk_txhash")->offset, 164u);
  EXPECT_TRUE(Ops.field("sk_txhash")->writable);
  EXPECT_FALSE(Ops.field("op")->writable);
  EXPECT_FALSE(Ops.field("srtt_us")->writable);
  EXPECT_EQ(Ops.field("bytes_acked")->size, 8u);
  EXPECT_EQ(Ops.field("sk")->offset, 184u);
  EXPECT_EQ(Ops.field("sk")->size, 8u);
  EXPECT_EQ(Ops.field("skb_data_end")->offset, 200u);
  EXPECT_EQ(Ops.fieldAt(216, 8)->name, "skb_hwtstamp");
  EXPECT_EQ(Ops.ctxFields.back().offset + Ops.ctxFields.back().size, 224u);
  size_t Readable = 0, Writable = 0;
  for (const CtxField &F : Ops.ctxFields) {
    Readable += F.readable;
    Writable += F.writable;
  }
  EXPECT_EQ(Readable, 41u);
  EXPECT_EQ(Writable, 1u);
  // skb_data/skb_data_end are no data/data_end: no direct packet access in the profile's sense.
  EXPECT_EQ(Ops.field("data"), nullptr);
  EXPECT_EQ(Ops.packetAccess, PacketAccess::None);
  EXPECT_EQ(Ops.packetBase, PacketBase::None);
}

/// The member `Name` of a BTF struct/union, searched through anonymous unions and structs:
/// (byte offset, byte size of the member or of the anonymous union holding it), or none.
std::optional<std::pair<std::uint32_t, std::uint32_t>>
btfMember(const btf *B, const btf_type *T, std::string_view Name, std::uint32_t Base = 0) {
  const btf_member *M = btf_members(T);
  for (int I = 0; I < btf_vlen(T); ++I, ++M) {
    std::uint32_t Off = Base + btf_member_bit_offset(T, static_cast<__u32>(I)) / 8;
    std::string_view N = btf__name_by_offset(B, M->name_off);
    const btf_type *MT = btf__type_by_id(B, btf__resolve_type(B, M->type));
    if (N.empty() && MT && (btf_is_union(MT) || btf_is_struct(MT))) {
      auto Inner = btfMember(B, MT, Name, Off);
      // A member of an anonymous union is as wide as the union: x86's pt_regs has
      // `union { u16 cs; u64 csx; ... }`, an 8-byte slot.
      if (Inner && btf_is_union(MT))
        Inner->second = std::max(Inner->second, MT->size);
      if (Inner)
        return Inner;
      continue;
    }
    if (N == Name) {
      long long Size = btf__resolve_size(B, M->type);
      return std::make_pair(Off, static_cast<std::uint32_t>(Size < 0 ? 0 : Size));
    }
  }
  return std::nullopt;
}

// Every fixed ctx layout of the tables against the running kernel's BTF: offsets, sizes, and a
// last field that ends the struct. No root needed, only /sys/kernel/btf/vmlinux.
TEST(Profiles, CtxLayoutsAreTheKernelsBtf) {
  std::unique_ptr<btf, void (*)(btf *)> B(btf__parse("/sys/kernel/btf/vmlinux", nullptr),
                                          btf__free);
  if (!B)
    GTEST_SKIP() << "no kernel BTF at /sys/kernel/btf/vmlinux";
  size_t Checked = 0;
  for (const HookProfile &P : hookProfiles()) {
    if (P.ctxStruct.empty())
      continue;
    int Id = btf__find_by_name_kind(B.get(), std::string(P.ctxStruct).c_str(), BTF_KIND_STRUCT);
    ASSERT_GT(Id, 0) << P.name << ": no struct " << P.ctxStruct << " in the kernel's BTF";
    const btf_type *T = btf__type_by_id(B.get(), static_cast<__u32>(Id));
    for (const CtxField &F : P.ctxFields) {
      auto M = btfMember(B.get(), T, F.name);
      ASSERT_TRUE(M.has_value()) << P.name << ": " << P.ctxStruct << " has no " << F.name;
      EXPECT_EQ(M->first, F.offset) << P.name << ": " << F.name;
      // A flexible array (raw_tp's u64 args[]) has no BTF size; the row says how far reads go.
      if (M->second)
        EXPECT_EQ(M->second, F.size * F.count) << P.name << ": " << F.name;
      ++Checked;
    }
    const CtxField &Last = P.ctxFields.back();
    auto LastMember = btfMember(B.get(), T, Last.name);
    if (LastMember && LastMember->second) // not a flexible array
      EXPECT_EQ(T->size, Last.offset + Last.size * Last.count) << P.name << ": " << P.ctxStruct;
  }
  EXPECT_GE(Checked, 41u + 34u); // bpf_sock_ops and __sk_buff at least
}

TEST(Profiles, SkBuffLayoutAndAccessAreHooksMdSection13) {
  const HookProfile &Socket = hook("socket");
  ASSERT_NE(Socket.field("data"), nullptr);
  EXPECT_EQ(Socket.field("data")->offset, 76u);
  EXPECT_FALSE(Socket.field("data")->readable); // socket filters have no direct packet access
  EXPECT_TRUE(Socket.field("len")->readable);
  EXPECT_FALSE(Socket.field("mark")->writable);
  EXPECT_TRUE(Socket.field("cb")->writable);
  EXPECT_TRUE(hook("tc").field("mark")->writable);
  EXPECT_TRUE(hook("tc").field("tc_classid")->writable);
  EXPECT_FALSE(hook("cgroup_skb/ingress").field("tc_classid")->readable);
  EXPECT_TRUE(hook("cgroup_skb/egress").field("remote_port")->readable);
  EXPECT_FALSE(hook("lwt_in").field("tstamp")->readable);
  // Arrays are one field; element i is at offset + i * size.
  const CtxField *Cb = hook("tc").field("cb");
  EXPECT_EQ(Cb->offset, 48u);
  EXPECT_EQ(Cb->count, 5u);
  EXPECT_EQ(hook("tc").fieldAt(56), Cb); // cb[2]
  EXPECT_EQ(hook("tc").fieldAt(184, 8)->name, "hwtstamp");
  EXPECT_EQ(hook("tc").fieldAt(185, 8), nullptr); // past the end of the 192-byte struct
  EXPECT_EQ(hook("tc").ctxFields.back().offset + hook("tc").ctxFields.back().size, 192u);
}

TEST(Profiles, XdpMdEgressIfindexNeedsDevmap) {
  const HookProfile &Xdp = hook("xdp");
  ASSERT_NE(Xdp.field("egress_ifindex"), nullptr);
  EXPECT_EQ(Xdp.field("egress_ifindex")->offset, 20u);
  EXPECT_FALSE(Xdp.field("egress_ifindex")->readable);
  EXPECT_TRUE(Xdp.field("ingress_ifindex")->readable);
  for (const CtxField &F : Xdp.ctxFields)
    EXPECT_FALSE(F.writable) << F.name;
}

TEST(Profiles, PacketBaseAndAccess) {
  EXPECT_EQ(hook("xdp").packetBase, PacketBase::L2);
  EXPECT_EQ(hook("tc").packetBase, PacketBase::L2);
  for (std::string_view L3 :
       {"socket", "cgroup_skb/ingress", "cgroup_skb/egress", "lwt_in", "lwt_out", "lwt_xmit"})
    EXPECT_EQ(hook(L3).packetBase, PacketBase::L3) << L3;
  for (std::string_view None : {"sockops", "raw_tp", "tracepoint", "kprobe"})
    EXPECT_EQ(hook(None).packetBase, PacketBase::None) << None;
  EXPECT_EQ(hook("socket").packetAccess, PacketAccess::None);
  EXPECT_EQ(hook("cgroup_skb/ingress").packetAccess, PacketAccess::Read);
  EXPECT_EQ(hook("lwt_xmit").packetAccess, PacketAccess::ReadWrite);
  EXPECT_EQ(hook("xdp").packetAccess, PacketAccess::ReadWrite);
}

TEST(Profiles, ReturnCodesHaveUniqueNamesAndFitTheRange) {
  for (const HookProfile &P : hookProfiles()) {
    std::set<std::string_view> Names;
    for (const ReturnCode &R : P.returnCodes) {
      EXPECT_TRUE(Names.insert(R.name).second) << P.name << ": " << R.name;
      EXPECT_TRUE(P.returnRange.accepts(R.value)) << P.name << ": " << R.name;
    }
  }
  EXPECT_EQ(hook("xdp").returnCode("XDP_PASS")->value, 2);
  EXPECT_EQ(hook("xdp").returnCodeFor(ReturnMeaning::Error)->name, "XDP_ABORTED");
  EXPECT_EQ(hook("tc").returnCodeFor(ReturnMeaning::Pass)->name, "TC_ACT_OK");
  // No dedicated error code: the drop code stands in.
  EXPECT_EQ(hook("tc").returnCodeFor(ReturnMeaning::Error)->name, "TC_ACT_SHOT");
  EXPECT_EQ(hook("tc").returnCode("TC_ACT_REDIRECT")->value, 7);
  EXPECT_EQ(hook("xdp").returnCodeFor(ReturnMeaning::Tx)->value, 3);
  EXPECT_EQ(hook("tc").returnCodeFor(ReturnMeaning::Tx), nullptr);
  // The verifier-enforced ranges of hooks.md §2.
  EXPECT_FALSE(hook("xdp").returnRange.enforced);
  EXPECT_FALSE(hook("tc").returnRange.enforced);
  const ReturnRange &In = hook("cgroup_skb/ingress").returnRange;
  EXPECT_TRUE(In.enforced);
  EXPECT_EQ(In.min, 0);
  EXPECT_EQ(In.max, 1);
  EXPECT_FALSE(In.accepts(2));
  EXPECT_TRUE(hook("cgroup_skb/egress").returnRange.accepts(3));
  EXPECT_FALSE(hook("cgroup_skb/egress").returnRange.accepts(4));
  EXPECT_NE(hook("lwt_xmit").returnCode("BPF_REDIRECT"), nullptr);
  EXPECT_EQ(hook("lwt_out").returnCode("BPF_REDIRECT"), nullptr);
  const ReturnRange &Ops = hook("sockops").returnRange;
  EXPECT_TRUE(Ops.enforced);
  EXPECT_EQ(Ops.min, 0);
  EXPECT_EQ(Ops.max, 1);
  EXPECT_EQ(hook("sockops").returnCodeFor(ReturnMeaning::Pass)->value, 1);
  EXPECT_EQ(hook("sockops").returnCodeFor(ReturnMeaning::Error)->value, 0);
}

TEST(Profiles, HelperSetsAreHelpersMeasuredJson) {
  EXPECT_FALSE(hook("xdp").helperAllowed(kSkbLoadBytes));
  EXPECT_TRUE(hook("xdp").helperAllowed(kXdpAdjustHead));
  EXPECT_TRUE(hook("tc").helperAllowed(kSkbLoadBytes));
  EXPECT_TRUE(hook("tc").helperAllowed("bpf_skb_load_bytes"));
  EXPECT_TRUE(hook("tc").helperAllowed("skb_load_bytes"));
  EXPECT_FALSE(hook("socket").helperAllowed("bpf_redirect"));
  EXPECT_TRUE(hook("lwt_xmit").helperAllowed("bpf_lwt_push_encap"));
  EXPECT_TRUE(hook("sockops").helperAllowed(kSockOpsCbFlagsSet));
  EXPECT_TRUE(hook("sockops").helperAllowed("bpf_store_hdr_opt"));
  EXPECT_TRUE(hook("sockops").helperAllowed("bpf_setsockopt"));
  EXPECT_FALSE(hook("sockops").helperAllowed(kSkbLoadBytes));
  EXPECT_FALSE(hook("tc").helperAllowed(kSockOpsCbFlagsSet));
  EXPECT_TRUE(helperAllowed("classifier", kSkbLoadBytes));
  EXPECT_FALSE(helperAllowed("no-such-hook", 1));
  EXPECT_EQ(helperName(kSkbLoadBytes), "bpf_skb_load_bytes");
  EXPECT_EQ(helperId("bpf_xdp_adjust_head"), kXdpAdjustHead);
  EXPECT_EQ(helperId("nonsense"), std::nullopt);
  EXPECT_EQ(maxKnownHelperId(), 211u);
  // The counts of hooks.md §3.
  const std::pair<std::string_view, size_t> Counts[] = {{"xdp", 102},
                                                        {"tc", 137},
                                                        {"socket", 86},
                                                        {"cgroup_skb/ingress", 101},
                                                        {"cgroup_skb/egress", 101},
                                                        {"lwt_in", 88},
                                                        {"lwt_out", 87},
                                                        {"lwt_xmit", 102},
                                                        {"sockops", 95},
                                                        {"raw_tp", 78},
                                                        {"tracepoint", 78},
                                                        {"kprobe", 79},
                                                        {"cgroup/connect4", 95},
                                                        {"cgroup/bind4", 94},
                                                        {"cgroup/post_bind4", 80},
                                                        {"sk_msg", 91},
                                                        {"sk_skb", 95}};
  for (auto [Name, Count] : Counts)
    EXPECT_EQ(hook(Name).helpers.size(), Count) << Name;
  // kprobe = tracepoint + bpf_get_func_ip.
  std::vector<std::uint32_t> Extra;
  std::set_difference(hook("kprobe").helpers.begin(), hook("kprobe").helpers.end(),
                      hook("tracepoint").helpers.begin(), hook("tracepoint").helpers.end(),
                      std::back_inserter(Extra));
  ASSERT_EQ(Extra.size(), 1u);
  EXPECT_EQ(helperName(Extra[0]), "bpf_get_func_ip");
}

TEST(Profiles, TestRunRulesAreHooksMdSection6) {
  EXPECT_TRUE(hook("xdp").testRun.supported);
  EXPECT_EQ(hook("xdp").testRun.input, TestRunInput::Packet);
  EXPECT_EQ(hook("xdp").testRun.minFrameBytes, 15u);
  EXPECT_EQ(hook("tc").testRun.minIpv4FrameBytes, 34u);
  EXPECT_EQ(hook("raw_tp").testRun.input, TestRunInput::Ctx);
  EXPECT_TRUE(hook("raw_tp").testRun.repeatMustBeZero);
  EXPECT_FALSE(hook("kprobe").testRun.supported);
  EXPECT_FALSE(hook("tracepoint").testRun.supported);
  EXPECT_FALSE(hook("sockops").testRun.supported);
  EXPECT_EQ(hook("sockops").testRun.input, TestRunInput::None);
}

TEST(Profiles, SectionsMatchLikeLibbpf) {
  const HookProfile &Kprobe = hook("kprobe");
  EXPECT_TRUE(Kprobe.matchesSection("kprobe"));
  EXPECT_TRUE(Kprobe.matchesSection("kprobe/tcp_v4_connect"));
  EXPECT_FALSE(Kprobe.matchesSection("kprobe_x"));
  EXPECT_FALSE(hook("xdp").matchesSection("xdp/foo")); // "xdp" is exact in libbpf
}

//===--- Classification, JSON, comparison, report (no kernel) --------------===//

TEST(HelperClassification, VerifierMessagesOfLinux618) {
  EXPECT_EQ(classifyHelperLoad(5, ""), HelperVerdict::Usable);
  EXPECT_EQ(classifyHelperLoad(-EINVAL, "0: (85) call bpf_skb_load_bytes#26\nprogram of this "
                                        "type cannot use helper bpf_skb_load_bytes#26\nprocessed "
                                        "1 insns (limit 1000000)\n"),
            HelperVerdict::Unusable);
  EXPECT_EQ(classifyHelperLoad(-EACCES, "0: (85) call bpf_xdp_adjust_head#44\nR2 !read_ok\n"),
            HelperVerdict::Usable);
  EXPECT_EQ(classifyHelperLoad(-EINVAL, "helper call might sleep in a non-sleepable prog\n"),
            HelperVerdict::SleepableOnly);
  EXPECT_EQ(classifyHelperLoad(-EINVAL, "0: (85) call unknown#212\ninvalid func unknown#212\n"),
            HelperVerdict::UnknownId);
  EXPECT_EQ(classifyHelperLoad(-EINVAL, "unknown func bpf_foo#99\n"), HelperVerdict::Unusable);
  EXPECT_EQ(classifyHelperLoad(-EINVAL, "func bpf_x#1 not supported for program type 2\n"),
            HelperVerdict::Unusable);
  EXPECT_EQ(classifyHelperLoad(-EPERM, ""), HelperVerdict::Unusable);
}

TEST(ProbeJson, RoundTrips) {
  ProbeResult R = resultFromTables();
  R.helperNames = {"", "bpf_map_lookup_elem"};
  measured(R, "kprobe").loads = false;
  measured(R, "kprobe").loadError = "Operation not permitted";
  measured(R, "tc").testRun.observedLength = 64;
  measured(R, "tc").testRun.error = 0;
  measured(R, "raw_tp").testRun.error = 22;
  std::string Text = toJson(R);
  auto Back = probeResultFromJson(Text);
  ASSERT_TRUE(static_cast<bool>(Back)) << Back.failure().message;
  EXPECT_EQ(toJson(*Back), Text);
  EXPECT_EQ(Back->hook("tc")->testRun.packetBase, PacketBase::L2);
  EXPECT_EQ(Back->hook("xdp")->expectedAttachType, std::optional<std::uint32_t>(BPF_XDP));
  EXPECT_EQ(Back->hook("tc")->expectedAttachType, std::nullopt);
  EXPECT_EQ(Back->helperName(1), "bpf_map_lookup_elem");
  EXPECT_EQ(Back->helperName(26), "bpf_skb_load_bytes"); // falls back to the static table

  auto Bad = probeResultFromJson("{\"format\": 1}");
  ASSERT_FALSE(static_cast<bool>(Bad));
  EXPECT_EQ(Bad.failure().kind, bpfcarve::FailureKind::BadInput);
  EXPECT_FALSE(static_cast<bool>(probeResultFromJson("not json")));
  auto Old = probeResultFromJson("{\"format\": 0}");
  ASSERT_FALSE(static_cast<bool>(Old));
  EXPECT_NE(Old.failure().message.find("format"), std::string::npos);
}

TEST(Comparison, TablesAgreeWithThemselves) {
  ProbeResult R = resultFromTables();
  for (const HookComparison &C : compareWithProfiles(R)) {
    EXPECT_TRUE(C.disagreements.empty())
        << C.profile->name << ": " << C.disagreements.front().message();
    EXPECT_EQ(C.helpersMeasured, C.helpersInTable);
  }
}

TEST(Comparison, KernelRefusingATableHelperContradictsTheRow) {
  ProbeResult R = resultFromTables();
  auto &Helpers = measured(R, "xdp").helpers;
  Helpers.erase(std::find(Helpers.begin(), Helpers.end(), kXdpAdjustHead));
  Helpers.push_back(kSkbLoadBytes); // and allowing one the table does not list
  std::sort(Helpers.begin(), Helpers.end());
  auto All = compareWithProfiles(R);
  const HookComparison &Xdp = comparisonFor(All, "xdp");
  EXPECT_TRUE(Xdp.contradicted());
  const Disagreement *Refused = Xdp.find(DisagreementKind::Helper, "bpf_xdp_adjust_head");
  ASSERT_NE(Refused, nullptr);
  EXPECT_TRUE(Refused->contradicts);
  EXPECT_EQ(Refused->helperId, kXdpAdjustHead);
  EXPECT_EQ(Refused->message(),
            "helper bpf_xdp_adjust_head#44: table allowed, kernel refused (contradiction)");
  const Disagreement *Extra = Xdp.find(DisagreementKind::Helper, "bpf_skb_load_bytes#26");
  ASSERT_NE(Extra, nullptr);
  EXPECT_FALSE(Extra->contradicts); // the table is merely conservative
  EXPECT_FALSE(comparisonFor(All, "tc").contradicted());
}

TEST(Comparison, FieldsReturnsTestRunAndPacketBase) {
  ProbeResult R = resultFromTables();
  MeasuredHook &Tc = measured(R, "tc");
  for (MeasuredField &F : Tc.fields)
    if (F.name == "mark")
      F.writable = false;
  Tc.testRun.packetBase = PacketBase::L3;
  MeasuredHook &Cg = measured(R, "cgroup_skb/ingress");
  Cg.returnAccepted.erase(std::find(Cg.returnAccepted.begin(), Cg.returnAccepted.end(), 1));
  Cg.returnRejected.push_back(1);
  MeasuredHook &Kp = measured(R, "kprobe");
  Kp.testRun.supported = true;
  Kp.testRun.input = TestRunInput::Packet;
  measured(R, "lwt_out").loads = false;
  measured(R, "lwt_out").loadError = "Invalid argument";

  auto All = compareWithProfiles(R);
  const HookComparison &TcC = comparisonFor(All, "tc");
  ASSERT_NE(TcC.find(DisagreementKind::CtxWrite, "mark"), nullptr);
  EXPECT_TRUE(TcC.find(DisagreementKind::CtxWrite, "mark")->contradicts);
  EXPECT_EQ(TcC.find(DisagreementKind::CtxRead, "mark"), nullptr);
  ASSERT_NE(TcC.find(DisagreementKind::PacketBase), nullptr);
  EXPECT_EQ(TcC.writableMeasured + 1, TcC.writableInTable);
  const Disagreement *Range =
      comparisonFor(All, "cgroup_skb/ingress").find(DisagreementKind::ReturnRange);
  ASSERT_NE(Range, nullptr);
  EXPECT_TRUE(Range->contradicts);
  EXPECT_EQ(Range->profile, "[0, 1]");
  const Disagreement *Run = comparisonFor(All, "kprobe").find(DisagreementKind::TestRun);
  ASSERT_NE(Run, nullptr);
  EXPECT_FALSE(Run->contradicts); // the kernel can do more than the table says
  const HookComparison &Lwt = comparisonFor(All, "lwt_out");
  ASSERT_EQ(Lwt.disagreements.size(), 1u);
  EXPECT_EQ(Lwt.disagreements[0].kind, DisagreementKind::Load);
  EXPECT_TRUE(Lwt.contradicted());
}

TEST(Report, TextShowsCountsAndDisagreements) {
  ProbeResult R = resultFromTables();
  std::string Clean = renderProbeText(R, compareWithProfiles(R));
  EXPECT_NE(Clean.find("HOOK"), std::string::npos) << Clean;
  EXPECT_NE(Clean.find("102/102"), std::string::npos) << Clean; // xdp helpers, kernel/table
  EXPECT_NE(Clean.find("no disagreements"), std::string::npos) << Clean;

  auto &Helpers = measured(R, "xdp").helpers;
  Helpers.erase(std::find(Helpers.begin(), Helpers.end(), kXdpAdjustHead));
  std::string Text = renderProbeText(R, compareWithProfiles(R));
  EXPECT_NE(Text.find("101/102"), std::string::npos) << Text;
  EXPECT_NE(Text.find("1 disagreement, 1 contradicting the tables"), std::string::npos) << Text;
  EXPECT_NE(Text.find("xdp: helper bpf_xdp_adjust_head#44: table allowed, kernel refused"),
            std::string::npos)
      << Text;
}

TEST(Report, JsonCarriesTableAndMeasurementSideBySide) {
  ProbeResult R = resultFromTables();
  measured(R, "socket").fields[0].readable = false; // len
  auto J = nlohmann::json::parse(renderProbeJson(R, compareWithProfiles(R)));
  ASSERT_EQ(J["hooks"].size(), hookProfiles().size());
  EXPECT_EQ(J["disagreements_total"], 1);
  EXPECT_EQ(J["contradictions_total"], 1);
  EXPECT_EQ(J["from_cache"], false);
  EXPECT_TRUE(J["cache_file"].is_null());
  for (const auto &H : J["hooks"]) {
    if (H["hook"] != "socket")
      continue;
    EXPECT_EQ(H["prog_type"], "socket_filter");
    EXPECT_EQ(H["profile"]["packet_base"], "L3");
    EXPECT_EQ(H["counts"]["readable"]["table"].get<int>(),
              H["counts"]["readable"]["kernel"].get<int>() + 1);
    ASSERT_EQ(H["disagreements"].size(), 1u);
    EXPECT_EQ(H["disagreements"][0]["kind"], "ctx_read");
    EXPECT_EQ(H["disagreements"][0]["subject"], "len");
    EXPECT_TRUE(H["contradicted"].get<bool>());
  }
}

//===--- The running kernel ------------------------------------------------===//

TEST_F(Kernel, XdpHelpers) {
  const MeasuredHook &Xdp = kernelHook("xdp");
  EXPECT_TRUE(Xdp.loads) << Xdp.loadError;
  EXPECT_FALSE(Xdp.helperUsable(kSkbLoadBytes));
  EXPECT_TRUE(Xdp.helperUsable(kXdpAdjustHead));
}

TEST_F(Kernel, SchedClsHelpers) {
  EXPECT_TRUE(kernelHook("tc").helperUsable(kSkbLoadBytes));
  EXPECT_FALSE(kernelHook("tc").helperUsable(kXdpAdjustHead));
}

TEST_F(Kernel, SocketFilterReadsLenButNotData) {
  const MeasuredHook &Socket = kernelHook("socket");
  const MeasuredField *Data = Socket.field("data");
  ASSERT_NE(Data, nullptr);
  EXPECT_EQ(Data->offset, 76u);
  EXPECT_FALSE(Data->readable);
  ASSERT_NE(Socket.field("len"), nullptr);
  EXPECT_TRUE(Socket.field("len")->readable);
  EXPECT_EQ(Socket.packetAccess, PacketAccess::None);
}

TEST_F(Kernel, MarkWritableInSchedClsNotInSocketFilter) {
  EXPECT_TRUE(kernelHook("tc").field("mark")->writable);
  EXPECT_FALSE(kernelHook("socket").field("mark")->writable);
  EXPECT_TRUE(kernelHook("socket").field("mark")->readable);
}

TEST_F(Kernel, XdpEgressIfindexNotReadableInPlainXdp) {
  const MeasuredField *F = kernelHook("xdp").field("egress_ifindex");
  ASSERT_NE(F, nullptr);
  EXPECT_EQ(F->offset, 20u);
  EXPECT_FALSE(F->readable);
  EXPECT_TRUE(kernelHook("xdp").field("ingress_ifindex")->readable);
}

TEST_F(Kernel, TestRunSupport) {
  EXPECT_TRUE(kernelHook("xdp").testRun.supported) << kernelHook("xdp").testRun.error;
  EXPECT_TRUE(kernelHook("tc").testRun.supported) << kernelHook("tc").testRun.error;
  EXPECT_FALSE(kernelHook("kprobe").testRun.supported);
  EXPECT_EQ(kernelHook("kprobe").testRun.error, 524); // ENOTSUPP: no test_run op
  EXPECT_TRUE(kernelHook("raw_tp").testRun.supported);
  EXPECT_EQ(kernelHook("raw_tp").testRun.input, TestRunInput::Ctx);
}

TEST_F(Kernel, TestRunShowsThePacketBase) {
  EXPECT_EQ(kernelHook("xdp").testRun.observedLength, 64u);
  EXPECT_EQ(kernelHook("tc").testRun.packetBase, PacketBase::L2);
  EXPECT_EQ(kernelHook("socket").testRun.observedLength, 50u); // 64 - 14: seen from L3
  EXPECT_EQ(kernelHook("cgroup_skb/egress").testRun.packetBase, PacketBase::L3);
  EXPECT_EQ(kernelHook("lwt_xmit").testRun.packetBase, PacketBase::L3);
}

TEST_F(Kernel, ReturnRangesAreEnforcedOnlyForCgroupSkbAndSockOps) {
  EXPECT_TRUE(kernelHook("xdp").returnRejected.empty());
  EXPECT_TRUE(kernelHook("raw_tp").returnRejected.empty());
  EXPECT_EQ(kernelHook("cgroup_skb/ingress").returnAccepted, (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(kernelHook("cgroup_skb/egress").returnAccepted,
            (std::vector<std::int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(kernelHook("sockops").returnAccepted, (std::vector<std::int64_t>{0, 1}));
}

TEST_F(Kernel, SockOpsCtxHelpersAndNoTestRun) {
  const MeasuredHook &Ops = kernelHook("sockops");
  ASSERT_TRUE(Ops.loads) << Ops.loadError;
  EXPECT_EQ(Ops.progType, static_cast<std::uint32_t>(BPF_PROG_TYPE_SOCK_OPS));
  EXPECT_TRUE(Ops.helperUsable(kSockOpsCbFlagsSet));
  EXPECT_FALSE(Ops.helperUsable(kSkbLoadBytes));
  EXPECT_FALSE(kernelHook("xdp").helperUsable(kSockOpsCbFlagsSet));
  ASSERT_NE(Ops.field("sk_txhash"), nullptr);
  EXPECT_TRUE(Ops.field("sk_txhash")->writable);
  ASSERT_NE(Ops.field("op"), nullptr);
  EXPECT_TRUE(Ops.field("op")->readable);
  EXPECT_FALSE(Ops.field("op")->writable);
  ASSERT_NE(Ops.field("skb_hwtstamp"), nullptr);
  EXPECT_TRUE(Ops.field("skb_hwtstamp")->readable);
  EXPECT_EQ(Ops.packetAccess, std::nullopt); // no data/data_end to probe
  EXPECT_FALSE(Ops.testRun.supported);
  EXPECT_EQ(Ops.testRun.error, 524); // ENOTSUPP: no test_run op for sock_ops
}

TEST_F(Kernel, SocketHooksFollowTheirAttachType) {
  const MeasuredHook &Connect4 = kernelHook("cgroup/connect4");
  ASSERT_TRUE(Connect4.loads) << Connect4.loadError;
  EXPECT_TRUE(Connect4.helperUsable(*helperId("bpf_bind")));
  EXPECT_FALSE(kernelHook("cgroup/sendmsg4").helperUsable(*helperId("bpf_bind")));
  EXPECT_TRUE(Connect4.field("user_ip4")->writable);
  EXPECT_FALSE(Connect4.field("user_ip6")->readable);
  EXPECT_TRUE(kernelHook("cgroup/sendmsg4").field("msg_src_ip4")->writable);
  EXPECT_EQ(kernelHook("cgroup/recvmsg4").returnAccepted, (std::vector<std::int64_t>{1}));
  EXPECT_FALSE(kernelHook("cgroup/post_bind4").field("mark")->readable);
  EXPECT_TRUE(kernelHook("cgroup/sock_create").field("mark")->writable);
  EXPECT_EQ(kernelHook("sk_msg").packetAccess, PacketAccess::ReadWrite);
  EXPECT_FALSE(kernelHook("sk_skb/stream_verdict").field("mark")->readable);
  EXPECT_FALSE(kernelHook("sk_msg").testRun.supported);
}

TEST_F(Kernel, HelperIdsEndWhereTheKernelSaysInvalidFunc) {
  EXPECT_GE(Probe->helperIdMax, 211u);
  ASSERT_GT(Probe->helperNames.size(), 26u);
  EXPECT_EQ(Probe->helperNames[26], "bpf_skb_load_bytes");
}

// The tables were measured on Linux 6.18; the kernel this runs on may be another build (one
// here refuses bpf_xdp_adjust_meta in xdp). Each difference is printed as a kernel change and
// must be a contradiction exactly when the kernel refuses what the table promises, so that a
// rewrite relying on it is refused on this kernel. What fails is a row the probe cannot load at
// all: a program type with that attach type and the row's accepted return value always loads,
// so that is a broken row (or probe), not the kernel.
TEST_F(Kernel, TablesAgreeWithTheRunningKernelOrTheChangeIsNamed) {
  auto All = compareWithProfiles(*Probe);
  ASSERT_EQ(All.size(), hookProfiles().size());
  for (const HookComparison &C : All) {
    ASSERT_NE(C.measured, nullptr) << C.profile->name;
    bool Contradicted = false;
    for (const Disagreement &D : C.disagreements) {
      std::printf("probe: kernel change: %s: %s\n", std::string(C.profile->name).c_str(),
                  D.message().c_str());
      // A kernel may refuse a program type to root by policy: a locked-down one refuses lsm and
      // fentry with EPERM while the others load. That is its configuration, printed above, not
      // a table error; any other refusal is.
      bool ByPolicy = D.kind == DisagreementKind::Load &&
                      C.measured->loadError.starts_with("Operation not permitted");
      if (!ByPolicy)
        EXPECT_NE(D.kind, DisagreementKind::Load) << C.profile->name << ": " << D.message();
      Contradicted |= D.contradicts;
      if (D.kind == DisagreementKind::Helper)
        EXPECT_EQ(D.contradicts, C.profile->helperAllowed(D.helperId)) << D.message();
    }
    EXPECT_EQ(C.contradicted(), Contradicted) << C.profile->name;
    if (C.disagreements.empty())
      EXPECT_EQ(C.helpersMeasured, C.helpersInTable) << C.profile->name;
  }
}

// How long the probe takes is bench/'s business; it is printed, not asserted.
TEST_F(Kernel, ProbeLeavesNothingLoaded) {
  EXPECT_EQ(loadedProbePrograms(), 0);
  std::printf("probe: %.3f s, helper ids 1..%u\n", Probe->probeSeconds, Probe->helperIdMax);
}

TEST_F(Cache, WrittenOnceThenServed) {
  auto Cold = probeKernel(/*Refresh=*/true);
  ASSERT_TRUE(static_cast<bool>(Cold)) << Cold.failure().firstLine();
  EXPECT_FALSE(Cold->fromCache);
  auto Path = probeCachePath();
  ASSERT_TRUE(static_cast<bool>(Path));
  EXPECT_EQ(Cold->cacheFile, *Path);
  EXPECT_TRUE(fs::exists(*Path)) << *Path;
  EXPECT_EQ(fs::path(*Path).parent_path(), fs::path(Dir) / "probe");
  EXPECT_NE(fs::path(*Path).filename().string().find(Cold->kernelRelease + "-" + Cold->btfHash),
            std::string::npos);
  for (const auto &E : fs::directory_iterator(fs::path(Dir) / "probe"))
    EXPECT_EQ(E.path(), fs::path(*Path)) << "temp file left behind";

  auto Start = std::chrono::steady_clock::now();
  auto Warm = probeKernel();
  double WarmSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count();
  ASSERT_TRUE(static_cast<bool>(Warm)) << Warm.failure().firstLine();
  EXPECT_TRUE(Warm->fromCache);
  EXPECT_EQ(toJson(*Warm), toJson(*Cold));
  EXPECT_LT(WarmSeconds, 0.5);
  std::printf("probe: cold %.3f s, warm %.3f s\n", Cold->probeSeconds, WarmSeconds);
  EXPECT_EQ(loadedProbePrograms(), 0);
}

TEST_F(Cache, BrokenOrStaleCacheIsMeasuredOver) {
  auto Path = probeCachePath();
  ASSERT_TRUE(static_cast<bool>(Path));
  fs::create_directories(fs::path(*Path).parent_path());
  std::ofstream(*Path) << "{ truncated";
  auto R = probeKernel();
  ASSERT_TRUE(static_cast<bool>(R)) << R.failure().firstLine();
  EXPECT_FALSE(R->fromCache);
  // A cache that lacks a hook of the current tables is stale, even for this kernel.
  ProbeResult Partial = *R;
  Partial.hooks.pop_back();
  std::ofstream(*Path, std::ios::trunc) << toJson(Partial);
  auto Again = probeKernel();
  ASSERT_TRUE(static_cast<bool>(Again));
  EXPECT_FALSE(Again->fromCache);
  EXPECT_EQ(Again->hooks.size(), hookProfiles().size());
  EXPECT_TRUE(probeKernel()->fromCache);
}

TEST(Privileges, WithoutThemTheProbeIsAnEnvironmentFailure) {
  SKIP_UNLESS_ROOT();
  // A child drops to nobody (losing every capability) and probes; exit code = the CLI's.
  EXPECT_EXIT(
      {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0)
          std::_Exit(10);
        auto R = measureKernel();
        if (R)
          std::_Exit(0);
        std::fprintf(stderr, "%s\n", R.failure().firstLine().c_str());
        std::_Exit(R.failure().exitCode());
      },
      ::testing::ExitedWithCode(3), "probe needs root or CAP_BPF");
}
