// ARGS: --function add_one --harness tp/syscalls/sys_enter_getpid
// VERIFY: pass
// KEEP: __u8 p\d+\[40\]; /\* the largest object add_one's callers pass as data \*/
/* A bpf_loop callback is called by the helper with the ctx its caller gives bpf_loop: a 40-byte
 * struct on the stack here, though the parameter is named like a packet pointer. Its index is
 * any number to the verifier, whatever the loop count: the callback bounds it itself. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

#define SLOTS 8

struct sum_ctx {
	__u64 total;
	__u32 vals[SLOTS];
};

__u64 last_total;

static int add_one(__u32 index, void *data)
{
	struct sum_ctx *c = data;

	if (index >= SLOTS)
		return 1;
	c->total += c->vals[index];
	return 0;
}

SEC("tp/syscalls/sys_enter_getpid")
int sum_slots(void *ctx)
{
	struct sum_ctx c = {};

	c.vals[3] = bpf_get_prandom_u32();
	bpf_loop(SLOTS, add_one, &c, 0);
	last_total = c.total;
	return 0;
}
