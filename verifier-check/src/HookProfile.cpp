//===- HookProfile.cpp - the hook tables ----------------------------------===//
//
// The data behind HookProfile.h. Sources, all measured on Linux 6.18 as root:
//   ctx layouts and access    reference/ctx-access-measured.tsv (hooks.md §1.3)
//   packet base               hooks.md §1.4 (test-run on a 47-byte Ethernet/IPv4/UDP frame)
//   return codes and ranges   hooks.md §2 (`r0 = K; exit` for K in -1..1000)
//   helper sets               reference/helpers-measured.json (§3), ids from the kernel's BTF
//   test-run rules            hooks.md §6
//   sock_ops                  layout from the kernel's BTF (struct bpf_sock_ops), access, returns
//                             and test-run from `bpfcarve probe`, helpers from
//                             helpers-measured.json "sock_ops"
// The live probe re-measures all of it on the running kernel (Probe.cpp); keep the two in step
// by running `bpfcarve probe` after editing a row.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/verifier/HookProfile.h"

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <algorithm>
#include <set>
#include <span>
#include <string>

namespace bpfcarve::verifier {

namespace {

//===--- Helpers -----------------------------------------------------------===//

// clang-format off
// Index = helper id (enum bpf_func_id of Linux 6.18, BTF); 0 is BPF_FUNC_unspec.
constexpr std::string_view kHelperNames[] = {
    "", "bpf_map_lookup_elem", "bpf_map_update_elem", "bpf_map_delete_elem", "bpf_probe_read",
    "bpf_ktime_get_ns", "bpf_trace_printk", "bpf_get_prandom_u32", "bpf_get_smp_processor_id",
    "bpf_skb_store_bytes", "bpf_l3_csum_replace", "bpf_l4_csum_replace", "bpf_tail_call",
    "bpf_clone_redirect", "bpf_get_current_pid_tgid", "bpf_get_current_uid_gid",
    "bpf_get_current_comm", "bpf_get_cgroup_classid", "bpf_skb_vlan_push", "bpf_skb_vlan_pop",
    "bpf_skb_get_tunnel_key", "bpf_skb_set_tunnel_key", "bpf_perf_event_read", "bpf_redirect",
    "bpf_get_route_realm", "bpf_perf_event_output", "bpf_skb_load_bytes", "bpf_get_stackid",
    "bpf_csum_diff", "bpf_skb_get_tunnel_opt", "bpf_skb_set_tunnel_opt", "bpf_skb_change_proto",
    "bpf_skb_change_type", "bpf_skb_under_cgroup", "bpf_get_hash_recalc", "bpf_get_current_task",
    "bpf_probe_write_user", "bpf_current_task_under_cgroup", "bpf_skb_change_tail",
    "bpf_skb_pull_data", "bpf_csum_update", "bpf_set_hash_invalid", "bpf_get_numa_node_id",
    "bpf_skb_change_head", "bpf_xdp_adjust_head", "bpf_probe_read_str", "bpf_get_socket_cookie",
    "bpf_get_socket_uid", "bpf_set_hash", "bpf_setsockopt", "bpf_skb_adjust_room",
    "bpf_redirect_map", "bpf_sk_redirect_map", "bpf_sock_map_update", "bpf_xdp_adjust_meta",
    "bpf_perf_event_read_value", "bpf_perf_prog_read_value", "bpf_getsockopt",
    "bpf_override_return", "bpf_sock_ops_cb_flags_set", "bpf_msg_redirect_map",
    "bpf_msg_apply_bytes", "bpf_msg_cork_bytes", "bpf_msg_pull_data", "bpf_bind",
    "bpf_xdp_adjust_tail", "bpf_skb_get_xfrm_state", "bpf_get_stack", "bpf_skb_load_bytes_relative",
    "bpf_fib_lookup", "bpf_sock_hash_update", "bpf_msg_redirect_hash", "bpf_sk_redirect_hash",
    "bpf_lwt_push_encap", "bpf_lwt_seg6_store_bytes", "bpf_lwt_seg6_adjust_srh",
    "bpf_lwt_seg6_action", "bpf_rc_repeat", "bpf_rc_keydown", "bpf_skb_cgroup_id",
    "bpf_get_current_cgroup_id", "bpf_get_local_storage", "bpf_sk_select_reuseport",
    "bpf_skb_ancestor_cgroup_id", "bpf_sk_lookup_tcp", "bpf_sk_lookup_udp", "bpf_sk_release",
    "bpf_map_push_elem", "bpf_map_pop_elem", "bpf_map_peek_elem", "bpf_msg_push_data",
    "bpf_msg_pop_data", "bpf_rc_pointer_rel", "bpf_spin_lock", "bpf_spin_unlock", "bpf_sk_fullsock",
    "bpf_tcp_sock", "bpf_skb_ecn_set_ce", "bpf_get_listener_sock", "bpf_skc_lookup_tcp",
    "bpf_tcp_check_syncookie", "bpf_sysctl_get_name", "bpf_sysctl_get_current_value",
    "bpf_sysctl_get_new_value", "bpf_sysctl_set_new_value", "bpf_strtol", "bpf_strtoul",
    "bpf_sk_storage_get", "bpf_sk_storage_delete", "bpf_send_signal", "bpf_tcp_gen_syncookie",
    "bpf_skb_output", "bpf_probe_read_user", "bpf_probe_read_kernel", "bpf_probe_read_user_str",
    "bpf_probe_read_kernel_str", "bpf_tcp_send_ack", "bpf_send_signal_thread", "bpf_jiffies64",
    "bpf_read_branch_records", "bpf_get_ns_current_pid_tgid", "bpf_xdp_output",
    "bpf_get_netns_cookie", "bpf_get_current_ancestor_cgroup_id", "bpf_sk_assign",
    "bpf_ktime_get_boot_ns", "bpf_seq_printf", "bpf_seq_write", "bpf_sk_cgroup_id",
    "bpf_sk_ancestor_cgroup_id", "bpf_ringbuf_output", "bpf_ringbuf_reserve", "bpf_ringbuf_submit",
    "bpf_ringbuf_discard", "bpf_ringbuf_query", "bpf_csum_level", "bpf_skc_to_tcp6_sock",
    "bpf_skc_to_tcp_sock", "bpf_skc_to_tcp_timewait_sock", "bpf_skc_to_tcp_request_sock",
    "bpf_skc_to_udp6_sock", "bpf_get_task_stack", "bpf_load_hdr_opt", "bpf_store_hdr_opt",
    "bpf_reserve_hdr_opt", "bpf_inode_storage_get", "bpf_inode_storage_delete", "bpf_d_path",
    "bpf_copy_from_user", "bpf_snprintf_btf", "bpf_seq_printf_btf", "bpf_skb_cgroup_classid",
    "bpf_redirect_neigh", "bpf_per_cpu_ptr", "bpf_this_cpu_ptr", "bpf_redirect_peer",
    "bpf_task_storage_get", "bpf_task_storage_delete", "bpf_get_current_task_btf",
    "bpf_bprm_opts_set", "bpf_ktime_get_coarse_ns", "bpf_ima_inode_hash", "bpf_sock_from_file",
    "bpf_check_mtu", "bpf_for_each_map_elem", "bpf_snprintf", "bpf_sys_bpf",
    "bpf_btf_find_by_name_kind", "bpf_sys_close", "bpf_timer_init", "bpf_timer_set_callback",
    "bpf_timer_start", "bpf_timer_cancel", "bpf_get_func_ip", "bpf_get_attach_cookie",
    "bpf_task_pt_regs", "bpf_get_branch_snapshot", "bpf_trace_vprintk", "bpf_skc_to_unix_sock",
    "bpf_kallsyms_lookup_name", "bpf_find_vma", "bpf_loop", "bpf_strncmp", "bpf_get_func_arg",
    "bpf_get_func_ret", "bpf_get_func_arg_cnt", "bpf_get_retval", "bpf_set_retval",
    "bpf_xdp_get_buff_len", "bpf_xdp_load_bytes", "bpf_xdp_store_bytes", "bpf_copy_from_user_task",
    "bpf_skb_set_tstamp", "bpf_ima_file_hash", "bpf_kptr_xchg", "bpf_map_lookup_percpu_elem",
    "bpf_skc_to_mptcp_sock", "bpf_dynptr_from_mem", "bpf_ringbuf_reserve_dynptr",
    "bpf_ringbuf_submit_dynptr", "bpf_ringbuf_discard_dynptr", "bpf_dynptr_read",
    "bpf_dynptr_write", "bpf_dynptr_data", "bpf_tcp_raw_gen_syncookie_ipv4",
    "bpf_tcp_raw_gen_syncookie_ipv6", "bpf_tcp_raw_check_syncookie_ipv4",
    "bpf_tcp_raw_check_syncookie_ipv6", "bpf_ktime_get_tai_ns", "bpf_user_ringbuf_drain",
    "bpf_cgrp_storage_get", "bpf_cgrp_storage_delete",
};
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
// clang-format on

//===--- Ctx layouts -------------------------------------------------------===//

/// A member of a ctx struct, without access rights (those depend on the hook).
struct FieldLayout {
  std::string_view name;
  std::uint32_t offset;
  std::uint32_t size;
  std::uint32_t count = 1;
};

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
// clang-format on

/// Access rights of one hook over a layout: space-separated field names. Fields named in neither
/// list are neither readable nor writable.
struct Access {
  std::vector<std::string_view> read;
  std::vector<std::string_view> readWrite;
};

// Readable in every __sk_buff hook of the table (the first row of hooks.md §1.3).
constexpr std::string_view kSkbCommonRead = "len pkt_type protocol vlan_present vlan_tci "
                                            "vlan_proto ingress_ifindex ifindex hash napi_id "
                                            "gso_segs gso_size sk";
// What cgroup_skb (both directions) and lwt_* read on top of that.
constexpr std::string_view kCgroupSkbRead =
    "queue_mapping tc_index data data_end family remote_ip4 local_ip4 remote_ip6 local_ip6 "
    "remote_port local_port hwtstamp";
constexpr std::string_view kLwtRead = "queue_mapping tc_index data data_end";

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

// kprobe and tracepoint programs filter the perf event they run for.
constexpr ReturnCode kPerfFilterReturns[] = {
    {"discard", 0, ReturnMeaning::Drop, "no perf sample is recorded for the event"},
    {"keep", 1, ReturnMeaning::Pass, "any nonzero value keeps the sample"},
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

/// One row before its ctx access and helper list are resolved into HookProfile form.
struct HookRow {
  std::string_view name;
  std::vector<std::string_view> sections;
  std::string_view progTypeName;
  std::uint32_t progType = 0;
  std::string_view attachTypeName;
  std::optional<std::uint32_t> expectedAttachType;
  std::string_view ctxStruct;
  std::span<const FieldLayout> layout;
  Access access;
  std::string_view ctxNote;
  PacketBase packetBase = PacketBase::None;
  PacketAccess packetAccess = PacketAccess::None;
  std::span<const ReturnCode> returnCodes;
  ReturnRange returnRange;
  TestRunRule testRun;
  std::span<const std::uint32_t> helpers;
  std::string_view notes;
};

// A row names only what differs from the defaults (no attach type, no packet, any return value,
// no test-run, no notes), so omitted designators are the point, not an oversight.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wmissing-field-initializers"
#endif
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
       .ctxStruct = "bpf_raw_tracepoint_args",
       .layout = kRawTracepointArgs,
       .access = {.read = {"args"}},
       .ctxNote = "args[i] is the i-th TP_PROTO argument",
       .returnCodes = kIgnoredReturn,
       .testRun = kRawTpTestRun,
       .helpers = kRawTracepointHelpers,
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
       .helpers = kTracepointHelpers},
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
       .notes = "loads but cannot attach on kernels without CONFIG_KPROBES (this CI); kretprobe "
                "shares the program type"},
  };
  return Rows;
}
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

