// ARGS: --function parse --harness xdp
// VERIFY: pass
// KEEP: SEC\("xdp"\)\nint bpfcarve_harness\(struct xdp_md \*ctx\)
// KEEP: bpfcarve_ret = parse\(bpfcarve_data, bpfcarve_data_end, &bpfcarve_args->p0, bpfcarve_args->p1\);
// KEEP: struct hdr p0;
/* A non-entry function made verifiable: packet pointers from ctx, a struct pointer into a map
 * value, a scalar from it; parse returns XDP codes, so the harness returns its result. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct hdr {
	__u8 kind;
	__u8 len;
};

static __always_inline int parse(void *data, void *data_end, struct hdr *out, __u32 limit)
{
	struct hdr *h = data;
	if ((void *)(h + 1) > data_end)
		return XDP_DROP;
	*out = *h;
	return h->len > limit ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
