// ARGS: --program on_prctl
// VERIFY: pass
// KEEP: SEC\("ksyscall/prctl"\)\nint BPF_KSYSCALL\(on_prctl, int option, unsigned long arg2\)
// DROP: on_sleep
// DROP: nanosleep
/* libbpf's BPF_KSYSCALL(name, ...) writes, inside each program's expansion, the declaration
 * `extern _Bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;`. The kept program's own expansion
 * declares it; the other program's must not come along as a bare `BPF_KSYSCALL(...)` line. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

int sleeps, last_option;

SEC("ksyscall/nanosleep")
int BPF_KSYSCALL(on_sleep, struct __kernel_timespec *req, struct __kernel_timespec *rem)
{
	sleeps += req != 0;
	return 0;
}

SEC("ksyscall/prctl")
int BPF_KSYSCALL(on_prctl, int option, unsigned long arg2)
{
	last_option = option;
	return 0;
}

char _license[] SEC("license") = "GPL";
