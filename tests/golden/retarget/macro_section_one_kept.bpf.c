// ARGS: --to tc --program pass_0
// KEEP: SEC\("tc"\) +\\
// KEEP: return TC_ACT_OK;
// DROP: PASS_PROG\(1\)
// DIFFRUN: pass --program pass_0
/* tailcall1.c's pattern: one macro writes several programs, SEC() and all. Only pass_0 is kept,
 * so the output's #define is edited: the section, the ctx type and the code in its body. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define PASS_PROG(x)                               \
	SEC("xdp")                                 \
	int pass_##x(struct xdp_md *ctx)           \
	{                                          \
		return XDP_PASS;                   \
	}
PASS_PROG(0)
PASS_PROG(1)

char LICENSE[] SEC("license") = "GPL";
