/* Every entity and edge kind of the ProgramModel in one file: the JSON Schema test input. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "local.h"

#ifndef MAX_E
#define MAX_E 16
#endif
#define DOUBLE(x) ((x) * 2)
#define SIZE DOUBLE(MAX_E)

struct inner { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } in1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SIZE);
	__type(key, __u32);
	__type(value, struct val);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = { .values = { [1] = &in1 } };

int tail(struct xdp_md *ctx);
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int (void *));
} jmp SEC(".maps") = { .values = { [2] = (void *)&tail } };

const volatile __u32 knob = 3;
__u64 hits;
typedef struct val val_t;
typedef val_t val2_t;
enum color { RED, GREEN };

static long cb(__u32 i, void *c) { return 0; }

static __always_inline int helper(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	val2_t *v;
	__u32 k = GREEN;
	v = bpf_map_lookup_elem(&counters, &k);
	if (v) v->n++;
#if defined(FEATURE_X)
	hits++;
#endif
	bpf_loop(4, cb, 0, 0);
	return data ? XDP_PASS : XDP_DROP;
}

SEC("xdp") int tail(struct xdp_md *ctx) { return XDP_PASS; }

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	int action = XDP_DROP;
	bpf_tail_call(ctx, &jmp, 2);
	action = helper(ctx) + knob;
	return action;
}
SEC("?tc") int t2(struct __sk_buff *skb) { skb->mark = 1; return 0; }
char LICENSE[] SEC("license") = "GPL";
