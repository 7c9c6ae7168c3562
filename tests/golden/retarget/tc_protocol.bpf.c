// ARGS: --to xdp
// KEEP: __u32 proto = BPFCARVE_XDP_PROTOCOL\(skb\);
// KEEP: if \(BPFCARVE_XDP_PROTOCOL\(skb\) == bpf_htons\(ETH_P_ARP\)\)
// KEEP: #define BPFCARVE_XDP_PROTOCOL\(x\)
// DROP: = skb->protocol;|skb->protocol ==
// DIFFRUN: pass --packets gen:ipv4
// DIFFRUN: pass --packets gen:ipv6
// DIFFRUN: pass --packets gen:vlan
// DIFFRUN: pass --packets gen:tunnels
// DIFFRUN: pass --packets ${DIR}/tc_protocol.802_3.pcap
/* skb->protocol at XDP: the Ethernet type of the frame as eth_type_trans() computes it (what
 * test-run gives the skb), read from the data behind a bounds check. Every frame counts under
 * its protocol, so equal maps mean equal values: VLAN-tagged frames (0x8100, 0x88a8: test-run
 * does not untag) and 802.3 frames (tc_protocol.802_3.pcap: an LLC BPDU -> ETH_P_802_2, a raw
 * 802.3 frame whose payload starts 0xFFFF -> ETH_P_802_3, a 15-byte frame with no SAP to read ->
 * ETH_P_802_2) included. One run per set whose frames both hooks can test-run (a frame only XDP
 * accepts would count on one side only). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} by_proto SEC(".maps");

SEC("tc")
int count_proto(struct __sk_buff *skb)
{
	__u32 proto = skb->protocol;
	__u64 one = 1, *n = bpf_map_lookup_elem(&by_proto, &proto);

	if (n)
		*n += 1;
	else
		bpf_map_update_elem(&by_proto, &proto, &one, BPF_ANY);
	if (skb->protocol == bpf_htons(ETH_P_ARP))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