//===--- Building HookProfile from rows -------------------------------------===//

/// Table errors found while resolving rows (a misspelt field name); checkHookProfiles reports
/// them.
std::vector<std::string> &buildErrors() {
  static std::vector<std::string> Errors;
  return Errors;
}

std::vector<std::string_view> words(std::string_view Text) {
  std::vector<std::string_view> Out;
  size_t I = 0;
  while (I < Text.size()) {
    while (I < Text.size() && Text[I] == ' ')
      ++I;
    size_t J = Text.find(' ', I);
    if (J == std::string_view::npos)
      J = Text.size();
    if (J > I)
      Out.push_back(Text.substr(I, J - I));
    I = J;
  }
  return Out;
}

std::vector<CtxField> resolveFields(const HookRow &Row) {
  std::vector<CtxField> Fields;
  for (const FieldLayout &L : Row.layout)
    Fields.push_back({L.name, L.offset, L.size, L.count, false, false});
  auto Grant = [&](const std::vector<std::string_view> &Lists, bool Write) {
    for (std::string_view List : Lists)
      for (std::string_view Name : words(List)) {
        auto It = std::find_if(Fields.begin(), Fields.end(),
                               [&](const CtxField &F) { return F.name == Name; });
        if (It == Fields.end()) {
          buildErrors().push_back(std::string(Row.name) + ": access list names '" +
                                  std::string(Name) + "', which " + std::string(Row.ctxStruct) +
                                  " does not have");
          continue;
        }
        It->readable = true;
        It->writable |= Write;
      }
  };
  Grant(Row.access.read, false);
  Grant(Row.access.readWrite, true);
  return Fields;
}

