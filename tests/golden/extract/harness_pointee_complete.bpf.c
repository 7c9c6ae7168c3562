// ARGS: --function handle --harness xdp
// VERIFY: pass
// KEEP: struct flow \{\n\t__u32 addr;
// DROP: declaration only
/* handle only passes its pointer on, so the slice alone would keep `struct flow;`; but the
 * harness declares a struct flow in its argument map value: the record stays complete. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct flow {
	__u32 addr;
};

static __noinline int consume(struct flow *f)
{
	return f != 0;
}

static __noinline int handle(struct flow *f)
{
	return consume(f);
}

char LICENSE[] SEC("license") = "GPL";
