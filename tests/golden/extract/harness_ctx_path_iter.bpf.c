// ARGS: --function task_weight --harness iter/task
// VERIFY: pass
// KEEP: /\* task_weight\(se\): its callers pass &ctx->task->se \*/
// KEEP: __typeof__\(\(\(struct bpf_iter__task \*\)ctx\)->task\) bpfcarve_c\d+ = \(\(struct bpf_iter__task \*\)ctx\)->task;
// KEEP: if \(!bpfcarve_c\d+\)
// KEEP: task_weight\(\(const struct sched_entity \*\)\(&bpfcarve_c\d+->se\)\)
/* A kernel object the callers reach from their ctx: the iterator's task, checked for NULL,
 * then the address of its scheduling entity. A harness cannot make the object up; it walks
 * the same way from its own ctx, with the same NULL check the verifier asks for. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

__u64 total_weight;

static __noinline __u64 task_weight(const struct sched_entity *se)
{
	return se->load.weight;
}

SEC("iter/task")
int sum_weights(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	const struct sched_entity *se;

	if (!task)
		return 0;
	se = &task->se;
	total_weight += task_weight(se);
	return 0;
}
