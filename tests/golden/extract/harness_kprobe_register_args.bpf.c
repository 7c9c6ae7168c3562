// ARGS: --function first_length --harness kprobe
// VERIFY: pass
// KEEP: __u64 p\d+; /\* first_length\(sgs\): a kernel pointer, any value \*/
// KEEP: first_length\(\(struct sg \*\*\)bpfcarve_args->p\d+\)
/* Without vmlinux.h: the file mirrors the kernel's record itself. What makes `sgs` a kernel
 * pointer is what the callers pass: the probe's wrapper reads it from a register,
 * `(void *)PT_REGS_PARM2(ctx)`, a number at a kprobe; the body passes it on unchanged. */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct sg {
	unsigned long page_link;
	unsigned int offset;
	unsigned int length;
};

unsigned int last_length;

static __noinline unsigned int first_length(struct sg **sgs)
{
	struct sg *sgp = 0;
	unsigned int len = 0;

	bpf_probe_read_kernel(&sgp, sizeof(sgp), sgs);
	if (sgp)
		bpf_probe_read_kernel(&len, sizeof(len), &sgp->length);
	return len;
}

SEC("kprobe/virtqueue_add_sgs")
int BPF_KPROBE(trace_add_sgs, void *vq, struct sg **sgs)
{
	last_length = first_length(sgs);
	return 0;
}

char _license[] SEC("license") = "GPL";
