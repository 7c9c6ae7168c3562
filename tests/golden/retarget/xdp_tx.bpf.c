// ARGS: --to tc
// KEEP: return bpf_redirect\(ctx->ifindex, 0\);
// DIFFRUN: pass
/* XDP_TX bounces the frame back out: at TC ingress, bpf_redirect(skb->ifindex, 0). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bounce(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 100 > data_end)
		return XDP_PASS;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
