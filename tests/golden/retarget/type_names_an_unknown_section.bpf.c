// ARGS: --type tc --to xdp
// KEEP: SEC\("xdp"\)\nint edge_filter\(struct xdp_md \*skb\)
// KEEP: return XDP_DROP;
// DROP: classify_edge
// DIFFRUN: pass --type tc
/* A tc classifier in a section libbpf does not know, as tc(8) loads them by section name
 * (`tc filter add ... bpf obj x.o sec classify_edge`): --type names its hook, the retarget
 * writes the target's own section. Drops IPv4 UDP to port 7 (echo). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("classify_edge")
int edge_filter(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	unsigned char *p = data;

	if (data + 14 + 20 + 8 > data_end)
		return TC_ACT_OK;
	/* IPv4, no options, UDP, destination port 7 */
	if (p[12] != 0x08 || p[13] != 0x00 || p[14] != 0x45 || p[23] != 17)
		return TC_ACT_OK;
	if (p[36] == 0 && p[37] == 7)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
