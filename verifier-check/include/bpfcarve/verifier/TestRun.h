//===- TestRun.h - run frames through loaded programs (BPF_PROG_TEST_RUN) -*- C++ -*-===//
#pragma once

#include "bpfcarve/verifier/HookProfile.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bpfcarve::verifier {

struct RunOutcome {
  bool ran = false;   ///< the kernel ran the program (the test-run call succeeded)
  int err = 0;        ///< positive errno when it did not
  std::int64_t retval = 0;
  std::vector<std::uint8_t> dataOut;
};

/// Runs one Ethernet frame through a loaded program of hook `Hook`. The context is aligned across
/// hooks (hooks.md §6): the frame arrives on ifindex 1 (lo) at XDP and at every skb hook
/// (`ingress_ifindex` = `ifindex` = 1), so a program reading its ingress interface sees the same
/// value wherever it runs.
/// What an skb program leaves in its ctx for the next program on the same packet, as far as
/// BPF_PROG_TEST_RUN takes it in and gives it back: mark, priority and cb[].
struct SkbCarry {
  std::uint32_t mark = 0, priority = 0;
  std::uint32_t cb[5] = {};
};
/// With Carry at an skb hook, the frame starts with Carry's fields and Carry receives what the
/// program left there (compose's chain of parts: one part's skb->mark is the next one's).
RunOutcome testRunFrame(int ProgFd, const HookProfile &Hook, const std::vector<std::uint8_t> &Frame,
                        SkbCarry *Carry = nullptr);

/// The return code's name at this hook ("XDP_PASS"), or the number.
std::string verdictName(const HookProfile &Hook, std::int64_t Retval);

/// What a return value means at this hook; HookSpecific for unknown values, but Pass for any
/// non-zero length where the value is one (HookProfile::lengthVerdict: a socket filter's 60).
ReturnMeaning verdictMeaning(const HookProfile &Hook, std::int64_t Retval);

/// Whether verdict A at hook HA and verdict B at hook HB do the same to the packet (hooks.md §2):
/// equal meanings; an error verdict equals the drop of a hook that has no error code
/// (XDP_ABORTED ~ TC_ACT_SHOT); XDP_TX equals a redirect (bpf_redirect(ifindex) at TC ingress).
bool sameVerdict(const HookProfile &HA, std::int64_t A, const HookProfile &HB, std::int64_t B);

/// B's verdict in A's terms: the name of A's code that does what B's did ("XDP_DROP" for
/// TC_ACT_SHOT), or B's own name when A has no such code.
std::string mapVerdict(const HookProfile &HB, std::int64_t B, const HookProfile &HA);

/// "EINVAL" etc. plus why test-run refuses such a frame at this hook, when the profile says.
std::string explainRunError(const HookProfile &Hook, int Err,
                            const std::vector<std::uint8_t> &Frame);

} // namespace bpfcarve::verifier