std::vector<HookProfile> buildProfiles() {
  std::vector<HookProfile> Out;
  for (const HookRow &Row : hookRows()) {
    HookProfile P;
    P.name = Row.name;
    P.sections = Row.sections;
    P.progTypeName = Row.progTypeName;
    P.progType = Row.progType;
    P.attachTypeName = Row.attachTypeName;
    P.expectedAttachType = Row.expectedAttachType;
    P.ctxStruct = Row.ctxStruct;
    P.ctxFields = resolveFields(Row);
    P.ctxNote = Row.ctxNote;
    P.packetBase = Row.packetBase;
    P.packetAccess = Row.packetAccess;
    P.returnCodes.assign(Row.returnCodes.begin(), Row.returnCodes.end());
    P.returnRange = Row.returnRange;
    P.testRun = Row.testRun;
    P.helpers.assign(Row.helpers.begin(), Row.helpers.end());
    P.notes = Row.notes;
    Out.push_back(std::move(P));
  }
  return Out;
}

std::string_view stripBpfPrefix(std::string_view Name) {
  return Name.starts_with("bpf_") ? Name.substr(4) : Name;
}

} // namespace

//===--- HookProfile -------------------------------------------------------===//

const CtxField *HookProfile::field(std::string_view Name) const {
  for (const CtxField &F : ctxFields)
    if (F.name == Name)
      return &F;
  return nullptr;
}

