/* cgroup_skb ingress must return 0 or 1; 2 (TC_ACT_SHOT / XDP_PASS) is out of range. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup_skb/ingress")
int bpfcarve_t_ret(struct __sk_buff *skb)
{
	return 2;
}
char LICENSE[] SEC("license") = "GPL";
