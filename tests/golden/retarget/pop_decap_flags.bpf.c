// ARGS: --to tc
// KEEP: if \(BPFCARVE_SKB_POP\(ctx, \(int\)outer\)\)
// KEEP: #define BPFCARVE_SKB_POP\(skb, n\) .*bpf_skb_adjust_room\(bpfcarve_s_, -bpfcarve_n_, BPF_ADJ_ROOM_MAC, \(bpfcarve_v_ >> 4\) == 4 \? \(1ULL << 7\) : \(bpfcarve_v_ >> 4\) == 6 \? \(1ULL << 8\) : 0\)
// DROP: if \(bpf_xdp_adjust_head
// DIFFRUN: pass --packets gen:tunnels
// DIFFRUN: pass --packets ${DIR}/pop_decap_flags.small-inner.pcap
/* An IP-in-IP decap (IPIP, IP6IP6, 4in6, 6in4): the pop becomes bpf_skb_adjust_room with
 * BPF_F_ADJ_ROOM_DECAP_L3_IPV4 or _IPV6 after the version of the header the pop uncovers, so
 * skb->protocol follows the inner header (the flags' values are written out: Debian's 6.1 UAPI
 * header lacks them). The inner family is only known per packet here: one pop serves both.
 * pop_decap_flags.small-inner.pcap holds a 4in6 frame whose inner IPv4 packet (28 bytes) is
 * shorter than an IPv6 header: with flags 0 bpf_skb_adjust_room measures it against the outer
 * IPv6 header and fails (-ENOTSUPP, the frame dropped) where XDP decapsulates it; with
 * BPF_F_ADJ_ROOM_DECAP_L3_IPV4 both pass the same bytes. Also 6in4 and IPIP. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp")
int ipip_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ethhdr saved;
	__u32 outer;
	__u8 next;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > data_end || iph->ihl != 5)
			return XDP_PASS;
		outer = sizeof(*iph);
		next = iph->protocol;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		outer = sizeof(*ip6);
		next = ip6->nexthdr;
	} else {
		return XDP_PASS;
	}
	if (next != IPPROTO_IPIP && next != IPPROTO_IPV6)
		return XDP_PASS;
	__builtin_memcpy(&saved, eth, sizeof(saved));
	saved.h_proto = next == IPPROTO_IPIP ? bpf_htons(ETH_P_IP) : bpf_htons(ETH_P_IPV6);
	if (bpf_xdp_adjust_head(ctx, (int)outer))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth, &saved, sizeof(*eth));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
