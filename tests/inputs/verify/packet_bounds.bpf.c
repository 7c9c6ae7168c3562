/* Reads a packet byte without checking it against data_end. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bpfcarve_t_pkt(struct xdp_md *ctx)
{
	unsigned char *p = (void *)(long)ctx->data;
	if (p[20] == 3)
		return XDP_DROP;
	return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
