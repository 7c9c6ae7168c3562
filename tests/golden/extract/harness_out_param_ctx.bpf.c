// ARGS: --function pick,shared --harness tc
// VERIFY: pass
// KEEP: struct backend p0;
// KEEP: struct backend \(\*bpfcarve_p0\) = &bpfcarve_args->p0;
// KEEP: pick\(\(struct backend \*\*\)&bpfcarve_p0, bpfcarve_args->p1\)
// KEEP: shared\(ctx, bpfcarve_data, bpfcarve_data_end\)
/* An out-parameter (struct backend **) gets the address of a local pointer into the map value;
 * a context passed as void * named ctx (code shared by xdp and tc programs) gets the ctx. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct backend {
	__u32 addr;
	__u8 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

static __always_inline int pick(struct backend **out, __u32 slot)
{
	if ((*out)->flags)
		return 0;
	*out = bpf_map_lookup_elem(&backends, &slot);
	return *out != 0;
}

static __always_inline int shared(void *ctx, void *data, void *data_end)
{
	if (data + 14 > data_end)
		return 0;
	return bpf_get_smp_processor_id() + (ctx != 0);
}

char LICENSE[] SEC("license") = "GPL";
