/* A kfunc the kernel does not have. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int bpfcarve_no_such_kfunc(void) __ksym;

SEC("tc")
int bpfcarve_t_ksym(struct __sk_buff *skb)
{
	return bpfcarve_no_such_kfunc();
}
char LICENSE[] SEC("license") = "GPL";
