// ARGS: --to tc --allow-approx
// KEEP: \(ctx->queue_mapping \? ctx->queue_mapping - 1 : 0\) == 0
/* The same program with --allow-approx: rewritten, and listed as an approximation. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int queue(struct xdp_md *ctx)
{
	return ctx->rx_queue_index == 0 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
