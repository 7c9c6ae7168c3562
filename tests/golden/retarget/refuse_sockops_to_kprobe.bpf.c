// ARGS: --to kprobe
// REFUSE: refuse_sockops_to_kprobe.bpf.c:10:1: error: cannot retarget 'keep' to kprobe: keep: sockops and kprobe programs see different kinds of context: no sound rewrite
/* Two hooks without packets and with different contexts (struct bpf_sock_ops, struct pt_regs)
 * have no rewrite between them, and their return codes mean unrelated things (1 keeps the
 * sockops callback's default; a kprobe's return is ignored): refused even though the program
 * never reads its ctx. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("sockops")
int keep(struct bpf_sock_ops *skops)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
