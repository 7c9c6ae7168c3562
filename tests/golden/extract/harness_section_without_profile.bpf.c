// ARGS: --function is_write --harness cgroup/sysctl
// VERIFY: pass
// KEEP: SEC\("cgroup/sysctl"\)\nint bpfcarve_harness\(void \*ctx\)
// KEEP: /\* is_write\(ctx\): its callers pass their ctx \*/\n\tbpfcarve_args->r0 = \(__u64\)is_write\(ctx\);
// DROP: int sysctl_guard
/* A harness in a section libbpf knows and no hook profile describes (cgroup/sysctl): the entry
 * is written in that section, so libbpf gives it the callers' program type, and the function
 * gets the entry's ctx where its callers pass theirs. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int is_write(struct bpf_sysctl *ctx)
{
	return ctx->write;
}

SEC("cgroup/sysctl")
int sysctl_guard(struct bpf_sysctl *ctx)
{
	return is_write(ctx) ? 0 : 1;
}

char _license[] SEC("license") = "GPL";
