// ARGS: --to xdp --program pass_0
// REFUSE: refuse_macro_return\.bpf\.c:15:1: error: cannot retarget 'pass_0' to xdp: the return in PASS_PROG\(0\): it is written in a macro that writes the whole function: it has no text of its own to edit$
/* tailcall1.c's pattern with a code that is a macro (TC_ACT_OK): the return is written in the
 * macro's body, where no use of TC_ACT_OK is recorded, and has no text of its own. */
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
