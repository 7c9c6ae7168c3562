//===- TestRun.cpp --------------------------------------------------------===//
#include "bpfcarve/verifier/TestRun.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

namespace bpfcarve::verifier {

RunOutcome testRunFrame(int ProgFd, const HookProfile &Hook, const std::vector<std::uint8_t> &Frame,
                        SkbCarry *Carry) {
  RunOutcome R;
  // Output can grow (adjust_head/tail push headers, ICMP replies): room for a full page more.
  R.dataOut.resize(Frame.size() + 4096);
  bpf_test_run_opts Opts{};
  Opts.sz = sizeof Opts;
  Opts.data_in = Frame.data();
  Opts.data_size_in = static_cast<__u32>(Frame.size());
  Opts.data_out = R.dataOut.data();
  Opts.data_size_out = static_cast<__u32>(R.dataOut.size());
  Opts.repeat = 1;

  xdp_md XdpCtx{};
  __sk_buff SkbCtx{};
  if (Hook.ctxStruct == "xdp_md") {
    // The kernel takes data/data_end from ctx_in too: they must describe the whole frame.
    XdpCtx.data = 0;
    XdpCtx.data_end = static_cast<__u32>(Frame.size());
    XdpCtx.ingress_ifindex = 1;
    Opts.ctx_in = &XdpCtx;
    Opts.ctx_size_in = sizeof XdpCtx;
  } else if (Hook.ctxStruct == "__sk_buff") {
    SkbCtx.ifindex = 1;
    SkbCtx.ingress_ifindex = 1;
    if (Carry) {
      SkbCtx.mark = Carry->mark;
      SkbCtx.priority = Carry->priority;
      std::memcpy(SkbCtx.cb, Carry->cb, sizeof SkbCtx.cb);
    }
    Opts.ctx_in = &SkbCtx;
    Opts.ctx_size_in = sizeof SkbCtx;
  }
  __sk_buff SkbOut{};
  if (Carry && Hook.ctxStruct == "__sk_buff") {
    Opts.ctx_out = &SkbOut;
    Opts.ctx_size_out = sizeof SkbOut;
  }
  int Err = bpf_prog_test_run_opts(ProgFd, &Opts);
  if (Err != 0) {
    R.err = errno ? errno : -Err;
    R.dataOut.clear();
    return R;
  }
  R.ran = true;
  R.retval = static_cast<std::int32_t>(Opts.retval);
  if (Opts.ctx_out) {
    Carry->mark = SkbOut.mark;
    Carry->priority = SkbOut.priority;
    std::memcpy(Carry->cb, SkbOut.cb, sizeof SkbOut.cb);
  }
  R.dataOut.resize(Opts.data_size_out);
  return R;
}

std::string verdictName(const HookProfile &Hook, std::int64_t Retval) {
  for (const ReturnCode &C : Hook.returnCodes)
    if (C.value == Retval)
      return std::string(C.name);
  return std::to_string(Retval);
}

ReturnMeaning verdictMeaning(const HookProfile &Hook, std::int64_t Retval) {
  for (const ReturnCode &C : Hook.returnCodes)
    if (C.value == Retval)
      return C.meaning;
  // A socket filter's kept length: any but 0 lets the packet on (shortened below its length).
  if (Hook.lengthVerdict)
    return ReturnMeaning::Pass;
  return ReturnMeaning::HookSpecific;
}

namespace {
/// The meaning in the vocabulary both hooks share.
ReturnMeaning canonical(ReturnMeaning M, const HookProfile &Other) {
  if (M == ReturnMeaning::Error) {
    const ReturnCode *E = Other.returnCodeFor(ReturnMeaning::Error);
    if (!E || E->meaning != ReturnMeaning::Error)
      return ReturnMeaning::Drop; // the other hook reports errors as drops
  }
  if (M == ReturnMeaning::Tx)
    return ReturnMeaning::Redirect; // XDP_TX ~ bpf_redirect(ifindex, 0) at TC ingress
  return M;
}
} // namespace

bool sameVerdict(const HookProfile &HA, std::int64_t A, const HookProfile &HB, std::int64_t B) {
  if (&HA == &HB)
    return A == B;
  ReturnMeaning MA = verdictMeaning(HA, A), MB = verdictMeaning(HB, B);
  if (MA == ReturnMeaning::HookSpecific || MB == ReturnMeaning::HookSpecific)
    return false;
  return canonical(MA, HB) == canonical(MB, HA);
}

std::string mapVerdict(const HookProfile &HB, std::int64_t B, const HookProfile &HA) {
  // A code with exactly B's meaning first (TC_ACT_SHOT -> XDP_DROP, not XDP_ABORTED).
  ReturnMeaning Exact = verdictMeaning(HB, B);
  for (const ReturnCode &C : HA.returnCodes)
    if (C.meaning == Exact && Exact != ReturnMeaning::HookSpecific)
      return std::string(C.name);
  ReturnMeaning MB = canonical(Exact, HA);
  for (const ReturnCode &C : HA.returnCodes)
    if (canonical(C.meaning, HB) == MB && MB != ReturnMeaning::HookSpecific)
      return std::string(C.name);
  return verdictName(HB, B);
}

std::string explainRunError(const HookProfile &Hook, int Err,
                            const std::vector<std::uint8_t> &Frame) {
  std::string Name = Err == EINVAL                  ? "EINVAL"
                     : Err == ENOTSUP || Err == 524 ? "ENOTSUPP"
                     : Err == EPERM                 ? "EPERM"
                                                    : std::strerror(Err);
  const TestRunRule &T = Hook.testRun;
  if (Err == EINVAL && T.minFrameBytes && Frame.size() < T.minFrameBytes)
    return Name + ": frames shorter than " + std::to_string(T.minFrameBytes) +
           " bytes cannot be test-run at " + std::string(Hook.name);
  bool Ipv4 = Frame.size() >= 14 && Frame[12] == 0x08 && Frame[13] == 0x00;
  if (Err == EINVAL && T.minIpv4FrameBytes && Ipv4 && Frame.size() < T.minIpv4FrameBytes)
    return Name + ": " + std::string(Hook.name) + " test-run needs a full IPv4 header (" +
           std::to_string(T.minIpv4FrameBytes) + " bytes)";
  // Measured here: skb test-runs also refuse an IPv6-ethertype frame without a whole IPv6 header
  // (14 + 40 bytes); XDP takes it.
  bool Ipv6 = Frame.size() >= 14 && Frame[12] == 0x86 && Frame[13] == 0xdd;
  if (Err == EINVAL && T.minIpv4FrameBytes && Ipv6 && Frame.size() < 14 + 40)
    return Name + ": " + std::string(Hook.name) + " test-run needs a full IPv6 header (54 bytes)";
  return Name + " from BPF_PROG_TEST_RUN at " + std::string(Hook.name);
}

} // namespace bpfcarve::verifier
