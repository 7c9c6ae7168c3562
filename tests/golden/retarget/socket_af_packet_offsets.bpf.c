// ARGS: --to tc --socket-offsets l2
// KEEP: if \(bpf_skb_load_bytes\(skb, 12, &proto, sizeof\(proto\)\) < 0\)
// KEEP: return \(proto == __builtin_bswap16\(0x0800\) \? -1 : 0\) \? TC_ACT_OK : TC_ACT_SHOT;
// KEEP: SEC\("tc"\)
/* A filter for an AF_PACKET socket reads the frame from its Ethernet header (the EtherType at
 * offset 12). Taken as such (--socket-offsets l2) its offsets are tc's and stay; taken as an IP
 * socket's filter (the default, L3) the load is refused. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("socket")
int only_ipv4(struct __sk_buff *skb)
{
	__u16 proto;

	if (bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)) < 0)
		return 0;
	return proto == __builtin_bswap16(0x0800) ? -1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
