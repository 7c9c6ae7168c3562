// ARGS: --to xdp
// KEEP: int verdict = XDP_PASS;
// KEEP: verdict = XDP_DROP;
// DROP: BPF_OK|BPF_DROP
// DIFFRUN: pass
/* tc programs may name their verdicts with enum bpf_ret_code (BPF_OK = TC_ACT_OK, BPF_DROP =
 * TC_ACT_SHOT): mapped like the TC_ACT_* names. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("tc")
int ipv6_only(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	int verdict = BPF_OK;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		verdict = BPF_DROP;
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
