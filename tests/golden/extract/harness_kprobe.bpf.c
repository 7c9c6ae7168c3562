// ARGS: --function stack_of,bump --harness kprobe
// VERIFY: pass
// KEEP: SEC\("kprobe"\)\nint bpfcarve_harness\(struct pt_regs \*ctx\)
// KEEP: bpfcarve_args->r0 = \(__u64\)stack_of\(ctx\);
// KEEP: bump\(&bpfcarve_args->p0\);
/* A kprobe harness: the entry takes struct pt_regs, which the function that records the
 * kernel stack (bpf_get_stackid needs the probe's own ctx) gets as ctx; the other's counter
 * comes from the argument map value. */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 64);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

static __always_inline long stack_of(struct pt_regs *ctx)
{
	return bpf_get_stackid(ctx, &stacks, 0);
}

static __always_inline void bump(__u64 *hits)
{
	__sync_fetch_and_add(hits, 1);
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

SEC("kprobe/do_sys_openat2")
int on_open(struct pt_regs *ctx)
{
	__u32 key = 0;
	__u64 *h = bpf_map_lookup_elem(&hits, &key);

	if (h && stack_of(ctx) >= 0)
		bump(h);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
