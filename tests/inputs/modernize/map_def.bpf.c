/* Maps in the old libbpf style: struct bpf_map_def in SEC("maps"), which libbpf 1.0 no longer
 * opens. The struct is declared here, as code of that time took it from an old bpf_helpers.h. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") frame_count = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

struct bpf_map_def SEC("maps") seen_flows = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u64),
	.value_size = sizeof(__u32),
	.max_entries = 1024,
	.map_flags = BPF_F_NO_PREALLOC,
};

SEC("xdp")
int count_frames(struct xdp_md *ctx)
{
	__u32 key = ctx->rx_queue_index & 3;
	__u64 flow = ctx->ingress_ifindex;
	__u32 one = 1;
	__u64 *n = bpf_map_lookup_elem(&frame_count, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	bpf_map_update_elem(&seen_flows, &flow, &one, BPF_ANY);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
