/* fentry programs are refused with EPERM and an empty log on this machine kind: skipped. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("fentry/do_nanosleep")
int bpfcarve_t_fentry(void *ctx)
{
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
