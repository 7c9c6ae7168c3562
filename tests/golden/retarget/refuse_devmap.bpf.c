// ARGS: --to tc
// REFUSE: refuse_devmap.bpf.c:7:5: error: cannot retarget 'on_egress' to tc: SEC\("xdp/devmap"\): an xdp/devmap program runs on the egress device, .*only tc egress runs there \(--direction ingress\)$
/* A devmap program runs where a devmap redirect sends the frame: never at tc ingress. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp/devmap")
int on_egress(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
