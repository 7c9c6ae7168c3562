//===- HookProfile.h - what each hook lets a BPF program read, return, call -*- C++ -*-===//
//
// Kernel knowledge as data: one HookProfile row per hook bpfcarve can retarget to or from. A row
// says which ctx struct the program gets and which of its fields the verifier lets it read or
// write, where packet offsets start (L2 or L3), whether data/data_end give direct packet access,
// which return codes mean what and which range the verifier enforces, whether BPF_PROG_TEST_RUN
// works and with which input, and which helpers the program type may call.
//
// The rows were measured on Linux 6.18 (reference/hooks.md, helpers-measured.json,
// ctx-access-measured.tsv). They are the static baseline: the live probe (Probe.h) measures the
// running kernel, and HookComparison.h lists where the two disagree, so a caller can refuse a row
// the running kernel contradicts. Adding a hook adds a row in HookRows.cpp, never a branch.
//
// Everything returned here points into static storage and lives for the whole program.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bpfcarve::verifier {

/// Where offset 0 of the packet (data, skb->len, bpf_skb_load_bytes offsets) is.
enum class PacketBase {
  None, ///< the hook sees no packet (tracing)
  L2,   ///< the Ethernet header: xdp, tc
  L3,   ///< the IP header: socket_filter, cgroup_skb, lwt_* (hooks.md §1.4)
  Payload, ///< the socket's data, no headers: sk_skb, sk_msg
};

/// Direct packet access through the ctx's data/data_end pointers (after a bounds check).
enum class PacketAccess {
  None,      ///< data/data_end not readable (socket_filter) or no packet at all
  Read,      ///< loads through data only (cgroup_skb, lwt_in, lwt_out)
  ReadWrite, ///< loads and stores (xdp, tc, lwt_xmit)
};

/// What a return value does at this hook. Hooks without an `Error` code report errors with their
/// `Drop` code (hooks.md §2: TC_ACT_SHOT, BPF_DROP, 0).
enum class ReturnMeaning {
  Pass,         ///< let the packet continue (XDP_PASS, TC_ACT_OK, BPF_OK, 1 in cgroup_skb)
  Drop,         ///< drop the packet / discard the event
  Error,        ///< drop and report an error (XDP_ABORTED: the xdp_exception tracepoint fires)
  Tx,           ///< bounce out of the receiving interface (XDP_TX)
  Redirect,     ///< forward to what a redirect helper chose (XDP_REDIRECT, TC_ACT_REDIRECT)
  Next,         ///< no verdict: run the next program / the default action (TC_ACT_UNSPEC)
  HookSpecific, ///< a code with no counterpart elsewhere (TC_ACT_PIPE, BPF_LWT_REROUTE, ...)
  Ignored,      ///< the kernel does not look at the value (raw_tp)
};

/// Which input BPF_PROG_TEST_RUN takes for this hook (hooks.md §6).
enum class TestRunInput {
  None,   ///< no test-run (ENOTSUPP): validate by loading only
  Packet, ///< data_in holds an Ethernet frame (skb types then see it from the packet base)
  Ctx,    ///< ctx_in holds the context (raw_tp: u64 args[])
};

/// One member of the ctx struct. Arrays (cb[5], remote_ip6[4]) are one field with `count`
/// elements; element i lives at offset + i * size.
struct CtxField {
  std::string_view name;
  std::uint32_t offset = 0; ///< byte offset in the ctx struct
  std::uint32_t size = 0;   ///< access width in bytes (of one element for arrays)
  std::uint32_t count = 1;  ///< number of array elements; 1 for scalars
  bool readable = false;    ///< a load of `size` bytes at the offset passes the verifier
  bool writable = false;    ///< a store of `size` bytes at the offset passes the verifier

  /// True when [Offset, Offset + Size) lies inside this field (any element).
  bool covers(std::uint32_t Offset, std::uint32_t Size = 1) const {
    return Offset >= offset && Offset + Size <= offset + size * count;
  }
};

