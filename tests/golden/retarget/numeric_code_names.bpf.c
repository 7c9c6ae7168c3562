// ARGS: --to cgroup_skb/ingress
// KEEP: return 1 /\* allow \*/;
// KEEP: return 0 /\* drop \*/;
/* cgroup_skb's verdicts are bare numbers: a retarget writes the number, with its name beside it
 * (no header defines `allow`). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int gate(struct __sk_buff *skb)
{
	if (skb->mark == 7)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
