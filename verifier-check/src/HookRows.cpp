//===- HookRows.cpp - the hook tables -------------------------------------===//
//
// The data behind HookProfile.h; HookProfile.cpp lists where each part was measured.
//
//===----------------------------------------------------------------------===//
#include "HookRows.h"

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

namespace bpfcarve::verifier::rows {

namespace {

// clang-format off
// socket_filter: 86 helpers (helpers-measured.json "socket_filter").
constexpr std::uint32_t kSocketFilterHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 26, 35, 37, 42, 46, 47, 55, 68, 80, 87, 88, 89,
    93, 94, 105, 106, 109, 112, 113, 114, 115, 117, 118, 120, 122, 123, 125, 130, 131, 132, 133,
    134, 136, 137, 138, 139, 140, 141, 149, 153, 154, 156, 157, 158, 160, 164, 165, 169, 170, 171,
    172, 175, 176, 177, 178, 180, 181, 182, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 208,
    209, 210, 211,
};
// kprobe: 79 helpers (helpers-measured.json "kprobe").
constexpr std::uint32_t kKprobeHelpers[] = {
    1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 27, 35, 37, 42, 45, 55, 67, 80, 87, 88, 89,
    93, 94, 105, 106, 109, 112, 113, 114, 115, 117, 118, 120, 123, 125, 130, 131, 132, 133, 134,
    141, 149, 153, 154, 156, 157, 158, 164, 165, 169, 170, 171, 172, 173, 174, 175, 176, 177, 180,
    181, 182, 194, 195, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// sched_cls: 137 helpers (helpers-measured.json "sched_cls").
constexpr std::uint32_t kSchedClsHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28,
    29, 30, 31, 32, 33, 34, 35, 37, 38, 39, 40, 41, 42, 43, 46, 47, 48, 50, 55, 66, 68, 69, 79, 80,
    83, 84, 85, 86, 87, 88, 89, 93, 94, 95, 96, 97, 98, 99, 100, 105, 106, 107, 108, 109, 110, 112,
    113, 114, 115, 117, 118, 120, 122, 123, 124, 125, 130, 131, 132, 133, 134, 135, 136, 137, 138,
    139, 140, 141, 149, 151, 152, 153, 154, 155, 156, 157, 158, 160, 163, 164, 165, 169, 170, 171,
    172, 175, 176, 177, 178, 180, 181, 182, 192, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203,
    204, 205, 206, 207, 208, 209, 210, 211,
};
// tracepoint: 78 helpers (helpers-measured.json "tracepoint").
constexpr std::uint32_t kTracepointHelpers[] = {
    1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 27, 35, 37, 42, 45, 55, 67, 80, 87, 88, 89,
    93, 94, 105, 106, 109, 112, 113, 114, 115, 117, 118, 120, 123, 125, 130, 131, 132, 133, 134,
    141, 149, 153, 154, 156, 157, 158, 164, 165, 169, 170, 171, 172, 174, 175, 176, 177, 180, 181,
    182, 194, 195, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// xdp: 102 helpers (helpers-measured.json "xdp").
constexpr std::uint32_t kXdpHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 23, 25, 28, 35, 37, 42, 44, 51, 54, 55, 65, 69, 80,
    84, 85, 86, 87, 88, 89, 93, 94, 99, 100, 105, 106, 109, 110, 112, 113, 114, 115, 117, 118, 120,
    123, 125, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 149, 153, 154, 156, 157, 158,
    160, 163, 164, 165, 169, 170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 188, 189, 190, 194,
    195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211,
};
// cgroup_skb: 101 helpers (helpers-measured.json "cgroup_skb/ingress").
constexpr std::uint32_t kCgroupSkbHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 26, 35, 37, 42, 46, 47, 55, 68, 79, 80, 81, 83,
    84, 85, 86, 87, 88, 89, 93, 94, 95, 96, 97, 98, 99, 105, 106, 107, 108, 109, 112, 113, 114, 115,
    117, 118, 120, 122, 123, 125, 128, 129, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141,
    149, 153, 154, 156, 157, 158, 160, 164, 165, 169, 170, 171, 172, 175, 176, 177, 178, 180, 181,
    182, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// lwt_in: 88 helpers (helpers-measured.json "lwt_in").
constexpr std::uint32_t kLwtInHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 24, 25, 26, 28, 33, 34, 35, 37, 39, 42, 55, 73, 80,
    87, 88, 89, 93, 94, 105, 106, 109, 112, 113, 114, 115, 117, 118, 120, 123, 125, 130, 131, 132,
    133, 134, 136, 137, 138, 139, 140, 141, 149, 153, 154, 156, 157, 158, 160, 164, 165, 169, 170,
    171, 172, 175, 176, 177, 178, 180, 181, 182, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203,
    208, 209, 210, 211,
};
// lwt_out: 87 helpers (helpers-measured.json "lwt_out").
constexpr std::uint32_t kLwtOutHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 24, 25, 26, 28, 33, 34, 35, 37, 39, 42, 55, 80, 87,
    88, 89, 93, 94, 105, 106, 109, 112, 113, 114, 115, 117, 118, 120, 123, 125, 130, 131, 132, 133,
    134, 136, 137, 138, 139, 140, 141, 149, 153, 154, 156, 157, 158, 160, 164, 165, 169, 170, 171,
    172, 175, 176, 177, 178, 180, 181, 182, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 208,
    209, 210, 211,
};
// lwt_xmit: 102 helpers (helpers-measured.json "lwt_xmit").
constexpr std::uint32_t kLwtXmitHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 22, 23, 24, 25, 26, 28, 29, 30,
    33, 34, 35, 37, 38, 39, 40, 41, 42, 43, 55, 73, 80, 87, 88, 89, 93, 94, 105, 106, 109, 112, 113,
    114, 115, 117, 118, 120, 123, 125, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141,
    149, 153, 154, 156, 157, 158, 160, 164, 165, 169, 170, 171, 172, 175, 176, 177, 178, 180, 181,
    182, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// sock_ops: 95 helpers (helpers-measured.json "sock_ops").
constexpr std::uint32_t kSockOpsHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 35, 37, 42, 46, 49, 53, 55, 57, 59, 70, 80,
    81, 87, 88, 89, 93, 94, 96, 105, 106, 107, 108, 109, 112, 113, 114, 115, 117, 118, 120, 122,
    123, 125, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 142, 143, 144, 149, 153, 154,
    156, 157, 158, 160, 164, 165, 169, 170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 194, 195,
    196, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// raw_tracepoint: 78 helpers (helpers-measured.json "raw_tracepoint").
