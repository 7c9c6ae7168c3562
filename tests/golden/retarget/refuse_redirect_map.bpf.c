// ARGS: --to tc
// REFUSE: refuse_redirect_map.bpf.c:17:9: error: cannot retarget 'fwd' to tc: bpf_redirect_map: bpf_redirect_map to a devmap/cpumap/xskmap needs a TC-side map .*
/* A devmap redirect has no TC equivalent without a second map: refused. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} ports SEC(".maps");

SEC("xdp")
int fwd(struct xdp_md *ctx)
{
	return bpf_redirect_map(&ports, 0, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
