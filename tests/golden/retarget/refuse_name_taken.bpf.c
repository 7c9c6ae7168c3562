// ARGS: --to tc
// REFUSE: refuse_name_taken.bpf.c:9:1: error: cannot retarget 'big_frames' to tc: bpf_skb_pull_data: the rewrite writes bpf_skb_pull_data, which this file declares as a function of its own, not the helper: the output would use the file's own code
/* At tc the entry's direct packet reads need bpf_skb_pull_data first, and the file has a
 * function of its own by that name: calling it would not pull the data. Refused by name. */
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))

static __attribute__((noinline)) int bpf_skb_pull_data(int len)
{
	return len > 1500;
}

SEC("xdp")
int big_frames(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (bpf_skb_pull_data((int)(data_end - data)))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
