// ARGS: --to tc
// KEEP: int action = TC_ACT_SHOT;
// KEEP: action = TC_ACT_OK;
// KEEP: return action;
// KEEP: SEC\("tc"\)
// KEEP: int filter\(struct __sk_buff \*ctx\)
// KEEP: #ifndef BPFCARVE_DECL_TC_ACT_SHOT\n#define BPFCARVE_DECL_TC_ACT_SHOT\n#define TC_ACT_SHOT 2\n#endif
// DROP: XDP_
// DIFFRUN: pass
/* The verdict travels through a variable: every XDP code in the program is mapped by meaning. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp")
int filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	int action = XDP_DROP;

	if ((void *)(eth + 1) > data_end)
		return action;
	if (eth->h_proto == bpf_htons(ETH_P_IP) || eth->h_proto == bpf_htons(ETH_P_IPV6))
		action = XDP_PASS;
	return action;
}

char LICENSE[] SEC("license") = "GPL";
