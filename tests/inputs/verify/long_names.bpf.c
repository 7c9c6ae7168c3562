/* Program and section names longer than the text table's usual columns. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bpfcarve_t_a_program_whose_name_is_longer_than_its_column(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int bpfcarve_t_short(struct __sk_buff *skb)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
