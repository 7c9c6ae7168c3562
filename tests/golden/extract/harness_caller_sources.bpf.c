// ARGS: --function classify --harness tc
// VERIFY: pass
// KEEP: /\* classify\(md\): its callers pass their ctx \*/
// KEEP: /\* classify\(start\): its callers pass ctx->data \*/
// KEEP: /\* classify\(stop\): its callers pass ctx->data_end \*/
// KEEP: bpfcarve_ret = classify\(ctx, bpfcarve_data, bpfcarve_data_end\);
/* Untyped parameters whose names say nothing: what they are comes from the callers, who pass
 * their ctx and the packet bounds (through a local). The harness passes the same. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

static __noinline int classify(void *md, void *start, void *stop)
{
	struct ethhdr *eth = start;
	__u8 tos = 0;

	if ((void *)(eth + 1) > stop)
		return TC_ACT_OK;
	if (eth->h_proto != __builtin_bswap16(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(md, sizeof(*eth) + 1, &tos, 1))
		return TC_ACT_SHOT;
	return tos ? TC_ACT_PIPE : TC_ACT_OK;
}

SEC("tc")
int ingress(struct __sk_buff *skb)
{
	void *end = (void *)(long)skb->data_end;

	return classify(skb, (void *)(long)skb->data, end);
}

SEC("tc")
int egress(struct __sk_buff *skb)
{
	return classify((void *)skb, (void *)(long)skb->data, (void *)(long)skb->data_end);
}

char LICENSE[] SEC("license") = "GPL";