const CtxField *HookProfile::fieldAt(std::uint32_t Offset, std::uint32_t Size) const {
  for (const CtxField &F : ctxFields)
    if (F.covers(Offset, Size))
      return &F;
  return nullptr;
}

const ReturnCode *HookProfile::returnCode(std::string_view Name) const {
  for (const ReturnCode &R : returnCodes)
    if (R.name == Name)
      return &R;
  return nullptr;
}

const ReturnCode *HookProfile::returnCodeFor(ReturnMeaning Meaning) const {
  for (const ReturnCode &R : returnCodes)
    if (R.meaning == Meaning)
      return &R;
  return Meaning == ReturnMeaning::Error ? returnCodeFor(ReturnMeaning::Drop) : nullptr;
}

bool HookProfile::helperAllowed(std::uint32_t Id) const {
  return std::binary_search(helpers.begin(), helpers.end(), Id);
}

bool HookProfile::helperAllowed(std::string_view Name) const {
  std::optional<std::uint32_t> Id = helperId(Name);
  return Id && helperAllowed(*Id);
}

bool HookProfile::matchesSection(std::string_view Section) const {
  for (std::string_view S : sections) {
    if (!S.ends_with('+')) {
      if (Section == S)
        return true;
      continue;
    }
    std::string_view Stem = S.substr(0, S.size() - 1);
    if (Section == Stem ||
        (Section.starts_with(Stem) && Section.size() > Stem.size() && Section[Stem.size()] == '/'))
      return true;
  }
  return false;
}

//===--- Lookups -----------------------------------------------------------===//

const std::vector<HookProfile> &hookProfiles() {
  static const std::vector<HookProfile> Profiles = buildProfiles();
  return Profiles;
}

std::string HookProfile::sectionToWrite() const {
  std::string S(sections.empty() ? name : sections.front());
  if (!S.empty() && S.back() == '+')
    S.pop_back();
  return S;
}

