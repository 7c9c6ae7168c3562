/* A hash of maps whose inner map its loader supplies (bpf_map__set_inner_map_fd): without one
 * the kernel cannot create it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
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
