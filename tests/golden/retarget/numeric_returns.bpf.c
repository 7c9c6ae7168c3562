// ARGS: --to tc
// KEEP: return TC_ACT_OK;
// KEEP: return TC_ACT_SHOT;
// DIFFRUN: pass
/* Bare numbers returned by the entry are XDP codes: 2 is XDP_PASS, 1 XDP_DROP. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int numbers(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 60 > data_end)
		return 2;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
