// A raw_tp program whose section names no event: user space attaches it by name at run time
// (bpf_program__attach_raw_tracepoint), so no tp_btf section can be written for it.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

__u64 seen = 0;

SEC("raw_tp")
int BPF_PROG(count_any, long a)
{
	__sync_fetch_and_add(&seen, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