/// A symbolic return value of the hook. Names are the UAPI macro names where UAPI has them
/// (XDP_PASS, TC_ACT_OK, BPF_OK); hooks whose codes are bare numbers get lower-case names that
/// say what the number does (cgroup_skb "allow" = 1).
struct ReturnCode {
  std::string_view name;
  std::int64_t value = 0;
  ReturnMeaning meaning = ReturnMeaning::HookSpecific;
  std::string_view note; ///< what else to know (e.g. "TC ingress only"); may be empty
};

/// The range of R0 the verifier accepts at exit. Outside it the load fails with "At program exit
/// the register R0 has smin=.. smax=.. should have been in [min, max]".
struct ReturnRange {
  bool enforced = false; ///< false: the verifier accepts any value
  std::int64_t min = 0;  ///< inclusive; meaningful only when enforced
  std::int64_t max = 0;  ///< inclusive; meaningful only when enforced

  bool accepts(std::int64_t Value) const { return !enforced || (Value >= min && Value <= max); }
};

/// How BPF_PROG_TEST_RUN behaves for the hook (hooks.md §6).
struct TestRunRule {
  bool supported = false;
  TestRunInput input = TestRunInput::None;
  std::uint32_t minFrameBytes = 0;     ///< shorter data_in is EINVAL (0 = no packet input)
  std::uint32_t minIpv4FrameBytes = 0; ///< an IPv4-ethertype frame shorter than this is EINVAL
                                       ///< (skb types need 14 + 20); 0 = no such rule
  bool repeatMustBeZero = false; ///< raw_tp: repeat > 0 is EINVAL
  std::string_view notes; ///< defaults that differ between hooks, caveats
};

/// One hook: a libbpf section (family) with its program type and expected attach type.
struct HookProfile {
  std::string_view name; ///< the HOOK name of the CLI (`--to xdp`, `--to cgroup_skb/ingress`)
  /// libbpf section names that select this hook. A trailing '+' means "exactly this, or this
  /// followed by '/' and a target" as in libbpf's section table: "kprobe+" matches "kprobe" and
  /// "kprobe/do_unlinkat". libbpf 1.1 knows no "tc/ingress": direction is not part of "tc".
  std::vector<std::string_view> sections;
  std::string_view progTypeName; ///< libbpf's name of the program type: "sched_cls"
  std::uint32_t progType = 0; ///< enum bpf_prog_type
  std::string_view attachTypeName; ///< libbpf's name of the expected attach type, "" if none
  std::optional<std::uint32_t> expectedAttachType; ///< what libbpf sends at load; none = 0
  /// The hook loads only with a kernel function or event to attach to (lsm, fentry, fexit,
  /// tp_btf: the load names its BTF id): the section must name it ("lsm/file_open"), and this is
  /// the one the probe loads against, as libbpf_find_vmlinux_btf_id spells it. Empty otherwise.
  std::string_view probeTarget;
  /// The ctx is the attach target's arguments as u64 args[]; hooks with the same value here see
  /// the same arguments for the same target ("tracepoint event": raw_tp and tp_btf), so a
  /// program moves between them by its section alone. Empty: the ctx is something else.
  std::string_view argsOf;
  /// Pointer arguments are BTF-typed kernel pointers the program may dereference directly
  /// (tp_btf, fentry, lsm); otherwise they are numbers (raw_tp).
  bool typedArgs = false;
  /// The ctx struct the program's argument points to ("__sk_buff", "xdp_md", "pt_regs");
  /// empty when the layout depends on the attach target (tracepoint records), in which case
  /// ctxFields is empty too and ctxNote says what may be read.
  std::string_view ctxStruct;
  std::vector<CtxField> ctxFields; ///< every member of ctxStruct, accessible or not, by offset
  std::string_view ctxNote;
  PacketBase packetBase = PacketBase::None;
  PacketAccess packetAccess = PacketAccess::None;
  std::vector<ReturnCode> returnCodes; ///< by value; names unique within the hook
  ReturnRange returnRange;
  /// The return value is how many bytes of the packet to keep (socket filters): 0 is the Drop
  /// code, every other value (skb->len, -1) passes, a value below the packet's length
  /// truncating it.
  bool lengthVerdict = false;
  TestRunRule testRun;
  std::vector<std::uint32_t> helpers; ///< usable helper ids (enum bpf_func_id), sorted
  /// Kernel pointers reach the program as plain numbers (kprobe registers, tracepoint record
  /// fields, raw_tp args): the verifier tracks them as unknown scalars, the program reads
  /// through them with bpf_probe_read_kernel, and any value passes where one of them does.
  bool scalarKernelPointers = false;
  std::string_view notes;

