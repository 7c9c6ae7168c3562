// ARGS: --function parse_ports,fill --harness xdp
// VERIFY: pass
// KEEP: parse_ports\(bpfcarve_data, \(struct iphdr \*\)bpfcarve_data, bpfcarve_data_end, &bpfcarve_args->p0\)
// KEEP: fill\(&bpfcarve_args->p1, &bpfcarve_args->p2\)
/* Next to a data_end parameter, an untyped pointer (void *l4) and a pointer to a system header
 * struct (struct iphdr *) point into the packet, as callers pass them; the function's own
 * struct (struct ports *) and pointers of functions without data_end point into the map value. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>

struct ports {
	__u16 src, dst;
};

static __always_inline int parse_ports(void *l4, struct iphdr *iph, void *data_end,
				       struct ports *out)
{
	struct udphdr *udp = l4;

	if ((void *)(iph + 1) > data_end || (void *)(udp + 1) > data_end)
		return XDP_DROP;
	out->src = udp->source;
	out->dst = udp->dest;
	return iph->protocol == IPPROTO_UDP ? XDP_PASS : XDP_DROP;
}

static __always_inline void fill(struct iphdr *iph, struct ports *p)
{
	iph->saddr = p->src;
}

char LICENSE[] SEC("license") = "GPL";
