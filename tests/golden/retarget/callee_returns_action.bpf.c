// ARGS: --to tc
// KEEP: return ip->ttl <= 1 \? TC_ACT_SHOT : TC_ACT_OK;
// KEEP: return TC_ACT_OK;
// KEEP: return 7;
// KEEP: return decide\(ctx\);
// DIFFRUN: pass
/* A callee returns the action; its other values (7: "keep looking") stay as they are. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

static __attribute__((noinline)) int decide(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return 7;
	return ip->ttl <= 1 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int ttl_guard(struct xdp_md *ctx)
{
	int v = decide(ctx);
	if (v == 7)
		return XDP_PASS;
	return decide(ctx);
}

char LICENSE[] SEC("license") = "GPL";
