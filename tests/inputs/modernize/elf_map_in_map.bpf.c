/* A map-in-map in iproute2's style: the outer map names its inner map by id (.inner_id), and
 * the inner map says at which key of the outer map tc(8) places it (.inner_idx). The sections
 * are unknown to libbpf: commands take --type tc. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
	__u32 inner_id;
	__u32 inner_idx;
};

#define COUNTERS_ID 7

struct bpf_elf_map SEC("maps") counters = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u64),
	.max_elem = 4,
	.id = COUNTERS_ID,
	.inner_idx = 1,
};

struct bpf_elf_map SEC("maps") tables = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 2,
	.inner_id = COUNTERS_ID,
};

SEC("classifier_count")
int count(struct __sk_buff *skb)
{
	__u32 table = 1, slot = skb->len & 3;
	void *inner = bpf_map_lookup_elem(&tables, &table);
	__u64 *n;

	if (!inner)
		return TC_ACT_OK;
	n = bpf_map_lookup_elem(inner, &slot);
	if (n)
		__sync_fetch_and_add(n, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
