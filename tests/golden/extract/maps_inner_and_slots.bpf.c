// ARGS: --program dispatcher
// VERIFY: pass
// KEEP: struct inner_def
// KEEP: \} outer SEC\("\.maps"\)
// KEEP: \} inner_a SEC\("\.maps"\)
// KEEP: int slot_target\(struct xdp_md \*ctx\)
// KEEP: \} jumps SEC\("\.maps"\)
// DROP: other_prog
// DROP: unused_map
/* A program's closure: the map-in-map with its inner definition and statically placed inner
 * map, the prog array with the program placed in its slot; other programs and maps go. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner_def {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} inner_a SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_def);
} outer SEC(".maps") = { .values = { [0] = &inner_a } };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} unused_map SEC(".maps");

SEC("xdp")
int slot_target(struct xdp_md *ctx)
{
	return XDP_PASS;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jumps SEC(".maps") = { .values = { [0] = (void *)&slot_target } };

SEC("xdp")
int dispatcher(struct xdp_md *ctx)
{
	__u32 k = 0;
	void *inner = bpf_map_lookup_elem(&outer, &k);
	if (inner && bpf_map_lookup_elem(inner, &k))
		bpf_tail_call(ctx, &jumps, 0);
	return XDP_PASS;
}

SEC("xdp")
int other_prog(struct xdp_md *ctx)
{
	__u32 k = 0;
	return bpf_map_lookup_elem(&unused_map, &k) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
