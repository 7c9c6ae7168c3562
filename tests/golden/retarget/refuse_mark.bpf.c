// ARGS: --to xdp
// REFUSE: refuse_mark.bpf.c:11:2: error: cannot retarget 'classify' to xdp: skb->mark: skb->mark has no XDP equivalent
/* Refused, with the construct and the reason: TC's mark has nothing to map to at XDP. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int classify(struct __sk_buff *skb)
{
	skb->mark = 42;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
