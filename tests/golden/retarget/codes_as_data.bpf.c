// ARGS: --to tc
// KEEP: return BPFCARVE_VERDICT\(ctx, record_action\(ctx, action\)\);
// KEEP: __u32 action = XDP_PASS;
// DIFFRUN: pass
/* An XDP action used as data: a counter map keyed by the action the program returns. The
 * actions keep their XDP values inside the program; the entry translates what it returns. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} action_count SEC(".maps");

static __always_inline __u32 record_action(struct xdp_md *ctx, __u32 action)
{
	__u64 *n;

	if (action > XDP_REDIRECT)
		return XDP_ABORTED;
	n = bpf_map_lookup_elem(&action_count, &action);
	if (n)
		__sync_fetch_and_add(n, 1);
	return action;
}

SEC("xdp")
int count_actions(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 action = XDP_PASS;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		action = XDP_DROP;
	return record_action(ctx, action);
}

char LICENSE[] SEC("license") = "GPL";
