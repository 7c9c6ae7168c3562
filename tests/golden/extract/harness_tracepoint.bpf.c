// ARGS: --function is_create,count_mode --harness tracepoint
// VERIFY: pass
// KEEP: SEC\("tracepoint"\)\nint bpfcarve_harness\(void \*ctx\)
// KEEP: /\* is_create\(args\): its callers pass their ctx \*/
// KEEP: bpfcarve_args->r0 = \(__u64\)is_create\(ctx\);
// KEEP: count_mode\(&bpfcarve_args->p\d+, bpfcarve_args->p\d+\);
// DROP: SEC\("tracepoint/syscalls/sys_enter_openat"\)
/* A tracepoint harness: the entry takes the event record as void *ctx; the function reading it
 * gets that ctx because its caller, the program, passes its own ctx (a record the file declares
 * itself, as older code does). The other function's counter and mode come from the map value. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sys_enter_openat_args {
	__u64 common; /* the common header programs may not read */
	__s64 syscall_nr;
	__u64 dfd;
	__u64 filename;
	__u64 flags;
	__u64 mode;
};

struct mode_count {
	__u64 creates;
	__u64 last_mode;
};

struct mode_count counts;

static __always_inline int is_create(struct sys_enter_openat_args *args)
{
	return (args->flags & 0100) != 0;
}

static __always_inline void count_mode(struct mode_count *c, __u64 mode)
{
	c->creates++;
	c->last_mode = mode;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int on_openat(struct sys_enter_openat_args *ctx)
{
	if (is_create(ctx))
		count_mode(&counts, ctx->mode);
	return 0;
}

char _license[] SEC("license") = "GPL";
