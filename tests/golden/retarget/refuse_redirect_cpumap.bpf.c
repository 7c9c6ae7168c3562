// ARGS: --to tc
// REFUSE: refuse_redirect_cpumap.bpf.c:17:9: error: cannot retarget 'to_cpu' to tc: bpf_redirect_map\(&cpus, \.\.\.\): cpus is a cpumap: it hands the frame to another CPU before any skb exists; tc has no counterpart
/* A cpumap redirect has no tc counterpart: refused (devmaps are rewritten, redirect_devmap.bpf.c). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpus SEC(".maps");

SEC("xdp")
int to_cpu(struct xdp_md *ctx)
{
	return bpf_redirect_map(&cpus, 0, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