std::vector<std::string> hookNames(bool CtxStructOnly) {
  std::vector<std::string> Out;
  for (const HookProfile &H : hookProfiles())
    if (!CtxStructOnly || !H.ctxStruct.empty())
      Out.emplace_back(H.name);
  return Out;
}

const HookProfile *findHook(std::string_view SectionOrName) {
  const auto &All = hookProfiles();
  for (const HookProfile &P : All)
    if (P.name == SectionOrName)
      return &P;
  for (const HookProfile &P : All)
    if (P.matchesSection(SectionOrName))
      return &P;
  std::vector<const HookProfile *> ByType = hooksForProgType(SectionOrName);
  return ByType.size() == 1 ? ByType.front() : nullptr;
}

std::vector<const HookProfile *> hooksForProgType(std::uint32_t ProgType) {
  std::vector<const HookProfile *> Out;
  for (const HookProfile &P : hookProfiles())
    if (P.progType == ProgType)
      Out.push_back(&P);
  return Out;
}

std::vector<const HookProfile *> hooksForProgType(std::string_view ProgTypeName) {
  std::vector<const HookProfile *> Out;
  for (const HookProfile &P : hookProfiles())
    if (P.progTypeName == ProgTypeName)
      Out.push_back(&P);
  return Out;
}

bool helperAllowed(std::string_view Hook, std::uint32_t Id) {
  const HookProfile *P = findHook(Hook);
  return P && P->helperAllowed(Id);
}

std::string_view helperName(std::uint32_t Id) {
  return Id < std::size(kHelperNames) ? kHelperNames[Id] : std::string_view();
}

std::optional<std::uint32_t> helperId(std::string_view Name) {
  std::string_view Bare = stripBpfPrefix(Name);
  if (Bare.empty())
    return std::nullopt;
  for (std::uint32_t Id = 1; Id < std::size(kHelperNames); ++Id)
    if (stripBpfPrefix(kHelperNames[Id]) == Bare)
      return Id;
  return std::nullopt;
}

std::uint32_t maxKnownHelperId() { return std::size(kHelperNames) - 1; }

//===--- Self-check --------------------------------------------------------===//

