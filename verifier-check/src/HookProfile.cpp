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
//   cgroup_sock_addr,         layouts from the kernel's BTF (struct bpf_sock_addr, bpf_sock,
//   cgroup_sock, sk_msg,      sk_msg_md), access, returns and test-run per attach type from
//   sk_skb                    `bpfcarve probe`, helpers from helpers-measured.json
// The rows themselves are in HookRows.cpp.
// The live probe re-measures all of it on the running kernel (Probe.cpp); keep the two in step
// by running `bpfcarve probe` after editing a row.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/verifier/HookProfile.h"
#include "HookRows.h"

#include <algorithm>
#include <set>
#include <span>
#include <string>

namespace bpfcarve::verifier {

using rows::Access;
using rows::FieldLayout;
using rows::HookRow;
using rows::hookRows;

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
// clang-format on

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
    P.probeTarget = Row.probeTarget;
    P.argsOf = Row.argsOf;
    P.typedArgs = Row.typedArgs;
    P.ctxStruct = Row.ctxStruct;
    P.ctxFields = resolveFields(Row);
    P.ctxNote = Row.ctxNote;
    P.packetBase = Row.packetBase;
    P.packetAccess = Row.packetAccess;
    P.returnCodes.assign(Row.returnCodes.begin(), Row.returnCodes.end());
    P.returnRange = Row.returnRange;
    P.lengthVerdict = Row.lengthVerdict;
    P.testRun = Row.testRun;
    P.helpers.assign(Row.helpers.begin(), Row.helpers.end());
    P.scalarKernelPointers = Row.scalarKernelPointers;
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

std::vector<std::string> hookNames() {
  std::vector<std::string> Out;
  for (const HookProfile &H : hookProfiles())
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
  case PacketBase::Payload:
    return "payload";
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
