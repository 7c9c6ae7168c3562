//===- RetargetRules.cpp - the translation tables (hooks.md §1-3) ---------===//
#include "RetargetRules.h"

namespace bpfcarve::transformer {

const std::vector<FieldRule> &fieldRules() {
  static const std::vector<FieldRule> Rules = {
      // XDP -> skb hooks (xdp_md -> __sk_buff)
      {.fromStruct = "xdp_md", .toStruct = "__sk_buff", .field = "data", .to = "data"},
      {.fromStruct = "xdp_md", .toStruct = "__sk_buff", .field = "data_end", .to = "data_end"},
      {.fromStruct = "xdp_md", .toStruct = "__sk_buff", .field = "data_meta", .to = "data_meta"},
      {.fromStruct = "xdp_md",
       .toStruct = "__sk_buff",
       .field = "ingress_ifindex",
       .to = "ingress_ifindex",
       .onlyDirection = "ingress",
       .reason = "at TC egress, ingress_ifindex is the interface the packet originally came in "
                 "on (0 when locally generated), not the current one"},
      {.fromStruct = "xdp_md",
       .toStruct = "__sk_buff",
       .field = "rx_queue_index",
       .to = "($B->queue_mapping ? $B->queue_mapping - 1 : 0)",
       .approximate = true,
       .reason = "skb->queue_mapping holds rx queue + 1 only when the driver recorded it"},
      {.fromStruct = "xdp_md",
       .toStruct = "__sk_buff",
       .field = "egress_ifindex",
       .to = "ifindex",
       .onlyDirection = "egress",
       .reason = "egress_ifindex exists only for devmap programs; at TC ingress there is no "
                 "egress device"},
      // skb hooks -> XDP (__sk_buff -> xdp_md)
      {.fromStruct = "__sk_buff", .toStruct = "xdp_md", .field = "data", .to = "data"},
      {.fromStruct = "__sk_buff", .toStruct = "xdp_md", .field = "data_end", .to = "data_end"},
      {.fromStruct = "__sk_buff", .toStruct = "xdp_md", .field = "data_meta", .to = "data_meta"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "ingress_ifindex",
       .to = "ingress_ifindex"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "ifindex",
       .to = "ingress_ifindex",
       .onlyDirection = "ingress",
       .reason = "at TC egress, skb->ifindex is the outgoing device, which XDP does not know"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "len",
       .to = "((__u32)((long)$B->data_end - (long)$B->data))"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "wire_len",
       .to = "((__u32)((long)$B->data_end - (long)$B->data))",
       .approximate = true,
       .reason = "wire_len counts GSO segments on the wire; XDP sees one frame"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "queue_mapping",
       .to = "($B->rx_queue_index + 1)",
       .onlyDirection = "ingress",
       .approximate = true,
       .reason = "queue_mapping is rx queue + 1 only when the driver recorded it"},
      // skb->protocol is what eth_type_trans() returned for the frame (test-run computes it
      // the same way): the Ethernet h_proto, read from the data behind a bounds check.
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "protocol",
       .to = "BPFCARVE_XDP_PROTOCOL($B)",
       .caveat = "skb->protocol became the frame's Ethernet type as eth_type_trans() computes it "
                 "(h_proto; 802.3 length fields as ETH_P_802_3/ETH_P_802_2): equal wherever the "
                 "skb's data still holds its VLAN tag (test-run, tc egress without offload); at "
                 "real tc ingress the kernel has already moved an outer VLAN tag into metadata "
                 "and skb->protocol is the inner type, while XDP sees the tag in the data and "
                 "this reads 0x8100/0x88a8",
       .support = "BPFCARVE_XDP_PROTOCOL"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "mark",
       .reason = "skb->mark has no XDP equivalent"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "priority",
       .reason = "skb->priority has no XDP equivalent"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "tc_index",
       .reason = "skb->tc_index has no XDP equivalent"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "tc_classid",
       .reason = "skb->tc_classid has no XDP equivalent"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "cb",
       .reason = "skb->cb is per-packet scratch space; XDP has none (a per-CPU map could replace "
                 "it)"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "hash",
       .reason = "skb->hash needs the device-bound kfunc bpf_xdp_metadata_rx_hash at XDP"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "vlan_present",
       .reason = "at TC ingress the kernel moved the VLAN tag into skb metadata; XDP sees it in "
                 "the data"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "vlan_tci",
       .reason = "at TC ingress the kernel moved the VLAN tag into skb metadata; XDP sees it in "
                 "the data"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "vlan_proto",
       .reason = "at TC ingress the kernel moved the VLAN tag into skb metadata; XDP sees it in "
                 "the data"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "pkt_type",
       .reason = "skb->pkt_type needs the device's MAC address; XDP has no such field"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "tstamp",
       .reason = "skb->tstamp has no XDP equivalent"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "hwtstamp",
       .reason = "skb->hwtstamp needs the device-bound kfunc bpf_xdp_metadata_rx_timestamp"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "napi_id",
       .reason = "skb->napi_id has no XDP equivalent"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "gso_segs",
       .reason = "XDP sees no GSO"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "gso_size",
       .reason = "XDP sees no GSO"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "sk",
       .reason = "XDP runs before any socket is known"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .field = "flow_keys",
       .reason = "flow_keys exist only in flow_dissector"},
  };
  return Rules;
}

