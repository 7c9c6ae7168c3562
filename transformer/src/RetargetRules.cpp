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
      {"__sk_buff", "xdp_md", "protocol", "", "", false,
       "skb->protocol needs the Ethernet (and VLAN) header parsed: no XDP field holds it"},
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
      {"xdp_md", "__sk_buff", "bpf_xdp_adjust_tail", HelperAction::AdjustTail, "", "", "", false},
      {"xdp_md", "__sk_buff", "bpf_xdp_load_bytes", HelperAction::Rename, "bpf_skb_load_bytes", "",
       "", false},
      {"xdp_md", "__sk_buff", "bpf_xdp_store_bytes", HelperAction::AppendArgs,
       "bpf_skb_store_bytes", ", 0", "", false},
      {"xdp_md", "__sk_buff", "bpf_xdp_get_buff_len", HelperAction::ReplaceCall, "($0)->len", "", "",
       false},
      {"xdp_md", "__sk_buff", "bpf_xdp_adjust_meta", HelperAction::Refuse, "", "",
       "bpf_xdp_adjust_meta has no TC counterpart", false},
      {"xdp_md", "__sk_buff", "bpf_redirect_map", HelperAction::Refuse, "", "",
       "bpf_redirect_map to a devmap/cpumap/xskmap needs a TC-side map that bpfcarve does not "
       "generate yet",
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
