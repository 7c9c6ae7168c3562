// ARGS: --to tc
// KEEP: bpf_skb_change_head\(ctx, -\(-\(int\)sizeof\(struct iphdr\)\), 0\)
// KEEP: bpf_skb_pull_data\(ctx, 0\)
// DIFFRUN: pass
/* An IPIP-style push: bpf_xdp_adjust_head with a negative delta becomes bpf_skb_change_head. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp")
int push_ip(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ethhdr saved;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	__builtin_memcpy(&saved, eth, sizeof(saved));
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	struct iphdr *outer = (void *)(eth + 1);
	if ((void *)(outer + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth, &saved, sizeof(saved));
	__builtin_memset(outer, 0, sizeof(*outer));
	outer->version = 4;
	outer->ihl = 5;
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
