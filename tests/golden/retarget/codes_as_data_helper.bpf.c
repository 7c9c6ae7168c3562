// ARGS: --to tc
// KEEP: return BPFCARVE_VERDICT\(ctx, counted\(BPFCARVE_SOURCE_VERDICT\(bpf_redirect\(2, 0\)\)\)\);
// DIFFRUN: pass
/* A verdict helper's result counted in a map keyed by XDP actions: at tc bpf_redirect returns
 * TC_ACT_REDIRECT or TC_ACT_SHOT, which the map must count as XDP_REDIRECT or XDP_DROP. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} outcomes SEC(".maps");

static __always_inline int counted(__u32 outcome)
{
	__u64 *n = bpf_map_lookup_elem(&outcomes, &outcome);

	if (n)
		__sync_fetch_and_add(n, 1);
	return outcome;
}

SEC("xdp")
int forward_counted(struct xdp_md *ctx)
{
	if (ctx->ingress_ifindex == 1)
		return counted(XDP_PASS);
	return counted(bpf_redirect(2, 0));
}

char LICENSE[] SEC("license") = "GPL";
