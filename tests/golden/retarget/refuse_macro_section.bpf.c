// ARGS: --to xdp --program pass_0
// REFUSE: refuse_macro_section.bpf.c:14:1: error: cannot retarget 'pass_0' to xdp: SEC\("tc"\) in PASS_PROG\(0\): the section is written in the macro that defines the program: editing it would retarget every program the macro defines$
/* tailcall1.c's pattern: one macro defines several programs, SEC() and all. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define PASS_PROG(x)                              \
	SEC("tc")                                 \
	int pass_##x(struct __sk_buff *skb)       \
	{                                         \
		return TC_ACT_OK;                 \
	}
PASS_PROG(0)
PASS_PROG(1)

char LICENSE[] SEC("license") = "GPL";
