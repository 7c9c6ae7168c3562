// ARGS: --function classify --harness xdp
// VERIFY: pass
// KEEP: #ifdef WANT_WIDE\nstatic __always_inline int classify\(struct xdp_md \*ctx, __u64 flags\)\n#else\nstatic __always_inline int classify\(struct xdp_md \*ctx\)\n#endif\n\{
// DROP: SEC\("xdp"\)\nint prog
/* A function head written once per configuration: the definition the parse sees starts in the
 * #else branch and its head ends past #endif. The slice keeps the whole conditional, so it
 * compiles whichever branch the input's flags choose. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifdef WANT_WIDE
static __always_inline int classify(struct xdp_md *ctx, __u64 flags)
#else
static __always_inline int classify(struct xdp_md *ctx)
#endif
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + 14 > data_end)
		return XDP_DROP;
	return XDP_PASS;
}

SEC("xdp")
int prog(struct xdp_md *ctx)
{
#ifdef WANT_WIDE
	return classify(ctx, 0);
#else
	return classify(ctx);
#endif
}

char _license[] SEC("license") = "GPL";
