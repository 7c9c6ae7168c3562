// ARGS: --function ____on_switch,____on_enter --harness raw_tp
// VERIFY: pass
// KEEP: /\* ____on_switch\(ctx\): its callers pass their ctx \*/
// KEEP: /\* ____on_switch\(prev\): its callers pass their ctx\[1\], the target's argument 1 \*/
// KEEP: ____on_enter\(\(unsigned long long \*\)ctx, \(struct pt_regs \*\)\(\(unsigned long long \*\)ctx\)\[0\], bpfcarve_args->p\d+\)
// KEEP: ____on_switch\(\(unsigned long long \*\)ctx, bpfcarve_args->p\d+, \(struct task_struct \*\)\(\(unsigned long long \*\)ctx\)\[1\], \(struct task_struct \*\)\(\(unsigned long long \*\)ctx\)\[2\]\)
/* The body libbpf's BPF_PROG(name, ...) writes, ____on_switch(unsigned long long *ctx, ...),
 * under a raw_tp harness: ctx is what the wrapper passes, the raw args, and each argument the
 * wrapper reads from them (`(void *)ctx[1]`) is the entry's own ctx[1]: numbers at raw_tp,
 * read with BPF_CORE_READ, as for the `struct pt_regs *regs` of sys_enter (an argument of the
 * event there, not a kprobe's ctx); typed kernel pointers at tp_btf, fentry and lsm when the
 * harness is in the callers' section. The wrapper programs come along: the macro writes both in
 * one piece of text. */
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
