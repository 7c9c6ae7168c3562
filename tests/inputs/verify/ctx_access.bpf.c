/* egress_ifindex is readable only by devmap programs (expected attach type BPF_XDP_DEVMAP). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bpfcarve_t_ctx(struct xdp_md *ctx)
{
	return ctx->egress_ifindex ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
