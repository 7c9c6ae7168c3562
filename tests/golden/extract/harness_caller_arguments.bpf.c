// ARGS: --function proto_at,hash,count,copy_mac --harness xdp
// VERIFY: pass
// KEEP: /\* proto_at\(off\): its callers pass 14, 18 \*/
// KEEP: proto_at\(bpfcarve_data, bpfcarve_data_end, \(bpfcarve_args->p0 == 1 \? 18ULL : 14ULL\)\)
// KEEP: /\* hash\(len\): its callers pass 16 \*/
// KEEP: __u8 p1\[16\]; /\* the largest object hash's callers pass as key \*/
// KEEP: hash\(\(const void \*\)bpfcarve_args->p1, 16ULL\)
// KEEP: /\* count\(table\): its callers pass &counters \*/
// KEEP: count\(\(void \*\)&counters, &bpfcarve_args->p4\)
// KEEP: __u8 p5\[6\]; /\* the largest object copy_mac's callers pass as dst \*/
// KEEP: struct \{\n\t__uint\(type, BPF_MAP_TYPE_ARRAY\);\n\t__uint\(max_entries, 4\);
/* Arguments from the callers. Every call of proto_at passes an offset that is a constant at the
 * entry (14, or 18 behind a VLAN tag) through l3_proto's unchanged parameter: the harness passes
 * each, chosen by an unknown, so the function's bounds check is verified for both. hash's key
 * is a 16-byte address at its only call and len is 16: a 16-byte key in the map value, and 16.
 * count's table is always the counters map, through a local that only holds it: the harness
 * passes &counters, which the slice keeps. copy_mac's dst is a 6-byte MAC, not one __u8. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct flow {
	__u8 addr[16];
	__u8 mac[6];
};

static __always_inline __u16 proto_at(void *data, void *data_end, __u32 off)
{
	__u16 *proto = data + off - 2;

	if ((void *)(proto + 1) > data_end)
		return 0;
	return *proto;
}

static __noinline __u16 l3_proto(void *data, void *data_end, __u32 off)
{
	return proto_at(data, data_end, off);
}

static __always_inline __u32 hash(const void *key, __u32 len)
{
	const __u8 *k = key;
	__u32 h = 2166136261u;

	for (__u32 i = 0; i < len; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static __always_inline void count(void *table, __u32 *key)
{
	__u64 *v = bpf_map_lookup_elem(table, key);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline void copy_mac(__u8 *dst, const __u8 *src)
{
	__builtin_memcpy(dst, src, 6);
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct flow f = {};
	void *table = &counters;
	__u32 key;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	copy_mac(f.mac, eth->h_source);
	key = hash(f.addr, sizeof(f.addr)) & 3;
	count(table, &key);
	if (l3_proto(data, data_end, 14) == 0x0081)
		return l3_proto(data, data_end, 18) ? XDP_PASS : XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
