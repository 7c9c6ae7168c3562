/* A hash map with max_entries 0 cannot be created without user space sizing it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 0);
	__type(key, __u32);
	__type(value, __u32);
} bpfcarve_t_unsized SEC(".maps");

SEC("xdp")
int bpfcarve_t_mapc(struct xdp_md *ctx)
{
	__u32 k = 0;
	return bpf_map_lookup_elem(&bpfcarve_t_unsized, &k) ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
