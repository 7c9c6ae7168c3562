// ARGS: --function process
// KEEP: static __always_inline int helper\(int x\)
// KEEP: static long visit\(__u32 i, void \*c\)
// KEEP: bpf_loop\(4, visit
// KEEP: char LICENSE\[\] SEC\("license"\)
// DROP: unrelated
// DROP: SEC\("xdp"\)
/* Callees and callbacks are kept; what nothing reaches is not. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __always_inline int helper(int x)
{
	return x * 3;
}

static long visit(__u32 i, void *c)
{
	return 0;
}

static int unrelated(int y)
{
	return y - 1;
}

int process(int v)
{
	bpf_loop(4, visit, 0, 0);
	return helper(v);
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	return unrelated(process(1)) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
