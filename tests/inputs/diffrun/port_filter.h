/* A UDP/TCP destination-port filter shared by the XDP and TC variants below: the same parsing,
 * hook-specific verdicts. Blocked ports come from a map so a seed file decides what is dropped. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);   /* destination port, host order */
	__type(value, __u64); /* packets dropped */
} blocked_ports SEC(".maps");

/* 1: drop, 0: pass */
static __always_inline int should_drop(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	struct iphdr *iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return 0;
	if (iph->ihl < 5)
		return 1;
	void *l4 = (void *)iph + iph->ihl * 4;
	__u16 dport;
	if (iph->protocol == IPPROTO_UDP) {
		struct udphdr *udp = l4;
		if ((void *)(udp + 1) > data_end)
			return 0;
		dport = bpf_ntohs(udp->dest);
	} else if (iph->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;
		if ((void *)(tcp + 1) > data_end)
			return 0;
		dport = bpf_ntohs(tcp->dest);
	} else {
		return 0;
	}
	__u64 *hits = bpf_map_lookup_elem(&blocked_ports, &dport);
	if (!hits)
		return 0;
#ifdef COUNT_TWICE
	__sync_fetch_and_add(hits, 2); /* a behaviour change only the map contents show */
#else
	__sync_fetch_and_add(hits, 1);
#endif
	return 1;
}
char LICENSE[] SEC("license") = "GPL";
