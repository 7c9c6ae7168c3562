// ARGS: --to tc
// KEEP: \} tx_port SEC\("\.maps"\); struct \{ __uint\(type, BPF_MAP_TYPE_HASH\); __type\(key, __u32\); __type\(value, __u32\); __uint\(max_entries, 8\); \} tx_port_tc SEC\("\.maps"\);
// KEEP: return BPFCARVE_REDIRECT_DEV\(&tx_port_tc, key, TC_ACT_SHOT\);
// KEEP: #define BPFCARVE_REDIRECT_DEV\(map, key, fallback\)
// DROP: return bpf_redirect_map
// DIFFRUN: pass --packets gen:all --maps ${DIR}/redirect_devmap.seed.json
/* bpf_redirect_map to a devmap at tc: a generated hash map from the devmap's keys to the ifindex
 * (tx_port_tc, filled like tx_port by the control plane; the seed fills both) and
 * bpf_redirect(ifindex, 0), or the fallback action of the flags' low bits (XDP_DROP ->
 * TC_ACT_SHOT) when the key has no device. The frame length picks the key: keys 0-3 have a
 * device (lo), 4-7 do not. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 8);
} tx_port SEC(".maps");

SEC("xdp")
int redirect_by_len(struct xdp_md *ctx)
{
	__u32 key = (ctx->data_end - ctx->data) & 7;

	return bpf_redirect_map(&tx_port, key, XDP_DROP);
}

char LICENSE[] SEC("license") = "GPL";
