// ARGS: --to tc
// KEEP: SEC\("tc"\)
// KEEP: bpf_skb_load_bytes\(ctx, 12, &proto, sizeof\(proto\)\)
// DIFFRUN: pass
/* An xdp.frags (multi-buffer) program reads through bpf_xdp_load_bytes: at tc, the skb form. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp.frags")
int arp_only(struct xdp_md *ctx)
{
	__be16 proto;

	if (bpf_xdp_load_bytes(ctx, 12, &proto, sizeof(proto)))
		return XDP_DROP;
	return proto == bpf_htons(ETH_P_ARP) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
