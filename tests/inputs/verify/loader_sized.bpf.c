/* A hash map whose definition leaves max_entries to its loader (systemd sizes its maps with
 * bpf_map__set_max_entries): verify creates it with max_entries 1 and says so. */
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