std::vector<std::string> checkHookProfiles() {
  const auto &All = hookProfiles(); // resolving the rows fills buildErrors()
  std::vector<std::string> E = buildErrors();
  std::set<std::string_view> Names, Sections;
  for (const HookProfile &P : All) {
    std::string H(P.name);
    if (!Names.insert(P.name).second)
      E.push_back(H + ": duplicate hook name");
    if (P.sections.empty())
      E.push_back(H + ": no libbpf section");
    for (std::string_view S : P.sections)
      if (!Sections.insert(S).second)
        E.push_back(H + ": section " + std::string(S) + " belongs to two hooks");
    if (P.ctxStruct.empty() != P.ctxFields.empty())
      E.push_back(H + ": ctx fields without a ctx struct, or a ctx struct without fields");
    if (P.ctxStruct.empty() && P.ctxNote.empty())
      E.push_back(H + ": a ctx without fixed layout needs a ctxNote saying what may be read");
    for (size_t I = 0; I < P.ctxFields.size(); ++I) {
      const CtxField &F = P.ctxFields[I];
      if (F.size != 1 && F.size != 2 && F.size != 4 && F.size != 8)
        E.push_back(H + ": field " + std::string(F.name) + " has access width " +
                    std::to_string(F.size));
      if (F.count == 0)
        E.push_back(H + ": field " + std::string(F.name) + " has no elements");
      if (F.writable && !F.readable)
        E.push_back(H + ": field " + std::string(F.name) + " writable but not readable");
      if (I &&
          P.ctxFields[I - 1].offset + P.ctxFields[I - 1].size * P.ctxFields[I - 1].count > F.offset)
        E.push_back(H + ": field " + std::string(F.name) + " overlaps or precedes the previous");
      for (size_t J = 0; J < I; ++J)
        if (P.ctxFields[J].name == F.name)
          E.push_back(H + ": field " + std::string(F.name) + " listed twice");
    }
    // data/data_end readability is what direct packet access means.
    const CtxField *Data = P.field("data");
    const CtxField *DataEnd = P.field("data_end");
    bool Readable = Data && DataEnd && Data->readable && DataEnd->readable;
    if ((P.packetAccess != PacketAccess::None) != Readable)
      E.push_back(H + ": packet access " + std::string(toString(P.packetAccess)) +
                  " disagrees with the readability of data/data_end");
    if (P.packetAccess != PacketAccess::None && P.packetBase == PacketBase::None)
      E.push_back(H + ": direct packet access without a packet base");
    std::set<std::string_view> Codes;
    std::set<std::int64_t> Values;
    if (P.returnCodes.empty())
      E.push_back(H + ": no return codes");
    for (const ReturnCode &R : P.returnCodes) {
      if (!Codes.insert(R.name).second)
        E.push_back(H + ": return code " + std::string(R.name) + " listed twice");
      if (!Values.insert(R.value).second)
        E.push_back(H + ": two return codes with value " + std::to_string(R.value));
      if (!P.returnRange.accepts(R.value))
        E.push_back(H + ": return code " + std::string(R.name) +
                    " is outside the range the verifier enforces");
    }
    if (P.returnRange.enforced && P.returnRange.min > P.returnRange.max)
      E.push_back(H + ": empty return range");
    if (P.packetBase != PacketBase::None && !P.returnCodeFor(ReturnMeaning::Pass))
      E.push_back(H + ": a packet hook without a pass code");
    const TestRunRule &T = P.testRun;
    if (T.supported != (T.input != TestRunInput::None))
      E.push_back(H + ": test-run support and input disagree");
    if ((T.input == TestRunInput::Packet) != (T.minFrameBytes > 0))
      E.push_back(H + ": minFrameBytes applies exactly to packet input");
    if (T.input == TestRunInput::Packet && P.packetBase == PacketBase::None)
      E.push_back(H + ": packet test-run input for a hook without packets");
    if (P.helpers.empty())
      E.push_back(H + ": no helpers");
    if (!std::is_sorted(P.helpers.begin(), P.helpers.end()) ||
        std::adjacent_find(P.helpers.begin(), P.helpers.end()) != P.helpers.end())
      E.push_back(H + ": helper ids not sorted and unique");
    for (std::uint32_t Id : P.helpers)
      if (helperName(Id).empty())
        E.push_back(H + ": unknown helper id " + std::to_string(Id));
  }
  // A section must select exactly one hook, or findHook would be order-dependent.
  for (const HookProfile &P : All)
    for (std::string_view S : P.sections) {
      std::string Probe(S.ends_with('+') ? S.substr(0, S.size() - 1) : S);
      for (const HookProfile &Q : All)
        if (&Q != &P && Q.matchesSection(Probe))
          E.push_back(std::string(P.name) + ": section " + Probe + " also selects " +
                      std::string(Q.name));
    }
  return E;
}

//===--- Names -------------------------------------------------------------===//

std::string_view toString(PacketBase Base) {
  switch (Base) {
  case PacketBase::None:
    return "none";
  case PacketBase::L2:
    return "L2";
  case PacketBase::L3:
    return "L3";
  }
  return "?";
}

std::string_view toString(PacketAccess Access) {
  switch (Access) {
  case PacketAccess::None:
    return "none";
  case PacketAccess::Read:
    return "read";
  case PacketAccess::ReadWrite:
    return "read_write";
  }
  return "?";
}

std::string_view toString(ReturnMeaning Meaning) {
  switch (Meaning) {
  case ReturnMeaning::Pass:
    return "pass";
  case ReturnMeaning::Drop:
    return "drop";
  case ReturnMeaning::Error:
    return "error";
  case ReturnMeaning::Tx:
    return "tx";
  case ReturnMeaning::Redirect:
    return "redirect";
  case ReturnMeaning::Next:
    return "next";
  case ReturnMeaning::HookSpecific:
    return "hook_specific";
  case ReturnMeaning::Ignored:
    return "ignored";
  }
  return "?";
}

std::string_view toString(TestRunInput Input) {
  switch (Input) {
  case TestRunInput::None:
    return "none";
  case TestRunInput::Packet:
    return "packet";
  case TestRunInput::Ctx:
    return "ctx";
  }
  return "?";
}

} // namespace bpfcarve::verifier