  /// The field called `Name` (arrays by their name: "cb"), or null.
  const CtxField *field(std::string_view Name) const;
  /// The field whose bytes include [Offset, Offset + Size), or null (padding, past the end).
  const CtxField *fieldAt(std::uint32_t Offset, std::uint32_t Size = 1) const;
  /// The return code called `Name` ("XDP_PASS"), or null.
  const ReturnCode *returnCode(std::string_view Name) const;
  /// The first code with this meaning, or null. For Error, falls back to the Drop code when the
  /// hook has no dedicated error code.
  const ReturnCode *returnCodeFor(ReturnMeaning Meaning) const;
  /// Whether the program type may call helper `Id` (per the static table).
  bool helperAllowed(std::uint32_t Id) const;
  /// Same by name, with or without the "bpf_" prefix ("skb_load_bytes", "bpf_skb_load_bytes").
  bool helperAllowed(std::string_view Name) const;
  /// Whether `Section` (a SEC() string) selects this hook.
  bool matchesSection(std::string_view Section) const;
  /// The SEC() string bpfcarve writes for a program of this hook: its first section, without the
  /// '+' by which libbpf marks a section that takes a suffix.
  std::string sectionToWrite() const;
};

/// All hook profiles, in a fixed order (networking hooks first, then tracing).
const std::vector<HookProfile> &hookProfiles();

/// The names of all hook profiles: what an unknown hook name is checked against for "did you
/// mean".
std::vector<std::string> hookNames();

/// The hook for a CLI HOOK name ("tc"), a section ("classifier", "raw_tp/sys_enter") or a
/// program type name that only one hook uses ("sched_cls", "raw_tracepoint"). Null if none or
/// ambiguous ("cgroup_skb" is both ingress and egress).
const HookProfile *findHook(std::string_view SectionOrName);

/// Every hook of a program type (enum bpf_prog_type); cgroup_skb has two.
std::vector<const HookProfile *> hooksForProgType(std::uint32_t ProgType);
/// Same by libbpf's program type name ("cgroup_skb").
std::vector<const HookProfile *> hooksForProgType(std::string_view ProgTypeName);

/// Whether hook `Hook` (as findHook takes it) may call helper `Id`; false for unknown hooks.
bool helperAllowed(std::string_view Hook, std::uint32_t Id);

/// "bpf_skb_load_bytes" for 26; empty for ids this table does not know.
std::string_view helperName(std::uint32_t Id);
/// The id of a helper, with or without the "bpf_" prefix.
std::optional<std::uint32_t> helperId(std::string_view Name);
/// The highest helper id of the static table (211 on Linux 6.18: the helper enum is frozen,
/// new kernel features arrive as kfuncs).
std::uint32_t maxKnownHelperId();

/// The tables' self-check: one message per broken invariant (duplicate names or sections, fields
/// out of order or overlapping, a field list without a ctx struct, duplicate return-code names, a
/// code outside the enforced range, unknown or unsorted helper ids, packet access that the
/// data/data_end fields contradict, ...). Empty when the tables are consistent.
std::vector<std::string> checkHookProfiles();

std::string_view toString(PacketBase Base); ///< "none", "L2", "L3"
std::string_view toString(PacketAccess Access); ///< "none", "read", "read_write"
std::string_view toString(ReturnMeaning Meaning); ///< "pass", "drop", "error", ... "ignored"
std::string_view toString(TestRunInput Input); ///< "none", "packet", "ctx"

} // namespace bpfcarve::verifier
