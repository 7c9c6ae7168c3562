// ARGS: --function ____on_return --harness kretprobe/do_unlinkat
// VERIFY: pass
// KEEP: /\* ____on_return\(ctx\): its callers pass their ctx \*/
// KEEP: ____on_return\(ctx\)
/* The body libbpf's BPF_KRETPROBE(name) writes, ____on_return(struct pt_regs *ctx), beside the
 * UAPI linux/bpf.h, which only declares struct pt_regs: a pointer to an incomplete struct, which
 * the harness passes on as its callers do, their ctx. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

__u64 last_ip;

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(on_return)
{
	last_ip = bpf_get_func_ip(ctx);
	return 0;
}

char _license[] SEC("license") = "GPL";
