// ARGS: --to tc
// REFUSE: refuse_redirect_broadcast.bpf.c:23:9: error: cannot retarget 'fwd' to tc: bpf_redirect_map\(\.\.\., BPF_F_BROADCAST \| BPF_F_EXCLUDE_INGRESS\): flags beyond the fallback action \(BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS\) redirect to several devices at once: bpf_redirect sends to one
/* A devmap broadcast sends a copy to every device of the map: bpf_redirect at tc has one
 * device, so it is refused. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef BPF_F_BROADCAST
#define BPF_F_BROADCAST (1ULL << 3)
#define BPF_F_EXCLUDE_INGRESS (1ULL << 4)
#endif

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} ports SEC(".maps");

SEC("xdp")
int fwd(struct xdp_md *ctx)
{
	return bpf_redirect_map(&ports, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
}

char LICENSE[] SEC("license") = "GPL";
