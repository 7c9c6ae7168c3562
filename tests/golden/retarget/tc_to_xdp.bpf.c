// ARGS: --to xdp
// KEEP: SEC\("xdp"\)
// KEEP: bpf_xdp_load_bytes\(skb, 12, &proto, sizeof\(proto\)\)
// KEEP: \(\(__u32\)\(\(long\)skb->data_end - \(long\)skb->data\)\) < 64
// KEEP: return XDP_DROP;
// DIFFRUN: pass
/* TC -> XDP: skb->len is synthesised from data/data_end, skb loads become XDP loads. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("tc")
int small_or_arp(struct __sk_buff *skb)
{
	__u16 proto;

	if (skb->len < 64)
		return TC_ACT_SHOT;
	if (bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)))
		return TC_ACT_OK;
	return proto == bpf_htons(0x0806) ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
