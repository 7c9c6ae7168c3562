// ARGS: --to tc
// KEEP: return BPFCARVE_XDP_TX;
// KEEP: if \(ret != BPFCARVE_XDP_TX\)
// KEEP: return BPFCARVE_TC_RETURN\(ctx, ret\);
// KEEP: #define BPFCARVE_XDP_TX 3
// DROP: (return|[!=]=) XDP_TX\b
// DIFFRUN: pass
/* XDP_TX as a value: a callee without the ctx returns it as a status, the entry compares it and
 * returns it. Only the entry's returns turn it into bpf_redirect(skb->ifindex, 0). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/icmp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define XDP_PASS_MARK 7

static __attribute__((noinline)) int echo_request(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct icmphdr *icmp = (void *)(ip + 1);

	if ((void *)(icmp + 1) > data_end)
		return XDP_PASS_MARK;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 || ip->protocol != IPPROTO_ICMP)
		return XDP_PASS_MARK;
	if (icmp->type != ICMP_ECHO)
		return XDP_DROP;
	return XDP_TX;
}

SEC("xdp")
int echo_bounce(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int ret = echo_request(data, data_end);

	if (ret == XDP_PASS_MARK)
		return XDP_PASS;
	if (ret != XDP_TX)
		return XDP_DROP;
	return ret; /* the echo request goes back out */
}

char LICENSE[] SEC("license") = "GPL";
