/* A bounded loop whose iterations exceed the verifier's 1M processed-instruction budget. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bpfcarve_t_cplx(struct xdp_md *ctx)
{
	volatile __u32 acc = 0;
	for (__u32 i = 0; i < 400000; i++)
		acc += i ^ ctx->rx_queue_index;
	return acc ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
