/* bpf_skb_load_bytes is a TC helper; XDP may not call it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bpfcarve_t_helper(struct xdp_md *ctx)
{
	char buf[4];
	if (bpf_skb_load_bytes(ctx, 0, buf, sizeof(buf)))
		return XDP_ABORTED;
	return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
