// ARGS: --to tc
// REFUSE: refuse_vlan_pop.bpf.c:23:6: error: cannot retarget 'vlan_strip' to tc: bpf_xdp_adjust_head: pops headers of a program that tests for a VLAN ethertype \(ETH_P_8021Q at refuse_vlan_pop.bpf.c:20\): at tc the stack has already moved the outer VLAN tag into skb->vlan_tci, the frame holds none to pop \(tc removes it with bpf_skb_vlan_pop\)$
/* An XDP VLAN pop: test the ethertype for ETH_P_8021Q, move the MACs 4 bytes on, adjust the head
 * by 4. At tc ingress the stack has already moved the tag into skb->vlan_tci: the frame holds no
 * tag, and bpf_skb_adjust_room would remove 4 bytes of the IP header. Refused. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp")
int vlan_strip(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if (data + sizeof(*eth) + 4 > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_8021Q))
		return XDP_PASS;
	__builtin_memmove(data + 4, data, 12);
	if (bpf_xdp_adjust_head(ctx, 4))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
