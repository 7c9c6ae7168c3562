// ARGS: --program fwd
// VERIFY: pass
// KEEP: struct node \{
// KEEP: /\* from forward_declarations\.bpf\.c:[0-9]+, declaration only \*/\nstruct payload;\n
// DROP: char bytes\[16\]
// KEEP: /\* from forward_declarations\.bpf\.c:[0-9]+, declaration only \*/\nstruct meta;\n
// DROP: int len;
// KEEP: typedef struct meta meta_t;
// KEEP: struct hdr \{
// KEEP: struct sized \{
// KEEP: struct copied \{
// KEEP: struct value \{
// KEEP: struct gparam \{
// KEEP: struct elem \{
// KEEP: \nstruct opaque;\n
// DROP: struct opaque \{
// DROP: opaque_secret
/* A record the kept code only points to needs no more than `struct foo;`. It must be complete
 * where a value of it exists or its size counts: member access, pointer arithmetic,
 * sizeof(*p), a copy, a map's __type(), a global function's argument, an array of it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct opaque;

struct node {
	struct node *next;
	struct payload *data;
	int value;
};

struct payload {
	char bytes[16];
};

struct meta {
	int len;
};

typedef struct meta meta_t;

struct hdr {
	__u16 a, b;
};

struct sized {
	__u32 x[3];
};

struct copied {
	__u32 y;
};

struct value {
	__u64 packets;
};

struct gparam {
	__u32 z;
};

struct elem {
	__u32 w;
};

struct opaque {
	int opaque_secret;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct value);
} values SEC(".maps");

static __noinline int walk(struct node *n, meta_t *m, struct opaque *o)
{
	if (!n || !m || !o)
		return 0;
	return n->value;
}

static __always_inline int bounds(void *data, void *data_end)
{
	struct hdr *h = data;

	if ((void *)(h + 1) > data_end)
		return 0;
	return 1;
}

static __always_inline int size_of(struct sized *s)
{
	return sizeof(*s);
}

static __always_inline __u32 copy(struct copied *p)
{
	struct copied c = *p;

	return c.y;
}

__noinline int global_fn(struct gparam *g)
{
	return g ? 1 : 0;
}

static __always_inline int first_of(struct elem (*arr)[2])
{
	return arr ? 1 : 0;
}

SEC("xdp")
int fwd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct copied local = { .y = 1 };
	__u32 key = 0;
	struct value *v = bpf_map_lookup_elem(&values, &key);

	if (v)
		v->packets++;
	return walk(0, 0, 0) + bounds(data, data_end) + size_of(0) + copy(&local) +
	       global_fn(0) + first_of(0) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