const std::vector<HelperRule> &helperRules() {
  static const std::vector<HelperRule> Rules = {
      // XDP -> TC
      {.fromStruct = "xdp_md",
       .toStruct = "__sk_buff",
       .helper = "bpf_xdp_adjust_head",
       .action = HelperAction::AdjustHead,
       .reason = "bpf_skb_adjust_room keeps the first 14 bytes: exact when the program rewrites "
                 "the Ethernet header after the pop; skb->protocol must be IPv4/IPv6"},
      // test_xdp_adjust_tail_grow.c: `offset = 4096; /* test too large offset, 4k page size */`
      // then `if (bpf_xdp_adjust_tail(xdp, offset)) return XDP_DROP;`: XDP refuses the grow,
      // bpf_skb_change_tail reallocates and succeeds. Exact for a delta known to be negative.
      {.fromStruct = "xdp_md",
       .toStruct = "__sk_buff",
       .helper = "bpf_xdp_adjust_tail",
       .action = HelperAction::AdjustTail,
       .reason = "bpf_xdp_adjust_tail fails to grow a frame past its tailroom (test-run: a 4 KiB "
                 "page less 256 bytes of headroom and 320 of skb_shared_info), "
                 "bpf_skb_change_tail reallocates and succeeds: exact only for a delta known to "
                 "be negative (a shrink)"},
      {.fromStruct = "xdp_md",
       .toStruct = "__sk_buff",
       .helper = "bpf_xdp_load_bytes",
       .action = HelperAction::Rename,
       .to = "bpf_skb_load_bytes"},
      {.fromStruct = "xdp_md",
       .toStruct = "__sk_buff",
       .helper = "bpf_xdp_store_bytes",
       .action = HelperAction::AppendArgs,
       .to = "bpf_skb_store_bytes",
       .extra = ", 0"},
      {.fromStruct = "xdp_md",
       .toStruct = "__sk_buff",
       .helper = "bpf_xdp_get_buff_len",
       .action = HelperAction::ReplaceCall,
       .to = "($0)->len"},
      {.fromStruct = "xdp_md",
       .toStruct = "__sk_buff",
       .helper = "bpf_xdp_adjust_meta",
       .action = HelperAction::Refuse,
       .reason = "bpf_xdp_adjust_meta has no TC counterpart"},
      // test_xdp_with_devmap_helpers.c: `return bpf_redirect_map(&dm_ports, 1, 0);`. TC has
      // no map redirect; the verifier lets a tc program look a devmap up, but a devmap belongs
      // to the first program type that uses it (hooks.md §3: an XDP and a tc user of one devmap
      // fail with EINVAL), so the tc side gets its own map from the same key to the ifindex.
      {.fromStruct = "xdp_md",
       .toStruct = "__sk_buff",
       .helper = "bpf_redirect_map",
       .action = HelperAction::RedirectMap,
       .to = "BPFCARVE_REDIRECT_DEV",
       .reason = "tc has no map redirect: the call looks the key up in a generated hash map (key "
                 "-> ifindex) that the control plane fills with the ifindexes it puts in the "
                 "devmap, and redirects there with bpf_redirect(ifindex, 0); a devmap entry's "
                 "own program (bpf_devmap_val.bpf_prog) does not run at tc"},
      // TC -> XDP
      // samples/bpf/tcbpf1_kern.c: `return bpf_redirect(skb->ifindex, BPF_F_INGRESS);` puts
      // the packet on a device's ingress; XDP's bpf_redirect only sends a frame out of a device
      // and aborts on any flag (the kernel's xdp bpf_redirect: flags must be 0).
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .helper = "bpf_redirect",
       .action = HelperAction::ZeroFlags,
       .reason = "xdp's bpf_redirect only sends a frame out of a device and takes no flags "
                 "(BPF_F_INGRESS has no XDP counterpart)",
       .arg = 1},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .helper = "bpf_skb_load_bytes",
       .action = HelperAction::Rename,
       .to = "bpf_xdp_load_bytes"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .helper = "bpf_skb_pull_data",
       .action = HelperAction::ReplaceCall,
       .to = "0",
       .reason = "XDP data is linear: pulling is a no-op"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .helper = "bpf_skb_change_tail",
       .action = HelperAction::Refuse,
       .reason = "bpf_skb_change_tail takes the new length; the XDP form needs the delta"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .helper = "bpf_skb_adjust_room",
       .action = HelperAction::Refuse,
       .reason = "bpf_skb_adjust_room moves headers behind L2; XDP needs adjust_head and a move "
                 "of the Ethernet header"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .helper = "bpf_l3_csum_replace",
       .action = HelperAction::Refuse,
       .reason = "XDP has no checksum-replace helpers"},
      {.fromStruct = "__sk_buff",
       .toStruct = "xdp_md",
       .helper = "bpf_l4_csum_replace",
       .action = HelperAction::Refuse,
       .reason = "XDP has no checksum-replace helpers"},
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
       "if (bpfcarve_n_ <= 0 || "
       "bpf_skb_load_bytes(bpfcarve_s_, 14 + bpfcarve_n_, &bpfcarve_v_, 1)) bpfcarve_v_ = 0; "
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
      {.hook = "tc", .name = "BPF_OK", .code = "TC_ACT_OK"},
      {.hook = "tc", .name = "BPF_DROP", .code = "TC_ACT_SHOT"},
      {.hook = "tc", .name = "BPF_REDIRECT", .code = "TC_ACT_REDIRECT"},
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
      {.section = "xdp.frags",
       .base = "xdp",
       .caveat = "xdp.frags: XDP sees a multi-buffer frame's first buffer through ctx->data; at "
                 "tc, bpf_skb_pull_data(ctx, 0) makes the whole packet linear (test-run frames "
                 "are single buffers)"},
      {.section = "xdp/devmap",
       .base = "xdp",
       .onlyDirection = "egress",
       .reason = Devmap,
       .caveat = DevmapCaveat},
      {.section = "xdp.frags/devmap",
       .base = "xdp",
       .onlyDirection = "egress",
       .reason = Devmap,
       .caveat = DevmapCaveat},
      {.section = "xdp/cpumap", .base = "xdp", .reason = Cpumap},
      {.section = "xdp.frags/cpumap", .base = "xdp", .reason = Cpumap},
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
      "bpf_ct_insert_entry",   "bpf_ct_release",    "bpf_ct_set_timeout",
      "bpf_ct_change_timeout", "bpf_ct_set_status", "bpf_ct_change_status",
      "bpf_ct_set_nat_info",   "bpf_dynptr_slice",  "bpf_dynptr_slice_rdwr",
  };
  static constexpr std::pair<std::string_view, std::string_view> Bound[] = {
      {"bpf_xdp_ct_lookup", "bpf_skb_ct_lookup"},
      {"bpf_xdp_ct_alloc", "bpf_skb_ct_alloc"},
      {"bpf_dynptr_from_xdp", "bpf_dynptr_from_skb"},
  };
  static const std::vector<KfuncRule> Rules = [] {
    std::vector<KfuncRule> R;
    for (std::string_view K : Neutral) {
      R.push_back({.fromStruct = "xdp_md", .toStruct = "__sk_buff", .kfunc = K, .to = K});
      R.push_back({.fromStruct = "__sk_buff", .toStruct = "xdp_md", .kfunc = K, .to = K});
    }
    for (auto [Xdp, Skb] : Bound) {
      R.push_back({.fromStruct = "xdp_md", .toStruct = "__sk_buff", .kfunc = Xdp, .to = Skb});
      R.push_back({.fromStruct = "__sk_buff", .toStruct = "xdp_md", .kfunc = Skb, .to = Xdp});
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
      {.name = "load_byte", .ctxStruct = "__sk_buff", .reason = LdAbs},
      {.name = "load_half", .ctxStruct = "__sk_buff", .reason = LdAbs},
      {.name = "load_word", .ctxStruct = "__sk_buff", .reason = LdAbs},
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
      "bpf_redirect",
      "bpf_redirect_map",
      "bpf_redirect_neigh",
      "bpf_redirect_peer",
  };
  return Helpers;
}

} // namespace bpfcarve::transformer