constexpr std::uint32_t kRawTracepointHelpers[] = {
    1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 27, 35, 37, 42, 45, 55, 67, 80, 87, 88, 89,
    93, 94, 105, 106, 109, 112, 113, 114, 115, 117, 118, 120, 123, 125, 130, 131, 132, 133, 134,
    141, 149, 153, 154, 156, 157, 158, 164, 165, 169, 170, 171, 172, 174, 175, 176, 177, 180, 181,
    182, 194, 195, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// cgroup_sock_addr: 94 helpers (helpers-measured.json "cgroup_sock_addr", measured with the
// connect attach type, less bpf_bind#64, which only connect4/6 get: kSockAddrConnectHelpers).
constexpr std::uint32_t kSockAddrHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 35, 37, 42, 46, 49, 55, 57, 80, 81, 84, 85,
    86, 87, 88, 89, 93, 94, 99, 105, 106, 107, 108, 109, 112, 113, 114, 115, 117, 118, 120, 122,
    123, 125, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 149, 153, 154, 156, 157, 158,
    160, 164, 165, 169, 170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 186, 187, 194, 195, 196,
    197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// cgroup/recvmsg4 and recvmsg6: kSockAddrHelpers less bpf_get_retval#186 and bpf_set_retval#187
// (92, measured by `bpfcarve probe`): the retval helpers are for hooks that fail a syscall.
constexpr std::uint32_t kSockAddrRecvmsgHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 35, 37, 42, 46, 49, 55, 57, 80, 81, 84, 85,
    86, 87, 88, 89, 93, 94, 99, 105, 106, 107, 108, 109, 112, 113, 114, 115, 117, 118, 120, 122,
    123, 125, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 149, 153, 154, 156, 157, 158,
    160, 164, 165, 169, 170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 194, 195, 196,
    197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// cgroup/connect4 and connect6: the same and bpf_bind#64 (95, helpers-measured.json).
constexpr std::uint32_t kSockAddrConnectHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 35, 37, 42, 46, 49, 55, 57, 64, 80, 81, 84,
    85, 86, 87, 88, 89, 93, 94, 99, 105, 106, 107, 108, 109, 112, 113, 114, 115, 117, 118, 120,
    122, 123, 125, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 149, 153, 154, 156, 157,
    158, 160, 164, 165, 169, 170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 186, 187, 194, 195,
    196, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// cgroup_sock: 80 helpers (helpers-measured.json "cgroup_sock").
constexpr std::uint32_t kCgroupSockHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 35, 37, 42, 46, 55, 80, 81, 87, 88, 89, 93,
    94, 105, 106, 107, 109, 112, 113, 114, 115, 117, 118, 120, 122, 123, 125, 130, 131, 132, 133,
    134, 141, 149, 153, 154, 156, 157, 158, 160, 164, 165, 169, 170, 171, 172, 175, 176, 177, 180,
    181, 182, 186, 187, 194, 195, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// sk_msg: 91 helpers (helpers-measured.json "sk_msg").
constexpr std::uint32_t kSkMsgHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 35, 37, 42, 55, 60, 61, 62, 63, 71, 80, 87,
    88, 89, 90, 91, 93, 94, 105, 106, 107, 108, 109, 112, 113, 114, 115, 117, 118, 120, 122, 123,
    125, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 149, 153, 154, 156, 157, 158, 160,
    164, 165, 169, 170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 194, 195, 196, 197, 198, 199,
    200, 201, 202, 203, 208, 209, 210, 211,
};
// sk_skb: 95 helpers, the same for the parser and the verdict (helpers-measured.json
// "sk_skb/parser", "sk_skb/verdict").
constexpr std::uint32_t kSkSkbHelpers[] = {
    1, 2, 3, 5, 6, 7, 8, 9, 12, 14, 15, 16, 17, 22, 25, 26, 35, 37, 38, 39, 42, 43, 46, 47, 50, 52,
    55, 72, 80, 84, 85, 86, 87, 88, 89, 93, 94, 99, 105, 106, 109, 112, 113, 114, 115, 117, 118,
    120, 123, 125, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 149, 153, 154, 156, 157,
    158, 160, 164, 165, 169, 170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 194, 195, 196, 197,
    198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// lsm, fentry and fexit: this machine's kernel (6.18) refuses them with EPERM even to root, so
// they were measured by `bpfcarve probe --kernel 6.12` (Debian's 6.12 under QEMU) against the
// rows' probe targets.
// lsm: 99 helpers (6.12, lsm/file_open).
constexpr std::uint32_t kLsmHelpers[] = {
    1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 22, 25, 27, 35, 36, 37, 42, 45, 46, 55, 67, 80, 87, 88,
    89, 93, 94, 105, 106, 107, 108, 109, 111, 112, 113, 114, 115, 117, 118, 120, 121, 123, 125, 130,
    131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 145, 146, 147, 149, 153, 154, 156, 157, 158,
    159, 162, 164, 165, 169, 170, 171, 172, 174, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185,
    188, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// fentry and fexit: 96 helpers (6.12, bpf_fentry_test1).
constexpr std::uint32_t kFentryHelpers[] = {
    1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 22, 25, 27, 35, 36, 37, 42, 45, 46, 55, 67, 80, 87, 88,
    89, 93, 94, 105, 106, 107, 108, 109, 111, 112, 113, 114, 115, 117, 118, 120, 121, 123, 125, 130,
    131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 149, 153, 154, 156, 157, 158, 162, 164, 165,
    169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 188, 194, 195,
    196, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
// tp_btf: 92 helpers (6.18, tp_btf/sys_enter).
constexpr std::uint32_t kTpBtfHelpers[] = {
    1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 27, 35, 37, 42, 45, 46, 55, 67, 80, 87, 88,
    89, 93, 94, 105, 106, 107, 108, 109, 111, 112, 113, 114, 115, 117, 118, 120, 121, 123, 125, 130,
    131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 149, 153, 154, 156, 157, 158, 162, 164, 165,
    169, 170, 171, 172, 174, 175, 176, 177, 178, 180, 181, 182, 188, 194, 195, 196, 197, 198, 199,
    200, 201, 202, 203, 208, 209, 210, 211,
};
// clang-format on

//===--- Ctx layouts -------------------------------------------------------===//

// clang-format off
// struct __sk_buff (192 bytes), identical in the 6.1 UAPI header and 6.18's BTF (hooks.md §1.1).
constexpr FieldLayout kSkBuff[] = {
    {"len", 0, 4},           {"pkt_type", 4, 4},        {"mark", 8, 4},
    {"queue_mapping", 12, 4}, {"protocol", 16, 4},       {"vlan_present", 20, 4},
    {"vlan_tci", 24, 4},     {"vlan_proto", 28, 4},     {"priority", 32, 4},
    {"ingress_ifindex", 36, 4}, {"ifindex", 40, 4},     {"tc_index", 44, 4},
    {"cb", 48, 4, 5},        {"hash", 68, 4},           {"tc_classid", 72, 4},
    {"data", 76, 4},         {"data_end", 80, 4},       {"napi_id", 84, 4},
    {"family", 88, 4},       {"remote_ip4", 92, 4},     {"local_ip4", 96, 4},
    {"remote_ip6", 100, 4, 4}, {"local_ip6", 116, 4, 4}, {"remote_port", 132, 4},
    {"local_port", 136, 4},  {"data_meta", 140, 4},     {"flow_keys", 144, 8},
    {"tstamp", 152, 8},      {"wire_len", 160, 4},      {"gso_segs", 164, 4},
    {"sk", 168, 8},          {"gso_size", 176, 4},      {"tstamp_type", 180, 1},
    {"hwtstamp", 184, 8},
};

// struct xdp_md (24 bytes).
constexpr FieldLayout kXdpMd[] = {
    {"data", 0, 4},           {"data_end", 4, 4},       {"data_meta", 8, 4},
    {"ingress_ifindex", 12, 4}, {"rx_queue_index", 16, 4}, {"egress_ifindex", 20, 4},
};

// struct pt_regs of x86_64 (168 bytes), what a kprobe program's ctx points to. PT_REGS_PARM1..5
// are di, si, dx, cx, r8; the return value (kretprobe) is ax. Other architectures differ.
constexpr FieldLayout kPtRegsX86[] = {
    {"r15", 0, 8},  {"r14", 8, 8},  {"r13", 16, 8},  {"r12", 24, 8},     {"bp", 32, 8},
    {"bx", 40, 8},  {"r11", 48, 8}, {"r10", 56, 8},  {"r9", 64, 8},      {"r8", 72, 8},
    {"ax", 80, 8},  {"cx", 88, 8},  {"dx", 96, 8},   {"si", 104, 8},     {"di", 112, 8},
    {"orig_ax", 120, 8}, {"ip", 128, 8}, {"cs", 136, 8}, {"flags", 144, 8}, {"sp", 152, 8},
    {"ss", 160, 8},
};

// struct bpf_sock_ops (224 bytes) of 6.18's BTF; Debian's 6.1 UAPI header ends before
// skb_hwtstamp (216 bytes). args[4], reply and replylong[4] are one union at +4: it is one field
// here, "args", since fields may not overlap (the ctxNote of the row says what reply may do).
// sk, skb_data and skb_data_end are 8-byte pointers (__bpf_md_ptr).
constexpr FieldLayout kSockOps[] = {
    {"op", 0, 4},               {"args", 4, 4, 4},          {"family", 20, 4},
    {"remote_ip4", 24, 4},      {"local_ip4", 28, 4},       {"remote_ip6", 32, 4, 4},
    {"local_ip6", 48, 4, 4},    {"remote_port", 64, 4},     {"local_port", 68, 4},
    {"is_fullsock", 72, 4},     {"snd_cwnd", 76, 4},        {"srtt_us", 80, 4},
    {"bpf_sock_ops_cb_flags", 84, 4}, {"state", 88, 4},     {"rtt_min", 92, 4},
    {"snd_ssthresh", 96, 4},    {"rcv_nxt", 100, 4},        {"snd_nxt", 104, 4},
    {"snd_una", 108, 4},        {"mss_cache", 112, 4},      {"ecn_flags", 116, 4},
    {"rate_delivered", 120, 4}, {"rate_interval_us", 124, 4}, {"packets_out", 128, 4},
    {"retrans_out", 132, 4},    {"total_retrans", 136, 4},  {"segs_in", 140, 4},
    {"data_segs_in", 144, 4},   {"segs_out", 148, 4},       {"data_segs_out", 152, 4},
    {"lost_out", 156, 4},       {"sacked_out", 160, 4},     {"sk_txhash", 164, 4},
    {"bytes_received", 168, 8}, {"bytes_acked", 176, 8},    {"sk", 184, 8},
    {"skb_data", 192, 8},       {"skb_data_end", 200, 8},   {"skb_len", 208, 4},
    {"skb_tcp_flags", 212, 4},  {"skb_hwtstamp", 216, 8},
};

// struct bpf_raw_tracepoint_args: u64 args[], the TP_PROTO arguments; the verifier allows reads
// of the first MAX_BPF_FUNC_ARGS (12).
constexpr FieldLayout kRawTracepointArgs[] = {{"args", 0, 8, 12}};

// struct bpf_sock_addr (72 bytes), the ctx of cgroup_sock_addr programs; sk is an 8-byte pointer
// (__bpf_md_ptr).
constexpr FieldLayout kSockAddr[] = {
    {"user_family", 0, 4},    {"user_ip4", 4, 4},       {"user_ip6", 8, 4, 4},
    {"user_port", 24, 4},     {"family", 28, 4},        {"type", 32, 4},
    {"protocol", 36, 4},      {"msg_src_ip4", 40, 4},   {"msg_src_ip6", 44, 4, 4},
    {"sk", 64, 8},
};

// struct bpf_sock (80 bytes), the ctx of cgroup_sock programs. dst_port is a __be16 followed by
// two bytes of padding (the kernel also accepts a 4-byte load of it).
constexpr FieldLayout kSock[] = {
    {"bound_dev_if", 0, 4},   {"family", 4, 4},         {"type", 8, 4},
    {"protocol", 12, 4},      {"mark", 16, 4},          {"priority", 20, 4},
    {"src_ip4", 24, 4},       {"src_ip6", 28, 4, 4},    {"src_port", 44, 4},
    {"dst_port", 48, 2},      {"dst_ip4", 52, 4},       {"dst_ip6", 56, 4, 4},
    {"state", 72, 4},         {"rx_queue_mapping", 76, 4},
};

// struct sk_msg_md (80 bytes), the ctx of sk_msg programs; data, data_end and sk are 8-byte
// pointers (__bpf_md_ptr).
constexpr FieldLayout kSkMsgMd[] = {
    {"data", 0, 8},           {"data_end", 8, 8},       {"family", 16, 4},
    {"remote_ip4", 20, 4},    {"local_ip4", 24, 4},     {"remote_ip6", 28, 4, 4},
    {"local_ip6", 44, 4, 4},  {"remote_port", 60, 4},   {"local_port", 64, 4},
    {"size", 68, 4},          {"sk", 72, 8},
};
// clang-format on

// Readable in every __sk_buff hook of the table (the first row of hooks.md §1.3).
constexpr std::string_view kSkbCommonRead = "len pkt_type protocol vlan_present vlan_tci "
                                            "vlan_proto ingress_ifindex ifindex hash napi_id "
                                            "gso_segs gso_size sk";
// What cgroup_skb (both directions) and lwt_* read on top of that.
constexpr std::string_view kCgroupSkbRead =
    "queue_mapping tc_index data data_end family remote_ip4 local_ip4 remote_ip6 local_ip6 "
    "remote_port local_port hwtstamp";
constexpr std::string_view kLwtRead = "queue_mapping tc_index data data_end";
// sk_skb reads on top of kSkbCommonRead: the socket's addresses and the stream data.
constexpr std::string_view kSkSkbRead = "queue_mapping data data_end family remote_ip4 local_ip4 "
                                        "remote_ip6 local_ip6 remote_port local_port";
constexpr std::string_view kSkSkbNote = "data/data_end cover the stream data of the skb (no "
                                        "link or network header); mark is not accessible and cb "
                                        "is read-only";
// Every cgroup_sock_addr attach type reads these; the address family's user_ip4 or user_ip6 and
// user_port are writable, and sendmsg's msg_src_ip4/6 (the row's readWrite list).
constexpr std::string_view kSockAddrRead = "user_family family type protocol sk";
constexpr std::string_view kSockAddrNote =
    "user_ip4/user_ip6 and user_port are the address the syscall names, in network byte order; "
    "only the attach type's family is accessible";
constexpr std::string_view kSockAddrNotes = "attached to a cgroup; runs in the syscall of the "
                                            "cgroup's sockets, not for packets";
// Every cgroup_sock attach type reads these.
constexpr std::string_view kSockRead = "family type protocol dst_port dst_ip4 dst_ip6 state "
                                       "rx_queue_mapping";

//===--- Return codes ------------------------------------------------------===//

constexpr ReturnCode kXdpReturns[] = {
    {"XDP_ABORTED", XDP_ABORTED, ReturnMeaning::Error,
     "drop and fire the xdp_exception tracepoint"},
    {"XDP_DROP", XDP_DROP, ReturnMeaning::Drop, ""},
    {"XDP_PASS", XDP_PASS, ReturnMeaning::Pass, ""},
    {"XDP_TX", XDP_TX, ReturnMeaning::Tx, "out of the receiving interface"},
    {"XDP_REDIRECT", XDP_REDIRECT, ReturnMeaning::Redirect,
     "to the target bpf_redirect/bpf_redirect_map chose; `return bpf_redirect(...)` yields it"},
};

// cls_bpf in direct-action mode (libbpf's SEC("tc")); tcx uses the same values.
constexpr ReturnCode kTcReturns[] = {
    {"TC_ACT_UNSPEC", TC_ACT_UNSPEC, ReturnMeaning::Next,
     "the default action; with tcx, run the next program (TCX_NEXT)"},
    {"TC_ACT_OK", TC_ACT_OK, ReturnMeaning::Pass, ""},
    {"TC_ACT_RECLASSIFY", TC_ACT_RECLASSIFY, ReturnMeaning::HookSpecific, "restart classification"},
    {"TC_ACT_SHOT", TC_ACT_SHOT, ReturnMeaning::Drop, "also the error verdict (no tracepoint)"},
    {"TC_ACT_PIPE", TC_ACT_PIPE, ReturnMeaning::HookSpecific, "continue with the next action"},
    {"TC_ACT_STOLEN", TC_ACT_STOLEN, ReturnMeaning::HookSpecific,
     "consumed: freed without counting a drop"},
    {"TC_ACT_QUEUED", TC_ACT_QUEUED, ReturnMeaning::HookSpecific, ""},
    {"TC_ACT_REPEAT", TC_ACT_REPEAT, ReturnMeaning::HookSpecific, ""},
    {"TC_ACT_REDIRECT", TC_ACT_REDIRECT, ReturnMeaning::Redirect,
     "to the target bpf_redirect chose; bpf_redirect(skb->ifindex, 0) at ingress is XDP_TX"},
    {"TC_ACT_TRAP", TC_ACT_TRAP, ReturnMeaning::HookSpecific, "hardware path: trap to the CPU"},
};

// The kernel keeps min(return value, skb->len) bytes; UAPI names no codes.
constexpr ReturnCode kSocketFilterReturns[] = {
    {"drop", 0, ReturnMeaning::Drop, ""},
    {"keep_all", 0xffffffff, ReturnMeaning::Pass,
     "any value >= skb->len keeps the whole packet; 0 < n < skb->len truncates it to n bytes"},
};

constexpr ReturnCode kCgroupSkbIngressReturns[] = {
    {"drop", 0, ReturnMeaning::Drop, ""},
    {"allow", 1, ReturnMeaning::Pass, ""},
};

// Bit 1 asks for congestion notification (NET_XMIT_CN) on egress.
constexpr ReturnCode kCgroupSkbEgressReturns[] = {
    {"drop", 0, ReturnMeaning::Drop, ""},
    {"allow", 1, ReturnMeaning::Pass, ""},
    {"drop_cn", 2, ReturnMeaning::HookSpecific, "drop and signal congestion"},
    {"allow_cn", 3, ReturnMeaning::HookSpecific, "pass and signal congestion"},
};

// Any other value drops the packet ("bpf-lwt: Illegal return value"); BPF_REDIRECT outside
// lwt_xmit is treated as BPF_OK.
constexpr ReturnCode kLwtOutReturns[] = {
    {"BPF_OK", BPF_OK, ReturnMeaning::Pass, ""},
    {"BPF_DROP", BPF_DROP, ReturnMeaning::Drop, ""},
};
constexpr ReturnCode kLwtInReturns[] = {
    {"BPF_OK", BPF_OK, ReturnMeaning::Pass, ""},
    {"BPF_DROP", BPF_DROP, ReturnMeaning::Drop, ""},
    {"BPF_LWT_REROUTE", BPF_LWT_REROUTE, ReturnMeaning::HookSpecific,
     "route again on the new L3 header (after bpf_lwt_push_encap)"},
};
constexpr ReturnCode kLwtXmitReturns[] = {
    {"BPF_OK", BPF_OK, ReturnMeaning::Pass, ""},
    {"BPF_DROP", BPF_DROP, ReturnMeaning::Drop, ""},
    {"BPF_REDIRECT", BPF_REDIRECT, ReturnMeaning::Redirect, "to the target bpf_redirect chose"},
    {"BPF_LWT_REROUTE", BPF_LWT_REROUTE, ReturnMeaning::HookSpecific,
     "route again on the new L3 header (after bpf_lwt_push_encap)"},
};

// sock_ops: the cgroup run reports -EPERM unless every program returns 1; tcp_call_bpf then
// hands the op -1 instead of skops->reply. Most ops (the header-option callbacks, the state
// callbacks) ignore both.
constexpr ReturnCode kSockOpsReturns[] = {
    {"failure", 0, ReturnMeaning::Error,
     "ops that take a reply (timeout init, rwnd init, needs ECN, ...) get -1 and keep their "
     "default"},
    {"success", 1, ReturnMeaning::Pass, "ops that take a reply get skops->reply"},
};

// cgroup_sock_addr: the syscall (connect, bind, sendmsg) fails with EPERM unless every program
// returns 1. bind4/6 may also return 3: allow, and bind a port below 1024 without
// CAP_NET_BIND_SERVICE. recvmsg4/6 may only return 1 (they rewrite the source address).
constexpr ReturnCode kSockAddrReturns[] = {
    {"reject", 0, ReturnMeaning::Drop, "the syscall fails with EPERM"},
    {"allow", 1, ReturnMeaning::Pass, ""},
};
constexpr ReturnCode kSockAddrBindReturns[] = {
    {"reject", 0, ReturnMeaning::Drop, "bind fails with EPERM"},
    {"allow", 1, ReturnMeaning::Pass, ""},
    {"allow_without_bind_service_check", 3, ReturnMeaning::HookSpecific,
     "allow, and skip the CAP_NET_BIND_SERVICE check for a port below 1024"},
};
constexpr ReturnCode kSockAddrRecvmsgReturns[] = {
    {"allow", 1, ReturnMeaning::Pass, "the only value the verifier accepts"},
};

// cgroup_sock: socket creation (or the bind) fails with EPERM unless every program returns 1.
constexpr ReturnCode kCgroupSockReturns[] = {
    {"reject", 0, ReturnMeaning::Drop, "the socket call fails with EPERM"},
    {"allow", 1, ReturnMeaning::Pass, ""},
};

// sk_msg and the sk_skb verdict (enum sk_action).
constexpr ReturnCode kSkActionReturns[] = {
    {"SK_DROP", 0, ReturnMeaning::Drop, ""},
    {"SK_PASS", 1, ReturnMeaning::Pass,
     "deliver (or send) the data, or redirect it where bpf_sk_redirect_map/bpf_msg_redirect_map "
     "chose"},
};

// kprobe and tracepoint programs filter the perf event they run for.
constexpr ReturnCode kPerfFilterReturns[] = {
    {"discard", 0, ReturnMeaning::Drop, "no perf sample is recorded for the event"},
    {"keep", 1, ReturnMeaning::Pass, "any nonzero value keeps the sample"},
};

// lsm: 0 lets the operation go on (to the next program and LSM), a negative errno fails it
// with that error. 6.18 enforces [-MAX_ERRNO, 0] for a hook that returns int
// (bpf_lsm_get_retval_range); 6.1 accepts any value.
constexpr ReturnCode kLsmReturns[] = {
    {"allow", 0, ReturnMeaning::Pass, ""},
    {"deny", -1, ReturnMeaning::Drop,
     "any negative errno fails the operation with it; -1 is -EPERM"},
};

constexpr ReturnCode kIgnoredReturn[] = {
    {"ignored", 0, ReturnMeaning::Ignored, "the kernel does not look at the value"},
};

//===--- Test-run rules ----------------------------------------------------===//

constexpr TestRunRule kXdpTestRun{
    .supported = true,
    .input = TestRunInput::Packet,
    .minFrameBytes = 15,
    .notes = "defaults: ingress_ifindex 1 (lo), rx_queue_index 0; an xdp_md ctx_in must leave "
             "egress_ifindex 0; devmap/cpumap attach types are EINVAL"};
constexpr TestRunRule kTcTestRun{
    .supported = true,
    .input = TestRunInput::Packet,
    .minFrameBytes = 15,
    .minIpv4FrameBytes = 34,
    .notes = "data_in from L2; optional __sk_buff ctx_in (mark, priority, ifindex, "
             "ingress_ifindex, cb, tstamp, ...); defaults: ifindex 1, ingress_ifindex 0 (pass "
             "ctx_in to match XDP); linear skb, no VLAN untagging, no GSO"};
constexpr TestRunRule kL3SkbTestRun{
    .supported = true,
    .input = TestRunInput::Packet,
    .minFrameBytes = 15,
    .minIpv4FrameBytes = 34,
    .notes = "data_in is an Ethernet frame but the program sees it from L3; linear skb, no VLAN "
             "untagging, no GSO"};
constexpr TestRunRule kRawTpTestRun{.supported = true,
                                    .input = TestRunInput::Ctx,
                                    .repeatMustBeZero = true,
                                    .notes = "ctx_in = u64 args[]; repeat must be 0"};
constexpr TestRunRule kNoTestRun{.notes = "ENOTSUPP (524): validate by loading only"};

//===--- Rows --------------------------------------------------------------===//

// A row names only what differs from the defaults (no attach type, no packet, any return value,
// no test-run, no notes), so omitted designators are the point, not an oversight.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wmissing-field-initializers"
#endif
/// One attach type of cgroup_sock_addr: the rows differ in their attach type, the address
/// fields a program may write, the return codes and range, and the helper set.
HookRow sockAddrRow(std::string_view Name, std::string_view AttachName, std::uint32_t Attach,
                    std::string_view Writable, std::span<const ReturnCode> Returns,
                    ReturnRange Range, std::span<const std::uint32_t> Helpers) {
  return {.name = Name,
          .sections = {Name},
          .progTypeName = "cgroup_sock_addr",
          .progType = BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
          .attachTypeName = AttachName,
          .expectedAttachType = Attach,
          .ctxStruct = "bpf_sock_addr",
          .layout = kSockAddr,
          .access = {.read = {kSockAddrRead}, .readWrite = {Writable}},
          .ctxNote = kSockAddrNote,
          .returnCodes = Returns,
          .returnRange = Range,
          .testRun = kNoTestRun,
          .helpers = Helpers,
          .notes = kSockAddrNotes};
}

/// One attach type of cgroup_sock: the rows differ in their attach type and field access.
HookRow cgroupSockRow(std::string_view Name, std::vector<std::string_view> Sections,
                      std::string_view AttachName, std::uint32_t Attach, Access A) {
  return {.name = Name,
          .sections = std::move(Sections),
          .progTypeName = "cgroup_sock",
          .progType = BPF_PROG_TYPE_CGROUP_SOCK,
          .attachTypeName = AttachName,
          .expectedAttachType = Attach,
          .ctxStruct = "bpf_sock",
          .layout = kSock,
          .access = std::move(A),
          .returnCodes = kCgroupSockReturns,
          .returnRange = {.enforced = true, .min = 0, .max = 1},
          .testRun = kNoTestRun,
          .helpers = kCgroupSockHelpers};
}

/// A hook that loads against a BTF-typed target (lsm, fentry, fexit, tp_btf): the ctx is the
/// target's arguments as u64 args[], pointers among them typed by BTF.
HookRow btfTracingRow(std::string_view Name, std::string_view Section,
                      std::string_view ProgTypeName, std::uint32_t ProgType,
                      std::string_view AttachName, std::uint32_t Attach,
                      std::string_view ProbeTarget, std::string_view ArgsOf,
                      std::span<const ReturnCode> Returns, ReturnRange Range,
                      std::span<const std::uint32_t> Helpers, std::string_view Notes) {
  return {.name = Name,
          .sections = {Section},
          .progTypeName = ProgTypeName,
          .progType = ProgType,
          .attachTypeName = AttachName,
          .expectedAttachType = Attach,
          .probeTarget = ProbeTarget,
          .argsOf = ArgsOf,
          .typedArgs = true,
          .ctxNote = "the ctx is u64 args[]: args[i] is the target's i-th argument, a pointer "
                     "among them a BTF-typed kernel pointer the program may dereference; a "
                     "harness passes numbers instead, which bpf_probe_read_kernel and "
                     "BPF_CORE_READ accept and a direct dereference does not",
          .returnCodes = Returns,
          .returnRange = Range,
          .testRun = kNoTestRun,
          .helpers = Helpers,
          .scalarKernelPointers = true,
          .notes = Notes};
}

} // namespace

const std::vector<HookRow> &hookRows() {
  static const std::vector<HookRow> Rows = {
      {.name = "xdp",
       .sections = {"xdp"},
       .progTypeName = "xdp",
       .progType = BPF_PROG_TYPE_XDP,
       .attachTypeName = "xdp",
       .expectedAttachType = BPF_XDP,
       .ctxStruct = "xdp_md",
       .layout = kXdpMd,
       .access = {.read = {"data data_end data_meta ingress_ifindex rx_queue_index"}},
       .ctxNote = "egress_ifindex needs expected attach type xdp_devmap (SEC(\"xdp/devmap\"))",
       .packetBase = PacketBase::L2,
       .packetAccess = PacketAccess::ReadWrite,
       .returnCodes = kXdpReturns,
       .testRun = kXdpTestRun,
       .helpers = kXdpHelpers,
       .notes = "xdp.frags (non-linear buffers) is a different load flag and not this row"},
      {.name = "tc",
       .sections = {"tc", "classifier"},
       .progTypeName = "sched_cls",
       .progType = BPF_PROG_TYPE_SCHED_CLS,
       .ctxStruct = "__sk_buff",
       .layout = kSkBuff,
       .access = {.read = {kSkbCommonRead, "data data_end data_meta wire_len tstamp_type hwtstamp"},
                  .readWrite = {"mark queue_mapping priority tc_index cb tc_classid tstamp"}},
       .packetBase = PacketBase::L2,
       .packetAccess = PacketAccess::ReadWrite,
       .returnCodes = kTcReturns,
       .testRun = kTcTestRun,
       .helpers = kSchedClsHelpers,
       .notes = "direction is chosen at attach time: at egress ingress_ifindex is where the "
                "packet first came in (0 if local), and ifindex is the egress device"},
      {.name = "socket",
       .sections = {"socket"},
       .progTypeName = "socket_filter",
       .progType = BPF_PROG_TYPE_SOCKET_FILTER,
       .ctxStruct = "__sk_buff",
       .layout = kSkBuff,
       .access = {.read = {kSkbCommonRead, "mark queue_mapping priority tc_index"},
                  .readWrite = {"cb"}},
       .ctxNote = "no data/data_end: read the packet with bpf_skb_load_bytes or a dynptr",
       .packetBase = PacketBase::L3,
       .packetAccess = PacketAccess::None,
       .returnCodes = kSocketFilterReturns,
       .lengthVerdict = true,
       .testRun = kL3SkbTestRun,
       .helpers = kSocketFilterHelpers,
       .notes = "filters on AF_PACKET sockets see L2 in production; test-run and other sockets "
                "see L3"},
      {.name = "cgroup_skb/ingress",
       .sections = {"cgroup_skb/ingress"},
       .progTypeName = "cgroup_skb",
       .progType = BPF_PROG_TYPE_CGROUP_SKB,
       .attachTypeName = "cgroup_inet_ingress",
       .expectedAttachType = BPF_CGROUP_INET_INGRESS,
       .ctxStruct = "__sk_buff",
       .layout = kSkBuff,
       .access = {.read = {kSkbCommonRead, kCgroupSkbRead},
                  .readWrite = {"mark priority cb tstamp"}},
       .packetBase = PacketBase::L3,
       .packetAccess = PacketAccess::Read,
       .returnCodes = kCgroupSkbIngressReturns,
       .returnRange = {.enforced = true, .min = 0, .max = 1},
       .testRun = kL3SkbTestRun,
       .helpers = kCgroupSkbHelpers},
      {.name = "cgroup_skb/egress",
       .sections = {"cgroup_skb/egress"},
       .progTypeName = "cgroup_skb",
       .progType = BPF_PROG_TYPE_CGROUP_SKB,
       .attachTypeName = "cgroup_inet_egress",
       .expectedAttachType = BPF_CGROUP_INET_EGRESS,
       .ctxStruct = "__sk_buff",
       .layout = kSkBuff,
       .access = {.read = {kSkbCommonRead, kCgroupSkbRead},
                  .readWrite = {"mark priority cb tstamp"}},
       .packetBase = PacketBase::L3,
       .packetAccess = PacketAccess::Read,
       .returnCodes = kCgroupSkbEgressReturns,
       .returnRange = {.enforced = true, .min = 0, .max = 3},
       .testRun = kL3SkbTestRun,
       .helpers = kCgroupSkbHelpers},
      {.name = "lwt_in",
       .sections = {"lwt_in"},
       .progTypeName = "lwt_in",
       .progType = BPF_PROG_TYPE_LWT_IN,
       .ctxStruct = "__sk_buff",
       .layout = kSkBuff,
       .access = {.read = {kSkbCommonRead, kLwtRead}, .readWrite = {"mark priority cb"}},
       .packetBase = PacketBase::L3,
       .packetAccess = PacketAccess::Read,
       .returnCodes = kLwtInReturns,
       .testRun = kL3SkbTestRun,
       .helpers = kLwtInHelpers},
      {.name = "lwt_out",
       .sections = {"lwt_out"},
       .progTypeName = "lwt_out",
       .progType = BPF_PROG_TYPE_LWT_OUT,
       .ctxStruct = "__sk_buff",
       .layout = kSkBuff,
       .access = {.read = {kSkbCommonRead, kLwtRead}, .readWrite = {"mark priority cb"}},
       .packetBase = PacketBase::L3,
       .packetAccess = PacketAccess::Read,
       .returnCodes = kLwtOutReturns,
       .testRun = kL3SkbTestRun,
       .helpers = kLwtOutHelpers},
      {.name = "lwt_xmit",
       .sections = {"lwt_xmit"},
       .progTypeName = "lwt_xmit",
       .progType = BPF_PROG_TYPE_LWT_XMIT,
       .ctxStruct = "__sk_buff",
       .layout = kSkBuff,
       .access = {.read = {kSkbCommonRead, kLwtRead}, .readWrite = {"mark priority cb"}},
       .packetBase = PacketBase::L3,
       .packetAccess = PacketAccess::ReadWrite,
       .returnCodes = kLwtXmitReturns,
       .testRun = kL3SkbTestRun,
       .helpers = kLwtXmitHelpers},
      {.name = "sockops",
       .sections = {"sockops"},
       .progTypeName = "sock_ops",
       .progType = BPF_PROG_TYPE_SOCK_OPS,
       .attachTypeName = "cgroup_sock_ops",
       .expectedAttachType = BPF_CGROUP_SOCK_OPS,
       .ctxStruct = "bpf_sock_ops",
       .layout = kSockOps,
       .access = {.read = {"op args family remote_ip4 local_ip4 remote_ip6 local_ip6 remote_port "
                           "local_port is_fullsock snd_cwnd srtt_us bpf_sock_ops_cb_flags state "
                           "rtt_min snd_ssthresh rcv_nxt snd_nxt snd_una mss_cache ecn_flags "
                           "rate_delivered rate_interval_us packets_out retrans_out "
                           "total_retrans segs_in data_segs_in segs_out data_segs_out lost_out "
                           "sacked_out bytes_received bytes_acked sk skb_data skb_data_end "
                           "skb_len skb_tcp_flags skb_hwtstamp"},
                  .readWrite = {"sk_txhash"}},
       .ctxNote = "args[4], reply and replylong[4] share +4 (a union, the field args): every word "
                  "is readable, and a 4-byte store to the first (skops->reply) is allowed too; "
                  "sk_txhash is the other writable field. Loads are 4 bytes wide except the "
                  "8-byte bytes_received, bytes_acked, sk, skb_data, skb_data_end and "
                  "skb_hwtstamp, and skb_tcp_flags, which may be read narrower. skb_data and "
                  "skb_data_end bound read-only direct access to the TCP header in the "
                  "header-option callbacks; there are no data/data_end",
       .returnCodes = kSockOpsReturns,
       .returnRange = {.enforced = true, .min = 0, .max = 1},
       .testRun = kNoTestRun,
       .helpers = kSockOpsHelpers,
       .notes = "attached to a cgroup (BPF_CGROUP_SOCK_OPS); runs for TCP events of the "
                "cgroup's sockets, not for packets at a device"},
      {.name = "raw_tp",
       .sections = {"raw_tp+", "raw_tracepoint+"},
       .progTypeName = "raw_tracepoint",
       .progType = BPF_PROG_TYPE_RAW_TRACEPOINT,
       .argsOf = "tracepoint event",
       .ctxStruct = "bpf_raw_tracepoint_args",
       .layout = kRawTracepointArgs,
       .access = {.read = {"args"}},
       .ctxNote = "args[i] is the i-th TP_PROTO argument",
       .returnCodes = kIgnoredReturn,
       .testRun = kRawTpTestRun,
       .helpers = kRawTracepointHelpers,
       .scalarKernelPointers = true,
       .notes = "kernel memory through bpf_probe_read_kernel / CO-RE"},
      {.name = "tracepoint",
       .sections = {"tracepoint+", "tp+"},
       .progTypeName = "tracepoint",
       .progType = BPF_PROG_TYPE_TRACEPOINT,
       .ctxNote = "the ctx is the event's trace_event_raw_<event> record: 8-byte aligned reads "
                  "of bytes [8, 8192) (PERF_MAX_TRACE_SIZE) pass, the 8-byte common header and "
                  "writes do not",
       .returnCodes = kPerfFilterReturns,
       .testRun = kNoTestRun,
       .helpers = kTracepointHelpers,
       .scalarKernelPointers = true},
      {.name = "kprobe",
       .sections = {"kprobe+"},
       .progTypeName = "kprobe",
       .progType = BPF_PROG_TYPE_KPROBE,
       .ctxStruct = "pt_regs",
       .layout = kPtRegsX86,
       .access = {.read = {"r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs "
                           "flags sp ss"}},
       .ctxNote = "x86_64 layout: PT_REGS_PARM1..5 = di si dx cx r8",
       .returnCodes = kPerfFilterReturns,
       .testRun = kNoTestRun,
       .helpers = kKprobeHelpers,
       .scalarKernelPointers = true,
       .notes = "loads but cannot attach on kernels without CONFIG_KPROBES (this CI); kretprobe "
                "shares the program type"},
      btfTracingRow("lsm", "lsm+", "lsm", BPF_PROG_TYPE_LSM, "lsm_mac", BPF_LSM_MAC, "file_open",
                    "lsm hook", kLsmReturns, {.enforced = true, .min = -4095, .max = 0},
                    kLsmHelpers,
                    "attaches to an LSM hook (bpf_lsm_<hook>); a program that also runs in "
                    "sleepable context is lsm.s, a different load flag and not this row"),
      btfTracingRow("fentry", "fentry+", "tracing", BPF_PROG_TYPE_TRACING, "trace_fentry",
                    BPF_TRACE_FENTRY, "bpf_fentry_test1", "function entry", kIgnoredReturn,
                    {.enforced = true, .min = 0, .max = 0}, kFentryHelpers,
                    "runs before the kernel function it names; fentry.s is sleepable and not "
                    "this row"),
      btfTracingRow("fexit", "fexit+", "tracing", BPF_PROG_TYPE_TRACING, "trace_fexit",
                    BPF_TRACE_FEXIT, "bpf_fentry_test1", "function exit", kIgnoredReturn,
                    {.enforced = true, .min = 0, .max = 0}, kFentryHelpers,
                    "runs after the kernel function it names; args[n] after its n arguments is "
                    "the function's return value"),
      btfTracingRow("tp_btf", "tp_btf+", "tracing", BPF_PROG_TYPE_TRACING, "trace_raw_tp",
                    BPF_TRACE_RAW_TP, "sys_enter", "tracepoint event", kIgnoredReturn, {},
                    kTpBtfHelpers,
                    "a raw tracepoint whose arguments are typed (btf_trace_<event>)"),
      sockAddrRow("cgroup/bind4", "cgroup_inet4_bind", BPF_CGROUP_INET4_BIND, "user_ip4 user_port",
                  kSockAddrBindReturns, {.enforced = true, .min = 0, .max = 3}, kSockAddrHelpers),
      sockAddrRow("cgroup/bind6", "cgroup_inet6_bind", BPF_CGROUP_INET6_BIND, "user_ip6 user_port",
                  kSockAddrBindReturns, {.enforced = true, .min = 0, .max = 3}, kSockAddrHelpers),
      sockAddrRow("cgroup/connect4", "cgroup_inet4_connect", BPF_CGROUP_INET4_CONNECT,
                  "user_ip4 user_port", kSockAddrReturns, {.enforced = true, .min = 0, .max = 1},
                  kSockAddrConnectHelpers),
      sockAddrRow("cgroup/connect6", "cgroup_inet6_connect", BPF_CGROUP_INET6_CONNECT,
                  "user_ip6 user_port", kSockAddrReturns, {.enforced = true, .min = 0, .max = 1},
                  kSockAddrConnectHelpers),
      sockAddrRow("cgroup/sendmsg4", "cgroup_udp4_sendmsg", BPF_CGROUP_UDP4_SENDMSG,
                  "user_ip4 user_port msg_src_ip4", kSockAddrReturns,
                  {.enforced = true, .min = 0, .max = 1}, kSockAddrHelpers),
      sockAddrRow("cgroup/sendmsg6", "cgroup_udp6_sendmsg", BPF_CGROUP_UDP6_SENDMSG,
                  "user_ip6 user_port msg_src_ip6", kSockAddrReturns,
                  {.enforced = true, .min = 0, .max = 1}, kSockAddrHelpers),
      sockAddrRow("cgroup/recvmsg4", "cgroup_udp4_recvmsg", BPF_CGROUP_UDP4_RECVMSG,
                  "user_ip4 user_port", kSockAddrRecvmsgReturns,
                  {.enforced = true, .min = 1, .max = 1}, kSockAddrRecvmsgHelpers),
      sockAddrRow("cgroup/recvmsg6", "cgroup_udp6_recvmsg", BPF_CGROUP_UDP6_RECVMSG,
                  "user_ip6 user_port", kSockAddrRecvmsgReturns,
                  {.enforced = true, .min = 1, .max = 1}, kSockAddrRecvmsgHelpers),
      cgroupSockRow("cgroup/sock_create", {"cgroup/sock_create", "cgroup/sock"},
                    "cgroup_inet_sock_create", BPF_CGROUP_INET_SOCK_CREATE,
                    {.read = {kSockRead}, .readWrite = {"bound_dev_if mark priority"}}),
      cgroupSockRow("cgroup/sock_release", {"cgroup/sock_release"}, "cgroup_inet_sock_release",
                    BPF_CGROUP_INET_SOCK_RELEASE,
                    {.read = {kSockRead}, .readWrite = {"bound_dev_if mark priority"}}),
      cgroupSockRow("cgroup/post_bind4", {"cgroup/post_bind4"}, "cgroup_inet4_post_bind",
                    BPF_CGROUP_INET4_POST_BIND, {.read = {kSockRead, "src_ip4 src_port"}}),
      cgroupSockRow("cgroup/post_bind6", {"cgroup/post_bind6"}, "cgroup_inet6_post_bind",
                    BPF_CGROUP_INET6_POST_BIND, {.read = {kSockRead, "src_ip6 src_port"}}),
      {.name = "sk_msg",
       .sections = {"sk_msg"},
       .progTypeName = "sk_msg",
       .progType = BPF_PROG_TYPE_SK_MSG,
       .attachTypeName = "sk_msg_verdict",
       .expectedAttachType = BPF_SK_MSG_VERDICT,
       .ctxStruct = "sk_msg_md",
       .layout = kSkMsgMd,
       .access = {.read = {"data data_end family remote_ip4 local_ip4 remote_ip6 local_ip6 "
                           "remote_port local_port size sk"}},
       .ctxNote = "data/data_end cover the part of the message pulled in (bpf_msg_pull_data); "
                  "size is the whole message",
       .packetBase = PacketBase::Payload,
       .packetAccess = PacketAccess::ReadWrite,
       .returnCodes = kSkActionReturns,
       .testRun = kNoTestRun,
       .helpers = kSkMsgHelpers,
       .notes = "runs on sendmsg/sendfile of a socket in a sockmap or sockhash the program is "
                "attached to"},
      {.name = "sk_skb",
       .sections = {"sk_skb"},
       .progTypeName = "sk_skb",
       .progType = BPF_PROG_TYPE_SK_SKB,
       .ctxStruct = "__sk_buff",
       .layout = kSkBuff,
       .access = {.read = {kSkbCommonRead, kSkSkbRead, "cb"}, .readWrite = {"priority tc_index"}},
       .ctxNote = kSkSkbNote,
       .packetBase = PacketBase::Payload,
       .packetAccess = PacketAccess::ReadWrite,
       .returnCodes = kSkActionReturns,
       .testRun = kNoTestRun,
       .helpers = kSkSkbHelpers,
       .notes = "SEC(\"sk_skb\") without an attach type: libbpf leaves the attach point to the "
                "loader (a sockmap's stream parser or verdict)"},
      {.name = "sk_skb/stream_verdict",
       .sections = {"sk_skb/stream_verdict"},
       .progTypeName = "sk_skb",
       .progType = BPF_PROG_TYPE_SK_SKB,
       .attachTypeName = "sk_skb_stream_verdict",
       .expectedAttachType = BPF_SK_SKB_STREAM_VERDICT,
       .ctxStruct = "__sk_buff",
       .layout = kSkBuff,
       .access = {.read = {kSkbCommonRead, kSkSkbRead, "cb"}, .readWrite = {"priority tc_index"}},
       .ctxNote = kSkSkbNote,
       .packetBase = PacketBase::Payload,
       .packetAccess = PacketAccess::ReadWrite,
       .returnCodes = kSkActionReturns,
       .testRun = kNoTestRun,
       .helpers = kSkSkbHelpers,
       .notes = "the verdict of a sockmap's stream: pass, drop or redirect each message"},
  };
  return Rows;
}
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

} // namespace bpfcarve::verifier::rows
