// ARGS: --function ____on_unlink --harness kprobe
// VERIFY: pass
// KEEP: __u64 p\d+; /\* ____on_unlink\(name\): a kernel pointer, any value \*/
// KEEP: ____on_unlink\(ctx, bpfcarve_args->p\d+, \(struct filename \*\)bpfcarve_args->p\d+\)
/* The body libbpf's BPF_KPROBE(name, ...) writes, ____on_unlink(struct pt_regs *ctx, ...), under
 * a kprobe harness: ctx is the probe's own; `struct filename *name` is a register's value at a
 * kprobe, read with BPF_CORE_READ, so any value stands for it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char last_name[32];
int last_dfd;

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(on_unlink, int dfd, struct filename *name)
{
	const char *s = BPF_CORE_READ(name, name);

	last_dfd = dfd;
	bpf_probe_read_kernel_str(last_name, sizeof(last_name), s);
	return 0;
}

char _license[] SEC("license") = "GPL";
