// ARGS: --function get_sgp,____trace_add_sgs --harness kprobe
// VERIFY: pass
// KEEP: __u64 p\d+; /\* get_sgp\(sgs\): a kernel pointer, any value \*/
// KEEP: __u64 p\d+; /\* ____trace_add_sgs\(unused\): a kernel pointer, any value \*/
// KEEP: __u64 p\d+; /\* ____trace_add_sgs\(sgs\): a kernel pointer, any value \*/
/* At a kprobe the arguments are register values: an untyped `void *unused` and an array of
 * kernel pointers `struct scatterlist **sgs`, read with bpf_probe_read_kernel, are numbers there,
 * so any value stands for them (a stack slot would make `sgs + i` math on the frame pointer). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

unsigned int last_length;

static __always_inline struct scatterlist *get_sgp(struct scatterlist **sgs, int i)
{
	struct scatterlist *sgp = 0;

	bpf_probe_read_kernel(&sgp, sizeof(sgp), sgs + i);
	return sgp;
}

SEC("kprobe/virtqueue_add_sgs")
int BPF_KPROBE(trace_add_sgs, void *unused, struct scatterlist **sgs, unsigned int out_sgs)
{
	struct scatterlist *sgp = get_sgp(sgs, 0);

	if (sgp)
		last_length = BPF_CORE_READ(sgp, length);
	return 0;
}

char _license[] SEC("license") = "GPL";
