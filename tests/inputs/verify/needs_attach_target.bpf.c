/* freplace programs need the program they replace at load time. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("freplace/some_function")
int bpfcarve_t_freplace(struct __sk_buff *skb)
{
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
