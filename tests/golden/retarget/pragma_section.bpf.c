// ARGS: --to tc
// KEEP: #pragma clang section text="tc"
// KEEP: return TC_ACT_SHOT;
// DIFFRUN: pass
/* A program placed with `#pragma clang section text=` instead of SEC(): the output places its
 * retarget the same way, in the target's section. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#pragma clang section text="xdp"
int drop_runts(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + ETH_ZLEN > data_end)
		return XDP_DROP;
	return XDP_PASS;
}
#pragma clang section text=""

char LICENSE[] SEC("license") = "GPL";
