// ARGS: --function count_frame --harness xdp
// VERIFY: pass
// KEEP: #define OUT_OF_LINE\n
// KEEP: #ifdef OUT_OF_LINE\n__attribute__\(\(noinline\)\)\n#else\nstatic __always_inline\n#endif\nint count_frame\(struct xdp_md \*ctx\)
/* The attributes of a function chosen by a macro the file defines (selftests' pyperf.h under
 * pyperf_global.c: `#ifdef GLOBAL_FUNC / __noinline / #else / static __always_inline / #endif`):
 * the conditional crosses into the definition, so the macro it tests is kept with it. Without it
 * the slice inlined the function and its program grew fivefold. */
#define OUT_OF_LINE
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifdef OUT_OF_LINE
__attribute__((noinline))
#else
static __always_inline
#endif
int count_frame(struct xdp_md *ctx)
{
	return ctx->data_end - ctx->data > 64 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int prog(struct xdp_md *ctx)
{
	return count_frame(ctx);
}

char _license[] SEC("license") = "GPL";
