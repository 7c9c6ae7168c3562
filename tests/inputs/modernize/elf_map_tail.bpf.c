/* Maps in iproute2's style: struct bpf_elf_map (its field names), pinning in the global
 * namespace, and a prog array whose slots are filled by sections "ID/KEY" naming the map's id,
 * as tc(8) loads them. The sections are unknown to libbpf: commands take --type tc. */
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

#define JUMP_TABLE 0x2a
#define TAIL(ID, KEY) __attribute__((section(#ID "/" #KEY), used))

struct bpf_elf_map SEC("maps") hits = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u64),
	.max_elem = 2,
	.pinning = 2, /* PIN_GLOBAL_NS */
};

struct bpf_elf_map SEC("maps") jumps = {
	.type = BPF_MAP_TYPE_PROG_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 2,
	.id = JUMP_TABLE,
};

static __always_inline void hit(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&hits, &slot);

	if (n)
		__sync_fetch_and_add(n, 1);
}

TAIL(0x2a, 1)
int second_stage(struct __sk_buff *skb)
{
	hit(1);
	return TC_ACT_OK;
}

SEC("ingress_entry")
int first_stage(struct __sk_buff *skb)
{
	hit(0);
	bpf_tail_call(skb, &jumps, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
