//===- RetargetRules.cpp - the translation tables (hooks.md §1-3) ---------===//
#include "RetargetRules.h"

namespace bpfcarve::transformer {

const std::vector<FieldRule> &fieldRules() {
  static const std::vector<FieldRule> Rules = {
      // XDP -> skb hooks (xdp_md -> __sk_buff)
      {"xdp_md", "__sk_buff", "data", "data", "", false, ""},
      {"xdp_md", "__sk_buff", "data_end", "data_end", "", false, ""},
      {"xdp_md", "__sk_buff", "data_meta", "data_meta", "", false, ""},
      {"xdp_md", "__sk_buff", "ingress_ifindex", "ingress_ifindex", "ingress", false,
       "at TC egress, ingress_ifindex is the interface the packet originally came in on (0 when "
       "locally generated), not the current one"},
      {"xdp_md", "__sk_buff", "rx_queue_index", "($B->queue_mapping ? $B->queue_mapping - 1 : 0)",
       "", true, "skb->queue_mapping holds rx queue + 1 only when the driver recorded it"},
      {"xdp_md", "__sk_buff", "egress_ifindex", "ifindex", "egress", false,
       "egress_ifindex exists only for devmap programs; at TC ingress there is no egress device"},
      // skb hooks -> XDP (__sk_buff -> xdp_md)
      {"__sk_buff", "xdp_md", "data", "data", "", false, ""},
      {"__sk_buff", "xdp_md", "data_end", "data_end", "", false, ""},
      {"__sk_buff", "xdp_md", "data_meta", "data_meta", "", false, ""},
      {"__sk_buff", "xdp_md", "ingress_ifindex", "ingress_ifindex", "", false, ""},
      {"__sk_buff", "xdp_md", "ifindex", "ingress_ifindex", "ingress", false,
       "at TC egress, skb->ifindex is the outgoing device, which XDP does not know"},
      {"__sk_buff", "xdp_md", "len", "((__u32)((long)$B->data_end - (long)$B->data))", "", false,
       ""},
      {"__sk_buff", "xdp_md", "wire_len", "((__u32)((long)$B->data_end - (long)$B->data))", "",
       true, "wire_len counts GSO segments on the wire; XDP sees one frame"},
      {"__sk_buff", "xdp_md", "queue_mapping", "($B->rx_queue_index + 1)", "ingress", true,
       "queue_mapping is rx queue + 1 only when the driver recorded it"},
      // skb->protocol is what eth_type_trans() returned for the frame (test-run computes it
      // the same way): the Ethernet h_proto, read from the data behind a bounds check.
      {"__sk_buff", "xdp_md", "protocol", "BPFCARVE_XDP_PROTOCOL($B)", "", false, "",
       "skb->protocol became the frame's Ethernet type as eth_type_trans() computes it "
       "(h_proto; 802.3 length fields as ETH_P_802_3/ETH_P_802_2): equal wherever the skb's data "
       "still holds its VLAN tag (test-run, tc egress without offload); at real tc ingress the "
       "kernel has already moved an outer VLAN tag into metadata and skb->protocol is the inner "
       "type, while XDP sees the tag in the data and this reads 0x8100/0x88a8",
       "BPFCARVE_XDP_PROTOCOL"},
      {"__sk_buff", "xdp_md", "mark", "", "", false, "skb->mark has no XDP equivalent"},
      {"__sk_buff", "xdp_md", "priority", "", "", false, "skb->priority has no XDP equivalent"},
      {"__sk_buff", "xdp_md", "tc_index", "", "", false, "skb->tc_index has no XDP equivalent"},
      {"__sk_buff", "xdp_md", "tc_classid", "", "", false, "skb->tc_classid has no XDP equivalent"},
      {"__sk_buff", "xdp_md", "cb", "", "", false,
       "skb->cb is per-packet scratch space; XDP has none (a per-CPU map could replace it)"},
      {"__sk_buff", "xdp_md", "hash", "", "", false,
       "skb->hash needs the device-bound kfunc bpf_xdp_metadata_rx_hash at XDP"},
      {"__sk_buff", "xdp_md", "vlan_present", "", "", false,
       "at TC ingress the kernel moved the VLAN tag into skb metadata; XDP sees it in the data"},
      {"__sk_buff", "xdp_md", "vlan_tci", "", "", false,
       "at TC ingress the kernel moved the VLAN tag into skb metadata; XDP sees it in the data"},
      {"__sk_buff", "xdp_md", "vlan_proto", "", "", false,
       "at TC ingress the kernel moved the VLAN tag into skb metadata; XDP sees it in the data"},
      {"__sk_buff", "xdp_md", "pkt_type", "", "", false,
       "skb->pkt_type needs the device's MAC address; XDP has no such field"},
      {"__sk_buff", "xdp_md", "tstamp", "", "", false, "skb->tstamp has no XDP equivalent"},
      {"__sk_buff", "xdp_md", "hwtstamp", "", "", false,
       "skb->hwtstamp needs the device-bound kfunc bpf_xdp_metadata_rx_timestamp"},
      {"__sk_buff", "xdp_md", "napi_id", "", "", false, "skb->napi_id has no XDP equivalent"},
      {"__sk_buff", "xdp_md", "gso_segs", "", "", false, "XDP sees no GSO"},
      {"__sk_buff", "xdp_md", "gso_size", "", "", false, "XDP sees no GSO"},
      {"__sk_buff", "xdp_md", "sk", "", "", false, "XDP runs before any socket is known"},
      {"__sk_buff", "xdp_md", "flow_keys", "", "", false, "flow_keys exist only in flow_dissector"},
  };
  return Rules;
}

const std::vector<HelperRule> &helperRules() {
  static const std::vector<HelperRule> Rules = {
      // XDP -> TC
      {"xdp_md", "__sk_buff", "bpf_xdp_adjust_head", HelperAction::AdjustHead, "", "",
       "bpf_skb_adjust_room keeps the first 14 bytes: exact when the program rewrites the "
       "Ethernet header after the pop; skb->protocol must be IPv4/IPv6",
       false},
      // test_xdp_adjust_tail_grow.c: `offset = 4096; /* test too large offset, 4k page size */`
      // then `if (bpf_xdp_adjust_tail(xdp, offset)) return XDP_DROP;`: XDP refuses the grow,
      // bpf_skb_change_tail reallocates and succeeds. Exact for a delta known to be negative.
      {"xdp_md", "__sk_buff", "bpf_xdp_adjust_tail", HelperAction::AdjustTail, "", "",
       "bpf_xdp_adjust_tail fails to grow a frame past its tailroom (test-run: a 4 KiB page less "
       "256 bytes of headroom and 320 of skb_shared_info), bpf_skb_change_tail reallocates and "
       "succeeds: exact only for a delta known to be negative (a shrink)",
       false},
      {"xdp_md", "__sk_buff", "bpf_xdp_load_bytes", HelperAction::Rename, "bpf_skb_load_bytes", "",
       "", false},
      {"xdp_md", "__sk_buff", "bpf_xdp_store_bytes", HelperAction::AppendArgs,
       "bpf_skb_store_bytes", ", 0", "", false},
      {"xdp_md", "__sk_buff", "bpf_xdp_get_buff_len", HelperAction::ReplaceCall, "($0)->len", "", "",
       false},
      {"xdp_md", "__sk_buff", "bpf_xdp_adjust_meta", HelperAction::Refuse, "", "",
       "bpf_xdp_adjust_meta has no TC counterpart", false},
      // test_xdp_with_devmap_helpers.c: `return bpf_redirect_map(&dm_ports, 1, 0);`. TC has
      // no map redirect; the verifier lets a tc program look a devmap up, but a devmap belongs
      // to the first program type that uses it (hooks.md §3: an XDP and a tc user of one devmap
      // fail with EINVAL), so the tc side gets its own map from the same key to the ifindex.
      {"xdp_md", "__sk_buff", "bpf_redirect_map", HelperAction::RedirectMap,
       "BPFCARVE_REDIRECT_DEV", "",
       "tc has no map redirect: the call looks the key up in a generated hash map (key -> "
       "ifindex) that the control plane fills with the ifindexes it puts in the devmap, and "
       "redirects there with bpf_redirect(ifindex, 0); a devmap entry's own program "
       "(bpf_devmap_val.bpf_prog) does not run at tc",
       false},
      // TC -> XDP
      {"__sk_buff", "xdp_md", "bpf_skb_load_bytes", HelperAction::Rename, "bpf_xdp_load_bytes", "",
       "", false},
      {"__sk_buff", "xdp_md", "bpf_skb_pull_data", HelperAction::ReplaceCall, "0", "",
       "XDP data is linear: pulling is a no-op", false},
      {"__sk_buff", "xdp_md", "bpf_skb_change_tail", HelperAction::Refuse, "", "",
       "bpf_skb_change_tail takes the new length; the XDP form needs the delta", false},
      {"__sk_buff", "xdp_md", "bpf_skb_adjust_room", HelperAction::Refuse, "", "",
       "bpf_skb_adjust_room moves headers behind L2; XDP needs adjust_head and a move of the "
       "Ethernet header",
       false},
      {"__sk_buff", "xdp_md", "bpf_l3_csum_replace", HelperAction::Refuse, "", "",
       "XDP has no checksum-replace helpers", false},
      {"__sk_buff", "xdp_md", "bpf_l4_csum_replace", HelperAction::Refuse, "", "",
       "XDP has no checksum-replace helpers", false},
  };
  return Rules;
}

const char *supportMacro(std::string_view Name) {
  // Written for clang -target bpf; the output's includes come after them, so they name only
  // what a macro use expands to at the call site.
  static const std::vector<std::pair<std::string_view, const char *>> Macros = {
      // eth_type_trans(): h_proto when it is an Ethernet II type (>= ETH_P_802_3_MIN, 0x0600),
      // else ETH_P_802_3 (1) for a raw 802.3 frame (payload starts 0xFFFF), else ETH_P_802_2
      // (4); in network byte order like skb->protocol. A frame too short for an Ethernet header
      // has no type: 0.
      {"BPFCARVE_XDP_PROTOCOL",
       "/* bpfcarve retarget: skb->protocol at XDP, as eth_type_trans() computes it */\n"
       "#define BPFCARVE_XDP_PROTOCOL(x) ({ struct xdp_md *bpfcarve_x_ = (x); "
       "unsigned char *bpfcarve_d_ = (unsigned char *)(long)bpfcarve_x_->data; "
       "unsigned char *bpfcarve_e_ = (unsigned char *)(long)bpfcarve_x_->data_end; "
       "(__u32)(bpfcarve_d_ + 14 > bpfcarve_e_ ? 0 "
       ": ((bpfcarve_d_[12] << 8) | bpfcarve_d_[13]) >= 0x0600 ? *(__u16 *)(bpfcarve_d_ + 12) "
       ": (bpfcarve_d_ + 16 <= bpfcarve_e_ && bpfcarve_d_[14] == 0xff && bpfcarve_d_[15] == 0xff) "
       "? (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 0x0100 : 0x0001) "
       ": (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 0x0400 : 0x0004)); })"},
      // bpf_xdp_adjust_head(ctx, n) with n >= 0 at tc: bpf_skb_adjust_room(ctx, -n,
      // BPF_ADJ_ROOM_MAC, flags) removes the n bytes behind the Ethernet header. The byte that
      // then follows the Ethernet header tells the inner L3 header's version; its decap flag
      // makes skb->protocol follow it (include/uapi/linux/bpf.h: BPF_F_ADJ_ROOM_DECAP_L3_IPV4 =
      // (1ULL << 7), BPF_F_ADJ_ROOM_DECAP_L3_IPV6 = (1ULL << 8); Debian's 6.1 header lacks them,
      // vmlinux.h of a 6.18 kernel has them as enum constants, so the values are written here).
      {"BPFCARVE_SKB_POP",
       "/* bpfcarve retarget: bpf_xdp_adjust_head(ctx, n >= 0) at tc; the flag is "
       "BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7) or _IPV6 (1ULL << 8) by the inner IP version */\n"
       "#define BPFCARVE_SKB_POP(skb, n) ({ struct __sk_buff *bpfcarve_s_ = (skb); "
       "int bpfcarve_n_ = (n); unsigned char bpfcarve_v_ = 0; "
       "if (bpfcarve_n_ <= 0 || bpf_skb_load_bytes(bpfcarve_s_, 14 + bpfcarve_n_, &bpfcarve_v_, 1)) "
       "bpfcarve_v_ = 0; "
       "bpf_skb_adjust_room(bpfcarve_s_, -bpfcarve_n_, BPF_ADJ_ROOM_MAC, "
       "(bpfcarve_v_ >> 4) == 4 ? (1ULL << 7) : (bpfcarve_v_ >> 4) == 6 ? (1ULL << 8) : 0); })"},
      // bpf_redirect_map(devmap, key, flags) at tc: `fallback` is the tc code of the flags'
      // action bits, returned when the key has no ifindex.
      {"BPFCARVE_REDIRECT_DEV",
       "/* bpfcarve retarget: bpf_redirect_map() to a devmap at tc, through a key -> ifindex "
       "map */\n"
       "#define BPFCARVE_REDIRECT_DEV(map, key, fallback) ({ __u32 bpfcarve_k_ = (key); "
       "__u32 *bpfcarve_i_ = bpf_map_lookup_elem((map), &bpfcarve_k_); "
       "bpfcarve_i_ && *bpfcarve_i_ ? bpf_redirect(*bpfcarve_i_, 0) : (long)(fallback); })"},
  };
  for (const auto &[N, Def] : Macros)
    if (N == Name)
      return Def;
  return nullptr;
}

const std::vector<ReturnCodeAlias> &returnCodeAliases() {
  // test_check_mtu.c, SEC("tc"): `int retval = BPF_OK; /* Expected retval on successful test */`
  // and `retval = BPF_DROP;`, `retval = BPF_REDIRECT;`: enum bpf_ret_code (the lwt codes) has
  // the values of TC_ACT_OK, TC_ACT_SHOT and TC_ACT_REDIRECT.
  static const std::vector<ReturnCodeAlias> Aliases = {
      {"tc", "BPF_OK", "TC_ACT_OK"},
      {"tc", "BPF_DROP", "TC_ACT_SHOT"},
      {"tc", "BPF_REDIRECT", "TC_ACT_REDIRECT"},
  };
  return Aliases;
}

const SectionVariant *sectionVariant(std::string_view Section) {
  // libbpf 1.1's XDP sections besides "xdp" (test_xdp_update_frags.c: SEC("xdp.frags");
  // test_xdp_with_devmap_helpers.c: SEC("xdp/devmap"); test_xdp_with_cpumap_helpers.c:
  // SEC("xdp/cpumap"), SEC("xdp.frags/cpumap")).
  static constexpr std::string_view Devmap =
      "an xdp/devmap program runs on the egress device, for the frames redirected through a "
      "devmap entry (expected attach type BPF_XDP_DEVMAP): only tc egress runs there";
  static constexpr std::string_view DevmapCaveat =
      "tc egress runs for every packet that leaves the device, not only for the frames "
      "redirected through the devmap";
  static constexpr std::string_view Cpumap =
      "an xdp/cpumap program runs on the CPU a cpumap redirect chose, before the kernel builds "
      "the skb (expected attach type BPF_XDP_CPUMAP): no tc hook runs there";
  static const std::vector<SectionVariant> Variants = {
      {"xdp.frags", "xdp", "", "",
       "xdp.frags: XDP sees a multi-buffer frame's first buffer through ctx->data; at tc, "
       "bpf_skb_pull_data(ctx, 0) makes the whole packet linear (test-run frames are single "
       "buffers)"},
      {"xdp/devmap", "xdp", "egress", Devmap, DevmapCaveat},
      {"xdp.frags/devmap", "xdp", "egress", Devmap, DevmapCaveat},
      {"xdp/cpumap", "xdp", "", Cpumap, ""},
      {"xdp.frags/cpumap", "xdp", "", Cpumap, ""},
  };
  for (const SectionVariant &V : Variants)
    if (V.section == Section)
      return &V;
  return nullptr;
}

const std::vector<KfuncRule> &kfuncRules() {
  // test_bpf_nf.c: `nf_ct_test((void *)bpf_xdp_ct_lookup, (void *)bpf_xdp_ct_alloc, ctx);`
  // then `bpf_ct_release(ct);`, `bpf_ct_set_timeout(ct, 10000);`, ... The conntrack kfuncs are
  // registered for xdp and sched_cls alike (hooks.md §3); lookup and alloc take the ctx, and the
  // verifier wants the program's own ctx type there: bpf_xdp_ct_lookup(struct xdp_md *, ...) and
  // bpf_skb_ct_lookup(struct __sk_buff *, ...) have the same arguments otherwise.
  static constexpr std::string_view Neutral[] = {
      "bpf_ct_insert_entry", "bpf_ct_release",      "bpf_ct_set_timeout",
      "bpf_ct_change_timeout", "bpf_ct_set_status", "bpf_ct_change_status",
      "bpf_ct_set_nat_info", "bpf_dynptr_slice",    "bpf_dynptr_slice_rdwr",
  };
  static constexpr std::pair<std::string_view, std::string_view> Bound[] = {
      {"bpf_xdp_ct_lookup", "bpf_skb_ct_lookup"},
      {"bpf_xdp_ct_alloc", "bpf_skb_ct_alloc"},
      {"bpf_dynptr_from_xdp", "bpf_dynptr_from_skb"},
  };
  static const std::vector<KfuncRule> Rules = [] {
    std::vector<KfuncRule> R;
    for (std::string_view K : Neutral) {
      R.push_back({"xdp_md", "__sk_buff", K, K});
      R.push_back({"__sk_buff", "xdp_md", K, K});
    }
    for (auto [Xdp, Skb] : Bound) {
      R.push_back({"xdp_md", "__sk_buff", Xdp, Skb});
      R.push_back({"__sk_buff", "xdp_md", Skb, Xdp});
    }
    return R;
  }();
  return Rules;
}

const std::vector<BuiltinRule> &builtinRules() {
  // tailcall_bpf2bpf2.c: `if (load_byte(skb, 0))`, with bpf_legacy.h's
  // `unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");`
  // The verifier: "BPF_LD_[ABS|IND] instructions not allowed for this program type" (xdp). A
  // load past the packet ends the program with 0, which no expression can do at XDP.
  static constexpr std::string_view LdAbs =
      "compiles to a BPF_LD_ABS/BPF_LD_IND packet load (llvm.bpf.load.*), which only skb programs "
      "may contain; it ends the program with 0 when the offset is past the packet";
  static const std::vector<BuiltinRule> Rules = {
      {"load_byte", "__sk_buff", LdAbs},
      {"load_half", "__sk_buff", LdAbs},
      {"load_word", "__sk_buff", LdAbs},
  };
  return Rules;
}

const std::vector<PacketBaseRule> &packetBaseRules() {
  // skb->len counts from the base (cgroup_skb/socket/lwt see L3, tc/xdp L2); so do the offsets of
  // `bpf_skb_load_bytes(skb, 12, ...)`.
  static constexpr std::string_view Length =
      "{from} counts the packet from {from-base}, {to} from {to-base}: the length differs by the "
      "link-layer header";
  static constexpr std::string_view Offsets =
      "its offsets count from {from-base} at {from} and from {to-base} at {to} "
      "(bpf_skb_load_bytes_relative with BPF_HDR_START_NET is the same at both)";
  static const std::vector<PacketBaseRule> Rules = {
      {.kind = PacketBaseRule::CtxField, .name = "len", .reason = Length},
      {.kind = PacketBaseRule::CtxField, .name = "wire_len", .reason = Length},
      {.kind = PacketBaseRule::Helper, .name = "bpf_skb_load_bytes", .reason = Offsets},
      {.kind = PacketBaseRule::Helper, .name = "bpf_skb_store_bytes", .reason = Offsets},
  };
  return Rules;
}

const std::vector<HookPairRule> &hookPairRules() {
  // TC packets may be non-linear; XDP frames are not.
  static const std::vector<HookPairRule> Rules = {
      {.fromHook = "xdp",
       .toCtxStruct = "__sk_buff",
       .pullData = true,
       .caveats = {"VLAN: at real TC ingress the outer VLAN tag is already moved into skb "
                   "metadata (test-run does not do this)",
                   "GSO: TC may see GSO super-packets that XDP never sees"}},
  };
  return Rules;
}

const std::vector<std::string_view> &verdictHelpers() {
  // test_tc_peer.c: `return bpf_redirect(IFINDEX_DST, 0);` (hooks.md §2: the helper returns the
  // hook's own redirect code).
  static const std::vector<std::string_view> Helpers = {
      "bpf_redirect", "bpf_redirect_map", "bpf_redirect_neigh", "bpf_redirect_peer",
  };
  return Helpers;
}

std::string_view returnCodeHeader(std::string_view HookName) {
  static const std::vector<std::pair<std::string_view, std::string_view>> Headers = {
      {"tc", "linux/pkt_cls.h"},
  };
  for (const auto &[Hook, Header] : Headers)
    if (Hook == HookName)
      return Header;
  return {};
}

} // namespace bpfcarve::transformer
