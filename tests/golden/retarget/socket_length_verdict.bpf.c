// ARGS: --to cgroup_skb/ingress
// KEEP: return 0 /\* drop \*/;
// KEEP: return 1 /\* allow \*/;
// KEEP: return \(skb->len\) \? 1 /\* allow \*/ : 0 /\* drop \*/;
// DROP: return -1;
// DIFFRUN: pass
/* A socket filter returns how many bytes to keep: 0 drops, -1 (all of them as a u32) and
 * skb->len keep the packet. cgroup_skb takes 0 or 1 only (anything else fails at load): the
 * constant lengths become its codes and the computed one a test for non-zero. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("socket")
int keep_udp(struct __sk_buff *skb)
{
	if (skb->protocol != __builtin_bswap16(0x0800))
		return -1;
	if (skb->len < 28)
		return 0;
	return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
