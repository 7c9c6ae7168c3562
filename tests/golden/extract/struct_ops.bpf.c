// ARGS: --program cc_ssthresh
// VERIFY: pass
// KEEP: SEC\("\.struct_ops"\)\nstruct tcp_congestion_ops cc_ops = \{
// KEEP: __u32 BPF_PROG\(cc_ssthresh, struct sock \*sk\)
// KEEP: __u32 BPF_PROG\(cc_undo_cwnd, struct sock \*sk\)
// DROP: unrelated
/* A struct_ops program is loaded through the SEC(".struct_ops") variable that names it: libbpf
 * takes its attach BTF id from there, without it the kernel refuses the program (ENOTSUPP). No
 * edge leads from the program to the variable; it comes along anyway, and with it the other
 * programs it names. Other programs go. */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("struct_ops/cc_ssthresh")
__u32 BPF_PROG(cc_ssthresh, struct sock *sk)
{
	return ((struct tcp_sock *)sk)->snd_ssthresh;
}

SEC("struct_ops/cc_undo_cwnd")
__u32 BPF_PROG(cc_undo_cwnd, struct sock *sk)
{
	return ((struct tcp_sock *)sk)->snd_cwnd;
}

SEC("tc")
int unrelated(struct __sk_buff *skb)
{
	return 0;
}

SEC(".struct_ops")
struct tcp_congestion_ops cc_ops = {
	.ssthresh = (void *)cc_ssthresh,
	.undo_cwnd = (void *)cc_undo_cwnd,
	.name = "bpfcarve_cc",
};
