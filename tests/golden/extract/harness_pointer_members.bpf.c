// ARGS: --function parse_l3,count --harness tc
// VERIFY: pass
// KEEP: struct cursor p0;\n\tunion \{\n\t\tstruct iphdr m0;\n\t\tstruct ipv6hdr m1;\n\t\} p0_0;\n\tstruct stats p0_1;
// KEEP: struct cursor bpfcarve_p0;\n\n\t__builtin_memcpy\(&bpfcarve_p0, &bpfcarve_args->p0, sizeof\(bpfcarve_p0\)\);
// KEEP: bpfcarve_p0\.skb = ctx;
// KEEP: bpfcarve_p0\.head = \(__u8 \*\)bpfcarve_data;
// KEEP: \*\(__u8 \* \*\)&bpfcarve_p0\.tail = \(__u8 \*\)bpfcarve_data_end;
// KEEP: bpfcarve_p0\.l3\.v4 = \(struct iphdr \*\)&bpfcarve_args->p0_0;
// KEEP: bpfcarve_p0\.stats = \(struct stats \*\)&bpfcarve_args->p0_1;
// KEEP: parse_l3\(&bpfcarve_p0\)
// KEEP: count\(bpfcarve_p1\)
// DROP: bpfcarve_p0\.l3\.v6 =
/* A struct that holds pointers is built on the harness's stack: read from a map value its
 * pointers would be scalars the verifier does not dereference. Each pointer member is set as a
 * parameter of its type would be: the skb is the ctx; head and tail are the packet start and end
 * because the program sets them from skb->data and skb->data_end (tail also through a local, and
 * it is const); the header pointers of the union share one storage sized for the larger header;
 * a pointer to the file's own struct points into the map value. The struct passed by value
 * (count) is built the same way. Plain members (depth) are copied from the map value. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct stats {
	__u64 packets, bytes;
};

struct cursor {
	struct __sk_buff *skb;
	__u8 *head;
	__u8 *const tail; /* const: only an initialiser sets it */
	union {
		struct iphdr *v4;
		struct ipv6hdr *v6;
	} l3;
	struct stats *stats;
	__u32 depth;
};

static __always_inline int parse_l3(struct cursor *c)
{
	struct ethhdr *eth = (struct ethhdr *)c->head;

	if ((void *)(eth + 1) > (void *)c->tail)
		return TC_ACT_SHOT;
	c->head += sizeof(*eth);
	c->stats->packets++;
	c->stats->bytes += c->skb->len;
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return c->l3.v6->hop_limit > 1 ? TC_ACT_OK : TC_ACT_SHOT;
	if (c->depth > 8)
		return TC_ACT_SHOT;
	return c->l3.v4->ttl > 1 ? TC_ACT_OK : TC_ACT_SHOT;
}

static __always_inline __u64 count(struct cursor c)
{
	return c.stats->packets + c.depth;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stats);
} stats_map SEC(".maps");

SEC("tc")
int entry(struct __sk_buff *skb)
{
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr ip = {};
	__u32 key = 0;
	struct stats *s = bpf_map_lookup_elem(&stats_map, &key);

	if (!s)
		return TC_ACT_OK;
	struct cursor c = {
		.skb = skb,
		.head = (__u8 *)(long)skb->data,
		.tail = data_end,
		.l3.v4 = &ip,
		.stats = s,
	};
	if (parse_l3(&c) != TC_ACT_OK)
		return TC_ACT_SHOT;
	return count(c) > 100 ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
