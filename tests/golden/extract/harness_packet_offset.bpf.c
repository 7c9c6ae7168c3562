// ARGS: --function parse_udp,hash --harness xdp
// VERIFY: pass
// KEEP: /\* parse_udp\(off\): an offset into the packet \(data \+ off\), unknown in \[0, 0x7fff\] \*/
// KEEP: parse_udp\(bpfcarve_data, \(bpfcarve_args->p0 & 0x7fff\), bpfcarve_data_end\)
// KEEP: hash\(\(__u32 \*\)bpfcarve_args->p1, bpfcarve_args->p2\)
// DROP: bpfcarve_args->p2 & 0x7fff
/* An integer the function adds to its packet start (`udp = data + off`) is an offset: the
 * verifier tracks no packet pointer plus an unbounded scalar, so callers bound it (parse_udp's
 * passes a small offset computed at run time). The harness takes it as unknown in [0, 0x7fff];
 * the function's own bounds check against data_end must then hold for every such offset. An integer added to a pointer that is
 * not a packet pointer (hash's i) is read from the map value unbounded. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>

static __always_inline int parse_udp(void *data, __u64 off, void *data_end)
{
	struct udphdr *udp = data + off;

	if ((void *)(udp + 1) > data_end)
		return XDP_DROP;
	off += sizeof(*udp);
	if (data + off + 1 > data_end)
		return XDP_DROP;
	return udp->dest == 53 ? XDP_DROP : XDP_PASS;
}

static __always_inline __u32 hash(__u32 *words, __u32 i)
{
	if (i >= 4)
		return 0;
	return *(words + i) * 2654435761u;
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 words[4] = {1, 2, 3, 4};

	__u64 off = sizeof(struct ethhdr);

	if (hash(words, ctx->rx_queue_index) == 7)
		return XDP_ABORTED;
	if (ctx->ingress_ifindex & 1)
		off += 4; /* a VLAN tag, say: not a constant at the call */
	return parse_udp(data, off + sizeof(struct iphdr), data_end);
}

char LICENSE[] SEC("license") = "GPL";
