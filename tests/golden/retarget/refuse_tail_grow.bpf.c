// ARGS: --to tc
// REFUSE: refuse_tail_grow.bpf.c:16:6: error: cannot retarget 'pad_frame' to tc: bpf_xdp_adjust_tail\(ctx, pad\): only an approximate rewrite exists: bpf_xdp_adjust_tail fails to grow a frame past its tailroom .*, and the delta's sign is unknown \(allow it with --allow-approx\)$
/* A grow past the XDP frame's tailroom fails; bpf_skb_change_tail reallocates and succeeds. With
 * the sign of the delta unknown, the rewrite is approximate. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int pad_frame(struct xdp_md *ctx)
{
	int len = ctx->data_end - ctx->data;
	int pad = 4096;

	if (len < 60)
		pad = 60 - len;
	if (bpf_xdp_adjust_tail(ctx, pad))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
