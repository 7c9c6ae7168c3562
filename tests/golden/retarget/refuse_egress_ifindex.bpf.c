// ARGS: --to tc --direction egress
// REFUSE: refuse_egress_ifindex.bpf.c:10:9: error: cannot retarget 'by_port' to tc: ctx->ingress_ifindex: at TC egress, ingress_ifindex is .*
/* At TC egress, ingress_ifindex means something else: refused for --direction egress. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int by_port(struct xdp_md *ctx)
{
	return ctx->ingress_ifindex == 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
