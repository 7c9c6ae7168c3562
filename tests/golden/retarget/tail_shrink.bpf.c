// ARGS: --to tc
// KEEP: bpf_skb_change_tail\(ctx, \(ctx\)->len \+ \(-\(int\)sizeof\(__u32\)\), 0\)
// DIFFRUN: pass
/* A shrink (a delta known to be negative) is exact: bpf_skb_change_tail to the shorter length. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp")
int strip_trailer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return XDP_PASS;
	if (bpf_xdp_adjust_tail(ctx, -(int)sizeof(__u32)))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
