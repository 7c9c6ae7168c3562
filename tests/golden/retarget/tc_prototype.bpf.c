// ARGS: --to xdp
// KEEP: static int classify\(struct xdp_md \*ctx\);
// KEEP: static __attribute__\(\(noinline\)\) int classify\(struct xdp_md \*ctx\)
// DIFFRUN: pass
/* A prototype names the ctx type too: rewritten like the definition. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

static int classify(struct __sk_buff *ctx);

SEC("tc")
int drop_arp(struct __sk_buff *ctx)
{
	return classify(ctx);
}

static __attribute__((noinline)) int classify(struct __sk_buff *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	return eth->h_proto == bpf_htons(ETH_P_ARP) ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
