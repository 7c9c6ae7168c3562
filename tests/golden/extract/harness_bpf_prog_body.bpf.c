// ARGS: --function ____on_switch,____on_enter --harness raw_tp
// VERIFY: pass
// KEEP: /\* ____on_switch\(ctx\): its callers pass their ctx \*/
// KEEP: __u64 p\d+; /\* ____on_switch\(prev\): a kernel pointer, any value \*/
// KEEP: ____on_enter\(\(unsigned long long \*\)ctx, \(struct pt_regs \*\)bpfcarve_args->p\d+, bpfcarve_args->p\d+\)
// KEEP: ____on_switch\(\(unsigned long long \*\)ctx, bpfcarve_args->p\d+, \(struct task_struct \*\)bpfcarve_args->p\d+, \(struct task_struct \*\)bpfcarve_args->p\d+\)
/* The body libbpf's BPF_PROG(name, ...) writes, ____on_switch(unsigned long long *ctx, ...),
 * under a raw_tp harness: ctx is what the wrapper passes, the raw args; the task pointers are
 * numbers at raw_tp, read with BPF_CORE_READ, so any value stands for them, as for the
 * `struct pt_regs *regs` of sys_enter: an argument of the event there, not a kprobe's ctx. The
 * wrapper programs come along: the macro writes both in one piece of text. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

int last_prev_pid, switches;

SEC("raw_tp/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (preempt)
		switches++;
	last_prev_pid = BPF_CORE_READ(prev, pid);
	return 0;
}

long last_id;

SEC("raw_tp/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
	if (id == 0)
		last_id = BPF_CORE_READ(regs, orig_ax);
	return 0;
}

char _license[] SEC("license") = "GPL";
