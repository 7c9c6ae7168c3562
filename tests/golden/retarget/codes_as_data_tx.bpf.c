// ARGS: --to tc
// KEEP: int action = XDP_PASS;
// KEEP: action = XDP_TX;
// KEEP: bpfcarve_v_ == 3 /\* XDP_TX \*/ \? \(int\)bpf_redirect\(\(ctx\)->ifindex, 0\)
// KEEP: return BPFCARVE_VERDICT\(skb_or_frame, tally\(action\)\);
// DIFFRUN: pass
/* XDP_TX as data: a per-action packet count, and a bounce of IPv4 frames with their MACs
 * swapped. The count keeps XDP's numbers; the entry's return turns XDP_TX into
 * bpf_redirect(skb->ifindex, 0). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} per_action SEC(".maps");

static __always_inline int tally(int action)
{
	__u32 key = action;
	__u64 *n = bpf_map_lookup_elem(&per_action, &key);

	if (n)
		*n += 1;
	return action;
}

SEC("xdp")
int bounce_v4(struct xdp_md *skb_or_frame)
{
	void *data = (void *)(long)skb_or_frame->data;
	void *data_end = (void *)(long)skb_or_frame->data_end;
	struct ethhdr *eth = data;
	unsigned char tmp[ETH_ALEN];
	int action = XDP_PASS;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
		__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
		__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
		action = XDP_TX;
	}
	return tally(action);
}

char LICENSE[] SEC("license") = "GPL";
