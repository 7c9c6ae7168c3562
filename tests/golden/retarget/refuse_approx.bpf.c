// ARGS: --to tc
// REFUSE: refuse_approx.bpf.c:10:9: error: cannot retarget 'queue' to tc: ctx->rx_queue_index: only an approximate rewrite exists: .* \(allow it with --allow-approx\)
/* rx_queue_index has only an approximate TC counterpart: refused without --allow-approx. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int queue(struct xdp_md *ctx)
{
	return ctx->rx_queue_index == 0 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
