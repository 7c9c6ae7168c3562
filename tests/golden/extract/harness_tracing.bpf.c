// ARGS: --function first_arg_even,count_pid --harness raw_tp
// VERIFY: pass
// KEEP: SEC\("raw_tp"\)\nint bpfcarve_harness\(struct bpf_raw_tracepoint_args \*ctx\)
// KEEP: bpfcarve_args->r0 = \(__u64\)first_arg_even\(ctx\);
// KEEP: count_pid\(&bpfcarve_args->p0, bpfcarve_args->p1\);
// KEEP: return 0; /\* ignored \*/\n\}
/* A raw_tp harness: the entry takes struct bpf_raw_tracepoint_args, which the function reading
 * args[] gets as ctx; the other's counter and pid come from the argument map value. raw_tp has
 * no pass code (the kernel ignores the return): the entry returns 0. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct counter {
	__u64 hits;
	__u32 last_pid;
};

static __always_inline int first_arg_even(struct bpf_raw_tracepoint_args *ctx)
{
	return (ctx->args[0] & 1) == 0;
}

static __always_inline void count_pid(struct counter *c, __u32 pid)
{
	c->hits++;
	c->last_pid = pid;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct counter);
} counters SEC(".maps");

SEC("raw_tp/sys_enter")
int on_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 key = 0;
	struct counter *c = bpf_map_lookup_elem(&counters, &key);

	if (c && first_arg_even(ctx))
		count_pid(c, bpf_get_current_pid_tgid() >> 32);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
