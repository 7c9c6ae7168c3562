// ARGS: --to xdp
// REFUSE: refuse_computed_return.bpf.c:16:9: error: cannot retarget 'twice_len' to xdp: return sub\(skb\): the value is computed at run time and the program names no tc return code: its meaning at xdp is unknown$
/* The entry returns a number no tc code names (tc reads it as TC_ACT_UNSPEC, xdp as an invalid
 * action): there is nothing to map. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int sub(struct __sk_buff *skb)
{
	return skb->len * 2;
}

SEC("tc")
int twice_len(struct __sk_buff *skb)
{
	return sub(skb);
}

char LICENSE[] SEC("license") = "GPL";
